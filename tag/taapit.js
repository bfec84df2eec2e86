// taapit-capture, the script tag: <script src=".../taapit.js" async data-…></script>
//
// Bundled by scripts/build.sh (tag/build.mjs: esbuild, one minified classic script with
// the .wasm inlined, deflated, in six-bit digits) into pkg/taapit.js. On load it captures with the
// options of its data- attributes (data-expires-in-days="60" → expiresInDays: "60"; the
// module checks every value and keeps the default for a bad one, saying so with
// data-debug), then defines window.taapit:
//   ready(callback)   runs callback once the module has loaded (at once if it has)
//   getTrackingId()   the stored id or null        \
//   clearTrackingId()                               | synchronous once ready; before that
//   grantConsent()    returns what it stored        | they are queued and run in order
//   revokeConsent()                                 | (their return value is then lost)
//   decorateUrl(href) href with ta_tid added, or null  /
// Calls a page made through the stub snippet (window.taapit.q) run in order after capture.
// Nothing here throws into the page: every entry point catches, and a failed load still
// runs the ready callbacks, with getTrackingId() returning null.
import { instantiate } from '../pkg-template/loader.js';
import { watchLinks } from '../pkg-template/outbound.js';

(function (w, d, payload) {
  function warn(e) {
    try {
      console.warn('[taapit]', e);
    } catch (_) {
      // a console that throws is not worth breaking the page for
    }
  }
  try {
    var api = w.taapit && typeof w.taapit == 'object' ? w.taapit : {};
    if (api.loaded !== undefined) return; // a second copy of the script: the first one rules
    var queue = Array.isArray(api.q) ? api.q : [];
    var script = d.currentScript || {};
    var options = Object.assign({}, script.dataset);
    var module; // the module's API (pkg-template/loader.js), once loaded

    // Fires `taapit:capture` when a call wrote the id (cookie or localStorage mirror).
    var stored = function (result) {
      if (result && result.trackingId && result.source != 'stored' && result.storage != 'memory') {
        try {
          w.dispatchEvent(
            new CustomEvent('taapit:capture', {
              detail: {
                trackingId: result.trackingId,
                source: result.source,
                storage: result.storage,
                domain: result.domain,
              },
            }),
          );
        } catch (e) {
          warn(e);
        }
      }
      return result;
    };
    // A call into the module, or what the page gets when it did not load.
    var call = function (name, fallback) {
      return function (arg) {
        try {
          if (module) return module[name](arg);
        } catch (e) {
          warn(e);
        }
        return fallback;
      };
    };
    var grant = call('grantConsent', null);
    var methods = {
      getTrackingId: call('getTrackingId', null),
      clearTrackingId: call('clearTrackingId'),
      grantConsent: function () {
        return stored(grant());
      },
      revokeConsent: call('revokeConsent'),
      decorateUrl: call('decorateUrl', null),
      ready: function (callback) {
        try {
          callback(api);
        } catch (e) {
          warn(e);
        }
      },
    };
    // Until loaded, every method queues its call.
    Object.keys(methods).forEach(function (name) {
      api[name] = function () {
        queue.push([name, arguments]);
      };
    });
    api.loaded = false;
    w.taapit = api;

    var start = function (made) {
      try {
        // Nothing made (a failed load, already reported): the API answers null, captures nothing.
        if (made) {
          module = made;
          stored(module.capture(options));
          // Outbound links (pkg-template/outbound.js, shared with the npm entry).
          if (options.outbound) watchLinks(methods.decorateUrl, warn);
        }
      } catch (e) {
        module = null;
        warn(e);
      }
      Object.assign(api, methods);
      api.loaded = !!module;
      // Calls queued before load (stub snippet) and while loading, in order; a call queued
      // by one of them (ready inside ready) runs right away, the API being in place.
      for (var i = 0; i < queue.length; i++) {
        var entry = queue[i];
        var method = entry && methods[entry[0]];
        if (method) method.apply(null, entry[1] || []);
      }
      queue.length = 0;
    };

    // The .wasm's bytes. It is inlined deflated, then in six-bit digits (`payload`,
    // tag/build.mjs), and the browser inflates it: gzip cannot squeeze text digits of the
    // raw .wasm, but deflated bytes in digits cost about what they weigh. Where
    // DecompressionStream is missing (Safari < 16.4, Firefox < 113, Chrome < 80), the .wasm
    // is fetched from beside this script instead.
    var wasm = function () {
      if (typeof DecompressionStream == 'undefined') {
        return fetch(new URL('taapit_capture.wasm', script.src)).then(function (response) {
          if (!response.ok) throw new Error('taapit_capture.wasm: HTTP ' + response.status);
          return response;
        });
      }
      // The payload's six-bit digits → bytes. Its 64-character alphabet is not base64's but
      // the script's own most frequent characters (tag/build.mjs says why), so `atob`
      // cannot read it: a lookup table and a bit accumulator do.
      var digits = new Uint8Array(128);
      for (var k = 0; k < 64; k++) digits[PAYLOAD_ALPHABET.charCodeAt(k)] = k;
      var bytes = new Uint8Array((payload.length * 3) >> 2);
      for (var i = 0, n = 0, bits = 0, acc = 0; i < payload.length; i++) {
        acc = (acc << 6) | digits[payload.charCodeAt(i)];
        bits += 6;
        // Only the low 8 bits of a shift land in the byte: older bits may overflow away.
        if (bits >= 8) bytes[n++] = acc >> (bits -= 8);
      }
      var inflated = new Response(bytes).body.pipeThrough(new DecompressionStream('deflate'));
      // Typed as a .wasm, so the loader compiles it while it inflates.
      return new Response(inflated, { headers: { 'content-type': 'application/wasm' } });
    };

    var failed = function (e) {
      warn(e);
      start();
    };
    // From a promise, so a throw in wasm() (no Response, say) is a rejection like the others.
    Promise.resolve().then(wasm).then(instantiate).then(start, failed);
  } catch (e) {
    warn(e);
  }
  // The payload last in the file: the deflated .wasm in six-bit digits (tag/build.mjs).
})(window, document, PAYLOAD);
