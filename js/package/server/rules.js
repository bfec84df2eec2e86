// The tracking-id rules for servers, answered by the Rust core itself: each function runs the
// shipped module (the .wasm, or its wasm2js build on edge runtimes: runtime.js) over a virtual
// page made of what it is given (engine.js). No rule is written again in JavaScript; see
// ARCHITECTURE.md, "Server-side capture".

import { engine, engineBuild } from '#taapit-server-engine';
import { CALL_CAPTURE, CALL_TRACKING_ID, optionList, virtualPage } from './engine.js';

export { engineBuild };

/** What the core's option reader says about an option it refused (crates/core/src/options.rs). */
const OPTION_NOTE = '[taapit] option ';
/** Its note on a number of days it clamped: a value the browser side accepts as well. */
const CLAMPED = 'expiresInDays: clamped';

/** A page of no site in particular, for rules that do not depend on the host. */
const NOWHERE = { hostname: 'localhost', pathname: '/', search: '', hash: '', protocol: 'http:' };

/**
 * Runs a capture with `options` on `location` (hostname, pathname, search, hash, protocol)
 * with `cookieHeader` as `document.cookie`: `{ result, page }`, the module's result and the
 * virtual page (its jar holds what the module wrote; `page.notes`, what it said). Throws a
 * TypeError naming each option the core refused.
 */
export function runCapture(location, cookieHeader, options) {
  const page = virtualPage(location, cookieHeader);
  // debug: the core then says which options it refused (and why the id went where it went).
  const { result, state } = engine.run(page, CALL_CAPTURE, optionList({ ...options, debug: true }));
  page.notes = page.warnings.filter((note) => !note.startsWith(OPTION_NOTE));
  const refused = page.warnings
    .filter((note) => note.startsWith(OPTION_NOTE) && !note.includes(CLAMPED))
    .map((note) => note.slice(OPTION_NOTE.length).replace('; using the default', ''));
  if (refused.length) throw new TypeError(`taapit-capture/server: ${refused.join('; ')}`);
  page.state = state;
  return { result, page };
}

/**
 * Whether `value` is a valid tracking id by the core's rule (1-128 characters of
 * `A-Z a-z 0-9 - _ . ~`), taken as given: no URL decoding (`"a%41"` is not valid).
 */
export function isValidTrackingId(value) {
  if (typeof value !== 'string' || value === '') return false;
  let encoded;
  try {
    encoded = encodeURIComponent(value); // throws on a lone surrogate: not an id
  } catch (_) {
    return false;
  }
  // The capture's own source rule over `?ta_tid=<value>`: the id it finds is the value itself
  // exactly when the value is valid.
  const { result } = runCapture({ ...NOWHERE, search: `?ta_tid=${encoded}` }, null, { consent: 'pending' });
  return result?.trackingId === value;
}

/**
 * The id a page's module would read from these cookies: the first valid `cookieName` cookie
 * of a Cookie header (`ta_tid` by default), else null. Throws a TypeError for a cookie name
 * the browser side would refuse too.
 */
export function trackingIdFromCookieHeader(header, cookieName = 'ta_tid') {
  const cookies = Array.isArray(header) ? header.join('; ') : typeof header === 'string' ? header : '';
  const { page } = runCapture(NOWHERE, cookies, { cookieName, consent: 'pending' });
  // The session now has the name: the module's own read (getTrackingId).
  const { result } = engine.run(page, CALL_TRACKING_ID, '', page.state);
  return result;
}

/**
 * The id a page's capture finds in `url` (a URL, or a string, absolute or a path such as
 * Node's `req.url`): `location.search`, then the query part of the hash; `params` the
 * parameter names, in order (default `["ta_tid"]`); the first valid value wins. Null when
 * there is none (or `url` is not a URL). Throws a TypeError for `params` the browser side
 * would refuse too.
 */
export function trackingIdFromUrl(url, params) {
  let parsed;
  try {
    parsed = url instanceof URL ? url : new URL(String(url), 'http://localhost');
  } catch (_) {
    return null;
  }
  const { result } = runCapture(parsed, null, { params, consent: 'pending' });
  return result && (result.source === 'search' || result.source === 'hash') ? result.trackingId : null;
}
