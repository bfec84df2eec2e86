/** Options of `capture()`. Every field is optional, and `undefined` is the default too (an
 * optional setting passed through); a bad value falls back to its default (and, with
 * `debug`, the console says which). */
export interface CaptureOptions {
  /** URL parameters carrying the id, tried in order. Default `["ta_tid"]`. */
  params?: string[] | string | undefined;
  /** Cookie name. Default `"ta_tid"`. */
  cookieName?: string | undefined;
  /** Cookie lifetime in days, clamped to 1–400. Default `90`. */
  expiresInDays?: number | undefined;
  /** `"auto"`, `"host"` (host-only), or a domain the host is or belongs to. Default `"auto"`. */
  domain?: string | undefined;
  /** Default `"last-click"`. */
  attribution?: "last-click" | "first-click" | undefined;
  /** Default `"lax"`. `"none"` forces `Secure`. */
  sameSite?: "lax" | "strict" | "none" | undefined;
  /** Default `"auto"`: `Secure` on https pages. */
  secure?: "auto" | boolean | undefined;
  /** `"pending"` keeps the id in memory until `grantConsent()`. Default `"granted"`. */
  consent?: "granted" | "pending" | undefined;
  /** Remove the tracking parameters from the address bar. Default `false`. */
  stripParam?: boolean | undefined;
  /** Keep the id in localStorage when cookies cannot be written. Default `true`. */
  storageFallback?: boolean | undefined;
  /** Log to the console why an id was not stored or an option was refused. Default `false`. */
  debug?: boolean | undefined;
  /**
   * Hosts whose links get `ta_tid=<id>` added when followed: `"shop.example.net"` (that host)
   * or `"*.example.org"` (the domain and every subdomain). Default none. Links are decorated
   * at click time by one delegated listener; for `window.open` or redirects made in JS, pass
   * the URL through `decorateUrl()`.
   */
  outbound?: string[] | string | undefined;
}

/** What `capture()` or `grantConsent()` did. */
export interface CaptureResult {
  /** The tracking id now in effect, or `null`. */
  trackingId: string | null;
  /** Where it came from. */
  source: "search" | "hash" | "stored" | null;
  /** Where it is kept. */
  storage: "cookie" | "localStorage" | "memory" | null;
  /** The cookie's `Domain` when this call wrote one; `null` for host-only or no write. */
  domain: string | null;
  /** When the kept id expires (Unix milliseconds): what this call wrote, or the mirror's
   * expiry for an id read back from it; `null` when unknown (a stored cookie, memory). */
  expiresAt: number | null;
}

// Every function loads the WebAssembly module on first use and returns a Promise: calls made
// before it has loaded wait for it (they are awaited, not dropped). None rejects: a failed load
// or a blocked browser API gives the empty result, with a console warning. Without `window`
// (server-side rendering) nothing loads and every call resolves with the empty result.

/** The detail of the `taapit:change` event. */
export interface TaapitChangeDetail {
  /** The tracking id in effect after the call, or `null`. */
  trackingId: string | null;
  /** The call that fired it. */
  call: "capture" | "clear" | "grant" | "revoke";
  /** After `capture` and `grant`: the call's result. */
  source?: CaptureResult["source"];
  storage?: CaptureResult["storage"];
  domain?: string | null;
  expiresAt?: number | null;
}

declare global {
  interface WindowEventMap {
    /**
     * Fired on `window` after `capture()`, `clearTrackingId()`, `grantConsent()` or
     * `revokeConsent()`, with the id then in effect, by the npm entry, the script tag and the
     * Rust API alike.
     */
    'taapit:change': CustomEvent<TaapitChangeDetail>;
  }
}

/**
 * Reads `ta_tid` from the page URL (search, then the hash's query) and keeps it in the
 * first-party `ta_tid` cookie. Resolves with what happened; never rejects.
 *
 * With `outbound` (`["shop.example.net", "*.example.org"]`), it also installs, once per page,
 * one delegated `click` + `auxclick` listener on `document` that adds `ta_tid=<id>` to a
 * followed link (`<a>`, `<area>`, also ones added later) to a matching host other than this
 * page's, unless its URL has it already. Nothing is added while consent is pending or revoked.
 *
 * @example
 * import { capture } from 'taapit-capture';
 * const { trackingId, storage, domain } = await capture({ expiresInDays: 60 });
 */
export function capture(options?: CaptureOptions): Promise<CaptureResult>;

/**
 * The tracking id to send to your backend: the cookie, else the localStorage mirror, else the
 * id captured on this page; `null` if there is none. Never an invalid value.
 *
 * @example
 * await fetch('/api/signup', { method: 'POST', body: JSON.stringify({ email, trackingId: await getTrackingId() }) });
 */
export function getTrackingId(): Promise<string | null>;

/** Removes the id from the cookie (every domain level), the localStorage mirror and memory. */
export function clearTrackingId(): Promise<void>;

/** Records consent and stores the id held in memory while `consent: "pending"`. */
export function grantConsent(): Promise<CaptureResult>;

/** Deletes the id everywhere; later captures on this page stay in memory until `grantConsent()`. */
export function revokeConsent(): Promise<void>;

/**
 * `href` with `ta_tid=<id>` added when it goes to a host of the `outbound` option of the last
 * `capture()` (other than this page's) and lacks it; otherwise `null`. For URLs opened in
 * JavaScript (`window.open`, redirects); links are handled by the listener.
 *
 * @example
 * window.open((await decorateUrl(url)) ?? url);
 */
export function decorateUrl(href: string): Promise<string | null>;
