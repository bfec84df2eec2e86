// End-to-end: pages where WebAssembly cannot run. A Content-Security-Policy without
// 'wasm-unsafe-eval' (script-src 'self': the page's own scripts are files, no inline script),
// and a browser without WebAssembly (`WebAssembly` deleted before anything loads). The script
// tag and the npm entry must then run the same module as JavaScript
// (pkg/taapit_capture.fallback.js, wasm2js), store the id with the same attributes as the
// .wasm would, call ready(), and throw nothing into the page. On the normal path the fallback
// file is never requested.
//
// Real host name, HTTPS, Chromium. Needs pkg/ built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startHttpsServer } from '../../scripts/server.mjs';
import {
  assertExpiresIn,
  assertPkgBuilt,
  hostsCert,
  idCookies,
  inHttpsContext,
  launchChromium,
  sendHtml,
  watchPage,
} from './support.mjs';

const HOST = 'www.shop.example.co.uk';
const DOMAIN = '.example.co.uk';
const FALLBACK = '/pkg/taapit_capture.fallback.js';
/** The policy of the refusing pages: scripts from the site only, and no WebAssembly. */
const CSP = "default-src 'self'; script-src 'self'";

/** The README's stub snippet and a ready() callback that records what it saw. */
const STUB_JS = `window.taapit = window.taapit || { q: [] };
['ready', 'capture', 'getTrackingId', 'clearTrackingId', 'grantConsent', 'revokeConsent', 'decorateUrl'].forEach(function (m) { taapit[m] = taapit[m] || function () { taapit.q[taapit.q.length] = [m, arguments]; }; });
taapit.ready(function (t) { window.readyResult = { loaded: t.loaded, trackingId: t.getTrackingId() }; });
`;

/** The npm entry, loaded by a module file of the site (no inline script under the CSP). */
const ESM_JS = `const taapit = await import('/pkg/index.js');
const result = await taapit.capture({ expiresInDays: 30 });
window.readyResult = { result, trackingId: await taapit.getTrackingId() };
`;

