// taapit-capture's loader: instantiates the .wasm with the page functions it imports and
// gives its one export back as the synchronous JavaScript API. Shared by the npm entry
// (index.js) and the script tag (js/tag/taapit.js, which esbuild bundles with it), both through
// wrapper.js.
//
// The .wasm (crates/wasm/) imports module "t"; texts cross as UTF-8 in its memory, and
// every page access is caught here, so the module sees a failure as a value. The codes that
// cross, and what each import does, are defined once in crates/wasm/src/contract.rs;
// contract.js is generated from it (as constants, which esbuild writes in place), and
// crates/wasm/tests/contract.rs checks that `read` and `change` below have one entry for each text and
// change code, in code order.
import {
  CALL_CAPTURE,
  CALL_CLEAR,
  CALL_DECORATE,
  CALL_GRANT,
  CALL_REVOKE,
  CALL_TRACKING_ID,
  NOTES,
  SOURCE,
  STORAGE,
} from './contract.js';

/**
 * The option list the module reads (Options::read in crates/core/src/options.rs): entries
 * `name \x01 value`, each after a `\x00` (the module skips the empty text before the first),
 * each value as text (a list joined with commas). A value that is not text, a number, a
 * boolean or a list of texts is sent without `\x01`, so the module refuses it. Inherited
 * enumerable keys count, as for a plain property read.
 *
 * Built as one string, with no Array.prototype method (push, join) a page may have replaced:
 * a broken one would otherwise turn the options into the defaults.
 */
export function optionList(options) {
  // \x00 and \x01 are the list's separators: inside a name or a value they are garbage.
  var clean = (text) => String(text).replace(/[\x00\x01]/g, '\ufffd');
  var list = '';
  try {
    if (options && typeof options == 'object') list = listed(options, clean);
  } catch (_) {
    // a Proxy whose traps throw: the defaults
  }
  return list;
}

function listed(options, clean) {
  var list = '';
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
      // a throwing getter (or a page's broken Array.prototype.join): sent without a value, so
      // refused
    }
    list += '\x00' + entry;
  }
  return list;
}

/**
 * The console line of `debug`'s note `code` with its details `a` and `b` (import `g`):
 * its words (NOTES, each `%` a detail) where this build carries them, else its code and
 * the details. The script tag's plain build leaves the words out (js/build/tag.mjs defines
 * TAAPIT_NOTE_WORDS false, and esbuild drops the table); its debug build, the npm entry
 * and the server carry them (README, "What `debug` says").
 */
export function noteLine(code, a, b) {
  return typeof TAAPIT_NOTE_WORDS == 'undefined' || TAAPIT_NOTE_WORDS
    ? '[taapit] ' + NOTES[code].replace('%', () => a).replace('%', () => b)
    : '[taapit] #' + code + ' ' + a + ' ' + b;
}

/**
 * The module's imports (module "t", their contract in crates/wasm/src/contract.rs), over a
 * page given as tables, for loader.js's page and the server's virtual page
 * (js/package/server/engine.js) alike: `read[TEXT_*](argument)` a page text (null: absent),
 * `change[CHANGE_*](a, b)` a page change, `done(result)` a call's result, `note(code, a, b)`
 * debug's note; `memory()` the module's memory (once it is instantiated). Texts cross as UTF-8
 * in that memory; whatever a reader or a change throws reaches the module as a failure
 * (-1, 0), never the page.
 */
export function moduleImports(memory, read, change, done, note) {
  var encoder = new TextEncoder();
  var decoder = new TextDecoder();
  var held;
  var text = (p, l) => decoder.decode(new Uint8Array(memory().buffer, p, l));
  return {
    t: {
      t: (what, p, l) => {
        try {
          var value = read[what](text(p, l));
          if (value == null) return -1;
          held = encoder.encode(value);
          return held.length;
        } catch (_) {
          return -1;
        }
      },
      c: (p) => new Uint8Array(memory().buffer).set(held, p),
      w: (what, p, l, q, m) => {
        try {
          change[what](text(p, l), text(q, m));
          return 1;
        } catch (_) {
          return 0;
        }
      },
      n: Date.now,
      d: (secs) => (held = encoder.encode(new Date(secs * 1000).toUTCString())).length,
      r: (p, l, q, m, source, storage, expiresAt) =>
        done({
          trackingId: l ? text(p, l) : null,
          source: SOURCE[source],
          storage: STORAGE[storage],
          domain: m ? text(q, m) : null,
          expiresAt: expiresAt < 0 ? null : expiresAt,
        }),
      s: (p, l) => done(l ? text(p, l) : null),
      g: (code, p, l, q, m) => note(code, text(p, l), text(q, m)),
    },
  };
}

