// taapit-capture: the package entry. It loads the WebAssembly module once, on first use, and
// wraps every call so that nothing (a failed load, a blocked API, a bug) throws into the page.
// Every function returns a Promise: calls made before the module has loaded wait for it.
import init, * as wasm from './taapit_capture.js';

let loading;

function report(error) {
  try {
    console.warn('[taapit]', error);
  } catch (_) {
    // A console that throws is not worth breaking the page for.
  }
}

function load() {
  if (typeof window === 'undefined') return Promise.resolve(false);
  if (!loading) {
    loading = init({ module_or_path: new URL('./taapit_capture_bg.wasm', import.meta.url) }).then(
      () => true,
      (error) => {
        report(error);
        return false;
      },
    );
  }
  return loading;
}

async function call(run, fallback) {
  try {
    return (await load()) ? run() : fallback;
  } catch (error) {
    report(error);
    return fallback;
  }
}

const NOTHING = { trackingId: null, source: null, storage: null, domain: null, expiresAt: null };

/** Reads the tracking id from the page URL and stores it; see index.d.ts. */
export function capture(options) {
  return call(() => wasm.capture(options), NOTHING);
}

/** The stored tracking id, or null. */
export function getTrackingId() {
  return call(() => wasm.getTrackingId(), null);
}

/** Removes the id from the cookie (every domain level), the mirror and memory. */
export function clearTrackingId() {
  return call(() => wasm.clearTrackingId(), undefined);
}

/** Records consent and stores the id held while consent was pending. */
export function grantConsent() {
  return call(() => wasm.grantConsent(), NOTHING);
}

/** Deletes the id everywhere and keeps later captures on this page in memory. */
export function revokeConsent() {
  return call(() => wasm.revokeConsent(), undefined);
}
