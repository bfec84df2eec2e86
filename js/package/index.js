// taapit-capture: the package entry. It loads the WebAssembly module once, on first use, and
// answers through wrapper.js (the same wrapper as the script tag's): nothing (a failed load,
// a blocked API, a bug) throws into the page, and after each capture, clearTrackingId,
// grantConsent and revokeConsent a `taapit:change` event tells the page the id now in effect
// (`event.detail.trackingId`; taapit-capture/react's useTrackingId() listens to it).
// Every function returns a Promise: calls made before the module has loaded wait for it.
// Without `window` (server-side rendering) nothing loads and every call resolves with its
// empty result. `capture({ outbound })` installs the outbound-link listener (outbound.js, the
// same code the script tag ships), once per page.
//
// The .wasm is inlined (payload.js, as in the script tag): no request of its own, and nothing
// for a bundler to emit. It is compiled synchronously once inflated, with no promise in the
// load that a page's `Object.prototype.then` could take over.
import { takeFallback } from './fallback.js';
import { instantiate } from './loader.js';
import { watchLinks } from './outbound.js';
import { inflate } from './payload.js';
import { inert, warn, wrapper } from './wrapper.js';

const Promise_ = Promise;
const wasm = wrapper(watchLinks);
let started = false;

function load() {
  if (started) return;
  started = true;
  if (typeof window === 'undefined') {
    wasm.settle(null);
    return;
  }
  inflate(PAYLOAD, PAYLOAD_ALPHABET, start);
}

// Compiles the inflated .wasm (`bytes`; none when this browser cannot inflate it) and settles
// the load with it.
function start(bytes) {
  try {
    wasm.settle(instantiate(bytes));
  } catch (refused) {
    // WebAssembly cannot run here (a CSP without 'wasm-unsafe-eval', no WebAssembly, no
    // DecompressionStream): the same module as JavaScript (fallback.js), a chunk of its own,
    // fetched only now. A module namespace has no prototype: a page's Object.prototype.then
    // cannot take it.
    import('./taapit_capture.fallback.js').then(
      () => {
        try {
          wasm.settle(instantiate(takeFallback()));
        } catch (error) {
          warn(refused);
          warn(error);
          wasm.settle(null);
        }
      },
      (error) => {
        warn(refused);
        warn(error);
        wasm.settle(null);
      },
    );
  }
}

// Runs `run` once the module has settled; a Promise of its result that never rejects.
function later(run) {
  load();
  return new Promise_((resolve) => wasm.whenSettled(() => resolve(inert(run()))));
}

/** Reads the tracking id from the page URL and stores it; see index.d.ts. */
export function capture(options) {
  return later(() => wasm.api.capture(options));
}

/** The stored tracking id, or null. */
export function getTrackingId() {
  return later(() => wasm.api.getTrackingId());
}

/** Removes the id from the cookie (every domain level), the mirror and memory. */
export function clearTrackingId() {
  return later(() => wasm.api.clearTrackingId());
}

/** Records consent and stores the id held while consent was pending. */
export function grantConsent() {
  return later(() => wasm.api.grantConsent());
}

/** Deletes the id everywhere and keeps later captures on this page in memory. */
export function revokeConsent() {
  return later(() => wasm.api.revokeConsent());
}

/** `href` with the id added if it goes to an `outbound` host, else null. */
export function decorateUrl(href) {
  return later(() => wasm.api.decorateUrl(href));
}
