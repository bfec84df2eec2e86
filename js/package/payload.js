// The .wasm inlined in the JavaScript that ships it, for the script tag (js/tag/taapit.js) and
// the npm entry (index.js) alike: deflated by zopfli and written in six-bit digits whose
// alphabet is the shipping file's own most frequent characters (js/build/payload.mjs makes
// both at build time and says why). Inlined, the module needs no request of its own: the id
// is stored one round trip sooner, and none of the ways a fetched .wasm breaks (a bundler
// that does not emit it, a CDN without CORS headers, a wrong MIME type) can lose it.

import { promiseThen, warn } from './wrapper.js';

/**
 * Decodes `payload` (six-bit digits of `alphabet`), inflates it with the browser's
 * DecompressionStream and calls `done(bytes)` with the .wasm, or `done()` when this browser
 * cannot inflate (Safari < 16.4, Firefox < 113, Chrome < 80), the payload is corrupt, or the
 * page broke a built-in used here (`Response`, the streams; a warning first): the callers
 * then take the same path as a page where WebAssembly cannot run, the wasm2js fallback.
 * `done` runs once, and this never throws. The bytes reach `done` through stream callbacks,
 * never through a promise resolved with them, so a page's `Object.prototype.then` cannot take
 * them; the caller compiles them synchronously in `done`.
 */
export function inflate(payload, alphabet, done) {
  var settle = (bytes) => {
    var once = done;
    done = null;
    if (once) once(bytes);
  };
  try {
    if (typeof DecompressionStream == 'undefined') return settle();
    // A lookup table, four digits (three bytes) a step: this loop runs once, in the
    // interpreter, and a quarter of the steps of one digit a step took 2.9 ms instead of 4.2
    // (median of 25 fresh pages, Chromium). Past the end, charCodeAt gives NaN, which indexes
    // to undefined and shifts as 0, and writes past the array's length are dropped: the last,
    // padded group needs no case of its own.
    var digits = new Uint8Array(128);
    for (var i = 0; i < 64; i++) digits[alphabet.charCodeAt(i)] = i;
    var bytes = new Uint8Array((payload.length * 3) >> 2);
    for (var n = 0, x, j = 0; j < payload.length; j += 4) {
      x =
        (digits[payload.charCodeAt(j)] << 18) |
        (digits[payload.charCodeAt(j + 1)] << 12) |
        (digits[payload.charCodeAt(j + 2)] << 6) |
        digits[payload.charCodeAt(j + 3)];
      // A Uint8Array keeps the low 8 bits of each.
      bytes[n++] = x >> 16;
      bytes[n++] = x >> 8;
      bytes[n++] = x;
    }
    var parts = [];
    var size = 0;
    var piping = new Response(bytes).body
      .pipeThrough(new DecompressionStream('deflate'))
      .pipeTo(
        new WritableStream({
          write: function (chunk) {
            parts[parts.length] = chunk;
            size += chunk.length;
          },
          close: function () {
            var whole = new Uint8Array(size);
            for (var k = 0, at = 0; k < parts.length; at += parts[k++].length) whole.set(parts[k], at);
            settle(whole);
          },
        }),
      );
    // A corrupt payload: reported, and the fallback still runs. (pipeTo's promise settles with
    // nothing; `then` taken when wrapper.js ran.)
    promiseThen.call(piping, undefined, function (e) {
      warn(e);
      settle();
    });
  } catch (e) {
    warn(e);
    settle();
  }
}
