// The Taapit guide's own integration, as a customer copies it: a fresh Next.js 16 app outside
// the repository, with the packed tarball installed from npm's point of view, TypeScript on,
// and the guide's files word for word where the guide has them:
//
//   app/layout.tsx            a Server Component root layout rendering <Analytics />
//   app/api/tracking-id/route.ts   reads (await cookies()).get("ta_tid"), then body.trackingId
//   the guide's backend steps with taapit-capture/server (tests/e2e/server/next-backend.mjs:
//   its header says what of the guide's route handlers differs from the print, and why)
//   app/tracking-id.tsx       a client component showing useTrackingId(), with Clear / Sign up
//   pages/_app.tsx, pages/legacy.tsx   the same through the Pages Router
//   proxy.ts (then middleware.ts), app/server-capture, app/edge-capture   server-side capture
//                             from taapit-capture/server, in Chromium and WebKit (next-proxy.mjs)
//
// Built with both bundlers (`next build`: Turbopack, `next build --webpack`), each served by
// `next start`, and run under `next dev`; Chromium lands on `/?ta_tid=…` and the test checks
// the stored cookie, the rendered id, and what the signup route reads. `taapit-capture/react`
// must be a client module ('use client') for the Server Component layout to build at all.
//
// npm downloads go to tests/e2e/.tmp/npm-cache (gitignored). Needs pkg/ built.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { PKG_DIR } from '../support/server.mjs';
import {
  assertPkgBuilt,
  CHILD_ENV,
  freePort,
  npm,
  NPM_CACHE,
  DAY,
  gotoOk,
  idCookies,
  inFreshContext,
  launchChromium,
  SLACK,
  watchPage,
} from './support.mjs';
import {
  launchProxyBrowsers,
  PROXY_APP_FILES,
  serverCaptureFlow,
  startHttpsFront,
  useMiddleware,
} from './next-proxy.mjs';
import { startCollector } from './server/collector.mjs';
import { backendFlow, BACKEND_APP_FILES } from './server/next-backend.mjs';

const run = promisify(execFile);

/** What the fresh app installs besides the tarball (exact versions: the test is repeatable). */
const VERSIONS = {
  next: '16.4.6',
  react: '19.3.1',
  'react-dom': '19.3.1',
  typescript: '5.9.3',
  '@types/react': '19.2.7',
  '@types/node': '22.19.3',
};

const NEXT_ENV = { ...CHILD_ENV, NEXT_TELEMETRY_DISABLED: '1' };
// The Taapit key and the collector's URL: given to `next start` only, never to `next build`
// (the guide's client is made at module top level, where a build has no key).
delete NEXT_ENV.TAAPIT_API_KEY;
delete NEXT_ENV.TAAPIT_BASE_URL;
const TAAPIT_KEY = `taapit_sk_next_${randomBytes(12).toString('hex')}`;
let collector;

const APP_FILES = {
  // One app, one build folder per bundler (and one for `next dev`), chosen by the environment.
  'next.config.mjs': `export default { distDir: process.env.NEXT_DIST_DIR || '.next' };
`,
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2020',
        lib: ['dom', 'dom.iterable', 'esnext'],
        allowJs: false,
        skipLibCheck: true,
        strict: true,
        noEmit: true,
        esModuleInterop: true,
        module: 'esnext',
        moduleResolution: 'bundler',
        resolveJsonModule: true,
        isolatedModules: true,
        jsx: 'react-jsx',
        incremental: false,
        plugins: [{ name: 'next' }],
      },
      include: ['**/*.ts', '**/*.tsx'],
      exclude: ['node_modules'],
    },
    null,
    2,
  )}\n`,
  // The guide's layout, as it is written there (a Server Component: no 'use client').
  'app/layout.tsx': `import { Analytics } from "taapit-capture/react";

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html>
      <body>
        {children}
        <Analytics />
      </body>
    </html>
  );
}
`,
  'app/page.tsx': `import { TrackingId } from "./tracking-id";

