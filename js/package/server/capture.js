// Server-side capture: a page response carries the `ta_tid` cookie from the site's own
// server, so a site keeps the id with no script, and the cookie is not one a script wrote
// (Safari caps those at 7 days). The cookie string, its Domain (the registrable domain, by
// the Public Suffix List of tldts, through the virtual jar), and the first/last-click
// decision are the shipped module's own: rules.js runs it over the request (engine.js). What
// is decided here: which requests are pages, consent, the protocol behind a proxy, and not
// putting a cookie on a response a shared cache may store (ARCHITECTURE.md, "Server-side
// capture").

import { engineBuild, runCapture } from './rules.js';

/**
 * @typedef {object} ServerCaptureOptions
 * The frontend's options that apply to the cookie (the same names and values as
 * `capture(options)` and `<Analytics />`), and the server's own.
 * @property {string} [cookieName] default `"ta_tid"`
 * @property {number} [expiresInDays] default 90, clamped to 1-400
 * @property {'last-click' | 'first-click'} [attribution] default `"last-click"`
 * @property {string[]} [params] URL parameter names, in order (default `["ta_tid"]`)
 * @property {string} [domain] `"auto"` (default), `"host"`, or a domain the host is under
 * @property {'Lax' | 'Strict' | 'None'} [sameSite] default `"Lax"`
 * @property {'auto' | boolean} [secure] default `"auto"`: `Secure` on https
 * @property {(request: any) => boolean} [consent] whether this visitor agreed to the
 *   cookie; called with the request; default: granted. `false` (or a throw): no cookie.
 * @property {boolean} [trustForwardedProto] take the protocol from `X-Forwarded-Proto`
 *   (only behind a proxy that sets it: a client could send it otherwise); default false.
 */

/**
 * @typedef {object} ServerCaptureResult
 * What the call did. It never throws: a bad option or a failure is in `error`.
 * @property {string | null} trackingId the id in effect for this visitor (URL or cookie)
 * @property {'search' | 'hash' | 'stored' | null} source where it came from (`stored`: the cookie)
 * @property {boolean} cookie whether the response got a Set-Cookie for it
 * @property {string[]} setCookie the Set-Cookie values added (the id's, and expired copies)
 * @property {string | null} domain the cookie's Domain (null: host-only)
 * @property {number | null} expiresAt when the cookie expires (ms since the epoch)
 * @property {null | 'not-a-page' | 'no-id' | 'consent' | 'refused' | 'shared-cache' | 'headers-sent' | 'error'} skipped
 *   why no cookie was set, when none was (`refused`: a browser would refuse that cookie)
 * @property {string | null} error what went wrong (bad options, the module failing)
 * @property {'wasm' | 'wasm2js' | null} engine which build of the module decided (wasm2js on
 *   edge runtimes, and where compiling WebAssembly is refused)
 */

/** The frontend options the server passes to the module; the rest are the server's own. */
const COOKIE_OPTIONS = ['cookieName', 'expiresInDays', 'attribution', 'params', 'domain', 'sameSite', 'secure'];
const SERVER_OPTIONS = ['consent', 'trustForwardedProto'];

/** A response's Cache-Control that lets a shared cache store it (RFC 9111 §3). */
export function sharedCacheMayStore(cacheControl) {
  if (!cacheControl) return false;
  const directives = String(cacheControl).toLowerCase();
  if (/(^|[\s,])(private|no-store)([\s,=]|$)/.test(directives)) return false;
  return /(^|[\s,])(public|s-maxage)([\s,=]|$)/.test(directives);
}

function emptyResult() {
  return {
    trackingId: null,
    source: null,
    cookie: false,
    setCookie: [],
    domain: null,
    expiresAt: null,
    skipped: null,
    error: null,
    engine: null,
  };
}

