// taapit-capture: the package entry. It loads the WebAssembly module once, on first use, and
// wraps every call so that nothing (a failed load, a blocked API, a bug) throws into the page.
// Every function returns a Promise: calls made before the module has loaded wait for it.
// Without `window` (server-side rendering) nothing loads and every call resolves with its
// empty result. After a call that may change the id, a `taapit:change` event tells the page
// (`event.detail.trackingId`); `taapit-capture/react`'s useTrackingId() listens to it.
// `capture({ outbound })` installs the outbound-link listener (outbound.js, the same code the
// script tag ships), once per page.
import { watchLinks } from './outbound.js';
import { instantiate } from './loader.js';

let loading;
let wasm; // the module's API, once loaded
let watching; // the outbound-link listener is installed

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
    // `new URL(…, import.meta.url)`: bundlers (Vite, webpack 5) emit the .wasm as an asset.
    loading = fetch(new URL('./taapit_capture.wasm', import.meta.url))
      .then((response) => {
        if (!response.ok) throw new Error(`taapit_capture.wasm: HTTP ${response.status}`);
        return response; // compiled while it streams in when typed application/wasm
      })
      .then(instantiate)
      .then(
        (api) => {
          wasm = api;
          return true;
        },
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

// Runs `run`, then tells listeners the id now in effect.
function change(run, fallback) {
  return call(() => {
    const result = run();
    try {
      // An id kept in the cookie or the mirror is what getTrackingId() would read back; only
      // other outcomes (memory, clear, revoke) need the read.
      const kept = result && (result.storage === 'cookie' || result.storage === 'localStorage');
      const trackingId = kept ? result.trackingId : wasm.getTrackingId();
      window.dispatchEvent(new CustomEvent('taapit:change', { detail: { trackingId } }));
    } catch (error) {
      report(error);
    }
    return result;
  }, fallback);
}

const NOTHING = { trackingId: null, source: null, storage: null, domain: null, expiresAt: null };

// decorateUrl for the link listener: synchronous (the module has loaded by then), never throws.
function decorate(href) {
  try {
    return wasm.decorateUrl(href);
  } catch (error) {
    report(error);
    return null;
  }
}

/** Reads the tracking id from the page URL and stores it; see index.d.ts. */
export function capture(options) {
  return change(() => {
    const result = wasm.capture(options);
    try {
      if (!watching && options && options.outbound) {
        watchLinks(decorate, report);
        watching = true;
      }
    } catch (error) {
      report(error);
    }
    return result;
  }, NOTHING);
}

/** The stored tracking id, or null. */
export function getTrackingId() {
  return call(() => wasm.getTrackingId(), null);
}

/** Removes the id from the cookie (every domain level), the mirror and memory. */
export function clearTrackingId() {
  return change(() => wasm.clearTrackingId(), undefined);
}

/** Records consent and stores the id held while consent was pending. */
export function grantConsent() {
  return change(() => wasm.grantConsent(), NOTHING);
}

/** Deletes the id everywhere and keeps later captures on this page in memory. */
export function revokeConsent() {
  return change(() => wasm.revokeConsent(), undefined);
}

/** `href` with the id added if it goes to an `outbound` host, else null. */
export function decorateUrl(href) {
  return call(() => wasm.decorateUrl(href), null);
}