const page = (scripts) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fallback</title>
<link rel="icon" href="data:,">${scripts}</head><body><p>fallback</p></body></html>`;

const PAGES = {
  '/tag': page('<script src="/stub.js"></script><script src="/pkg/taapit.js" async data-expires-in-days="60"></script>'),
  '/esm': page('<script type="module" src="/esm.mjs"></script>'),
};

let server;
let browser;

before(async () => {
  assertPkgBuilt('taapit.js', 'index.js', 'taapit_capture.fallback.js');
  const routes = {
    '/stub.js': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      res.end(STUB_JS);
    },
    '/esm.mjs': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      res.end(ESM_JS);
    },
  };
  for (const [route, html] of Object.entries(PAGES)) {
    routes[route] = (req, res) => {
      // ?csp=1: the page's response carries the refusing policy.
      if (new URL(req.url, 'http://x').searchParams.get('csp')) res.setHeader('Content-Security-Policy', CSP);
      sendHtml(res, html);
    };
  }
  server = await startHttpsServer({ tls: await hostsCert(), routes });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Opens `path` on HOST with `?ta_tid=<id>` (and the CSP when `csp`), `WebAssembly` deleted
 * first when `noWasm`; returns what ready() saw, the stored cookies and the requests made.
 */
async function visit({ path, id, csp = false, noWasm = false }) {
  let out;
  await inHttpsContext(
    browser,
    (context, problems) => ({ context, problems }),
    async ({ context, problems }) => {
      const tab = await context.newPage();
      // Uncaught errors only: a refused WebAssembly compile is reported by the browser itself
      // as a console error (the CSP violation), which is the point of the test.
      watchPage(tab, problems);
      if (noWasm) await tab.addInitScript(() => delete window.WebAssembly);
      const requests = [];
      tab.on('request', (request) => requests.push(new URL(request.url()).pathname));
      const before = Date.now() / 1000;
      const query = `?ta_tid=${id}${csp ? '&csp=1' : ''}`;
      const response = await tab.goto(server.url(HOST, `${path}${query}`), { waitUntil: 'load' });
      assert.equal(response.status(), 200);
      await tab.waitForFunction(() => window.readyResult != null, null, { timeout: 15_000 });
      const after = Date.now() / 1000;
      out = {
        ready: await tab.evaluate(() => window.readyResult),
        webAssembly: await tab.evaluate(() => typeof WebAssembly),
        cookies: await idCookies(context),
        requests,
        visit: { before, after },
      };
    },
    'no uncaught error in the page',
  );
  return out;
}

/** The one stored `ta_tid`: `id`, on the site's registrable domain, with the module's attributes. */
function assertStored(out, id, days) {
  assert.equal(out.cookies.length, 1, JSON.stringify(out.cookies));
  const [cookie] = out.cookies;
  assert.equal(cookie.value, id);
  assert.equal(cookie.domain, DOMAIN);
  assert.equal(cookie.path, '/');
  assert.equal(cookie.secure, true, 'Secure on an https page');
  assert.equal(cookie.sameSite, 'Lax');
  assertExpiresIn(cookie, days, out.visit);
}

describe('WebAssembly refused: the wasm2js fallback (Chromium)', () => {
  test('script tag, normal page: the .wasm runs, the fallback is never requested', async () => {
    const out = await visit({ path: '/tag', id: 'Normal-tag-1' });
    assert.deepEqual(out.ready, { loaded: true, trackingId: 'Normal-tag-1' });
    assertStored(out, 'Normal-tag-1', 60);
    assert.ok(!out.requests.includes(FALLBACK), `requests: ${out.requests}`);
  });

  test("script tag, CSP without 'wasm-unsafe-eval': stored through the fallback, ready() called", async () => {
    const out = await visit({ path: '/tag', id: 'Csp-tag-1', csp: true });
    assert.equal(out.webAssembly, 'object', 'WebAssembly exists; the policy refuses to compile');
    assert.deepEqual(out.ready, { loaded: true, trackingId: 'Csp-tag-1' });
    assertStored(out, 'Csp-tag-1', 60);
    assert.ok(out.requests.includes(FALLBACK), `requests: ${out.requests}`);
  });

  test('script tag, no WebAssembly at all: stored through the fallback, ready() called', async () => {
    const out = await visit({ path: '/tag', id: 'NoWasm-tag-1', noWasm: true });
    assert.equal(out.webAssembly, 'undefined');
    assert.deepEqual(out.ready, { loaded: true, trackingId: 'NoWasm-tag-1' });
    assertStored(out, 'NoWasm-tag-1', 60);
  });

  test('npm entry, normal page: the .wasm runs, the fallback is never requested', async () => {
    const out = await visit({ path: '/esm', id: 'Normal-esm-1' });
    assert.equal(out.ready.trackingId, 'Normal-esm-1');
    assert.equal(out.ready.result.storage, 'cookie');
    assertStored(out, 'Normal-esm-1', 30);
    assert.ok(!out.requests.includes(FALLBACK), `requests: ${out.requests}`);
  });

  test("npm entry, CSP without 'wasm-unsafe-eval': captured through the fallback", async () => {
    const out = await visit({ path: '/esm', id: 'Csp-esm-1', csp: true });
    assert.deepEqual(
      { ...out.ready.result, expiresAt: typeof out.ready.result.expiresAt },
      { trackingId: 'Csp-esm-1', source: 'search', storage: 'cookie', domain: 'example.co.uk', expiresAt: 'number' },
    );
    assert.equal(out.ready.trackingId, 'Csp-esm-1');
    assertStored(out, 'Csp-esm-1', 30);
    assert.ok(out.requests.includes(FALLBACK), `requests: ${out.requests}`);
  });

  test('npm entry, no WebAssembly at all: captured through the fallback', async () => {
    const out = await visit({ path: '/esm', id: 'NoWasm-esm-1', noWasm: true });
    assert.equal(out.webAssembly, 'undefined');
    assert.equal(out.ready.trackingId, 'NoWasm-esm-1');
    assert.equal(out.ready.result.domain, 'example.co.uk');
    assertStored(out, 'NoWasm-esm-1', 30);
  });
});
