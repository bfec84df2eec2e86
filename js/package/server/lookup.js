// Finding the tracking id of a request in one call, in the order the Taapit guide recommends:
// the `ta_tid` cookie, then the `trackingId` of the JSON body, then the `ta_tid` URL
// parameter. Only valid ids count, so an invalid cookie does not hide a valid body id. The
// rules are the Rust core's (rules.js): the browser's read rule over the Cookie header, the
// capture's source rule over the URL, the id rule for the body.
//
// For a Web `Request` (Next.js App Router, edge runtimes) and for Node's `IncomingMessage`
// (Pages Router API routes, Express, node:http). A Web Request's body is never read here:
// the handler has usually read it already (a body is read once), so it passes the parsed
// body. A request of any shape gives an id or null, never an exception.

import { isValidTrackingId, trackingIdFromCookieHeader, trackingIdFromUrl } from './rules.js';

const DEFAULT_NAME = 'ta_tid';
/** The base a Node request's path is read against (only its search part is used). */
const PATH_BASE = 'http://localhost';

/** The request's Cookie header: `Headers` (Web), or a Node headers object (a string, or several). */
function cookieHeader(request) {
  const { headers } = request;
  if (!headers || typeof headers !== 'object') return null;
  if (typeof headers.get === 'function') return headers.get('cookie');
  const value = headers.cookie;
  if (Array.isArray(value)) return value.filter((part) => typeof part === 'string').join('; ');
  return typeof value === 'string' ? value : null;
}

/**
 * The request's URL, absolute: a Web Request's as it is, a Node request's path on a dummy
 * base (a path, `//…` included: `new URL('//?ta_tid=x', base)` would read a host).
 */
function requestUrl(request) {
  const { url } = request;
  if (typeof url !== 'string' || url === '') return null;
  try {
    return (url.startsWith('/') ? new URL(`${PATH_BASE}${url}`) : new URL(url, PATH_BASE)).href;
  } catch {
    return null;
  }
}

/** The body's `trackingId`: from a parsed object, or from JSON text. */
function bodyTrackingId(body) {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const value = parsed.trackingId;
  return typeof value === 'string' ? value : null;
}

/**
 * The tracking id of `request`, and where it was found: `{ trackingId, source }` with
 * `source` `"cookie"`, `"body"` or `"url"`, or `null` when no candidate is a valid id.
 *
 * - `request`: a Web `Request` (its `headers.get('cookie')` and absolute `url`), or Node's
 *   `IncomingMessage` (`headers.cookie`, the path in `url`, and `body` when a body parser
 *   such as `express.json()` or Next.js's Pages Router has set it).
 * - `body`: the parsed JSON body (or its text), whose `trackingId` is the second candidate.
 *   Pass it for a Web Request (read with `await request.json()` by the handler); for a Node
 *   request it defaults to `request.body`.
 * - `options.cookieName` (default `"ta_tid"`): the frontend's `cookieName`.
 *   `options.params` (default `["ta_tid"]`): the frontend's `params`, tried in order.
 *   An option the frontend would refuse throws a TypeError; the request never makes it throw.
 */
export function findTrackingId(request, body, options) {
  const cookieName = options?.cookieName ?? DEFAULT_NAME;
  const params = options?.params ?? [DEFAULT_NAME];
  // Options are the program's, not the request's: one the frontend would refuse is an error
  // (the rules' TypeError), whatever the request holds.
  if (options?.cookieName !== undefined) trackingIdFromCookieHeader('', cookieName);
  if (options?.params !== undefined) trackingIdFromUrl('/', params);
  try {
    if (request === null || typeof request !== 'object') return null;
    const header = cookieHeader(request);
    const fromCookie = header ? trackingIdFromCookieHeader(header, cookieName) : null;
    if (fromCookie) return { trackingId: fromCookie, source: 'cookie' };

    const fromBody = bodyTrackingId(body !== undefined ? body : isWebRequest(request) ? undefined : request.body);
    if (fromBody !== null && isValidTrackingId(fromBody)) return { trackingId: fromBody, source: 'body' };

    const url = requestUrl(request);
    const fromUrl = url ? trackingIdFromUrl(url, params) : null;
    if (fromUrl) return { trackingId: fromUrl, source: 'url' };
    return null;
  } catch {
    // A request of an unexpected shape (a getter that throws, say): no id, no exception.
    return null;
  }
}

/** A Web Request: its `body` is a stream that only the handler may read. */
function isWebRequest(request) {
  return typeof request.headers?.get === 'function';
}
