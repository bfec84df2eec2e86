// Hostile pages, for the script tag (pkg/taapit.js) in Chromium on real host names over HTTPS:
// a page that replaced Array.prototype.push (no-op or throwing) or set Object.prototype.then
// before the script, client-side navigation (taapit.capture() after history.pushState), two
// copies of the script tag that arrive in the opposite of document order, and two tabs landing
// at the same time on two hosts of one site. Each ends with no uncaught page error, ready()
// called and the id kept.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makeSelfSignedCert, PKG_DIR, startHttpsServer } from '../../scripts/server.mjs';
import {
  assertPkgBuilt,
  cookieHelpers,
  gotoOk,
  inHttpsContext,
  launchChromium,
  NAME,
  sendHtml,
  watchPage,
} from './support.mjs';

/** The README's stub snippet, verbatim. */
const STUB = `window.taapit = window.taapit || { q: [] };
['ready', 'capture', 'getTrackingId', 'clearTrackingId', 'grantConsent', 'revokeConsent', 'decorateUrl'].forEach(function (m) { taapit[m] = taapit[m] || function () { taapit.q[taapit.q.length] = [m, arguments]; }; });`;

/** How many pairs of tabs land together in the concurrency test, and how many at a time. */
const PAIRS = Number(process.env.TAAPIT_PAIRS || 200);
const AT_ONCE = 8;

let server;
let browser;
const pages = new Map();

