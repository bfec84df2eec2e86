// End-to-end: the script tag pinned from a CDN, as the README shows it. The page is on one host
// name (www.shop.example.co.uk), the script on another (cdn.example.net, served with
// `Access-Control-Allow-Origin: *` as CDNs do), with `integrity` set to the hash the build
// wrote (pkg/taapit.js.sri) and `crossorigin="anonymous"`. The browser must run it, and the
// cookie must be the page's site's; with a wrong hash the browser must refuse to run it.
// Chromium, Firefox ESR and WebKitGTK. Needs pkg/ built (`bash scripts/build.sh`).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeSelfSignedCert, PKG_DIR, startHttpsServer } from '../../scripts/server.mjs';
import { ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { assertExpiresIn, assertPkgBuilt, HOSTS, NAME, sendHtml } from './support.mjs';

const PAGE_HOST = 'www.shop.example.co.uk';
const CDN_HOST = 'cdn.example.net';

let server;
let script;
let integrity;
const harness = new PageHarness();

/** The page: the CDN snippet of the README with `hash`, and a flag when the browser refuses it. */
const page = (src, hash) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sri</title>
<link rel="icon" href="data:,">
<script src="${src}" async integrity="${hash}" crossorigin="anonymous" data-expires-in-days="60"
  onerror="window.refused = true"></script>
</head><body><p>sri</p></body></html>`;

before(async () => {
  assertPkgBuilt('taapit.js', 'taapit.js.sri');
  script = readFileSync(path.join(PKG_DIR, 'taapit.js'));
  integrity = readFileSync(path.join(PKG_DIR, 'taapit.js.sri'), 'utf8').trim();
  server = await startHttpsServer({
    tls: await makeSelfSignedCert({ names: [...HOSTS.map((h) => h.host), CDN_HOST] }),
    routes: {
      ...harness.routes(),
      '/cdn/taapit.js': (req, res) => {
        res.writeHead(200, {
          'Content-Type': 'text/javascript',
          'Access-Control-Allow-Origin': '*',
          'Cache-Control': 'no-store',
        });
        res.end(script);
      },
      '/page': (req, res) => {
        const hash = new URL(req.url, 'http://x').searchParams.get('hash');
        sendHtml(res, harness.page(req, page(server.url(CDN_HOST, '/cdn/taapit.js'), hash)));
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

    /** Opens the page with `hash`; what ran, and the page site's `ta_tid` cookies. */
    async function visit(id, hash) {
      let out;
      await inEngineContext(browser, async (context) => {
        const tab = await context.newPage();
        const before = Date.now() / 1000;
        await tab.goto(server.url(PAGE_HOST, `/page?${NAME}=${id}&hash=${encodeURIComponent(hash)}`));
        await tab.waitForFunction(() => window.refused === true || window.taapit?.loaded === true, null, {
          timeout: 15_000,
        });
        out = {
          refused: await tab.evaluate(() => window.refused === true),
          trackingId: await tab.evaluate(() => (window.taapit ? window.taapit.getTrackingId() : null)),
          cookies: (await context.cookies(PAGE_HOST)).filter((c) => c.name === NAME),
          visit: { before, after: Date.now() / 1000 },
        };
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
  });
}