/** The options split into the module's and the server's; throws a TypeError for a bad one. */
function readOptions(options) {
  if (options == null) return { cookie: {}, consent: undefined, trustForwardedProto: false };
  if (typeof options !== 'object') throw new TypeError('taapit-capture/server: options must be an object');
  const cookie = {};
  for (const name of Object.keys(options)) {
    if (COOKIE_OPTIONS.includes(name)) {
      if (options[name] !== undefined) cookie[name] = options[name];
    } else if (!SERVER_OPTIONS.includes(name)) {
      throw new TypeError(
        `taapit-capture/server: ${name}: not an option of server-side capture (${[...COOKIE_OPTIONS, ...SERVER_OPTIONS].join(', ')})`,
      );
    }
  }
  const { consent, trustForwardedProto = false } = options;
  if (consent !== undefined && typeof consent !== 'function' && typeof consent !== 'boolean') {
    throw new TypeError('taapit-capture/server: consent must be a function (request) => boolean');
  }
  if (typeof trustForwardedProto !== 'boolean') {
    throw new TypeError('taapit-capture/server: trustForwardedProto must be true or false');
  }
  return { cookie, consent, trustForwardedProto };
}

/** The first value of a comma-separated header (X-Forwarded-Proto: "https, http"). */
const firstOf = (value) => String(value).split(',')[0].trim().toLowerCase();

/**
 * The decision for one request, shared by both variants: the Set-Cookie values the response
 * is to carry (none: `result.skipped` says why), with `result` filled in. `request` is what
 * `consent` is given; `url` the page's address (a URL), `https` whether the visitor's
 * connection is secure, `cookieHeader` the Cookie header.
 */
function decide(request, { url, https, cookieHeader }, options, result) {
  const { cookie, consent } = options;
  let granted = true;
  if (typeof consent === 'boolean') granted = consent;
  else if (consent) {
    try {
      granted = consent(request) === true;
    } catch (error) {
      granted = false;
      result.error = `consent threw: ${error?.message ?? error}`;
    }
  }
  const location = {
    hostname: url.hostname,
    pathname: url.pathname,
    search: url.search,
    hash: '',
    protocol: https ? 'https:' : 'http:',
  };
  const { result: found, page } = runCapture(location, cookieHeader, {
    ...cookie,
    consent: granted ? 'granted' : 'pending',
  });
  result.trackingId = found?.trackingId ?? null;
  result.source = found?.source ?? null;
  if (!result.trackingId) {
    result.skipped = 'no-id';
    return [];
  }
  if (!granted) {
    result.skipped = 'consent';
    return [];
  }
  let written = page.jar.setCookies();
  let outcome = found;
  if (found.source === 'stored' && found.storage === 'cookie' && written.length === 0) {
    // The id came from the cookie (no id in the URL, or first-click kept the stored one):
    // sent again from the server, so its lifetime is the server's, not a script's. The
    // module writes it as it would a landing with that id.
    const again = runCapture({ ...location, search: `?ta_tid=${found.trackingId}` }, cookieHeader, {
      ...cookie,
      params: ['ta_tid'],
      attribution: 'last-click',
      consent: 'granted',
    });
    written = again.page.jar.setCookies();
    outcome = again.result;
  }
  if (outcome?.storage === 'cookie') {
    result.domain = outcome.domain;
    result.expiresAt = outcome.expiresAt;
  } else {
    // A cookie the browser would refuse too (say `secure: true` on http): none is sent.
    result.skipped = 'refused';
  }
  return outcome?.storage === 'cookie' ? written : [];
}

/**
 * Next.js's NextResponse keeps its own list of the response's cookies, read when it was made,
 * and writes every Set-Cookie header again from that list on `response.cookies.set()` and
 * `.delete()`: a proxy that sets a cookie of its own after the capture (a session refresh, a
 * locale) would drop the id's. Those two calls put the id's cookie back, unless they are
 * about that cookie itself (the app's own word on it wins). Other responses: nothing to do.
 */
function keepThroughCookieJar(response, written, cookieName) {
  let jar;
  try {
    jar = response.cookies;
  } catch {
    return;
  }
  if (!jar || typeof jar !== 'object') return;
  let keep = true;
  for (const method of ['set', 'delete']) {
    // The class's own method: NextResponse hands out its list through a Proxy whose `set` and
    // `delete` call the list's (then this wrapper), so the Proxy's cannot be the original.
    const original = Object.hasOwn(jar, method) ? jar[method] : Object.getPrototypeOf(jar)?.[method];
    if (typeof original !== 'function') continue;
    jar[method] = function (...args) {
      const about = typeof args[0] === 'string' ? args[0] : args[0]?.name;
      if (about === cookieName) keep = false;
      const out = original.apply(this, args);
      if (keep) {
        const now = response.headers.getSetCookie();
        for (const value of written) if (!now.includes(value)) response.headers.append('Set-Cookie', value);
      }
      return out;
    };
  }
}

