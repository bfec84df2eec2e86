// Types of `taapit-capture/server`: the Taapit client, the request's tracking id, the id
// rule, and the server-side capture. For Node >= 20 and edge runtimes.

/** The customer of a lead or a sale, field for field as Taapit's API reference has it. */
export interface Customer {
  /** Your own user id (required). A safe integer is sent as its decimal text. */
  externalId: string | number;
  email?: string | null | undefined;
  firstname?: string | null | undefined;
  lastname?: string | null | undefined;
  phoneNumber?: string | null | undefined;
  avatarUrl?: string | null | undefined;
}

/** A lead: a visitor who came through a Taapit link signed up. */
export interface Lead {
  /** The `ta_tid` (required for a lead): 1–128 characters of `A–Z a–z 0–9 - _ . ~`. */
  trackingId: string;
  customer: Customer;
  /** Any JSON object (`any` values: an interface of the app's is taken, which `unknown` refuses). */
  metadata?: Record<string, any> | null | undefined;
}

/** A sale, reported once the payment is confirmed. */
export interface Sale {
  /** Optional when the customer was reported by a lead before; checked when given. */
  trackingId?: string | null | undefined;
  customer: Customer;
  /** In currency units (149.99, not cents): a finite number >= 0. */
  amount: number;
  /** ISO 4217, three letters (`"eur"`; sent in lower case). */
  currency: string;
  /** Any JSON object (`any` values: an interface of the app's is taken, which `unknown` refuses). */
  metadata?: Record<string, any> | null | undefined;
}

/** Options of one call. */
export interface TrackCallOptions {
  /**
   * The `Idempotency-Key` sent with every attempt of the call (1–255 visible ASCII
   * characters): your order id, say, so that a repeated webhook is recognised as one sale.
   * Default: 128 random bits in hex, new for each call.
   */
  idempotencyKey?: string | undefined;
}

/** What a call resolves with. It never rejects. */
export type TrackResult =
  | { success: true }
  | {
      success: false;
      /** Why, in words; never holds the API key. */
      error: string;
      /** How many POSTs were made (0: refused before sending). */
      attempts?: number;
      /** The HTTP status of the last answer, when there was one. */
      status?: number;
    };

/** Retries: on network failures, timeouts, 408, 425, 429 and 5xx; never on other 4xx. */
export interface RetryOptions {
  /** Attempts per call, at least 1. Default 3. */
  maxAttempts?: number | undefined;
  /** The wait before the first retry, doubling after each (half to all of it, at random). Default 250. */
  initialBackoffMs?: number | undefined;
  /** The longest wait between attempts; a longer `Retry-After` ends the call at once. Default 5000. */
  maxBackoffMs?: number | undefined;
}

export interface TaapitOptions {
  /** Your secret key, `taapit_sk_…`. Default: `process.env.TAAPIT_API_KEY`. */
  apiKey?: string | undefined;
  /** Default: `process.env.TAAPIT_BASE_URL`, else `https://track.taap.it`. */
  baseUrl?: string | undefined;
  /** How long one attempt may take, answer included. Default 5000. */
  timeoutMs?: number | undefined;
  /** Retry options, or `false` for a single attempt. */
  retry?: RetryOptions | false | undefined;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
}

/**
 * The Taapit client. The constructor never throws: a missing or malformed key or option
 * makes every call resolve `{ success: false, error }` instead, sending nothing.
 */
export declare class Taapit {
  constructor(options?: TaapitOptions);
  /** Where events are posted (no trailing slash). */
  readonly baseUrl: string;
  readonly track: {
    /** `POST /api/events/lead`. */
    lead(lead: Lead, options?: TrackCallOptions): Promise<TrackResult>;
    /** `POST /api/events/sale`. */
    sale(sale: Sale, options?: TrackCallOptions): Promise<TrackResult>;
  };
  /** `{ baseUrl, apiKey: "taapit_sk_…" }`: the key never shows. */
  toJSON(): { baseUrl: string; apiKey: string };
}

/** `https://track.taap.it`. */
export declare const DEFAULT_BASE_URL: string;

/** What one failed attempt met, as the retry rule reads it. */
export type AttemptOutcome = { status: number; retryAfter?: string | null | undefined } | { network: true };

/**
 * The retry rule, pure: whether to try again after failed attempt `attempt` (from 1), and
 * after how long. `now`: ms since the epoch (for a `Retry-After` date); `random`: in [0, 1).
 */
export declare function retryDecision(input: {
  attempt: number;
  outcome: AttemptOutcome;
  policy: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number };
  now: number;
  random: number;
}): { retry: true; waitMs: number } | { retry: false; temporary: boolean; retryAfterMs?: number };

