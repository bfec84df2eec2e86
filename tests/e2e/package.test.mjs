// The npm package as users get it: `npm pack` of pkg/, installed from the tarball into a fresh
// Vite + React app in a temporary directory outside the repository, with no bundler
// configuration at all. The app renders <Analytics expiresInDays={30} /> and shows
// useTrackingId(); it is built with `vite build`, served from 127.0.0.1 and opened in Chromium
// on a real host name, and also run under the Vite dev server (StrictMode mounts twice there).
// The same install is imported in plain Node, as server-side rendering does.
//
// The built app also takes <Analytics />'s props from `?opts=<json>` (links to render from
// `?links=<json>`; Grant / Revoke buttons call grantConsent() / revokeConsent()), and is served
// over HTTPS on the five host names of the other e2e tests: cookie attributes, first- vs
// last-click, consent, strip, hostile ids and outbound links, through the React component.
//
// npm downloads go to a cache in tests/e2e/.tmp/npm-cache (gitignored), so only the first run
// on a machine reaches the registry. Needs pkg/ built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { PKG_DIR, startHttpServer, startHttpsServer } from '../support/server.mjs';
import {
  assertExpiresIn,
  assertPkgBuilt,
  cookieHelpers,
  CHILD_ENV,
  freePort,
  npm,
  NPM_CACHE,
  DAY,
  gotoOk,
  HOSTILE,
  HOSTS,
  hostsCert,
  idCookies,
  inFreshContext,
  inHttpsContext,
  launchChromium,
  sendHtml,
  SLACK,
  watchPage,
} from './support.mjs';

const run = promisify(execFile);


/** Versions installed into the fresh app (Vite 8 needs npm 11; npm 10 gets Vite 7). */
const VERSIONS = { react: '19.3.1', 'react-dom': '19.3.1', webpack: '5.112.2', 'webpack-cli': '6.0.1' };

