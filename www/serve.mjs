// Serves the demo on http://localhost:PORT/ (`node www/serve.mjs [PORT]`, default 8080):
//   /              the landing page, ES module entry (www/index.html)
//   /script.html   the landing page, script tag (www/script.html)
//   /spa/          the Vite + React app using the npm package (www/spa/, built into www/spa/dist
//                  by scripts/build-demo.sh)
//   /leads.html    the leads the demo backend would have reported
//   /pkg/          the built npm package
//   /api/signup    the demo backend (www/backend.mjs): finds the tracking id, builds the lead
//   /api/leads     the last signups and their leads; /api/echo-cookies: the Cookie header received
//
// `startDemo({ port })` does the same from a test (port 0 picks a free one).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PKG_DIR, startHttpServer } from '../scripts/server.mjs';
import { createBackend } from './backend.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built SPA, served at /spa/. */
export const SPA_DIST = path.join(here, 'spa', 'dist');
/** The SPA's client-side routes (besides /spa/ itself), answered with its index.html. */
export const SPA_ROUTES = ['/spa/signup'];

/** A demo deeplink id, as a Taapit deeplink would put in the URL. */
export const DEMO_ID = 'rLnWe1uz9t282v7g';

/**
 * Starts the demo server on 127.0.0.1.
 *
 * @param {{ port?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<Awaited<ReturnType<typeof startHttpServer>> & { backend: ReturnType<typeof createBackend> }>}
 */
export async function startDemo({ port = 0, log } = {}) {
  const backend = createBackend();
  const spaIndex = async (req, res) => {
    const html = await readFile(path.join(SPA_DIST, 'index.html')).catch(() => null);
    if (!html) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('the SPA is not built: run bash scripts/build-demo.sh\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  };
  const server = await startHttpServer({
    root: here,
    port,
    // The SPA's sources and node_modules under www/spa/ are never served: /spa/ is its build.
    mounts: { '/pkg/': PKG_DIR, '/spa/': SPA_DIST },
    routes: {
      ...backend.routes,
      ...Object.fromEntries(SPA_ROUTES.map((route) => [route, spaIndex])),
      '/api/echo-cookies': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
      },
    },
    log,
  });
  return { ...server, backend };
}

// `node www/serve.mjs [PORT]`: serve until Ctrl-C.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const server = await startDemo({ port, log: (line) => console.log(line) });
  const at = (p) => server.url('localhost', p);
  console.log(`
  taapit-capture demo — click a deeplink, then sign up and see the lead that would be reported:

    SPA (Vite + React, npm package)   ${at(`/spa/?ta_tid=${DEMO_ID}`)}
    landing page (ES module)          ${at(`/?ta_tid=${DEMO_ID}`)}
    landing page (script tag)         ${at(`/script.html?ta_tid=${DEMO_ID}`)}
    Leptos app (client-side)          ${at(`/examples/leptos/?ta_tid=${DEMO_ID}`)}
    Yew app (client-side)             ${at(`/examples/yew/?ta_tid=${DEMO_ID}`)}
    leads that would be reported      ${at('/leads.html')}
`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
