'use client';
// The directive above makes this module a client component boundary for React Server
// Components frameworks (Next.js App Router): a Server Component layout can render
// <Analytics /> (the Taapit guide's own example) without `next build` prerendering hooks on the
// server. It must stay the module's first statement; scripts/build.sh copies this file as is.
// taapit-capture/react: <Analytics {...options} /> and useTrackingId(). Plain JavaScript (no
// JSX, no build step). Both do their work in effects, so they render nothing on the server and
// touch no browser API there.
import { useEffect, useRef, useState } from 'react';

import { capture, getTrackingId } from './index.js';

/**
 * Captures the tracking id from the page URL once, when it first mounts (client only); renders
 * nothing. React's StrictMode remount in development does not capture twice.
 */
export function Analytics(options) {
  const captured = useRef(false);
  useEffect(() => {
    if (captured.current) return;
    captured.current = true;
    const { children: _children, ...rest } = options || {};
    capture(rest);
  }, []);
  return null;
}

/**
 * The tracking id now in effect (`null` until known, and during server-side rendering); the
 * component re-renders when the id is captured, cleared, granted or revoked.
 *
 * A `taapit:change` event is only a signal that the id may have changed: its
 * `detail.trackingId` is not trusted (any script on the page can dispatch the event, with any
 * detail), the id is read again from the module, which applies the id rule, as the Rust
 * hooks do for a detail they cannot believe (src/web/events.rs).
 */
export function useTrackingId() {
  const [trackingId, setTrackingId] = useState(null);
  useEffect(() => {
    let live = true;
    // Each read is numbered; only the latest one asked for is shown (an older answer that
    // comes later is stale).
    let asked = 0;
    const readAgain = () => {
      const read = ++asked;
      getTrackingId().then((id) => {
        if (live && read === asked) setTrackingId(id);
      });
    };
    window.addEventListener('taapit:change', readAgain);
    readAgain();
    return () => {
      live = false;
      window.removeEventListener('taapit:change', readAgain);
    };
  }, []);
  return trackingId;
}
