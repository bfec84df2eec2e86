// Types for the script build (taapit.js): it exports nothing and defines `window.taapit`.
// Reference it from a page's TypeScript with `/// <reference types="taapit-capture/taapit.js" />`
// or `import type {} from 'taapit-capture/taapit.js'`.
import type { CaptureOptions, CaptureResult, TaapitChangeDetail } from './index.js';

/** `window.taapit`, defined by `<script src=".../taapit.js" async data-…></script>`. */
export interface TaapitScript {
  /**
   * Runs `callback(taapit)` once the module has loaded and captured (at once if it has), also
   * when it failed to load, so page code never waits forever.
   * @example taapit.ready((t) => console.log(t.getTrackingId()));
   */
  ready(callback: (taapit: TaapitScript) => void): void;
  /**
   * Captures again (after a client-side navigation: route changes are not captured by
   * themselves), with the tag's `data-` options and the given ones on top.
   * @example router.afterEach(() => taapit.capture());
   */
  capture(options?: CaptureOptions): CaptureResult | undefined;
  /** The tracking id, or `null`. Synchronous once ready; before, the call is queued and
   * gives `undefined` (read it inside `ready`). */
  getTrackingId(): string | null | undefined;
  /** Deletes the id from the cookie (every domain level), the mirror and memory. */
  clearTrackingId(): void;
  /** Stores the id held while `data-consent="pending"`; returns what it stored (every field
   * `null` if the module could not load, `undefined` when queued before ready). */
  grantConsent(): CaptureResult | undefined;
  /** Deletes the id everywhere; later captures on the page stay in memory. */
  revokeConsent(): void;
  /** `href` with `ta_tid=<id>` added if it goes to a `data-outbound` host, else `null`
   * (`undefined` when queued before ready). */
  decorateUrl(href: string): string | null | undefined;
  /** `false` while loading or when the module could not load, `true` once ready. */
  readonly loaded: boolean;
  /** Calls queued by the stub snippet before the script loaded. */
  q?: Array<[string, IArguments]>;
}

declare global {
  interface Window {
    taapit?: TaapitScript;
  }
  interface WindowEventMap {
    /** After each capture, clearTrackingId, grantConsent and revokeConsent (README, Events). */
    'taapit:change': CustomEvent<TaapitChangeDetail>;
  }
}
