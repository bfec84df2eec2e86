// The Taapit API client for JavaScript servers: `POST /api/events/lead` and
// `/api/events/sale` with the secret key, the wire format of the Rust client
// (crates/server/src/client.rs and event.rs): the same paths, JSON field names and order,
// `Authorization: Bearer`, one `Idempotency-Key` for every attempt of a call, the same
// checks before sending and the same retry rule.
//
// Web platform APIs only (fetch, AbortController, crypto.randomUUID, TextDecoder): the entry
// runs in Node and in edge runtimes that have no Node API. Every call resolves, never
// rejects: route handlers written as the Taapit guide writes them test `result.success` and
// nothing else, and tracking must never fail the signup or the payment it reports.

import { isValidTrackingId } from './rules.js';

/** Where events go unless `baseUrl` (or `TAAPIT_BASE_URL`) says otherwise. */
export const DEFAULT_BASE_URL = 'https://track.taap.it';

const KEY_PREFIX = 'taapit_sk_';
/** What the key reads as wherever it would otherwise show. */
const REDACTED = 'taapit_sk_…';
/** How much of an error response's body a result keeps (as the Rust client). */
const MAX_ERROR_BODY = 512;
/** The longest Retry-After honoured at all, whatever `maxBackoffMs` says (as the Rust client). */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * The defaults, chosen for a call awaited inside a request handler (the guide's way): at
 * most 3 × 5 s of attempts and 2 × 5 s of waiting, 25 s in all, before the handler gets its
 * answer. The Rust client's defaults are longer (5 attempts, 10 s, 30 s) because its outbox
 * delivers in the background.
 */
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 3, initialBackoffMs: 250, maxBackoffMs: 5_000 });

const EVENTS = {
  lead: { path: '/api/events/lead', trackingIdRequired: true },
  sale: { path: '/api/events/sale', trackingIdRequired: false },
};
const CUSTOMER_FIELDS = ['email', 'firstname', 'lastname', 'phoneNumber', 'avatarUrl'];
const ID_RULE = '1-128 characters of A-Z a-z 0-9 - _ . ~';

/** The process environment where there is one (Node, Next.js's edge sandbox), else {}. */
function environment() {
  try {
    const env = globalThis.process?.env;
    return env && typeof env === 'object' ? env : {};
  } catch {
    return {};
  }
}

/** Whether `key` is `taapit_sk_` followed by 1–256 visible ASCII characters (Rust's `ApiKey::new`). */
function isValidApiKey(key) {
  return typeof key === 'string' && key.startsWith(KEY_PREFIX) && /^[\x21-\x7e]{1,256}$/.test(key.slice(KEY_PREFIX.length));
}

/** Whether `key` can be sent as an `Idempotency-Key` header: 1–255 visible ASCII characters. */
function isValidIdempotencyKey(key) {
  return typeof key === 'string' && /^[\x21-\x7e]{1,255}$/.test(key);
}

/** 128 random bits in hex, the Rust client's form of a new idempotency key. */
function newIdempotencyKey() {
  return globalThis.crypto.randomUUID().replaceAll('-', '');
}

/**
 * The base URL without its trailing slashes, or null when it is not an absolute http(s) URL
 * made of an origin and a path: the event's path is appended to it, so a query or fragment
 * would swallow that path, and credentials are refused by fetch at every attempt (and would
 * show in `baseUrl`).
 */
function checkBaseUrl(value) {
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\/+$/, '');
  try {
    const url = new URL(trimmed);
    const plain = url.username === '' && url.password === '' && !/[?#]/.test(trimmed);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '' && plain ? trimmed : null;
  } catch {
    return null;
  }
}

function positiveNumber(value, fallback, { min = 0, integer = false } = {}) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) return undefined;
  return integer ? Math.floor(value) : value;
}

/** Thrown inside a call, caught at its edge: an event refused before anything was sent. */
class Refused extends Error {}

function text(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Refused(`${name} must be a string`);
  return value;
}

/**
 * The JSON body of an event, checked as the Rust client's `Event::validate` checks it, with
 * the fields in the Rust client's order. Reads each field of `event` once: a getter runs
 * once, and what it returned is what is checked and sent.
 */