const APP_FILES = {
  'index.html': `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>taapit-capture in a Vite app</title><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script type="module" src="/src/main.jsx"></script></body>
</html>
`,
  'src/App.jsx': `import React from 'react';
import { clearTrackingId, grantConsent, revokeConsent } from 'taapit-capture';
import { Analytics, useTrackingId } from 'taapit-capture/react';

// <Analytics />'s props from ?opts=<json> (default expiresInDays: 30); links from ?links=<json>.
function fromQuery(name, fallback) {
  const text = new URLSearchParams(location.search).get(name);
  return text == null ? fallback : JSON.parse(text);
}
const opts = fromQuery('opts', { expiresInDays: 30 });
const links = fromQuery('links', []);

export function App() {
  const trackingId = useTrackingId();
  return (
    <main>
      <Analytics {...opts} />
      <p>Tracking id: <output id="tid">{trackingId ?? 'none'}</output></p>
      <button id="clear" onClick={() => clearTrackingId()}>Clear</button>
      <button id="grant" onClick={async () => window.results.push(await grantConsent())}>Grant</button>
      <button id="revoke" onClick={() => revokeConsent()}>Revoke</button>
      <nav id="links">{links.map(([id, href]) => <a key={id} id={id} href={href}>{id}</a>)}</nav>
    </main>
  );
}
`,
  'src/main.jsx': `import React, { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';

// Every taapit:change the page sees, in order: one capture, then one clear.
window.changes = [];
window.results = [];
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
  decorateUrl: await taapit.decorateUrl('https://shop.example.net/'),
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


before(
  async () => {
    assertPkgBuilt('index.js', 'react.js');
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

    browser = await launchChromium();
  },
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Opens `url` in a fresh context, watching for page errors and console errors. */
async function openApp(url, fn) {
  await inFreshContext(
    browser,
    {},
    async (context, problems) => {
      const page = await context.newPage();
      watchPage(page, problems, { console: ['error', 'warning'], withUrl: false });
      const wasm = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.endsWith('.wasm')) {
          wasm.push({ status: response.status(), type: response.headers()['content-type'] });
        }
      });
      const before = Date.now() / 1000;
      await gotoOk(page, url);
      await fn({ page, context, before, wasm });
    },
    'no page error, console error or warning',
  );
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
    const cookies = await idCookies(context);
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
    assert.deepEqual(wasm, [], 'no .wasm request: the module is inlined in the entry');
    assert.deepEqual(await page.evaluate(() => window.changes), [id], 'captured once, one taapit:change');

    // The page's own taapit:change, announcing what the id rule refuses: useTrackingId() does
    // not show it (the event is a signal; the id is read again from the module).
    const forged = 'not an id <b>';
    await page.evaluate((trackingId) => {
      dispatchEvent(new CustomEvent('taapit:change', { detail: { trackingId, call: 'capture' } }));
      return new Promise((settled) => setTimeout(settled, 200));
    }, forged);
    assert.equal(await page.textContent('#tid'), id, 'useTrackingId() does not believe a forged detail');

    await page.click('#clear');
    assert.equal(await renderedId(page, 'none'), 'none', 'useTrackingId() follows clearTrackingId()');
    assert.deepEqual(await idCookies(context), [], 'the cookie is gone');
    assert.deepEqual(await page.evaluate(() => window.changes), [id, forged, null]);
  });
}

let built;
/** `vite build` of the app, once (the tests below share its dist/). */
function viteBuild() {
  built ??= run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    cwd: app,
    env: CHILD_ENV,
    timeout: 120_000,
  });
  return built;
}


describe('npm package (npm pack → fresh Vite / webpack + React app outside the repo)', () => {
  test('the tarball holds every entry of the exports map and nothing else', async () => {
    const files = packed.files.map((f) => f.path).sort();
    const manifest = JSON.parse(await readFile(path.join(PKG_DIR, 'package.json'), 'utf8'));
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target);
      for (const t of targets) {
        assert.ok(files.includes(t.slice(2)), `exports["${entry}"] → ${t} is in the tarball`);
      }
    }
    for (const file of files) {
      assert.ok(
        file === 'package.json' || manifest.files.includes(file),
        `${file} is in the tarball only if "files" lists it`,
      );
    }
    for (const types of ['index.d.ts', 'react.d.ts', 'taapit.d.ts']) assert.ok(files.includes(types), types);
  });

  test('importing pkg/ in this Node process (no window) throws nothing; calls give empty results', async () => {
    assert.equal(typeof globalThis.window, 'undefined');
    const taapit = await import(path.join(PKG_DIR, 'index.js'));
    assert.deepEqual(await taapit.capture({ expiresInDays: 30 }), EMPTY);
    assert.equal(await taapit.getTrackingId(), null);
    assert.equal(await taapit.clearTrackingId(), undefined);
    assert.deepEqual(await taapit.grantConsent(), EMPTY);
    assert.equal(await taapit.revokeConsent(), undefined);
    assert.equal(await taapit.decorateUrl('https://shop.example.net/'), null);
  });

  test('server-side rendering in plain Node: the installed package and ./react import and render', async () => {
    const { stdout } = await run(process.execPath, ['ssr.mjs'], { cwd: app, env: CHILD_ENV, timeout: 60_000 });
    const out = JSON.parse(stdout);
    assert.equal(out.window, 'undefined');
    assert.deepEqual(out.exports, [
      'Analytics',
      'capture',
      'clearTrackingId',
      'decorateUrl',
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
    assert.equal(out.decorateUrl, null);
    assert.equal(out.html, '<main><output>none</output></main>', '<Analytics /> renders nothing');
  });

  test('vite build, no configuration: <Analytics /> captures on app.example.com, useTrackingId() shows it', async () => {
    await viteBuild();
    const assets = await readdir(path.join(app, 'dist/assets'));
    assert.ok(!assets.some((f) => f.endsWith('.wasm')), `no .wasm asset (it is inlined in the entry): ${assets}`);
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
    assert.ok(!(await readdir(out)).some((f) => f.endsWith('.wasm')), 'no .wasm asset (it is inlined in the entry)');
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

describe('React component over HTTPS on real host names (the Vite build, props from ?opts=)', () => {
  let secure; // the HTTPS server of dist/

  before(
    async () => {
      await viteBuild();
      const tls = await hostsCert();
      secure = await startHttpsServer({
        tls,
        root: path.join(app, 'dist'),
        mounts: {},
        routes: {
          '/landing': (req, res) =>
            sendHtml(res, '<!doctype html><title>landing</title><link rel="icon" href="data:,"><p>landed'),
        },
      });
    },
    { timeout: 180_000 },
  );
  after(() => secure?.close());

  /**
   * A fresh context; every page opened through it is watched for page errors and console
   * errors or warnings, and the test fails if there was any.
   */
  async function inApp(fn) {
    await inHttpsContext(browser, appSession, fn, 'no page error, console error or warning');
  }

  /** The helpers of {@link inApp} over `context`; page errors and console output go to `problems`. */
  function appSession(context, problems) {
    const s = {
      ...cookieHelpers(context),
      /**
       * Opens the app on `host` with `?<query>&ta_tid=<tid>&opts=<json>&links=<json>` (tid raw;
       * null leaves it out) and waits for <Analytics /> to have captured and the rendered id to
       * follow. Resolves with the page; the caller closes it. `tab`: a page of newTab() to
       * navigate instead of a new one (faster: many visits in a row).
       */
      async open(host, { tid = null, opts, links, query, hash = '', tab } = {}) {
        const parts = [];
        if (query) parts.push(query);
        if (tid !== null) parts.push(`ta_tid=${tid}`);
        if (opts) parts.push(`opts=${encodeURIComponent(JSON.stringify(opts))}`);
        if (links) parts.push(`links=${encodeURIComponent(JSON.stringify(links))}`);
        const url = secure.url(host, `/${parts.length ? `?${parts.join('&')}` : ''}${hash}`);
        const page = tab ?? (await s.newTab());
        try {
          page.before = Date.now() / 1000;
          await gotoOk(page, url);
          await settled(page, 1);
          page.after = Date.now() / 1000;
          return page;
        } catch (error) {
          if (!tab) await page.close();
          throw error;
        }
      },
      /** A new page, watched for page errors and console errors or warnings. */
      async newTab() {
        const page = await context.newPage();
        watchPage(page, problems, { console: ['error', 'warning'] });
        return page;
      },
      /** Opens, reads what the page shows, closes (unless it is `options.tab`). */
      async visit(host, options) {
        const page = await s.open(host, options);
        try {
          return { ...(await shown(page)), before: page.before, after: page.after };
        } finally {
          if (!options?.tab) await page.close();
        }
      },
    };
    return s;
  }

  /** Waits for `count` taapit:change events and for useTrackingId() to render the last one. */
  function settled(page, count) {
    return page.waitForFunction(
      (n) =>
        window.changes?.length >= n &&
        document.getElementById('tid')?.textContent === String(window.changes.at(-1) ?? 'none'),
      count,
      { timeout: 15_000 },
    );
  }

  /** What the page shows: the rendered id, the taapit:change events, the address, grant results. */
  function shown(page) {
    return page.evaluate(() => ({
      rendered: document.getElementById('tid').textContent,
      changes: window.changes,
      results: window.results,
      href: location.href,
      cookie: document.cookie,
    }));
  }

  for (const { host, domain } of HOSTS) {
    test(`${host}: <Analytics expiresInDays={60} /> stores ta_tid at ${domain}, Secure, Lax, 60 days; hostile ids never clobber it`, async () => {
      await inApp(async (s) => {
        const id = `react-${host.replace(/[^a-z0-9]/g, '')}_1`;
        const opts = { expiresInDays: 60 };
        const v = await s.visit(host, { tid: id, opts });
        assert.equal(v.rendered, id, 'useTrackingId() renders the captured id');
        assert.deepEqual(v.changes, [id], 'captured once');
        const cookie = await s.theCookie();
        assert.equal(cookie.name, 'ta_tid');
        assert.equal(cookie.value, id);
        assert.equal(cookie.domain, domain);
        assert.equal(cookie.path, '/');
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, 'Lax');
        assert.equal(cookie.httpOnly, false);
        assertExpiresIn(cookie, 60, v);

        const tab = await s.newTab();
        for (const hostile of HOSTILE) {
          const again = await s.visit(host, { tid: hostile, opts, tab });
          assert.equal(again.rendered, id, `?ta_tid=${hostile} keeps the stored id`);
          assert.deepEqual(await s.theCookie(), cookie, `?ta_tid=${hostile} leaves the cookie untouched`);
        }
      });
    });
  }

  test('hostile ids on a first visit are never stored, on every host', async () => {
    for (const { host } of HOSTS) {
      await inApp(async (s) => {
        const tab = await s.newTab();
        for (const hostile of HOSTILE) {
          const v = await s.visit(host, { tid: hostile, tab });
          assert.equal(v.rendered, 'none', `${host}: ?ta_tid=${hostile}`);
          assert.deepEqual(v.changes, [null], `${host}: ?ta_tid=${hostile}`);
          assert.equal(v.cookie, '', `${host}: ?ta_tid=${hostile}`);
        }
        assert.deepEqual(await s.idCookies(), [], `${host}: no ta_tid cookie`);
      });
    }
  });

  for (const { host, domain } of [HOSTS[0], HOSTS[3]]) {
    test(`${host}: attribution="first-click" keeps the first id across two visits; last-click (default) replaces it`, async () => {
      await inApp(async (s) => {
        const opts = { attribution: 'first-click' };
        const v1 = await s.visit(host, { tid: 'first_r', opts });
        assert.equal(v1.rendered, 'first_r');
        const first = await s.theCookie();
        assert.equal(first.value, 'first_r');
        assert.equal(first.domain, domain);
        assertExpiresIn(first, 90, v1);

        const v2 = await s.visit(host, { tid: 'second_r', opts });
        assert.equal(v2.rendered, 'first_r', 'first-click: the stored id wins');
        assert.deepEqual(await s.theCookie(), first, 'first-click: the cookie is untouched');
      });
      await inApp(async (s) => {
        await s.visit(host, { tid: 'first_r', opts: {} });
        const v2 = await s.visit(host, { tid: 'second_r', opts: {} });
        assert.equal(v2.rendered, 'second_r', 'last-click: the new id wins');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'second_r');
        assert.equal(cookie.domain, domain);
        assertExpiresIn(cookie, 90, v2);
      });
    });
  }

  for (const { host, domain, reported } of HOSTS) {
    test(`${host}: consent="pending" → Grant (grantConsent()) → Revoke (revokeConsent())`, async () => {
      await inApp(async (s) => {
        const page = await s.open(host, { tid: 'held_r', opts: { consent: 'pending' } });
        try {
          const held = await shown(page);
          assert.equal(held.rendered, 'held_r', 'useTrackingId() shows the id held in memory');
          assert.equal(held.cookie, '');
          assert.deepEqual(await s.idCookies(), [], 'nothing stored while consent is pending');

          await page.click('#grant');
          await settled(page, 2);
          const granted = await shown(page);
          assert.equal(granted.results.length, 1);
          assert.equal(granted.results[0].trackingId, 'held_r');
          assert.equal(granted.results[0].storage, 'cookie');
          assert.equal(granted.results[0].domain, reported);
          assert.equal(granted.rendered, 'held_r');
          const cookie = await s.theCookie();
          assert.equal(cookie.value, 'held_r');
          assert.equal(cookie.domain, domain);
          assert.equal(cookie.secure, true);
          assert.equal(cookie.sameSite, 'Lax');
          assertExpiresIn(cookie, 90, page);

          await page.click('#revoke');
          await settled(page, 3);
          const revoked = await shown(page);
          assert.deepEqual(revoked.changes, ['held_r', 'held_r', null]);
          assert.equal(revoked.rendered, 'none', 'useTrackingId() follows revokeConsent()');
          assert.deepEqual(await s.idCookies(), [], 'revoked: no cookie on any level');
        } finally {
          await page.close();
        }
      });
    });
  }

  test('alice.github.io: stripParam removes ta_tid from the address bar, keeping the other parameters and the hash', async () => {
    await inApp(async (s) => {
      const opts = { stripParam: true };
      const v = await s.visit('alice.github.io', { query: 'utm_source=news', tid: 'strip_r&b=two%20words', opts, hash: '#pricing' });
      assert.equal(v.rendered, 'strip_r');
      assert.equal(
        v.href,
        secure.url('alice.github.io', `/?utm_source=news&b=two%20words&opts=${encodeURIComponent(JSON.stringify(opts))}#pricing`),
      );
      assert.equal((await s.theCookie()).value, 'strip_r');
    });
  });

  test('app.example.com: <Analytics outbound={[...]} /> decorates static, late-added and middle-clicked links only', async () => {
    const to = (h, p = '/landing') => secure.url(h, p);
    const opts = { outbound: ['shop.example.net', '*.example.org'] };
    const links = [
      ['out', to('shop.example.net', '/landing?x=1#frag')],
      ['apex', to('example.org', '/landing')],
      ['other', to('other.example.net', '/landing')],
      ['self', to('app.example.com', '/landing?self=1')],
    ];
    await inApp(async (s) => {
      const follow = async (selector, add) => {
        const page = await s.open('app.example.com', { tid: 'react-out', opts, links });
        try {
          if (add) await page.evaluate(add, to('www.example.org', '/landing?late=1'));
          await Promise.all([page.waitForURL(/\/landing/), page.click(selector)]);
          return page.url();
        } finally {
          await page.close();
        }
      };
      assert.equal(await follow('#out'), to('shop.example.net', '/landing?x=1&ta_tid=react-out#frag'));
      assert.equal(await follow('#apex'), to('example.org', '/landing?ta_tid=react-out'));
      assert.equal(await follow('#other'), to('other.example.net'), 'a host not listed: left alone');
      assert.equal(await follow('#self'), to('app.example.com', '/landing?self=1'), 'this host: left alone');
      const addLink = (href) => {
        const a = document.createElement('a');
        a.id = 'late';
        a.href = href;
        a.textContent = 'late';
        document.body.append(a);
      };
      assert.equal(await follow('#late', addLink), to('www.example.org', '/landing?late=1&ta_tid=react-out'), 'added after mount');

      const page = await s.open('app.example.com', { tid: 'react-mid', opts, links });
      try {
        const [tab] = await Promise.all([s.context.waitForEvent('page'), page.click('#out', { button: 'middle' })]);
        await tab.waitForLoadState();
        assert.equal(tab.url(), to('shop.example.net', '/landing?x=1&ta_tid=react-mid#frag'), 'middle-click');
        await tab.close();
      } finally {
        await page.close();
      }
    });
  });
});
