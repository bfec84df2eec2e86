// The one piece of JavaScript between the loader (loader.js) and the page, shared by the npm
// entry (index.js) and the script tag (js/tag/taapit.js):
// - calls that never throw: each runs the module's call inside a try, and a module that did
//   not load answers with the call's empty result;
// - the load queue: `whenSettled(fn)` runs `fn` once the load has settled (at once if it has);
// - the page's event: after each capture, clearTrackingId, grantConsent and revokeConsent
//   that ran, `taapit:change` on window, `detail.trackingId` the id now in effect (README,
//   "Events").
// Hostile pages: the built-ins used after load (CustomEvent, dispatchEvent, console.warn,
// Object.defineProperty) are taken when this file runs, arrays are filled by index (never
// Array.prototype.push), and no promise of this file is ever resolved with an object a
// page's `Object.prototype.then` could take over (`inert`).

var W = typeof window != 'undefined' ? window : undefined;
/** `Promise.prototype.then` as it was when this file ran: `promiseThen.call(p, ok, failed)`. */
export var promiseThen = Promise.prototype.then;
var Event_ = W && W.CustomEvent;
var dispatch = W && W.dispatchEvent && W.dispatchEvent.bind(W);
var define = Object.defineProperty;
var say;
try {
  say = console.warn.bind(console);
} catch (_) {
  // no console: warnings go nowhere
}

/** Writes `[taapit] <what>` to the console, if the page lets it; never throws. */
export function warn(what) {
  try {
    say('[taapit]', what);
  } catch (_) {
    // a console that throws is not worth breaking the page for
  }
}

/**
 * `value` unchanged, but an object gets an own, hidden `then` that is undefined: a promise
 * resolved with it then never looks up a `then` the page put on `Object.prototype`.
 */
export function inert(value) {
  try {
    if (value && typeof value == 'object') define(value, 'then', { value: undefined });
  } catch (_) {
    // a frozen object: nothing to do
  }
  return value;
}

/** A capture's empty result, for a module that did not load. */
var nothing = () => ({ trackingId: null, source: null, storage: null, domain: null, expiresAt: null });

/**
 * The wrapper of one module. `watch(decorate)` installs the outbound-link listener (the
 * caller's outbound.js), called at most once, on the first capture with `outbound`.
 * Returns { api, settle, whenSettled }: `api` the synchronous calls (valid once settled),
 * `settle(module)` ends the load (`null`: it failed).
 */
export function wrapper(watch) {
  var module = null;
  var settled = false;
  var waiting = [];
  var watching = false;

  // Runs the module's call `name`; `fallback` when it did not load or threw.
  var run = (name, arg, fallback) => {
    try {
      if (module) return module[name](arg);
    } catch (e) {
      warn(e);
    }
    return fallback;
  };

  // Tells the page the id now in effect, after `call` ran (`result`: what it returned, whose
  // fields come along; its `trackingId` is the call's, the detail's the one now in effect).
  var changed = (call, result) => {
    if (!module) return;
    try {
      var detail = {};
      for (var key in result) detail[key] = result[key];
      detail.trackingId = run('getTrackingId', undefined, null);
      detail.call = call;
      dispatch(new Event_('taapit:change', { detail: detail }));
    } catch (e) {
      warn(e);
    }
  };

  var decorate = (href) => run('decorateUrl', href, null);

  var api = {
    capture: (options) => {
      var result = run('capture', options, nothing());
      try {
        if (module && !watching && options && options.outbound) {
          watching = true;
          watch(decorate, warn);
        }
      } catch (e) {
        warn(e);
      }
      changed('capture', result);
      return result;
    },
    getTrackingId: () => run('getTrackingId', undefined, null),
    clearTrackingId: () => {
      run('clearTrackingId');
      changed('clear');
    },
    grantConsent: () => {
      var result = run('grantConsent', undefined, nothing());
      changed('grant', result);
      return result;
    },
    revokeConsent: () => {
      run('revokeConsent');
      changed('revoke');
    },
    decorateUrl: decorate,
  };

  var settle = (made) => {
    if (settled) return;
    module = made || null;
    settled = true;
    // By index: a callback may queue another (it runs in turn); no Array.prototype method.
    for (var i = 0; i < waiting.length; i++) {
      try {
        waiting[i]();
      } catch (e) {
        warn(e);
      }
    }
    waiting.length = 0;
  };

  var whenSettled = (fn) => {
    if (!settled) {
      waiting[waiting.length] = fn;
      return;
    }
    try {
      fn();
    } catch (e) {
      warn(e);
    }
  };

  return {
    api: api,
    settle: settle,
    whenSettled: whenSettled,
  };
}