export default function Home() {
  return (
    <main>
      <h1>Landing</h1>
      <TrackingId />
    </main>
  );
}
`,
  'app/tracking-id.tsx': `"use client";
import { useState } from "react";
import { clearTrackingId, getTrackingId } from "taapit-capture";
import { useTrackingId } from "taapit-capture/react";

export function TrackingId() {
  const trackingId = useTrackingId();
  const [signup, setSignup] = useState("");
  async function signUp() {
    // The guide's frontend half: the id also travels in the body.
    const response = await fetch("/api/tracking-id", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", trackingId: await getTrackingId() }),
    });
    setSignup(JSON.stringify(await response.json()));
  }
  return (
    <section>
      <p>Tracking id: <output id="tid">{trackingId ?? "none"}</output></p>
      <button id="clear" onClick={() => clearTrackingId()}>Clear</button>
      <button id="signup" onClick={signUp}>Sign up</button>
      <pre id="signup-result">{signup}</pre>
    </section>
  );
}
`,
  // The guide's route: the cookie first, then the body's trackingId.
  'app/api/tracking-id/route.ts': `import { cookies } from "next/headers";

export async function POST(request: Request) {
  const body = await request.json();
  const cookieStore = await cookies();
  const fromCookie = cookieStore.get("ta_tid")?.value;
  const trackingId = fromCookie || body.trackingId || null;
  return Response.json({ trackingId, from: fromCookie ? "cookie" : trackingId ? "body" : "none" });
}
`,
  // The Pages Router: <Analytics /> in the custom App, the hook in a page.
  'pages/_app.tsx': `import type { AppProps } from "next/app";
import { Analytics } from "taapit-capture/react";

export default function App({ Component, pageProps }: AppProps) {
  return (
    <>
      <Component {...pageProps} />
      <Analytics expiresInDays={30} />
    </>
  );
}
`,
  'pages/legacy.tsx': `import { useTrackingId } from "taapit-capture/react";

export default function Legacy() {
  const trackingId = useTrackingId();
  return <p>Tracking id: <output id="tid">{trackingId ?? "none"}</output></p>;
}
`,
};

let work; // temporary directory outside the repository
let app;
let browser;
// Server-side capture (next-proxy.mjs): the HTTPS front and its Chromium and WebKit sessions.
let front;
let proxyBrowsers = [];



/** `next build` into `distDir` (`--webpack` when asked); fails with Next's output. */
async function nextBuild(distDir, bundlerArgs) {
  try {
    await run(process.execPath, ['node_modules/next/dist/bin/next', 'build', ...bundlerArgs], {
      cwd: app,
      env: { ...NEXT_ENV, NEXT_DIST_DIR: distDir },
      timeout: 300_000,
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    assert.fail(`next build ${bundlerArgs.join(' ')} failed:\n${error.stdout}\n${error.stderr}`);
  }
}

/**
 * Starts `next <command>` (start or dev) on a free port in its own process group, and waits
 * until it answers. Returns `{ port, stop }`; `await stop()` ends the server and its children.
 */
async function nextServer(command, distDir) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', command, '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: app,
      env: { ...NEXT_ENV, NEXT_DIST_DIR: distDir, TAAPIT_API_KEY: TAAPIT_KEY, TAAPIT_BASE_URL: collector.url },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Resolves once the server has exited (SIGKILL after 10 s): `next dev` writes its cache until
  // it is gone, and removing the app's folder under a running server fails (ENOTEMPTY).
  const stop = async () => {
    const signal = (name) => {
      try {
        process.kill(-child.pid, name);
      } catch {
        // Already gone.
      }
    };
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`next ${command} exited: ${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/api/signup`, { method: 'OPTIONS' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      assert.fail(`next ${command} did not answer within 120 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { port, stop, output: () => output };
}