/** A `Retry-After` value (delay-seconds or an HTTP date) as ms from `now`, or null. */
export declare function parseRetryAfter(value: string | null | undefined, now: number): number | null;

/** A request as the lookup reads it: a Web `Request`, or Node's `IncomingMessage`. */
export type RequestLike =
  | { headers: { get(name: string): string | null }; url: string }
  | { headers: Record<string, string | string[] | undefined>; url?: string | undefined; body?: unknown };

/** Where the id was found. */
export interface FoundTrackingId {
  trackingId: string;
  source: "cookie" | "body" | "url";
}

/**
 * The request's tracking id, in the guide's order: the `ta_tid` cookie, then the body's
 * `trackingId`, then the URL's `ta_tid`; only valid ids count. `body`: the parsed JSON body
 * (a Web Request's body is never read here; for a Node request, `req.body` by default).
 * Null when none is valid. Throws a TypeError only for options the frontend would refuse too.
 */
export declare function findTrackingId(
  request: RequestLike,
  body?: unknown,
  options?: { cookieName?: string | undefined; params?: string[] | string | undefined },
): FoundTrackingId | null;

/** Whether `value` is a valid tracking id by the Rust core's rule, as given (no URL decoding). */
export declare function isValidTrackingId(value: unknown): boolean;

/**
 * Options of server-side capture: the frontend's cookie options (the same names and values
 * as `capture(options)` and `<Analytics />`), and the server's own.
 */
export interface ServerCaptureOptions {
  /** Default `"ta_tid"`. */
  cookieName?: string | undefined;
  /** Default 90, clamped to 1–400. */
  expiresInDays?: number | undefined;
  /** Default `"last-click"`: an id in the URL replaces the stored one. */
  attribution?: 'last-click' | 'first-click' | undefined;
  /** URL parameter names, in order. Default `["ta_tid"]`. */
  params?: string[] | undefined;
  /** `"auto"` (default: the registrable domain), `"host"`, or a domain the host is under. */
  domain?: string | undefined;
  /** Default `"Lax"`. */
  sameSite?: 'Lax' | 'Strict' | 'None' | undefined;
  /** Default `"auto"`: `Secure` on https. */
  secure?: 'auto' | boolean | undefined;
  /** Whether this visitor agreed to the cookie (called with the request). Default: granted. */
  consent?: ((request: any) => boolean) | boolean | undefined;
  /** Take the protocol from `X-Forwarded-Proto` (only behind a proxy that sets it). Default false. */
  trustForwardedProto?: boolean | undefined;
}

/** What server-side capture did. It never throws: a bad option or a failure is in `error`. */
export interface ServerCaptureResult {
  /** The id in effect for this visitor (from the URL, or the cookie). */
  trackingId: string | null;
  source: 'search' | 'hash' | 'stored' | null;
  /** Whether the response got the id's Set-Cookie. */
  cookie: boolean;
  /** The Set-Cookie values added (the id's, and expired copies on other domain levels). */
  setCookie: string[];
  /** The cookie's Domain (null: host-only). */
  domain: string | null;
  /** When the cookie expires, in ms since the epoch. */
  expiresAt: number | null;
  /** Why no cookie was set, when none was. */
  skipped: null | 'not-a-page' | 'no-id' | 'consent' | 'refused' | 'shared-cache' | 'headers-sent' | 'error';
  error: string | null;
  /** Which build of the module decided: `wasm2js` on edge runtimes and where WebAssembly cannot compile. */
  engine: 'wasm' | 'wasm2js' | null;
}

/**
 * Server-side capture for a Web `Request` and the `Response` the server sends (Next.js
 * `proxy.ts` / `middleware.ts` with `NextResponse.next()`, edge runtimes): the id's cookie
 * as Set-Cookie, from the site's own server. No cookie on a response whose Cache-Control
 * lets a shared cache store it.
 */
export declare function captureTrackingId(
  request: Request,
  response: Response,
  options?: ServerCaptureOptions,
): ServerCaptureResult;

/** The same for Node's `IncomingMessage` and `ServerResponse` (node:http, Express). */
export declare function captureTrackingIdNode(
  req: {
    method?: string | undefined;
    url?: string | undefined;
    headers: Record<string, string | string[] | undefined>;
    /** Node's socket: a TLS one (`encrypted`) makes the cookie Secure. (Typed `object`, so
     * that `net.Socket`, which has no `encrypted`, is taken too.) */
    socket?: object | null | undefined;
  },
  res: {
    headersSent: boolean;
    getHeader(name: string): unknown;
    setHeader(name: string, value: string | number | readonly string[]): unknown;
    removeHeader(name: string): void;
    writeHead(...args: any[]): unknown;
  },
  options?: ServerCaptureOptions,
): ServerCaptureResult;
