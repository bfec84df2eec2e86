// End-to-end: pages where WebAssembly cannot run. A Content-Security-Policy without
// 'wasm-unsafe-eval' (script-src 'self': the page's own scripts are files, no inline script),
// and a browser without WebAssembly (`WebAssembly` deleted before anything loads). The script
// tag and the npm entry must then run the same module as JavaScript
// (pkg/taapit_capture.fallback.js, wasm2js), store the id with the same attributes as the
// .wasm would, call ready(), and throw nothing into the page. On the normal path the fallback
// file is never requested.
//
// Real host name, HTTPS, in Chromium, Firefox ESR and WebKitGTK (tests/e2e/engines/). Needs pkg/
// built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startHttpsServer } from '../support/server.mjs';
import { ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { assertExpiresIn, assertPkgBuilt, hostsCert, NAME, sendHtml, STUB } from './support.mjs';

const HOST = 'www.shop.example.co.uk';
const DOMAIN = '.example.co.uk';
const FALLBACK = '/pkg/taapit_capture.fallback.js';
/** The policy of the refusing pages: scripts from the site only, and no WebAssembly. */
const CSP = "default-src 'self'; script-src 'self'";

/** The README's stub snippet and a ready() callback that records what it saw. */
const STUB_JS = `${STUB}
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
const harness = new PageHarness();
/** The paths the server was asked for since the last visit began. */
let requested = [];

before(async () => {
  assertPkgBuilt('taapit.js', 'index.js', 'taapit_capture.fallback.js');
  const script = (text) => (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
    res.end(text);
  };
  const routes = { ...harness.routes(), '/stub.js': script(STUB_JS), '/esm.mjs': script(ESM_JS) };
  for (const [route, html] of Object.entries(PAGES)) {
    routes[route] = (req, res) => {
      // ?csp=1: the page's response carries the refusing policy.
      if (new URL(req.url, 'http://x').searchParams.get('csp')) res.setHeader('Content-Security-Policy', CSP);
      sendHtml(res, harness.page(req, html));
    };
  }
  server = await startHttpsServer({ tls: await hostsCert(), routes });
  // Recorded when each request arrives, not when its response has finished: a page can run
  // the fallback and settle before the server sees its (40 KB) response finish.
  server.server.prependListener('request', (req) => requested.push(new URL(req.url, 'http://x').pathname));
});

after(async () => {
  await server?.close();
});

/**
 * Opens `path` on HOST with `?ta_tid=<id>` (and the CSP when `csp`), `WebAssembly` deleted
 * first when `noWasm`, `DecompressionStream` when `noInflate` (a browser too old to inflate
 * the inlined .wasm), `Response` when `noResponse` (a page that broke a built-in the inflating
 * uses); returns what ready() saw, the stored cookies and the paths requested.
 */
async function visit(browser, { path, id, csp = false, noWasm = false, noInflate = false, noResponse = false }) {
  let out;
  await inEngineContext(browser, async (context) => {
    const tab = await context.newPage();
    requested = [];
    const before = Date.now() / 1000;
    const query = `?${NAME}=${id}${csp ? '&csp=1' : ''}`;
    const init = noWasm
      ? () => {
          delete window.WebAssembly;
          // What the page's scripts see from here on (Firefox may bring the global back
          // later, when a script outside the page looks it up).
          window.webAssemblyAtStart = typeof WebAssembly;
        }
      : noInflate
        ? () => {
            delete window.DecompressionStream;
            window.webAssemblyAtStart = typeof WebAssembly;
          }
        : noResponse
          ? () => {
              window.Response = undefined;
              window.webAssemblyAtStart = typeof WebAssembly;
            }
          : () => {
              window.webAssemblyAtStart = typeof WebAssembly;
            };
    await tab.goto(server.url(HOST, `${path}${query}`), { init });
    await tab.waitForFunction(() => window.readyResult != null, null, { timeout: 15_000 });
    const after = Date.now() / 1000;
    out = {
      ready: await tab.evaluate(() => window.readyResult),
      webAssembly: await tab.evaluate(() => window.webAssemblyAtStart),
      cookies: (await context.cookies(HOST)).filter((c) => c.name === NAME),
      requested: [...requested],
      visit: { before, after },
    };
    await tab.close();
  });
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

for (const engine of ENGINES) {
  describe(`[${engine}] WebAssembly refused: the wasm2js fallback`, () => {
    let browser;
    before(async () => {
      browser = await launchEngine(engine, { server, harness });
    });
    after(async () => {
      await browser?.close();
    });

    test('script tag, normal page: the .wasm runs, the fallback is never requested', async () => {
      const out = await visit(browser, { path: '/tag', id: 'Normal-tag-1' });
      assert.deepEqual(out.ready, { loaded: true, trackingId: 'Normal-tag-1' });
      assertStored(out, 'Normal-tag-1', 60);
      assert.ok(!out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test("script tag, CSP without 'wasm-unsafe-eval': stored through the fallback, ready() called", async () => {
      const out = await visit(browser, { path: '/tag', id: 'Csp-tag-1', csp: true });
      assert.equal(out.webAssembly, 'object', 'WebAssembly exists; the policy refuses to compile');
      assert.deepEqual(out.ready, { loaded: true, trackingId: 'Csp-tag-1' });
      assertStored(out, 'Csp-tag-1', 60);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('script tag, no WebAssembly at all: stored through the fallback, ready() called', async () => {
      const out = await visit(browser, { path: '/tag', id: 'NoWasm-tag-1', noWasm: true });
      assert.equal(out.webAssembly, 'undefined');
      assert.deepEqual(out.ready, { loaded: true, trackingId: 'NoWasm-tag-1' });
      assertStored(out, 'NoWasm-tag-1', 60);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('script tag, a page that broke Response: the .wasm cannot be inflated, stored through the fallback, ready() called', async () => {
      const out = await visit(browser, { path: '/tag', id: 'NoResponse-tag-1', noResponse: true });
      assert.equal(out.webAssembly, 'object');
      assert.deepEqual(out.ready, { loaded: true, trackingId: 'NoResponse-tag-1' });
      assertStored(out, 'NoResponse-tag-1', 60);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('npm entry, normal page: the .wasm runs, the fallback is never requested', async () => {
      const out = await visit(browser, { path: '/esm', id: 'Normal-esm-1' });
      assert.equal(out.ready.trackingId, 'Normal-esm-1');
      assert.equal(out.ready.result.storage, 'cookie');
      assertStored(out, 'Normal-esm-1', 30);
      assert.ok(!out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test("npm entry, CSP without 'wasm-unsafe-eval': captured through the fallback", async () => {
      const out = await visit(browser, { path: '/esm', id: 'Csp-esm-1', csp: true });
      assert.deepEqual(
        { ...out.ready.result, expiresAt: typeof out.ready.result.expiresAt },
        { trackingId: 'Csp-esm-1', source: 'search', storage: 'cookie', domain: 'example.co.uk', expiresAt: 'number' },
      );
      assert.equal(out.ready.trackingId, 'Csp-esm-1');
      assertStored(out, 'Csp-esm-1', 30);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('npm entry, no DecompressionStream: the inlined .wasm cannot be inflated, captured through the fallback', async () => {
      const out = await visit(browser, { path: '/esm', id: 'NoInflate-esm-1', noInflate: true });
      assert.equal(out.webAssembly, 'object');
      assert.equal(out.ready.trackingId, 'NoInflate-esm-1');
      assert.equal(out.ready.result.storage, 'cookie');
      assertStored(out, 'NoInflate-esm-1', 30);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('npm entry, a page that broke Response: captured through the fallback', async () => {
      const out = await visit(browser, { path: '/esm', id: 'NoResponse-esm-1', noResponse: true });
      assert.equal(out.webAssembly, 'object');
      assert.equal(out.ready.trackingId, 'NoResponse-esm-1');
      assert.equal(out.ready.result.storage, 'cookie');
      assertStored(out, 'NoResponse-esm-1', 30);
      assert.ok(out.requested.includes(FALLBACK), `requested: ${out.requested}`);
    });

    test('npm entry, no WebAssembly at all: captured through the fallback', async () => {
      const out = await visit(browser, { path: '/esm', id: 'NoWasm-esm-1', noWasm: true });
      assert.equal(out.webAssembly, 'undefined');
      assert.equal(out.ready.trackingId, 'NoWasm-esm-1');
      assert.equal(out.ready.result.domain, 'example.co.uk');
      assertStored(out, 'NoWasm-esm-1', 30);
    });
  });
}