/**
 * Instantiates the module from its bytes (an ArrayBuffer or a typed array), or from the
 * wasm2js build of the same module when WebAssembly cannot run (`bytes` is then its
 * `__taapitWasm2js` function, see fallback.js), synchronously:
 * `new WebAssembly.Module` and `new WebAssembly.Instance` in the caller's task, with no
 * promise a page could hijack (an `Object.prototype.then`, say) and no task in between.
 * Returns the API: capture(options), getTrackingId(), clearTrackingId(), grantConsent(),
 * revokeConsent(), decorateUrl(href). Throws if the bytes do not compile (or WebAssembly is
 * missing); each call can throw only if the module itself traps. Callers catch (wrapper.js).
 */
export function instantiate(bytes) {
  var exports;
  var input = '';
  // What the module remembers between calls (crates/wasm/src/state.rs): it gives its memory
  // back at the end of each call and keeps its session here, as text.
  var state = '';
  var result = null;
  // A reader per TEXT_* code and a handler per CHANGE_* code of contract.js, in code order,
  // each named in a comment (crates/wasm/tests/contract.rs checks the names and their order against the
  // Rust enums; an array literal costs fewer bytes than assignments by constant).
  var read = [
    /* TEXT_HOSTNAME */ () => location.hostname,
    /* TEXT_PATHNAME */ () => location.pathname,
    /* TEXT_SEARCH */ () => location.search,
    /* TEXT_HASH */ () => location.hash,
    /* TEXT_PROTOCOL */ () => location.protocol,
    /* TEXT_COOKIES */ () => document.cookie,
    /* TEXT_STORAGE */ (key) => localStorage.getItem(key),
    /* TEXT_INPUT */ () => input,
    // Random digits (a valid cookie name's): the domain probe's name, unique to the call.
    /* TEXT_NONCE */ () => crypto.getRandomValues(new Uint32Array(2)).join(''),
    /* TEXT_STATE */ () => state,
  ];
  var change = [
    /* CHANGE_SET_COOKIE */ (a) => {
      document.cookie = a;
    },
    /* CHANGE_STORAGE_SET */ (a, b) => localStorage.setItem(a, b),
    /* CHANGE_STORAGE_REMOVE */ (a) => localStorage.removeItem(a),
    /* CHANGE_REPLACE_URL */ (a) => history.replaceState(history.state, '', a),
    /* CHANGE_STATE */ (a) => {
      state = a;
    },
  ];
  var imports = moduleImports(
    () => exports.memory,
    read,
    change,
    (made) => {
      result = made;
    },
    (code, a, b) => {
      try {
        console.warn(noteLine(code, a, b));
      } catch (_) {
        // no console, or one that throws: the note goes nowhere
      }
    },
  );
  exports =
    typeof bytes == 'function'
      ? bytes(imports) // the wasm2js build of the same module (fallback.js)
      : new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
  // Runs call `code` with `value` as its input; what it handed back.
  var call = (code, value) => {
    input = value;
    result = null;
    exports.call(code);
    return result;
  };
  return {
    capture: (options) => call(CALL_CAPTURE, optionList(options)),
    getTrackingId: () => call(CALL_TRACKING_ID),
    clearTrackingId: () => {
      call(CALL_CLEAR);
    },
    grantConsent: () => call(CALL_GRANT),
    revokeConsent: () => {
      call(CALL_REVOKE);
    },
    // The browser's URL parser finds the link's host, as the browser will when it follows
    // it; the module decides (crates/core/src/outbound.rs). Not http(s), or not absolute: null.
    decorateUrl: (href) => {
      if (typeof href != 'string') return null;
      var url;
      try {
        url = new URL(href);
      } catch (_) {
        return null;
      }
      return /^https?:$/.test(url.protocol) ? call(CALL_DECORATE, url.hostname + '\x00' + href) : null;
    },
  };
}