/** Registers a page (its whole HTML); returns its `page` query value. */
function makePage(html) {
  const id = String(pages.size + 1);
  pages.set(id, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hostile</title>
<link rel="icon" href="data:,">${html}</head><body></body></html>`);
  return id;
}

before(async () => {
  assertPkgBuilt('taapit.js');
  const tls = await makeSelfSignedCert({ names: ['www.shop.example.com', 'app.example.com'] });
  const script = readFileSync(path.join(PKG_DIR, 'taapit.js'));
  server = await startHttpsServer({
    tls,
    routes: {
      '/s': (req, res) => {
        const page = pages.get(new URL(req.url, 'http://x').searchParams.get('page'));
        sendHtml(res, page ?? 'no such page', page ? 200 : 404);
      },
      // The script; with `?slow`, answered 400 ms late: a copy that arrives after a later one.
      '/pkg/taapit.js': (req, res) => {
        const slow = new URL(req.url, 'http://x').searchParams.has('slow');
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
          res.end(script);
        }, slow ? 400 : 0);
      },
    },
  });
  browser = await launchChromium({
    // Each tab in a renderer process of its own, even for two hosts of one site (Chromium
    // otherwise reuses one process for a site's tabs, which runs their scripts one after the
    // other and never lets two captures interleave).
    args: ['--disable-features=ProcessPerSiteUpToMainFrameThreshold'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs `fn(s)` in a fresh context; fails on any uncaught page error. */
async function inContext(fn) {
  await inHttpsContext(
    browser,
    (context, errors) => {
      const warnings = [];
      return {
        ...cookieHelpers(context),
        warnings,
        /** Opens page `id` on `host` with `query`; `init` runs before the page's scripts. */
        async open(host, id, query, init) {
          const page = await context.newPage();
          watchPage(page, errors);
          page.on('console', (m) => {
            if (m.type() === 'warning') warnings.push(m.text());
          });
          if (init) await page.addInitScript(init);
          await gotoOk(page, server.url(host, `/s?page=${id}&${query}`));
          await page.waitForFunction(() => window.taapit?.loaded === true && window.log?.length > 0, null, {
            timeout: 15_000,
          });
          return page;
        },
      };
    },
    fn,
    'no uncaught error on any page',
  );
}

/** A page with the stub, a ready() queued before the script, and the script tag. */
const readyPage = (attrs = '') =>
  makePage(`<script>${STUB}
window.log = [];
taapit.ready(function (t) { log[log.length] = 'ready:' + t.getTrackingId(); });
</script>
<script src="/pkg/taapit.js" async${attrs}></script>`);

describe('pages that changed the built-ins before the script', () => {
  const cases = {
    'Array.prototype.push is a no-op': () => {
      Array.prototype.push = function () {
        return this.length;
      };
    },
    'Array.prototype.push throws': () => {
      Array.prototype.push = function () {
        throw new Error('push is off limits');
      };
    },
    'Object.prototype.then is a function': () => {
      // eslint-disable-next-line no-extend-native
      Object.prototype.then = function () {};
    },
  };
  // The page reports through its title: Playwright's own evaluate() runs in the page's world
  // and uses the built-ins these pages broke, while page.title() reads from a world of its own.
  const id = makePage(`<script>${STUB}
window.log = [];
taapit.ready(function (t) {
  log[log.length] = 'ready:' + t.getTrackingId();
  setTimeout(function () {
    taapit.ready(function (again) {
      log[log.length] = 'later:' + again.getTrackingId();
      document.title = JSON.stringify({ log: log, loaded: taapit.loaded });
    });
  }, 0);
});
</script>
<script src="/pkg/taapit.js" async></script>`);
  for (const [name, init] of Object.entries(cases)) {
    test(`${name}: ready() runs, the id is stored, nothing throws`, async () => {
      await inContext(async (s) => {
        const page = await s.context.newPage();
        const errors = [];
        watchPage(page, errors);
        await page.addInitScript(init);
        await gotoOk(page, server.url('app.example.com', `/s?page=${id}&${NAME}=hostile-builtins`));
        let title = await page.title();
        for (let i = 0; i < 100 && title === 'hostile'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          title = await page.title();
        }
        assert.deepEqual(JSON.parse(title === 'hostile' ? '{}' : title), {
          log: ['ready:hostile-builtins', 'later:hostile-builtins'],
          loaded: true,
        });
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'hostile-builtins');
        assert.equal(cookie.domain, '.example.com');
        assert.deepEqual(errors, [], 'no uncaught page error');
        await page.close();
      });
    });
  }
});

describe('client-side navigation', () => {
  test('taapit.capture() after history.pushState captures the new id; route changes alone do not', async () => {
    const id = readyPage();
    await inContext(async (s) => {
      const page = await s.open('app.example.com', id, `${NAME}=first-route`);
      const seen = await page.evaluate(() => {
        const events = [];
        addEventListener('taapit:change', (e) => events.push([e.detail.call, e.detail.trackingId]));
        history.pushState(null, '', '/s?route=2&ta_tid=second-route');
        const before = window.taapit.getTrackingId();
        const result = window.taapit.capture();
        return { before, result: [result.trackingId, result.source, result.storage], events };
      });
      assert.equal(seen.before, 'first-route', 'the route change alone captured nothing');
      assert.deepEqual(seen.result, ['second-route', 'search', 'cookie']);
      assert.deepEqual(seen.events, [['capture', 'second-route']]);
      assert.equal((await s.theCookie()).value, 'second-route');
      await page.close();
    });
  });
});

describe('two copies of the script tag', () => {
  test('the first in document order gives the options, whichever arrives first; data-debug warns', async () => {
    // The first copy is answered late, so the second runs first.
    const id = makePage(`<script>window.log = []; addEventListener('taapit:change', function (e) { log[log.length] = e.detail.call; });</script>
<script src="/pkg/taapit.js?slow" async data-cookie-name="first_tag" data-debug></script>
<script src="/pkg/taapit.js" async data-cookie-name="second_tag" data-debug></script>`);
    await inContext(async (s) => {
      const page = await s.open('app.example.com', id, `${NAME}=two-tags`);
      // Wait for the late copy too.
      await page.waitForFunction(() => performance.getEntriesByName(new URL('/pkg/taapit.js?slow', location.href).href).length > 0);
      await page.waitForTimeout(200);
      const log = await page.evaluate(() => window.log);
      assert.deepEqual(log, ['capture'], 'one capture, by the copy that ran first');
      const names = (await s.context.cookies()).map((c) => `${c.name}=${c.value}`);
      assert.deepEqual(names, ['first_tag=two-tags'], 'the options of the first tag in document order');
      assert.ok(
        s.warnings.some((w) => w.includes('second script tag ignored')),
        `data-debug warns about the second copy: ${JSON.stringify(s.warnings)}`,
      );
      await page.close();
    });
  });
});

describe('two tabs landing together on two hosts of one site', () => {
  test(`${PAIRS} pairs: the cookie always ends on .example.com, one copy, no probe left`, async () => {
    const id = makePage(`<script>window.log = ['-'];</script><script src="/pkg/taapit.js" async></script>`);
    const wrong = [];
    const pair = async (n) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const errors = [];
      try {
        const land = async (host, tid) => {
          const page = await context.newPage();
          watchPage(page, errors);
          await gotoOk(page, server.url(host, `/s?page=${id}&${NAME}=${tid}`));
          await page.waitForFunction(() => window.taapit?.loaded === true, null, { timeout: 15_000 });
        };
        await Promise.all([land('www.shop.example.com', `A${n}`), land('app.example.com', `B${n}`)]);
        const cookies = (await context.cookies()).filter((c) => c.name.startsWith(NAME));
        const ok =
          cookies.length === 1 &&
          cookies[0].name === NAME &&
          cookies[0].domain === '.example.com' &&
          [`A${n}`, `B${n}`].includes(cookies[0].value);
        if (!ok || errors.length) wrong.push({ n, cookies: cookies.map((c) => `${c.name}=${c.value}@${c.domain}`), errors });
      } finally {
        await context.close();
      }
    };
    for (let start = 0; start < PAIRS; start += AT_ONCE) {
      const batch = [];
      for (let n = start; n < Math.min(PAIRS, start + AT_ONCE); n++) batch.push(pair(n));
      await Promise.all(batch);
    }
    assert.deepEqual(wrong, [], `pairs that ended wrong, of ${PAIRS}`);
  });
});
