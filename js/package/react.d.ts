import type { CaptureOptions } from './index.js';

/**
 * Captures the Taapit tracking id (`?ta_tid=…`) from the page URL when it first mounts, on the
 * client only, and renders nothing. Takes the options of `capture()` as props. Mount it once,
 * near the root of your app; React's StrictMode remount in development does not capture twice.
 *
 * @example
 * import { Analytics } from 'taapit-capture/react';
 *
 * export function App() {
 *   return (<>
 *     <Analytics expiresInDays={60} attribution="first-click" />
 *     <Routes />
 *   </>);
 * }
 */
export function Analytics(props: CaptureOptions): null;

/**
 * The tracking id now in effect: `null` at first (and during server-side rendering), then the
 * stored id once the module has loaded. The component re-renders when the id is captured,
 * cleared, granted or revoked through this package.
 *
 * @example
 * import { useTrackingId } from 'taapit-capture/react';
 *
 * function SignupForm() {
 *   const trackingId = useTrackingId();
 *   return <input type="hidden" name="trackingId" value={trackingId ?? ''} />;
 * }
 */
export function useTrackingId(): string | null;
