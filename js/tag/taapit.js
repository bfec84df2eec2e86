// taapit-capture, the script tag: <script src=".../taapit.js" async data-…></script>
//
// Bundled by scripts/build.sh (js/build/tag.mjs: esbuild, one minified classic script with the
// .wasm inlined, js/package/payload.js) into pkg/taapit.js. When it runs it defines
// window.taapit, inflates the .wasm, compiles it synchronously, and captures with the options
// of its data- attributes (data-expires-in-days="60" → expiresInDays: "60"; the module checks
// every value and keeps the default for a bad one, saying so with data-debug):
//   ready(callback)    runs callback(taapit) once loaded (at once if it has)
//   capture(options?)  captures again (after a client-side navigation) with the tag's
//                      options, the ones given on top
//   getTrackingId(), clearTrackingId(), grantConsent(), revokeConsent(), decorateUrl(href)
// Calls a page made through the stub snippet (window.taapit.q) run in order after capture.
// The calls, their queue and the `taapit:change` event are wrapper.js's, shared with the npm
// entry. Nothing here throws into the page.
import { instantiate } from '../package/loader.js';
import { watchLinks } from '../package/outbound.js';
import { fallbackScript } from '../package/fallback.js';
import { inflate } from '../package/payload.js';
import { warn, wrapper } from '../package/wrapper.js';

(function (w, d, payload) {
  try {
    var api = w.taapit && typeof w.taapit == 'object' ? w.taapit : {};
    var script = d.currentScript || {};
    // Two copies of the script on a page (tag managers): the first to run does the work, with
    // the options of the first copy in document order (async copies run in the order they
    // arrive, so "first to run" alone would not be deterministic); later ones step aside.
    // A copy is a script element with the same src, its query aside (a tag manager may add
    // one). (Not `split`: a page may have replaced String.prototype.split before this runs.)
    // An SVG <script> is among the tags too, and its `src` is no string: never a copy.
    var base = function (src) {
      return typeof src == 'string' && src.replace(/\?.*/, '');
    };
    var tags = d.getElementsByTagName('script');
    var first = script;
    for (var i = 0; i < tags.length; i++) {
      if (script.src && base(tags[i].src) == base(script.src)) {
        first = tags[i];
        break;
      }
    }
    var options = {};
    var data = (first && first.dataset) || {};
    for (var key in data) options[key] = data[key];
    if (api.loaded !== undefined) {
      if ('debug' in options) {
        warn('second script tag ignored');
      }
      return;
    }
    var queue = api.q && typeof api.q.length == 'number' ? api.q : [];
    var wasm = wrapper(watchLinks);
    var calls = wasm.api;
    var methods = {};
    for (key in calls) methods[key] = calls[key];
    // The tag's options, with the ones given on top: a page that captures again after a
    // route change with one option keeps its tag's others (`data-consent="pending"` above all).
    methods.capture = function (more) {
      var merged = {};
      try {
        for (var k in options) merged[k] = options[k];
        for (k in more) merged[k] = more[k];
      } catch (e) {
        // a Proxy whose traps throw: what was read so far
        warn(e);
      }
      return calls.capture(merged);
    };
    // Installed once the module has settled (before, ready() is queued like the others).
    methods.ready = function (callback) {
      try {
        callback(api);
      } catch (e) {
        warn(e);
      }
    };
    // Until the module has settled, every call is queued (ready() too), to run in order after
    // capture.
    var queued = function (key) {
      return function (arg) {
        queue[queue.length] = [key, [arg]];
      };
    };
    for (key in methods) api[key] = queued(key);
    api.loaded = false;
    w.taapit = api;

    var start = function (bytes) {
      var made = null;
      try {
        // Compiled synchronously, in this callback's task: no promise a page could hijack.
        // (No bytes: the payload cannot be inflated here; instantiate throws too.)
        made = instantiate(bytes);
      } catch (refused) {
        // WebAssembly cannot run here (a CSP without 'wasm-unsafe-eval', no WebAssembly): the
        // same module as JavaScript, taapit_capture.fallback.js from beside this script,
        // pinned to the build's hash (FALLBACK_INTEGRITY, js/build/tag.mjs) when the page pinned
        // this script with `integrity`.
        if (script.src) {
          return fallbackScript(script.src.replace(/[^/?#]*([?#].*)?$/, 'taapit_capture.fallback.js'), function (factory) {
            var fallback = null;
            try {
              fallback = instantiate(factory);
            } catch (e) {
              warn(refused);
              warn(e);
            }
            finish(fallback);
          }, script.integrity && FALLBACK_INTEGRITY, script.crossOrigin);
        }
        warn(refused);
      }
      finish(made);
    };
    // The module made (null: it could not be): the API, the capture and the queue.
    var finish = function (made) {
      wasm.settle(made);
      for (key in methods) api[key] = methods[key];
      api.loaded = !!made;
      if (made) methods.capture();
      // Calls queued by the stub snippet and while loading, in order; one that queues
      // another runs it in turn.
      for (var i = 0; i < queue.length; i++) {
        var entry = queue[i];
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
    // The inlined .wasm (payload.js): compiled in start(); no bytes (a browser that cannot
    // inflate, a corrupt payload) go to the fallback, as where WebAssembly cannot run.
    inflate(payload, PAYLOAD_ALPHABET, start);
  } catch (e) {
    warn(e);
  }
  // The payload last in the file: the deflated .wasm in six-bit digits (js/build/payload.mjs).
})(window, document, PAYLOAD);
