import type { CaptureOptions, CaptureResult } from './taapit_capture.js';
export type { CaptureOptions, CaptureResult };

// Every function loads the WebAssembly module on first use and returns a Promise: calls made
// before it has loaded wait for it (they are awaited, not dropped). None rejects: a failed load
// or a blocked browser API gives the empty result, with a console warning. Without `window`
// (server-side rendering) nothing loads and every call resolves with the empty result.

/** The detail of the `taapit:change` event. */
export interface TaapitChangeDetail {
  /** The tracking id in effect after the call, or `null`. */
  trackingId: string | null;
}

declare global {
  interface WindowEventMap {
    /**
     * Fired on `window` after `capture()`, `clearTrackingId()`, `grantConsent()` or
     * `revokeConsent()`, with the id then in effect.
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