/** The rendered useTrackingId(), once it equals `expected` (or what it is after 20 s). */
async function renderedId(page, expected) {
  await page
    .waitForFunction((want) => document.getElementById('tid')?.textContent === want, expected, {
      timeout: 20_000,
    })
    .catch(() => {});
  return page.textContent('#tid');
}

/**
 * Lands on the app's `/` and `/legacy` at `origin` with fresh ids and checks the whole guide:
 * cookie attributes, the hook, the signup route (cookie, then body), clear.
 */
async function guideFlow(origin, { host, domain, label }) {
  await inFreshContext(
    browser,
    {},
    async (context, problems) => {
      const page = await context.newPage();
      watchPage(page, problems, { console: ['error'], withUrl: true });

      // App Router: <Analytics /> from the Server Component layout.
      const id = `next-${label}-app`;
      const before = Date.now() / 1000;
      await gotoOk(page, `${origin}/?ta_tid=${id}`);
      assert.equal(await renderedId(page, id), id, 'useTrackingId() in a client component shows the id');
      const cookies = await idCookies(context);
      assert.equal(cookies.length, 1, JSON.stringify(cookies));
      const [cookie] = cookies;
      assert.equal(cookie.value, id);
      assert.equal(cookie.domain, domain, `cookie domain on ${host}`);
      assert.equal(cookie.path, '/');
      assert.equal(cookie.secure, false, 'no Secure on an http page');
      assert.equal(cookie.sameSite, 'Lax');
      assert.ok(Math.abs(cookie.expires - (before + 90 * DAY)) <= SLACK + 5, 'expires in 90 days (the default)');

      // The guide's route reads the cookie first.
      await page.click('#signup');
      await page.waitForFunction(() => document.getElementById('signup-result')?.textContent !== '');
      assert.deepEqual(JSON.parse(await page.textContent('#signup-result')), { trackingId: id, from: 'cookie' });

      // Without the cookie, a body trackingId is what the route reads.
      const fromBody = await page.evaluate(async () => {
        const response = await fetch('/api/tracking-id', {
          method: 'POST',
          credentials: 'omit',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ trackingId: 'body-id-1' }),
        });
        return response.json();
      });
      assert.deepEqual(fromBody, { trackingId: 'body-id-1', from: 'body' });

      await page.click('#clear');
      assert.equal(await renderedId(page, 'none'), 'none', 'useTrackingId() follows clearTrackingId()');
      assert.deepEqual(await idCookies(context), [], 'the cookie is gone');

      // Pages Router: <Analytics expiresInDays={30} /> in pages/_app.
      const legacyId = `next-${label}-pages`;
      const legacyBefore = Date.now() / 1000;
      await gotoOk(page, `${origin}/legacy?ta_tid=${legacyId}`);
      assert.equal(await renderedId(page, legacyId), legacyId, 'useTrackingId() in a Pages Router page');
      const [legacy, ...more] = await idCookies(context);
      assert.deepEqual(more, []);
      assert.equal(legacy.value, legacyId);
      assert.equal(legacy.domain, domain);
      assert.ok(Math.abs(legacy.expires - (legacyBefore + 30 * DAY)) <= SLACK + 5, 'expires in 30 days (the prop)');

      // A hostile value is never stored, never shown.
      await gotoOk(page, `${origin}/?ta_tid=%3Cscript%3E`);
      assert.equal(await renderedId(page, legacyId), legacyId, 'the stored id stays, the hostile one is ignored');
      assert.equal((await idCookies(context))[0].value, legacyId);
    },
    'no page error or console error (no hydration mismatch)',
  );
}

