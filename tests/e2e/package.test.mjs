// The npm package as users get it: `npm pack` of pkg/, installed from the tarball into a fresh
// Vite + React app in a temporary directory outside the repository, with no bundler
// configuration at all. The app renders <Analytics expiresInDays={30} /> and shows
// useTrackingId(); it is built with `vite build`, served from 127.0.0.1 and opened in Chromium
// on a real host name, and also run under the Vite dev server (StrictMode mounts twice there).
// The same install is imported in plain Node, as server-side rendering does.
//
// npm downloads go to a cache in tests/e2e/.tmp/npm-cache (gitignored), so only the first run
// on a machine reaches the registry. Needs pkg/ built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { PKG_DIR, REPO_ROOT, startHttpServer } from './server.mjs';

const run = promisify(execFile);

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--host-resolver-rules=MAP * 127.0.0.1',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const NPM_CACHE = path.join(REPO_ROOT, 'tests/e2e/.tmp/npm-cache');
const DAY = 86_400;
const SLACK = 60;

/** Versions installed into the fresh app (Vite 8 needs npm 11; npm 10 gets Vite 7). */
const VERSIONS = { react: '19.3.1', 'react-dom': '19.3.1', webpack: '5.112.2', 'webpack-cli': '6.0.1' };

// Children (npm, vite, node) must not believe they are node:test subprocesses.
const CHILD_ENV = { ...process.env };
delete CHILD_ENV.NODE_TEST_CONTEXT;

const APP_FILES = {
  'index.html': `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>taapit-capture in a Vite app</title><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script type="module" src="/src/main.jsx"></script></body>
</html>
`,
  'src/App.jsx': `import React from 'react';
import { clearTrackingId } from 'taapit-capture';
import { Analytics, useTrackingId } from 'taapit-capture/react';

export function App() {
  const trackingId = useTrackingId();
  return (
    <main>
      <Analytics expiresInDays={30} />
      <p>Tracking id: <output id="tid">{trackingId ?? 'none'}</output></p>
      <button id="clear" onClick={() => clearTrackingId()}>Clear</button>
    </main>
  );
}
`,
  'src/main.jsx': `import React, { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';

// Every taapit:change the page sees, in order: one capture, then one clear.
window.changes = [];
window.addEventListener('taapit:change', (event) => window.changes.push(event.detail.trackingId));

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
`,
  // The same app for webpack 5, without JSX (webpack needs a loader for it).
  'src/index.js': `import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { clearTrackingId } from 'taapit-capture';
import { Analytics, useTrackingId } from 'taapit-capture/react';

window.changes = [];
window.addEventListener('taapit:change', (event) => window.changes.push(event.detail.trackingId));

function App() {
  const trackingId = useTrackingId();
  return createElement('main', null,
    createElement(Analytics, { expiresInDays: 30 }),
    createElement('p', null, 'Tracking id: ', createElement('output', { id: 'tid' }, trackingId ?? 'none')),
    createElement('button', { id: 'clear', onClick: () => clearTrackingId() }, 'Clear'));
}

createRoot(document.getElementById('root')).render(createElement(StrictMode, null, createElement(App)));
`,
  'webpack.html': `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>taapit-capture in a webpack app</title><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script src="main.js"></script></body>
</html>
`,
  // Server-side rendering in plain Node: no window, no document.
  'ssr.mjs': `import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import * as taapit from 'taapit-capture';
import * as react from 'taapit-capture/react';

const App = () =>
  createElement('main', null, createElement(react.Analytics, { expiresInDays: 30 }),
    createElement('output', null, react.useTrackingId() ?? 'none'));
console.log(JSON.stringify({
  window: typeof window,
  exports: [...Object.keys(taapit), ...Object.keys(react)].sort(),
  capture: await taapit.capture({ debug: true }),
  getTrackingId: await taapit.getTrackingId(),
  clearTrackingId: (await taapit.clearTrackingId()) ?? 'undefined',
  grantConsent: await taapit.grantConsent(),
  revokeConsent: (await taapit.revokeConsent()) ?? 'undefined',
  html: renderToString(createElement(App)),
}));
`,
};

const EMPTY = { trackingId: null, source: null, storage: null, domain: null, expiresAt: null };

let work; // temporary directory outside the repository
let app; // the Vite app in it
let tarball;
let packed; // `npm pack --json` output for the tarball
let browser;

