// The engine layer itself (tests/e2e/engines/), in each engine: what the suites rely on it
// for. An uncaught error, an unhandled rejection and a console warning in a page are reported;
// init scripts run before the page's own; the cookies read back are the browser's, with their
// attributes; a new context starts with no cookie and no storage of the one before.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startHttpsServer } from '../support/server.mjs';
import { ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { hostsCert, sendHtml } from './support.mjs';

const PAGE = `<!doctype html><html><head><title>engine layer</title><link rel="icon" href="data:,">
<script>window.seenByPage = window.initRan === true;</script></head><body><p>engine layer</p></body></html>`;

let server;
const harness = new PageHarness();

before(async () => {
  server = await startHttpsServer({
    tls: await hostsCert(),
    routes: { ...harness.routes(), '/': (req, res) => sendHtml(res, harness.page(req, PAGE)) },
  });
});

after(async () => {
  await server?.close();
});

for (const engine of ENGINES) {
  describe(`[${engine}] engine layer`, () => {
    let browser;
    before(async () => {
      browser = await launchEngine(engine, { server, harness });
    });
    after(async () => {
      await browser?.close();
    });

    test('page errors, unhandled rejections and console warnings are reported', async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(server.url('app.example.com', '/'));
        // Code of the page itself (a script element), not of the driver's own script.
        await page.evaluate(() => {
          const script = document.createElement('script');
          script.textContent = `console.warn('a warning', 42);
            setTimeout(function () { throw new Error('boom in a timer'); });
            Promise.reject(new Error('nobody catches this'));`;
          document.head.append(script);
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await page.close();
      } finally {
        await context.close();
      }
      assert.equal(context.errors.length, 2, JSON.stringify(context.errors));
      assert.ok(context.errors.some((e) => e.includes('boom in a timer')), JSON.stringify(context.errors));
      assert.ok(context.errors.some((e) => e.includes('nobody catches this')), JSON.stringify(context.errors));
      assert.deepEqual(context.warnings, ['a warning 42']);
      await assert.rejects(
        inEngineContext(browser, async (c) => {
          const page = await c.newPage();
          await page.goto(server.url('app.example.com', '/?again'));
          await page.evaluate(() => {
            const script = document.createElement('script');
            script.textContent = 'setTimeout(function () { undefined.x; });';
            document.head.append(script);
          });
          await new Promise((resolve) => setTimeout(resolve, 300));
        }),
        /no uncaught error/,
        'inEngineContext fails a test whose page threw',
      );
    });

    test('an init script runs before the page; cookies read back with their attributes; contexts are isolated', async () => {
      const host = 'www.shop.example.co.uk';
      await inEngineContext(browser, async (context) => {
        const page = await context.newPage();
        await page.goto(server.url(host, '/'), { init: [(flag) => (window.initRan = flag), true] });
        assert.equal(await page.evaluate(() => window.seenByPage), true, 'the init script ran first');
        const before = Math.floor(Date.now() / 1000);
        await page.evaluate(() => {
          document.cookie = 'site=1; Path=/; Domain=example.co.uk; Max-Age=3600; SameSite=Strict; Secure';
          document.cookie = 'host=2; Path=/; Max-Age=60; SameSite=Lax';
          localStorage.setItem('k', 'v');
        });
        const cookies = (await context.cookies(host)).sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(
          cookies.map(({ name, value, domain, path, secure, sameSite, httpOnly }) => ({ name, value, domain, path, secure, sameSite, httpOnly })),
          [
            { name: 'host', value: '2', domain: host, path: '/', secure: false, sameSite: 'Lax', httpOnly: false },
            { name: 'site', value: '1', domain: '.example.co.uk', path: '/', secure: true, sameSite: 'Strict', httpOnly: false },
          ],
        );
        assert.ok(Math.abs(cookies[1].expires - (before + 3600)) <= 5, `expiry ${cookies[1].expires}`);
        assert.deepEqual(await context.cookies('example.co.uk').then((c) => c.map((x) => x.name)), ['site']);
        await page.close();
      });
      await inEngineContext(browser, async (context) => {
        assert.deepEqual(await context.cookies(host), [], 'no cookie of the last context');
        const page = await context.newPage();
        await page.goto(server.url(host, '/'));
        assert.equal(await page.evaluate(() => localStorage.getItem('k')), null, 'no storage of the last context');
        await page.close();
      });
    });
  });
}