/** Runs `body(result)`, turning a throw into `result.error` (`skipped: "error"`). */
function guarded(body) {
  const result = emptyResult();
  try {
    result.engine = engineBuild();
    body(result);
  } catch (error) {
    result.setCookie = [];
    result.cookie = false;
    result.skipped = 'error';
    result.error = error instanceof TypeError ? error.message : `taapit-capture/server: ${error?.message ?? error}`;
  }
  return result;
}

/**
 * The page's URL from Node's request target and the site's origin. A target that starts
 * with `/` is a path, `//` included (`https://shop.example//landing` is asked for as
 * `//landing`, which `new URL(target, origin)` would read as a host).
 */
function pageUrl(target, origin) {
  const path = typeof target === 'string' && target !== '' ? target : '/';
  return path.startsWith('/') ? new URL(`${origin}${path}`) : new URL(path, origin);
}

/** A header's values as a list of strings (Node's getHeader gives a string, a list or undefined). */
const headerList = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * The values of header `name` (lower case) among the headers given to `writeHead`: an object,
 * or Node's flat `[name, value, name, value, …]` list. Null when it is not among them.
 */
function givenHeaders(headers, name) {
  if (!headers || typeof headers !== 'object') return null;
  const values = [];
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) values.push(...headerList(headers[i + 1]));
    }
    return values.length ? values : null;
  }
  let found = false;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    found = true;
    values.push(...headerList(value));
  }
  return found ? values : null;
}

/** A copy of writeHead's headers (an object or a flat list) without header `name` (lower case). */
function withoutHeader(headers, name) {
  if (Array.isArray(headers)) {
    const kept = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== name) kept.push(headers[i], headers[i + 1]);
    }
    return kept;
  }
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}

/** The Cache-Control of a response for one visitor (Next.js's own for dynamic pages). */
const PER_VISITOR = 'private, no-cache, no-store, max-age=0, must-revalidate';

const isPageMethod = (method) => method === 'GET' || method === 'HEAD' || method == null;

/**
 * Server-side capture for a Web `Request` and the `Response` the server will send (Next.js
 * `middleware.ts` / `proxy.ts` with `NextResponse.next()`, route handlers, edge runtimes):
 * adds the id's cookie to `response.headers` as Set-Cookie when the page's URL (or the
 * request's cookie) has a valid id and consent is given. A response whose Cache-Control lets
 * a shared cache store it (`public`, `s-maxage`) gets no cookie; a response with no
 * Cache-Control yet (a proxy's `NextResponse.next()`: the page's own comes later) that gets
 * the cookie is marked `private, no-cache, no-store, max-age=0, must-revalidate`, which
 * Next.js then sends instead of a prerendered page's `s-maxage`. Never throws.
 *
 * @param {Request} request
 * @param {Response} response
 * @param {ServerCaptureOptions} [options]
 * @returns {ServerCaptureResult}
 */
export function captureTrackingId(request, response, options) {
  return guarded((result) => {
    const read = readOptions(options);
    if (!isPageMethod(request?.method)) {
      result.skipped = 'not-a-page';
      return;
    }
    const headers = request.headers;
    const url = new URL(request.url);
    // The Host header names the site the visitor asked for (what `location.hostname` is).
    const host = headers.get('host');
    if (host) url.host = host;
    let https = url.protocol === 'https:';
    const forwarded = headers.get('x-forwarded-proto');
    if (read.trustForwardedProto && forwarded) https = firstOf(forwarded) === 'https';
    const written = decide(request, { url, https, cookieHeader: headers.get('cookie') }, read, result);
    if (!written.length) return;
    const cacheControl = response.headers.get('cache-control');
    if (sharedCacheMayStore(cacheControl)) {
      result.skipped = 'shared-cache';
      return;
    }
    try {
      for (const value of written) response.headers.append('Set-Cookie', value);
    } catch (error) {
      // A fetch()'s answer or Response.redirect(): headers a program may not change.
      throw new TypeError(
        `taapit-capture/server: the response's headers cannot be changed (${error?.message ?? error}): pass a copy, new Response(response.body, response)`,
      );
    }
    keepThroughCookieJar(response, written, read.cookie.cookieName ?? 'ta_tid');
    // No Cache-Control yet: in a proxy (NextResponse.next()) the page's own comes later, and
    // Next.js would send a prerendered page's `s-maxage` with this visitor's cookie. A
    // proxy's Cache-Control is the one Next.js sends, so the response that carries the
    // cookie is marked as Next.js marks its dynamic pages: no shared cache stores it.
    if (!cacheControl) response.headers.set('Cache-Control', PER_VISITOR);
    result.setCookie = written;
    result.cookie = true;
  });
}