function eventBody(kind, event) {
  if (event === null || typeof event !== 'object') throw new Refused(`track.${kind}() takes an object`);
  const { trackingId, customer, amount, currency, metadata } = event;
  const body = {};

  if (trackingId !== undefined && trackingId !== null) {
    if (typeof trackingId !== 'string' || !isValidTrackingId(trackingId)) {
      throw new Refused(`the tracking id is not valid (${ID_RULE})`);
    }
    body.trackingId = trackingId;
  } else if (EVENTS[kind].trackingIdRequired) {
    throw new Refused(`a lead needs a trackingId (${ID_RULE})`);
  }

  if (customer === null || typeof customer !== 'object') throw new Refused('customer.externalId is required');
  const { externalId } = customer;
  // Database ids are often numbers: an integer is sent as its decimal text.
  const external = Number.isSafeInteger(externalId) ? String(externalId) : externalId;
  if (typeof external !== 'string' || external.trim() === '') {
    throw new Refused('customer.externalId is required (a non-empty string)');
  }
  body.customer = { externalId: external };
  for (const field of CUSTOMER_FIELDS) {
    const value = text(customer[field], `customer.${field}`);
    if (value !== undefined) body.customer[field] = value;
  }

  if (kind === 'sale') {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new Refused('the amount must be a finite number >= 0, in currency units (not cents)');
    }
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
      throw new Refused('the currency must be an ISO 4217 code of three letters, such as "eur"');
    }
    body.amount = amount;
    body.currency = currency.toLowerCase();
  }

  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new Refused('metadata must be an object');
    body.metadata = metadata;
  }
  try {
    return JSON.stringify(body);
  } catch (error) {
    throw new Refused(`metadata cannot be written as JSON (${messageOf(error)})`);
  }
}

/** An error's message and its causes', one line (fetch's "fetch failed" says little alone). */
function messageOf(error) {
  const parts = [];
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 4; depth += 1) {
    let part;
    try {
      part = cause instanceof Error ? cause.message || cause.name : String(cause);
    } catch {
      part = 'unknown error';
    }
    if (part && !parts.includes(part)) parts.push(part);
    try {
      cause = cause instanceof Error ? cause.cause : undefined;
    } catch {
      cause = undefined;
    }
  }
  return parts.join(': ') || 'unknown error';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HTTP_DATES = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/,
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  /^[A-Z][a-z]+, (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/,
  // asctime: Sun Nov  6 08:49:37 1994
  /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/,
];

/**
 * A `Retry-After` value as milliseconds from `now`: delay-seconds, or an HTTP date in the
 * three forms RFC 9110 §5.6.7 asks a recipient to read (Date.parse reads some of them in
 * local time, so they are matched here). A date in the past is 0; anything else is null.
 */
export function parseRetryAfter(value, now) {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  for (const [index, pattern] of HTTP_DATES.entries()) {
    const match = pattern.exec(trimmed);
    if (!match) continue;
    let [, day, month, year, hour, minute, second] = match;
    if (index === 2) [, month, day, hour, minute, second, year] = match;
    let fullYear = Number(year);
    // RFC 850's two-digit year: the one within 50 years of now (RFC 9110 §5.6.7).
    if (index === 1) {
      const thisYear = new Date(now).getUTCFullYear();
      fullYear += Math.floor(thisYear / 100) * 100;
      if (fullYear > thisYear + 50) fullYear -= 100;
    }
    const monthIndex = MONTHS.indexOf(month);
    const [d, h, m, s] = [day, hour, minute, second].map(Number);
    if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || m > 59 || s > 60) return null;
    const at = Date.UTC(fullYear, monthIndex, d, h, m, s);
    return Number.isFinite(at) ? Math.max(0, at - now) : null;
  }
  return null;
}

/**
 * Whether to try again after a failed attempt, and after how long: the retry rule, pure (the
 * clock and the random source are passed in), as the Rust client's.
 *
 * - `attempt`: the attempt that failed, from 1.
 * - `outcome`: `{ status, retryAfter }` for an HTTP answer that was not 2xx (`retryAfter`:
 *   the header's text, or null), `{ network: true }` for no answer (refused, reset, timed out).
 * - `policy`: `{ maxAttempts, initialBackoffMs, maxBackoffMs }`.
 * - `now`: the time in ms since the epoch (for a `Retry-After` date); `random`: a number in [0, 1).
 *
 * Returns `{ retry: true, waitMs }` or `{ retry: false, temporary }`: network failures, 408,
 * 425, 429 and 5xx are temporary (retried while attempts remain); any other status is not
 * (a 4xx cannot change by asking again). The wait before retry n is a random time between
 * half and all of `initialBackoffMs × 2ⁿ⁻¹` (at most `maxBackoffMs`), and never shorter than
 * the answer's `Retry-After`; a `Retry-After` longer than `maxBackoffMs` ends the call at once.
 */