async function npm(args, cwd) {
  return run('npm', [...args, '--cache', NPM_CACHE, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: CHILD_ENV,
    timeout: 300_000,
    maxBuffer: 16 << 20,
  });
}

before(
  async () => {
    assert.ok(
      existsSync(path.join(PKG_DIR, 'index.js')) &&
        existsSync(path.join(PKG_DIR, 'react.js')) &&
        existsSync(path.join(PKG_DIR, 'taapit_capture_bg.wasm')),
      'pkg/ is not built: run `bash scripts/build.sh` first',
    );
    await mkdir(NPM_CACHE, { recursive: true });
    work = await mkdtemp(path.join(tmpdir(), 'taapit-package-'));
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], PKG_DIR);
    [packed] = JSON.parse(stdout);
    tarball = path.join(work, packed.filename);

    const npmMajor = Number((await run('npm', ['--version'], { env: CHILD_ENV })).stdout.split('.')[0]);
    app = path.join(work, 'vite-app');
    await mkdir(path.join(app, 'src'), { recursive: true });
    const manifest = {
      name: 'taapit-vite-app',
      private: true,
      type: 'module',
      dependencies: {
        ...VERSIONS,
        vite: npmMajor >= 11 ? '8.3.8' : '7.3.1',
        'taapit-capture': `file:${tarball}`,
      },
    };
    await writeFile(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const [name, text] of Object.entries(APP_FILES)) await writeFile(path.join(app, name), text);
    await npm(['install', '--prefer-offline'], app);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  },
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Opens `url` in a fresh context, watching for page errors and console errors. */
async function openApp(url, fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack || error}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  const wasm = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('.wasm')) {
      wasm.push({ status: response.status(), type: response.headers()['content-type'] });
    }
  });
  try {
    const before = Date.now() / 1000;
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, `GET ${url}`);
    await fn({ page, context, before, wasm });
    assert.deepEqual(problems, [], 'no page error, console error or warning');
  } finally {
    await context.close();
  }
}

/** The rendered useTrackingId(), once it equals `expected` (or what it is after 10 s). */
async function renderedId(page, expected) {
  await page
    .waitForFunction((want) => document.getElementById('tid')?.textContent === want, expected, {
      timeout: 10_000,
    })
    .catch(() => {});
  return page.textContent('#tid');
}

/** Visits with ?ta_tid=, checks the cookie and the rendered id, then clears through the page. */
async function captureThenClear({ url, id, domain }) {
  await openApp(url, async ({ page, context, before, wasm }) => {
    assert.equal(await renderedId(page, id), id, 'useTrackingId() renders the captured id');
    const cookies = (await context.cookies()).filter((c) => c.name === 'ta_tid');
    assert.equal(cookies.length, 1, JSON.stringify(cookies));
    const [cookie] = cookies;
    assert.equal(cookie.value, id);
    assert.equal(cookie.domain, domain);
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, false, 'no Secure on an http page');
    assert.equal(cookie.sameSite, 'Lax');
    const expected = before + 30 * DAY;
    assert.ok(
      Math.abs(cookie.expires - expected) <= SLACK,
      `expires ${new Date(cookie.expires * 1000).toISOString()}: 30 days from now (the expiresInDays prop)`,
    );
    assert.deepEqual(wasm, [{ status: 200, type: 'application/wasm' }], 'the .wasm is fetched once');
    assert.deepEqual(await page.evaluate(() => window.changes), [id], 'captured once, one taapit:change');

    await page.click('#clear');
    assert.equal(await renderedId(page, 'none'), 'none', 'useTrackingId() follows clearTrackingId()');
    assert.deepEqual(
      (await context.cookies()).filter((c) => c.name === 'ta_tid'),
      [],
      'the cookie is gone',
    );
    assert.deepEqual(await page.evaluate(() => window.changes), [id, null]);
  });
}