/**
 * Server-side capture for Node's `http` (`IncomingMessage`, `ServerResponse`: `node:http`,
 * Express, the Pages Router's API routes): adds the id's cookie to `res` as Set-Cookie, as
 * {@link captureTrackingId} does. Call it before the response is sent; if, when the head is
 * written, its Cache-Control lets a shared cache store it, the cookie is taken off again
 * (the result then says `skipped: "shared-cache"`). Never throws.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {ServerCaptureOptions} [options]
 * @returns {ServerCaptureResult}
 */
export function captureTrackingIdNode(req, res, options) {
  return guarded((result) => {
    const read = readOptions(options);
    if (!isPageMethod(req?.method)) {
      result.skipped = 'not-a-page';
      return;
    }
    if (res.headersSent) {
      result.skipped = 'headers-sent';
      return;
    }
    let https = Boolean(req.socket?.encrypted);
    const forwarded = req.headers['x-forwarded-proto'];
    if (read.trustForwardedProto && forwarded) https = firstOf(forwarded) === 'https';
    // HTTP/2 names the site in `:authority` (browsers send no Host header there).
    const host = req.headers.host ?? req.headers[':authority'] ?? 'localhost';
    const url = pageUrl(req.url, `${https ? 'https' : 'http'}://${host}`);
    const cookieHeader = req.headers.cookie ?? null;
    const written = decide(req, { url, https, cookieHeader }, read, result);
    if (!written.length) return;
    if (sharedCacheMayStore(res.getHeader('cache-control'))) {
      result.skipped = 'shared-cache';
      return;
    }
    res.setHeader('Set-Cookie', [...headerList(res.getHeader('set-cookie')), ...written]);
    result.setCookie = written;
    result.cookie = true;
    // The head is decided when it is written: a Cache-Control set later still counts, and a
    // Set-Cookie set later (`res.setHeader('Set-Cookie', …)`, or one given to `writeHead`,
    // which Node lets replace the earlier one) keeps the id's cookie beside the handler's.
    // (Node's `end()` without `writeHead()` goes through `writeHead` too.)
    const writeHead = res.writeHead;
    res.writeHead = function (status, ...rest) {
      res.writeHead = writeHead;
      const at = rest.findIndex((a) => a && typeof a === 'object');
      const headers = at < 0 ? undefined : rest[at];
      const cacheControl = givenHeaders(headers, 'cache-control');
      if (sharedCacheMayStore(cacheControl ? cacheControl.join(', ') : res.getHeader('cache-control'))) {
        const left = headerList(res.getHeader('set-cookie')).filter((v) => !written.includes(v));
        if (left.length) res.setHeader('Set-Cookie', left);
        else res.removeHeader('Set-Cookie');
        result.setCookie = [];
        result.cookie = false;
        result.skipped = 'shared-cache';
      } else {
        // The handler's Set-Cookie given to writeHead is set here, as Node would set it (it
        // replaces the earlier one), with the id's cookie first: a cookie of the same name
        // the handler sets still wins.
        const theirs = givenHeaders(headers, 'set-cookie');
        if (theirs) rest[at] = withoutHeader(headers, 'set-cookie');
        const now = theirs ?? headerList(res.getHeader('set-cookie'));
        const missing = written.filter((value) => !now.includes(value));
        if (theirs || missing.length) res.setHeader('Set-Cookie', [...missing, ...now]);
      }
      return writeHead.call(this, status, ...rest);
    };
  });
}
