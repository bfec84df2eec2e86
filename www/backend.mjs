// The demo backend: what a customer's server does at signup, minus the network call.
//
// `POST /api/signup` with JSON `{ email, firstName, lastName, trackingId? }`:
//   1. finds the tracking id the way the Taapit guide's "Best Practices" say: the `ta_tid`
//      cookie first, then `trackingId` in the JSON body, then the `ta_tid` URL parameter of
//      the request; each candidate is checked with the module's rule (1–128 characters of
//      A–Z a–z 0–9 - _ . ~) and an invalid one is rejected, so the next source is tried;
//   2. "creates" the user (in memory: user_1, user_2, …);
//   3. builds the exact lead event Taapit expects,
//      `{ trackingId, customer: { externalId, email, firstname, lastname }, metadata }`,
//      and returns it as the request it would POST to https://track.taap.it/api/events/lead.
// It never sends it: the demo has no secret key and makes no outbound request. The last
// events are kept in memory and listed by `GET /api/leads` (shown by /leads.html).
// With no valid id anywhere the user is still created (tracking must never fail a signup)
// and the answer says that no lead would be reported.

/** Where a real backend would POST the lead. */
export const LEAD_ENDPOINT = 'https://track.taap.it/api/events/lead';
/** What the Authorization header would carry: a placeholder, never a real key. */
export const AUTHORIZATION_PLACEHOLDER = 'Bearer taapit_sk_…';
/** The cookie and URL parameter the capture module uses. */
export const PARAM = 'ta_tid';
/** How many signups `GET /api/leads` keeps, newest first. */
export const KEEP = 20;
/** The largest request body read, in bytes. */
const MAX_BODY = 16 * 1024;

const VALID_ID = /^[A-Za-z0-9\-_.~]{1,128}$/;

/** The module's rule for a tracking id (src/core/id.rs): 1–128 of A–Z a–z 0–9 - _ . ~. */
export function isValidTrackingId(value) {
  return typeof value === 'string' && VALID_ID.test(value);
}

/** The values of cookie `name` in a Cookie header, in order (a request may carry several). */
export function cookieValues(header, name) {
  if (typeof header !== 'string') return [];
  const values = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/**
 * The tracking id of a signup request, by the guide's order: cookie, body, URL parameter.
 *
 * @param {{ cookieHeader?: string, body?: object, url: URL }} request
 * @returns {{ trackingId: string | null, source: 'cookie' | 'body' | 'url' | null,
 *   rejected: { source: string, value: string }[] }}
 */
export function findTrackingId({ cookieHeader, body, url }) {
  const candidates = [
    ...cookieValues(cookieHeader, PARAM).map((value) => ['cookie', value]),
    ['body', body?.trackingId],
    ...url.searchParams.getAll(PARAM).map((value) => ['url', value]),
  ];
  const rejected = [];
  for (const [source, value] of candidates) {
    if (value === undefined || value === null || value === '') continue;
    if (isValidTrackingId(value)) return { trackingId: value, source, rejected };
    rejected.push({ source, value: typeof value === 'string' ? value.slice(0, 200) : String(typeof value) });
  }
  return { trackingId: null, source: null, rejected };
}

/** The lead event body Taapit expects (the guide's "Request Body", lead fields only). */
export function leadEventBody({ trackingId, user }) {
  const customer = { externalId: user.id, email: user.email };
  if (user.firstName) customer.firstname = user.firstName;
  if (user.lastName) customer.lastname = user.lastName;
  return { trackingId, customer, metadata: { source: 'signup-api' } };
}

/** Checks the signup form; returns the user's fields or an error message. */
function readSignup(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'expected a JSON object' };
  const text = (key, max) => {
    const value = body[key];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') return null;
    const trimmed = value.trim();
    return trimmed.length <= max ? trimmed : null;
  };
  const email = text('email', 254);
  const firstName = text('firstName', 100);
  const lastName = text('lastName', 100);
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) return { error: 'a valid email is required' };
  if (firstName === null || lastName === null) return { error: 'firstName and lastName must be strings of at most 100 characters' };
  return { email, firstName, lastName };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY && !tooLarge) {
        // Reject now, but let the rest of the body drain (without keeping it) so the 413
        // reaches the client instead of a reset connection.
        tooLarge = true;
        chunks.length = 0;
        reject(Object.assign(new Error('request body too large'), { status: 413, close: true }));
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res, status, value, headers = {}) {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * A new demo backend with its own in-memory users and events.
 *
 * @returns {{ routes: Record<string, (req, res) => Promise<void> | void>, events: object[] }}
 */
export function createBackend({ keep = KEEP } = {}) {
  let users = 0;
  /** Newest first. */
  const events = [];

  async function signup(req, res) {
    if (req.method !== 'POST') {
      json(res, 405, { ok: false, error: 'use POST' }, { Allow: 'POST' });
      return;
    }
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      json(res, error.status ?? 400, { ok: false, error: error.status ? error.message : 'the body is not valid JSON' }, error.close ? { Connection: 'close' } : {});
      return;
    }
    const form = readSignup(body);
    if (form.error) {
      json(res, 400, { ok: false, error: form.error });
      return;
    }

    const url = new URL(req.url, 'http://demo.invalid');
    const found = findTrackingId({ cookieHeader: req.headers.cookie, body, url });

    // The signup itself comes first; tracking is reported only once it succeeded.
    users += 1;
    const user = { id: `user_${users}`, ...form };

    const lead = found.trackingId
      ? {
          method: 'POST',
          url: LEAD_ENDPOINT,
          headers: { Authorization: AUTHORIZATION_PLACEHOLDER, 'Content-Type': 'application/json' },
          body: leadEventBody({ trackingId: found.trackingId, user }),
        }
      : null;
    const event = {
      at: new Date().toISOString(),
      user: { id: user.id, email: user.email },
      trackingIdSource: found.source,
      rejected: found.rejected,
      lead,
      note: lead
        ? `The backend would POST this lead to ${LEAD_ENDPOINT} (not sent: this is a demo).`
        : 'No valid tracking id in the cookie, the body or the URL: no lead would be reported.',
    };
    events.unshift(event);
    events.length = Math.min(events.length, keep);
    json(res, 201, { ok: true, ...event });
  }

  function leads(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { ok: false, error: 'use GET' }, { Allow: 'GET, HEAD' });
      return;
    }
    json(res, 200, { endpoint: LEAD_ENDPOINT, keep, events });
  }

  return { routes: { '/api/signup': signup, '/api/leads': leads }, events };
}
