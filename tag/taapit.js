// taapit-capture, the script tag: <script src=".../taapit.js" async data-…></script>
//
// Bundled by scripts/build.sh (tag/build.mjs: esbuild, one minified classic script with the
// .wasm inlined as a string of its bytes) into pkg/taapit.js. When it runs it compiles the
// .wasm synchronously, captures with the options of its data- attributes
// (data-expires-in-days="60" → expiresInDays: "60"; the module checks every value and keeps
// the default for a bad one, saying so with data-debug) and defines window.taapit, all in the
// script's own task:
//   ready(callback)    runs callback(taapit) once loaded (at once if it has)
//   capture(options?)  captures again (after a client-side navigation); the tag's options
//                      when none are given
//   getTrackingId(), clearTrackingId(), grantConsent(), revokeConsent(), decorateUrl(href)
// Calls a page made through the stub snippet (window.taapit.q) run in order after capture.
// The calls, their queue and the `taapit:change` event are wrapper.js's, shared with the npm
// entry. Nothing here throws into the page.
import { instantiate } from '../pkg-template/loader.js';
import { watchLinks } from '../pkg-template/outbound.js';
import { warn, wrapper } from '../pkg-template/wrapper.js';
import { fallbackScript } from '../pkg-template/fallback.js';

(function (w, d, payload) {
  try {
    var api = w.taapit && typeof w.taapit == 'object' ? w.taapit : {};
    var script = d.currentScript || {};
    // Two copies of the script on a page (tag managers): the first to run does the work, with
    // the options of the first copy in document order (async copies run in the order they
    // arrive, so "first to run" alone would not be deterministic); later ones step aside.
    var name = /[^/?#]*(?=[?#]|$)/.exec(script.src || '');
    var tags = d.getElementsByTagName('script');
    var first = script;
    for (var i = 0; i < tags.length; i++) {
      var tag = tags[i];
      if (tag.src && name && name[0] && /[^/?#]*(?=[?#]|$)/.exec(tag.src)[0] == name[0]) {
        first = tag;
        break;
      }
    }
    var options = {};
    var data = (first && first.dataset) || {};
    for (var key in data) options[key] = data[key];
    if (api.loaded !== undefined) {
      if ('debug' in options || (script.dataset && 'debug' in script.dataset)) {
        warn('a second copy of the script tag: ignored (the first in document order gives the options)');
      }
      return;
    }
    var queue = api.q && typeof api.q.length == 'number' ? api.q : [];
    var wasm = wrapper(watchLinks);
    var calls = wasm.api;
    var methods = {
      capture: function (more) {
        return calls.capture(more === undefined ? options : more);
      },
      getTrackingId: calls.getTrackingId,
      clearTrackingId: calls.clearTrackingId,
      grantConsent: calls.grantConsent,
      revokeConsent: calls.revokeConsent,
      decorateUrl: calls.decorateUrl,
      ready: function (callback) {
        wasm.whenSettled(function () {
          callback(api);
        });
      },
    };
    api.loaded = false;
    w.taapit = api;

    // Once the module is made (null: it could not be), the API, the capture and the queue.
    var start = function (made) {
      wasm.settle(made);
      for (key in methods) api[key] = methods[key];
      api.loaded = wasm.loaded();
      if (made) methods.capture();
      // Calls queued by the stub snippet, in order; one that queues another runs it in turn.
      for (var n = 0; n < queue.length; n++) {
        var entry = queue[n];
        var method = entry && methods[entry[0]];
        if (method) {
          try {
            method(entry[1] && entry[1][0]);
          } catch (e) {
            warn(e);
          }
        }
      }
      queue.length = 0;
    };

    var made;
    try {
      // The .wasm's bytes, inlined as a string with one character per byte (tag/build.mjs):
      // no request, no inflating stream, nothing asynchronous, so the id is stored in this
      // task, and no promise a page could hijack is involved.
      var bytes = new Uint8Array(payload.length);
      for (i = 0; i < payload.length; i++) bytes[i] = payload.charCodeAt(i);
      made = instantiate(bytes);
    } catch (refused) {
      // WebAssembly cannot run here (a CSP without 'wasm-unsafe-eval', no WebAssembly): the
      // same module as JavaScript, taapit_capture.fallback.js from beside this script.
      if (!script.src) {
        warn(refused);
        return start(null);
      }
      var src = script.src.replace(/[^/?#]*([?#].*)?$/, 'taapit_capture.fallback.js');
      return fallbackScript(src, function (factory) {
        var fallback = null;
        try {
          fallback = instantiate(factory);
        } catch (e) {
          warn(refused);
          warn(e);
        }
        start(fallback);
      });
    }
    start(made);
  } catch (e) {
    warn(e);
  }
  // The payload last in the file: the .wasm, one character per byte (tag/build.mjs).
})(window, document, PAYLOAD);