before(
  async () => {
    assertPkgBuilt('index.js', 'react.js');
    const react = await readFile(path.join(PKG_DIR, 'react.js'), 'utf8');
    assert.match(react, /^'use client';/, "pkg/react.js starts with 'use client'");

    await mkdir(NPM_CACHE, { recursive: true });
    work = await mkdtemp(path.join(tmpdir(), 'taapit-nextjs-'));
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], PKG_DIR);
    const tarball = path.join(work, JSON.parse(stdout)[0].filename);
    app = path.join(work, 'next-app');
    for (const dir of ['app/api/tracking-id', 'pages']) await mkdir(path.join(app, dir), { recursive: true });
    const manifest = {
      name: 'taapit-next-app',
      private: true,
      dependencies: { ...VERSIONS, 'taapit-capture': `file:${tarball}` },
    };
    await writeFile(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const [name, text] of Object.entries({ ...APP_FILES, ...PROXY_APP_FILES, ...BACKEND_APP_FILES })) {
      await mkdir(path.dirname(path.join(app, name)), { recursive: true });
      await writeFile(path.join(app, name), text);
    }
    // An icon, so the browser's /favicon.ico request is not a 404 console error.
    await mkdir(path.join(app, 'public'), { recursive: true });
    await writeFile(path.join(app, 'public/favicon.ico'), Buffer.alloc(0));
    await npm(['install', '--prefer-offline'], app);
    browser = await launchChromium({ https: false });
    collector = await startCollector(TAAPIT_KEY);
    front = await startHttpsFront();
    proxyBrowsers = await launchProxyBrowsers(front);
  },
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  for (const proxyBrowser of proxyBrowsers) await proxyBrowser.close();
  await front?.close();
  await collector?.close();
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 3 });
});

describe('Next.js 16 (the guide\'s layout, packed tarball, fresh app outside the repo)', () => {
  for (const { bundler, args, distDir } of [
    { bundler: 'Turbopack', args: [], distDir: '.next-turbopack' },
    { bundler: 'webpack', args: ['--webpack'], distDir: '.next-webpack' },
  ]) {
    test(`next build (${bundler}) + next start: App and Pages Router capture; the signup route reads the id`, { timeout: 600_000 }, async () => {
      await nextBuild(distDir, args);
      const server = await nextServer('start', distDir);
      try {
        // A real host name (Chromium maps every name to 127.0.0.1): the cookie goes on the site.
        await guideFlow(`http://app.example.com:${server.port}`, {
          host: 'app.example.com',
          domain: '.example.com',
          label: bundler.toLowerCase(),
        });
        // The server-rendered HTML is the layout's, with nothing from <Analytics />.
        const html = await (await fetch(`http://127.0.0.1:${server.port}/?ta_tid=ssr-1`)).text();
        assert.match(html, /<output id="tid">none<\/output>/, 'the server renders no id (client only)');
        // Server-side capture: proxy.ts sets the cookie on real host names over HTTPS, in
        // Chromium and WebKit, before any script; the page's module then agrees (one copy).
        await serverCaptureFlow({ front, browsers: proxyBrowsers, port: server.port, label: bundler.toLowerCase() });
        // The guide's backend steps: its three route handlers, a webhook, edge and Pages
        // Router routes, posting to the collector.
        await backendFlow({ port: server.port, collector, browser, label: bundler.toLowerCase(), key: TAAPIT_KEY, serverOutput: server.output });
      } finally {
        await server.stop();
      }
    });
  }

  test('next build + next start with middleware.ts: server-side capture in the edge runtime', { timeout: 600_000 }, async () => {
    const restore = await useMiddleware(app);
    try {
      await nextBuild('.next-middleware', []);
      const server = await nextServer('start', '.next-middleware');
      try {
        await serverCaptureFlow({ front, browsers: proxyBrowsers, port: server.port, label: 'middleware', proxyRuntime: 'edge' });
      } finally {
        await server.stop();
      }
    } finally {
      await restore();
    }
  });

  test('next dev: the same flow under the development server (StrictMode, on-demand compile)', { timeout: 600_000 }, async () => {
    const server = await nextServer('dev', '.next-dev');
    try {
      await guideFlow(`http://localhost:${server.port}`, { host: 'localhost', domain: 'localhost', label: 'dev' });
    } finally {
      await server.stop();
    }
  });
});
