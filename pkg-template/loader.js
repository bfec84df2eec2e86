// taapit-capture's loader: instantiates the .wasm with the page functions it imports and
// gives its exports back as the synchronous JavaScript API. Shared by the npm entry
// (index.js) and the script tag (tag/taapit.js, which esbuild bundles with it).
//
// The .wasm (src/exports.rs, src/host.rs) imports module "t"; texts cross as UTF-8 in its
// memory, and every page access is caught here, so the module sees a failure as a value:
//   t(what, p, l) → n   reads a text into `held`; its byte length, or -1 when it is null or
//                       reading it threw. what: 0-4 location.hostname, pathname, search,
//                       hash, protocol; 5 document.cookie; 6 localStorage.getItem(text p);
//                       7 `input`, what the API was called with
//   c(p)                copies `held` to p
//   w(what, p, l, q, m) → 1, or 0 when it threw. what: 0 document.cookie = a;
//                       1 localStorage.setItem(a, b); 2 localStorage.removeItem(a);
//                       3 history.replaceState(history.state, '', a); 4 console.warn(a)
//   n() → Date.now()
//   d(secs) → n         puts new Date(secs * 1000).toUTCString() in `held` (a cookie's Expires)
//   r(...)              a capture result; s(p, l) a text result (empty: null)

var SOURCES = [null, 'search', 'hash', 'stored'];
var STORAGES = [null, 'cookie', 'localStorage', 'memory'];
var LOCATION = ['hostname', 'pathname', 'search', 'hash', 'protocol'];

/**
 * The option list the module reads (Options::read in src/core/options.rs): entries
 * `name \x01 value` separated by `\x00`, each value as text (a list joined with commas). A
 * value that is not text, a number, a boolean or a list of texts is sent without `\x01`, so
 * the module refuses it. Inherited enumerable keys count, as for a plain property read.
 */
export function optionList(options) {
  var list = [];
  // \x00 and \x01 are the list's separators: inside a name or a value they are garbage.
  var clean = (text) => String(text).replace(/[\x00\x01]/g, '\ufffd');
  if (options && typeof options == 'object') {
    try {
      list = listed(options, clean);
    } catch (_) {
      // a Proxy whose traps throw: the defaults
    }
  }
  return list.join('\x00');
}

function listed(options, clean) {
  var list = [];
  for (var name in options) {
    var entry = clean(name);
    try {
      var value = options[name];
      if (value == null) continue;
      if (Array.isArray(value)) {
        value = value.every((item) => typeof item == 'string') ? value.join() : {};
      }
      if (typeof value != 'object' && typeof value != 'function' && typeof value != 'symbol') {
        entry += '\x01' + clean(value);
      }
    } catch (_) {
      // a throwing getter: sent without a value, so refused
    }
    list.push(entry);
  }
  return list;
}

/**
 * Instantiates the module from its bytes (an ArrayBuffer or a typed array) or from a
 * Response that carries them. A Response typed `application/wasm` is compiled while it
 * streams in (WebAssembly.instantiateStreaming: the capture is ready some 15 ms sooner on a
 * slow machine); one typed otherwise (a server that does not know .wasm, or adds a charset)
 * is read whole first.
 * Resolves with the API: capture(options), getTrackingId(), clearTrackingId(),
 * grantConsent(), revokeConsent(), decorateUrl(href). Each call can throw only if the module
 * itself traps; callers catch.
 */
export function instantiate(source) {
  var encoder = new TextEncoder();
  var decoder = new TextDecoder();
  var exports;
  var held;
  var input = '';
  var result = null;
  var text = (p, l) => decoder.decode(new Uint8Array(exports.memory.buffer, p, l));
  var imports = {
    t: {
      t: (what, p, l) => {
        try {
          var value = what < 5 ? location[LOCATION[what]]
            : what < 6 ? document.cookie
            : what < 7 ? localStorage.getItem(text(p, l))
            : input;
          if (value == null) return -1;
          held = encoder.encode(value);
          return held.length;
        } catch (_) {
          return -1;
        }
      },
      c: (p) => new Uint8Array(exports.memory.buffer).set(held, p),
      w: (what, p, l, q, m) => {
        try {
          var a = text(p, l);
          if (what == 0) document.cookie = a;
          else if (what == 1) localStorage.setItem(a, text(q, m));
          else if (what == 2) localStorage.removeItem(a);
          else if (what == 3) history.replaceState(history.state, '', a);
          else console.warn(a);
          return 1;
        } catch (_) {
          return 0;
        }
      },
      n: Date.now,
      d: (secs) => (held = encoder.encode(new Date(secs * 1000).toUTCString())).length,
      r: (p, l, q, m, source, storage, expiresAt) => {
        result = {
          trackingId: l ? text(p, l) : null,
          source: SOURCES[source],
          storage: STORAGES[storage],
          domain: m ? text(q, m) : null,
          expiresAt: expiresAt < 0 ? null : expiresAt,
        };
      },
      s: (p, l) => {
        result = l ? text(p, l) : null;
      },
    },
  };
  // Runs export `name` with `value` as its input; what it handed back.
  var call = (name, value) => {
    input = value;
    result = null;
    exports[name]();
    return result;
  };
  // A Response is told from bytes by its arrayBuffer method (a typed array has none).
  var instantiating = !source.arrayBuffer
    ? WebAssembly.instantiate(source, imports)
    : WebAssembly.instantiateStreaming &&
        // Exactly this type, as instantiateStreaming requires (no parameters).
        /^\s*application\/wasm\s*$/i.test(source.headers.get('content-type'))
      ? WebAssembly.instantiateStreaming(source, imports)
      : source.arrayBuffer().then((bytes) => WebAssembly.instantiate(bytes, imports));
  return instantiating.then((made) => {
    exports = made.instance.exports;
    return {
      capture: (options) => call('capture', optionList(options)),
      getTrackingId: () => call('id'),
      clearTrackingId: () => {
        call('clear');
      },
      grantConsent: () => call('grant'),
      revokeConsent: () => {
        call('revoke');
      },
      // The browser's URL parser finds the link's host, as the browser will when it follows
      // it; the module decides (src/core/outbound.rs). Not http(s), or not absolute: null.
      decorateUrl: (href) => {
        if (typeof href != 'string') return null;
        var url;
        try {
          url = new URL(href);
        } catch (_) {
          return null;
        }
        return /^https?:$/.test(url.protocol) ? call('decorate', url.hostname + '\x00' + href) : null;
      },
    };
  });
}