async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('npm package (npm pack → fresh Vite / webpack + React app outside the repo)', () => {
  test('the tarball holds every entry of the exports map and nothing else', async () => {
    const files = packed.files.map((f) => f.path).sort();
    const manifest = JSON.parse(await readFile(path.join(PKG_DIR, 'package.json'), 'utf8'));
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target);
      for (const t of targets) {
        // The script-tag build (taapit.js) is listed ahead of it existing; all else must be there.
        if (t === './taapit.js' && !existsSync(path.join(PKG_DIR, 'taapit.js'))) continue;
        assert.ok(files.includes(t.slice(2)), `exports["${entry}"] → ${t} is in the tarball`);
      }
    }
    for (const file of files) {
      assert.ok(
        file === 'package.json' || manifest.files.includes(file),
        `${file} is in the tarball only if "files" lists it`,
      );
    }
    assert.ok(files.includes('react.d.ts') && files.includes('index.d.ts'));
  });

  test('importing pkg/ in this Node process (no window) throws nothing; calls give empty results', async () => {
    assert.equal(typeof globalThis.window, 'undefined');
    const taapit = await import(path.join(PKG_DIR, 'index.js'));
    assert.deepEqual(await taapit.capture({ expiresInDays: 30 }), EMPTY);
    assert.equal(await taapit.getTrackingId(), null);
    assert.equal(await taapit.clearTrackingId(), undefined);
    assert.deepEqual(await taapit.grantConsent(), EMPTY);
    assert.equal(await taapit.revokeConsent(), undefined);
  });

  test('server-side rendering in plain Node: the installed package and ./react import and render', async () => {
    const { stdout } = await run(process.execPath, ['ssr.mjs'], { cwd: app, env: CHILD_ENV, timeout: 60_000 });
    const out = JSON.parse(stdout);
    assert.equal(out.window, 'undefined');
    assert.deepEqual(out.exports, [
      'Analytics',
      'capture',
      'clearTrackingId',
      'getTrackingId',
      'grantConsent',
      'revokeConsent',
      'useTrackingId',
    ]);
    assert.deepEqual(out.capture, EMPTY);
    assert.equal(out.getTrackingId, null);
    assert.equal(out.clearTrackingId, 'undefined');
    assert.deepEqual(out.grantConsent, EMPTY);
    assert.equal(out.revokeConsent, 'undefined');
    assert.equal(out.html, '<main><output>none</output></main>', '<Analytics /> renders nothing');
  });

  test('vite build, no configuration: <Analytics /> captures on app.example.com, useTrackingId() shows it', async () => {
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
      cwd: app,
      env: CHILD_ENV,
      timeout: 120_000,
    });
    const assets = await readdir(path.join(app, 'dist/assets'));
    assert.ok(assets.some((f) => f.endsWith('.wasm')), `the .wasm is emitted as an asset: ${assets}`);
    const server = await startHttpServer({ root: path.join(app, 'dist'), mounts: {} });
    try {
      await captureThenClear({
        url: server.url('app.example.com', '/?ta_tid=viteTest1'),
        id: 'viteTest1',
        domain: '.example.com',
      });
    } finally {
      await server.close();
    }
  });

  test('vite dev server, no configuration: the same app under StrictMode captures once', async () => {
    const port = await freePort();
    const dev = spawn(
      process.execPath,
      ['node_modules/vite/bin/vite.js', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
      { cwd: app, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    dev.stdout.on('data', (chunk) => (output += chunk));
    dev.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/ready in/i.test(output)) {
        assert.ok(Date.now() < deadline && dev.exitCode === null, `vite dev did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The dev server answers only to localhost names (its DNS-rebinding guard).
      await captureThenClear({ url: `http://localhost:${port}/?ta_tid=viteDev_2`, id: 'viteDev_2', domain: 'localhost' });
    } finally {
      dev.kill('SIGTERM');
      await exited;
    }
  });

  test('webpack 5, no configuration file: the same app captures on www.shop.example.co.uk', async () => {
    const out = path.join(app, 'dist-webpack');
    await run(
      process.execPath,
      ['node_modules/webpack-cli/bin/cli.js', '--mode', 'production', '--entry', './src/index.js', '--output-path', out],
      { cwd: app, env: CHILD_ENV, timeout: 180_000, maxBuffer: 16 << 20 },
    );
    assert.ok((await readdir(out)).some((f) => f.endsWith('.wasm')), 'the .wasm is emitted as an asset');
    await writeFile(path.join(out, 'index.html'), APP_FILES['webpack.html']);
    const server = await startHttpServer({ root: out, mounts: {} });
    try {
      await captureThenClear({
        url: server.url('www.shop.example.co.uk', '/?ta_tid=webpack.Test~3'),
        id: 'webpack.Test~3',
        domain: '.example.co.uk',
      });
    } finally {
      await server.close();
    }
  });
});
