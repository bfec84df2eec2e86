// End-to-end: the script tag pinned from a CDN, as the README shows it. The page is on one host
// name (www.shop.example.co.uk), the script on another (cdn.example.net, served with
// `Access-Control-Allow-Origin: *` as CDNs do), with `integrity` set to the hash the build
// wrote (pkg/taapit.js.sri) and `crossorigin="anonymous"`. The browser must run it, and the
// cookie must be the page's site's; with a wrong hash the browser must refuse to run it.
// Where WebAssembly cannot run, the script fetches its wasm2js fallback from beside itself,
// pinned to the build's hash too: the build's file runs and stores the id, another file is
// refused by the browser and stores nothing.
// Chromium, Firefox ESR and WebKitGTK. Needs pkg/ built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeSelfSignedCert, PKG_DIR, startHttpsServer } from '../support/server.mjs';
import { ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { assertExpiresIn, assertPkgBuilt, HOSTS, NAME, sendHtml, STUB } from './support.mjs';

const PAGE_HOST = 'www.shop.example.co.uk';
const CDN_HOST = 'cdn.example.net';

let server;
let script;
let integrity;
let fallback;
const harness = new PageHarness();

/**
 * The page: the CDN snippet of the README with `hash`, a flag when the browser refuses it,
 * and what ready() saw (queued with the stub before the script).
 */
const page = (src, hash) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sri</title>
<link rel="icon" href="data:,">
<script>${STUB}
taapit.ready(function (t) { window.readyResult = { loaded: t.loaded, trackingId: t.getTrackingId() }; });
addEventListener('error', function (e) { (window.errors = window.errors || []).push(String(e.message)); });</script>
<script src="${src}" async integrity="${hash}" crossorigin="anonymous" data-expires-in-days="60"
  onerror="window.refused = true"></script>
</head><body><p>sri</p></body></html>`;

/** A CDN file: `body`, with the CORS header CDNs send. */
const cdnFile = (body) => (req, res) => {
  res.writeHead(200, {
    'Content-Type': 'text/javascript',
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'no-store',
  });
  res.end(body);
};

before(async () => {
  assertPkgBuilt('taapit.js', 'taapit.js.sri');
  assertPkgBuilt('taapit_capture.fallback.js');
  script = readFileSync(path.join(PKG_DIR, 'taapit.js'));
  integrity = readFileSync(path.join(PKG_DIR, 'taapit.js.sri'), 'utf8').trim();
  fallback = readFileSync(path.join(PKG_DIR, 'taapit_capture.fallback.js'));
  server = await startHttpsServer({
    tls: await makeSelfSignedCert({ names: [...HOSTS.map((h) => h.host), CDN_HOST] }),
    routes: {
      ...harness.routes(),
      '/cdn/taapit.js': cdnFile(script),
      '/cdn/taapit_capture.fallback.js': cdnFile(fallback),
      // A CDN whose fallback file is not the build's: one line added, which would mark the
      // page if it ran.
      '/tampered/taapit.js': cdnFile(script),
      '/tampered/taapit_capture.fallback.js': cdnFile(Buffer.concat([fallback, Buffer.from('\nself.tampered = true;\n')])),
      '/page': (req, res) => {
        const query = new URL(req.url, 'http://x').searchParams;
        const dir = query.get('cdn') ?? 'cdn';
        sendHtml(res, harness.page(req, page(server.url(CDN_HOST, `/${dir}/taapit.js`), query.get('hash'))));
      },
    },
  });
});

after(async () => {
  await server?.close();
});

test('the hash the build wrote is the script\'s', () => {
  const computed = `sha384-${createHash('sha384').update(script).digest('base64')}`;
  assert.equal(integrity, computed);
  assert.match(readFileSync(path.join(PKG_DIR, 'README.md'), 'utf8'), new RegExp(`integrity="${integrity.replace(/[+/]/g, '\\$&')}"`));
});

for (const engine of ENGINES) {
  describe(`[${engine}] script tag from another host, pinned with integrity`, () => {
    let browser;
    before(async () => {
      browser = await launchEngine(engine, { server, harness });
    });
    after(async () => {
      await browser?.close();
    });

    /**
     * Opens the page with `hash` (the script from `/<cdn>/`, `WebAssembly` deleted before
     * anything runs when `noWasm`); what ran, and the page site's `ta_tid` cookies.
     */
    async function visit(id, hash, { cdn = 'cdn', noWasm = false } = {}) {
      let out;
      await inEngineContext(browser, async (context) => {
        const tab = await context.newPage();
        const before = Date.now() / 1000;
        const init = noWasm ? () => { delete window.WebAssembly; } : undefined;
        await tab.goto(server.url(PAGE_HOST, `/page?${NAME}=${id}&hash=${encodeURIComponent(hash)}&cdn=${cdn}`), { init });
        await tab.waitForFunction(() => window.refused === true || window.readyResult != null, null, {
          timeout: 15_000,
        });
        out = await tab.evaluate(() => ({
          refused: window.refused === true,
          ready: window.readyResult ?? null,
          trackingId: window.taapit && window.taapit.loaded ? window.taapit.getTrackingId() : null,
          tampered: window.tampered === true,
          errors: window.errors ?? [],
        }));
        out.cookies = (await context.cookies(PAGE_HOST)).filter((c) => c.name === NAME);
        out.visit = { before, after: Date.now() / 1000 };
        await tab.close();
      });
      return out;
    }

    test('the build\'s hash: the script runs and stores the id on the page\'s site', async () => {
      const out = await visit('Sri-1', integrity);
      assert.equal(out.refused, false);
      assert.equal(out.trackingId, 'Sri-1');
      assert.equal(out.cookies.length, 1, JSON.stringify(out.cookies));
      assert.equal(out.cookies[0].value, 'Sri-1');
      assert.equal(out.cookies[0].domain, '.example.co.uk', 'the page site, not the CDN');
      assert.equal(out.cookies[0].secure, true);
      assertExpiresIn(out.cookies[0], 60, out.visit);
    });

    test('another hash: the browser refuses the script, nothing is stored', async () => {
      const wrong = `sha384-${createHash('sha384').update('not the script').digest('base64')}`;
      const out = await visit('Sri-2', wrong);
      assert.equal(out.refused, true);
      assert.deepEqual(out.cookies, []);
    });

    test('WebAssembly refused: the fallback, pinned to the build\'s hash, runs and stores the id', async () => {
      const out = await visit('Sri-3', integrity, { noWasm: true });
      assert.deepEqual(out.ready, { loaded: true, trackingId: 'Sri-3' });
      assert.deepEqual(out.errors, []);
      assert.equal(out.cookies.length, 1, JSON.stringify(out.cookies));
      assert.equal(out.cookies[0].value, 'Sri-3');
      assert.equal(out.cookies[0].domain, '.example.co.uk');
      assertExpiresIn(out.cookies[0], 60, out.visit);
    });

    test('WebAssembly refused and a fallback file that is not the build\'s: the browser refuses it, nothing stored, ready() still runs', async () => {
      const out = await visit('Sri-4', integrity, { cdn: 'tampered', noWasm: true });
      assert.equal(out.tampered, false, 'the altered fallback never ran');
      assert.deepEqual(out.ready, { loaded: false, trackingId: null });
      assert.deepEqual(out.errors, []);
      assert.deepEqual(out.cookies, []);
    });
  });
}