export function retryDecision({ attempt, outcome, policy, now, random }) {
  const network = outcome.network === true;
  const { status } = outcome;
  const temporary = network || status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
  if (!temporary) return { retry: false, temporary: false };
  if (attempt >= policy.maxAttempts) return { retry: false, temporary: true };
  const retryAfterMs = network ? null : parseRetryAfter(outcome.retryAfter, now);
  if (retryAfterMs !== null && retryAfterMs > policy.maxBackoffMs) return { retry: false, temporary: true, retryAfterMs };
  const exponential = Math.min(policy.initialBackoffMs * 2 ** Math.min(attempt - 1, 20), policy.maxBackoffMs);
  const jittered = exponential * (0.5 + 0.5 * random);
  return { retry: true, waitMs: Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Up to `limit` characters of a response's body, the rest left unread. */
async function bodyStart(response, limit) {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let out = '';
  try {
    while (out.length < limit * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      out += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out;
}

function resultOf(error, extra = {}) {
  return { success: false, error, ...extra };
}

/**
 * The Taapit client. `new Taapit({ apiKey })` never throws: a missing or malformed key, a bad
 * option, is reported by every call's result instead (the guide constructs the client at the
 * top of a module, where the key may be unset while the app is built).
 */
export class Taapit {
  #apiKey;
  #problem; // why every call fails, when the options are wrong
  #baseUrl = DEFAULT_BASE_URL;
  #timeoutMs = DEFAULT_TIMEOUT_MS;
  #retry = DEFAULT_RETRY;
  #fetch;

  /**
   * @param {object} [options]
   * @param {string} [options.apiKey] the secret key, `taapit_sk_…` (default: `TAAPIT_API_KEY`)
   * @param {string} [options.baseUrl] default: `TAAPIT_BASE_URL`, else https://track.taap.it
   * @param {number} [options.timeoutMs] per attempt, answer included (default 5000)
   * @param {object|false} [options.retry] `{ maxAttempts, initialBackoffMs, maxBackoffMs }`; false: one attempt
   * @param {typeof fetch} [options.fetch] the fetch to use (default: the global one)
   */
  constructor(options = {}) {
    const env = environment();
    let apiKey;
    try {
      // Read first and alone: what any later error says is scrubbed of it.
      apiKey = options?.apiKey ?? env.TAAPIT_API_KEY;
      this.#apiKey = typeof apiKey === 'string' ? apiKey : undefined;
    } catch {
      // Its getter threw: what it said may hold the key, which cannot be scrubbed unknown.
      this.#problem = 'the apiKey option could not be read';
    }
    try {
      const { baseUrl, timeoutMs, retry } = options ?? {};
      const fetchOption = options?.fetch;
      const problems = this.#problem ? [this.#problem] : [];
      if (!this.#problem && !isValidApiKey(apiKey)) {
        problems.push(
          apiKey === undefined || apiKey === null || apiKey === ''
            ? 'no API key: pass apiKey (or set TAAPIT_API_KEY) to your secret key, taapit_sk_…'
            : 'the API key must be taapit_sk_ followed by visible ASCII characters',
        );
      }
      const base = baseUrl ?? env.TAAPIT_BASE_URL ?? DEFAULT_BASE_URL;
      const checkedBase = checkBaseUrl(base);
      if (checkedBase === null) problems.push('the base URL must be an absolute http or https URL, with no query, fragment or credentials');
      else this.#baseUrl = checkedBase;
      const timeout = positiveNumber(timeoutMs, DEFAULT_TIMEOUT_MS, { min: 1 });
      if (timeout === undefined) problems.push('timeoutMs must be a number of milliseconds > 0');
      else this.#timeoutMs = timeout;
      if (retry === false) {
        this.#retry = { ...DEFAULT_RETRY, maxAttempts: 1 };
      } else if (retry !== undefined && retry !== null) {
        const policy = {
          maxAttempts: positiveNumber(retry.maxAttempts, DEFAULT_RETRY.maxAttempts, { min: 1, integer: true }),
          initialBackoffMs: positiveNumber(retry.initialBackoffMs, DEFAULT_RETRY.initialBackoffMs),
          maxBackoffMs: positiveNumber(retry.maxBackoffMs, DEFAULT_RETRY.maxBackoffMs),
        };
        if (Object.values(policy).includes(undefined)) {
          problems.push('retry must be false or { maxAttempts >= 1, initialBackoffMs >= 0, maxBackoffMs >= 0 }');
        } else {
          this.#retry = Object.freeze(policy);
        }
      }
      if (fetchOption !== undefined && typeof fetchOption !== 'function') problems.push('fetch must be a function');
      this.#fetch = fetchOption;
      this.#problem = problems.length ? problems.join('; ') : undefined;
    } catch (error) {
      this.#problem = `the options could not be read (${this.#scrub(messageOf(error))})`;
    }
    const call = (kind) => (event, callOptions) => this.#track(kind, event, callOptions);
    /** `taapit.track.lead(lead)`, `taapit.track.sale(sale)`: each resolves `{ success: true }` or `{ success: false, error }`. */
    this.track = Object.freeze({ lead: call('lead'), sale: call('sale') });
  }

  /** Where events are posted. */
  get baseUrl() {
    return this.#baseUrl;
  }

  /** What `JSON.stringify` shows: the base URL, and the key as `taapit_sk_…`. */
  toJSON() {
    return { baseUrl: this.#baseUrl, apiKey: REDACTED };
  }

  /** What Node's `util.inspect` and `console.log` show (the symbol is Node's, named without importing it). */
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Taapit { baseUrl: ${JSON.stringify(this.#baseUrl)}, apiKey: '${REDACTED}' }`;
  }

  /** `text` with every occurrence of the key replaced by `taapit_sk_…`. */
  #scrub(text) {
    const key = this.#apiKey;
    return typeof key === 'string' && key.length > 0 ? String(text).replaceAll(key, REDACTED) : String(text);
  }

  async #track(kind, event, callOptions) {
    try {
      if (this.#problem) return resultOf(this.#problem, { attempts: 0 });
      let body;
      let idempotencyKey;
      try {
        body = eventBody(kind, event);
        idempotencyKey = callOptions?.idempotencyKey ?? newIdempotencyKey();
        if (!isValidIdempotencyKey(idempotencyKey)) {
          throw new Refused('the idempotency key must be 1-255 visible ASCII characters');
        }
      } catch (error) {
        const reason = error instanceof Refused ? error.message : `the event could not be read (${messageOf(error)})`;
        return resultOf(this.#scrub(reason), { attempts: 0 });
      }
      return await this.#deliver(EVENTS[kind].path, body, idempotencyKey);
    } catch (error) {
      return resultOf(this.#scrub(`not delivered: ${messageOf(error)}`));
    }
  }

  /** The transport loop: attempts, each bounded by the timeout, with the retry rule between them. */
  async #deliver(path, body, idempotencyKey) {
    const url = `${this.#baseUrl}${path}`;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#attempt(url, body, idempotencyKey);
      if (outcome.ok) return { success: true };
      const decision = retryDecision({
        attempt,
        outcome,
        policy: this.#retry,
        now: Date.now(),
        random: Math.random(),
      });
      if (!decision.retry) {
        const error = decision.temporary
          ? `not delivered after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${outcome.reason}`
          : `Taapit refused the event: ${outcome.reason}`;
        const extra = { attempts: attempt };
        if (outcome.status !== undefined) extra.status = outcome.status;
        return resultOf(this.#scrub(error), extra);
      }
      await sleep(decision.waitMs);
    }
  }

  /** One POST: `{ ok: true }`, or the outcome the retry rule reads, with a reason to show. */
  async #attempt(url, body, idempotencyKey) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const fetchImpl = this.#fetch ?? globalThis.fetch;
      if (typeof fetchImpl !== 'function') return { network: true, reason: 'no fetch in this runtime' };
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          'user-agent': 'taapit-capture/server',
        },
        body,
        signal: controller.signal,
        // An event is never posted somewhere else: a redirect is an answer, and refused.
        redirect: 'manual',
      });
      const { status } = response;
      if (status >= 200 && status <= 299) {
        response.body?.cancel().catch(() => {});
        return { ok: true };
      }
      const retryAfter = response.headers.get('retry-after');
      const detail = this.#scrub(await bodyStart(response, MAX_ERROR_BODY).catch(() => '')).slice(0, MAX_ERROR_BODY);
      // Scrubbed before it is cut: a cut could leave part of the key, which no scrub finds.
      const waited = retryAfter === null ? '' : ` (Retry-After: ${this.#scrub(retryAfter).slice(0, 40)})`;
      return { status, retryAfter, reason: `HTTP ${status}${waited}${detail ? `: ${detail}` : ''}` };
    } catch (error) {
      if (controller.signal.aborted) return { network: true, reason: `timed out after ${this.#timeoutMs} ms` };
      return { network: true, reason: `could not reach Taapit: ${messageOf(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
