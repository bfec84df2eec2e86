// End-to-end: the script tag (pkg/taapit.js) in Chromium, Firefox ESR and WebKitGTK, on real
// host names, over HTTPS.
//
// Each test builds a plain HTML page with one `<script src="/pkg/taapit.js" async data-…>`,
// served by the test server at /s?page=N; every host name maps to 127.0.0.1
// (tests/e2e/engines/), so the browser applies its real cookie rules. Every test runs in each
// engine, named `[engine] …`. Outbound links point at other host names of the same server
// (/landing), so the URL the browser navigated to is what is asserted.
//
// Needs pkg/ built (`bash scripts/build.sh`). Run with `bash scripts/test-e2e.sh`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { NOTES } from '../../js/package/contract.js';
import { PKG_DIR, startHttpsServer } from '../support/server.mjs';
import { ENGINE, ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { assertExpiresIn, assertPkgBuilt, HOSTILE, HOSTS, hostsCert, NAME, sendHtml, STUB } from './support.mjs';

/** A taapit:change event as the test pages record it (without expiresAt, which is a time). */
const change = (call, trackingId, source = null, storage = null, domain = null) => ({ call, trackingId, source, storage, domain });

let server;
const harness = new PageHarness();
const pages = new Map();

/** Registers a test page; returns its `page` query value. */
function makePage({ attrs = {}, head = '', body = '', src = '/pkg/taapit.js' } = {}) {
  const id = String(pages.size + 1);
  const data = Object.entries(attrs)
    .map(([k, v]) => (v === true ? ` data-${k}` : ` data-${k}="${String(v).replace(/"/g, '&quot;')}"`))
    .join('');
  pages.set(
    id,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>script tag</title>
<link rel="icon" href="data:,">
<script>
window.events = [];
addEventListener('taapit:change', function (e) {
  var d = e.detail;
  events[events.length] = { call: d.call, trackingId: d.trackingId, source: d.source === undefined ? null : d.source, storage: d.storage === undefined ? null : d.storage, domain: d.domain === undefined ? null : d.domain };
});
</script>
${head}
<script src="${src}" async${data}></script>
</head><body>${body}</body></html>`,
  );
  return id;
}

before(async () => {
  assertPkgBuilt('taapit.js');
  const tls = await hostsCert();
  server = await startHttpsServer({
    tls,
    routes: {
      ...harness.routes(),
      '/s': (req, res) => {
        const page = pages.get(new URL(req.url, 'http://x').searchParams.get('page'));
        sendHtml(res, page ? harness.page(req, page) : 'no such page', page ? 200 : 404);
      },
      '/landing': (req, res) => sendHtml(res, '<!doctype html><title>landing</title><p>landed'),
      // The script tag served where nothing is beside it: no fallback to load.
      '/solo/taapit.js': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
        res.end(readFileSync(path.join(PKG_DIR, 'taapit.js')));
      },
    },
  });
});

after(async () => {
  await server?.close();
});

for (const engine of ENGINES) {
  describe(`[${engine}]`, () => {
    let browser;
    before(async () => {
      browser = await launchEngine(engine, { server, harness });
    });
    after(async () => {
      await browser?.close();
    });
    /** A fresh browser context; fails the test on any uncaught page error. */
    const inContext = (fn) => inEngineContext(browser, (context) => fn(makeSession(context)));
    suites(engine, inContext);
  });
}

/** The helpers of a test over `context`, a context of the engine's browser. */
function makeSession(context) {
  let lastHost = null;
  const s = {
    context,
    /** `console.warn` lines of the context's pages, in order. */
    warnings: context.warnings,
    /** Every cookie called `name` that a page on `host` (default: the last opened) is sent. */
    async idCookies(host = lastHost, name = NAME) {
      return (await context.cookies(host)).filter((c) => c.name === name);
    },
    /** The one `ta_tid` cookie of `host` (default: the last opened), asserting there is one. */
    async theCookie(host = lastHost) {
      const ids = await s.idCookies(host);
      assert.equal(ids.length, 1, `exactly one ${NAME} cookie, got ${JSON.stringify(ids)}`);
      return ids[0];
    },
    /**
     * Opens page `pageId` on `host` with `query` (raw, appended), waits for the script.
     * `init`: a function run before the page's scripts, or [function, argument].
     */
    async open(host, pageId, query = '', { hash = '', init } = {}) {
      const page = await context.newPage();
      lastHost = host;
      const url = server.url(host, `/s?page=${pageId}${query ? `&${query}` : ''}${hash}`);
      const t0 = Date.now() / 1000;
      await page.goto(url, { init });
      await page.waitForFunction(() => typeof window.taapit?.loaded === 'boolean', null, { timeout: 15_000 });
      page.before = t0;
      page.after = Date.now() / 1000;
      return page;
    },
    /** Opens, reads the page state, closes. */
    async visit(host, pageId, query, options) {
      const page = await s.open(host, pageId, query, options);
      try {
        return { ...(await state(page)), before: page.before, after: page.after };
      } finally {
        await page.close();
      }
    },
  };
  return s;
}

/** What the page sees: loaded flag, the sync getTrackingId(), the events, the address. */
function state(page) {
  return page.evaluate(() => ({
    loaded: window.taapit.loaded,
    trackingId: window.taapit.getTrackingId(),
    events: window.events,
    href: location.href,
    cookie: document.cookie,
    log: window.log,
  }));
}

/** Every test of the suite, for one engine; `inContext` runs a test in a fresh context. */
function suites(engine, inContext) {
  describe('script tag on real host names', () => {
    const pageId = () => makePage({ attrs: { 'expires-in-days': '60' } });
    for (const { host, domain, reported } of HOSTS) {
      test(`${host}: data-expires-in-days="60" stores ta_tid at ${domain}, Secure, Lax, 60 days; event; hostile ids ignored`, async () => {
        const id = pageId();
        await inContext(async (s) => {
          const tid = `script-${host.replace(/[^a-z0-9]/g, '')}`;
          const v = await s.visit(host, id, `${NAME}=${tid}`);
          assert.equal(v.loaded, true);
          assert.equal(v.trackingId, tid, 'synchronous getTrackingId()');
          assert.deepEqual(v.events, [change('capture', tid, 'search', 'cookie', reported)]);
          const cookie = await s.theCookie();
          assert.equal(cookie.value, tid);
          assert.equal(cookie.domain, domain);
          assert.equal(cookie.path, '/');
          assert.equal(cookie.secure, true);
          assert.equal(cookie.sameSite, 'Lax');
          assertExpiresIn(cookie, 60, v);

          for (const hostile of HOSTILE) {
            const again = await s.visit(host, id, `${NAME}=${hostile}`);
            assert.equal(again.trackingId, tid, `?${NAME}=${hostile} keeps the stored id`);
            assert.deepEqual(again.events, [change('capture', tid, 'stored', 'cookie')], `?${NAME}=${hostile}: the stored id`);
            assert.deepEqual(await s.theCookie(), cookie, `?${NAME}=${hostile} leaves the cookie untouched`);
          }
        });
      });
    }

    test('hostile ids are never stored on a first visit', async () => {
      const id = makePage();
      await inContext(async (s) => {
        for (const hostile of HOSTILE) {
          const v = await s.visit('app.example.com', id, `${NAME}=${hostile}`);
          assert.equal(v.trackingId, null, `?${NAME}=${hostile}`);
          assert.deepEqual(v.events, [change('capture', null)]);
        }
        assert.deepEqual(await s.idCookies(), []);
      });
    });
  });

  describe('script tag options from data- attributes', () => {
    test('data-attribution="first-click" keeps the first id across two visits', async () => {
      const id = makePage({ attrs: { attribution: 'first-click', 'same-site': 'strict' } });
      await inContext(async (s) => {
        const v1 = await s.visit('www.shop.example.co.uk', id, `${NAME}=first_id`);
        assert.equal(v1.trackingId, 'first_id');
        assert.deepEqual(v1.events, [change('capture', 'first_id', 'search', 'cookie', 'example.co.uk')]);
        const first = await s.theCookie();
        assert.equal(first.sameSite, 'Strict');
        assert.equal(first.domain, '.example.co.uk');
        assertExpiresIn(first, 90, v1);

        const v2 = await s.visit('www.shop.example.co.uk', id, `${NAME}=second_id`);
        assert.equal(v2.trackingId, 'first_id');
        assert.deepEqual(v2.events, [change('capture', 'first_id', 'stored', 'cookie')], 'nothing was stored on the second visit');
        assert.deepEqual(await s.theCookie(), first);
      });
    });

    test('last-click (default) replaces the id on the second visit', async () => {
      const id = makePage();
      await inContext(async (s) => {
        await s.visit('app.example.com', id, `${NAME}=first_id`);
        const v2 = await s.visit('app.example.com', id, `${NAME}=second_id`);
        assert.equal(v2.trackingId, 'second_id');
        assert.deepEqual(v2.events, [change('capture', 'second_id', 'search', 'cookie', 'example.com')]);
        assert.equal((await s.theCookie()).value, 'second_id');
      });
    });

    test('data-domain="host", data-secure="false", data-same-site="none" (forces Secure), data-cookie-name', async () => {
      const id = makePage({ attrs: { domain: 'host', secure: 'false', 'same-site': 'none', 'cookie-name': 'my_tid' } });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `${NAME}=named`);
        assert.equal(v.trackingId, 'named');
        assert.deepEqual(v.events, [change('capture', 'named', 'search', 'cookie')]);
        const cookies = await s.idCookies('app.example.com', 'my_tid');
        assert.equal(cookies.length, 1);
        assert.equal(cookies[0].domain, 'app.example.com');
        assert.equal(cookies[0].sameSite, 'None');
        assert.equal(cookies[0].secure, true);
        assert.deepEqual(await s.idCookies(), []);
      });
    });

    test('data-strip-param with data-params="ref, ta_tid" removes them and keeps the other parameters and hash', async () => {
      const id = makePage({ attrs: { 'strip-param': true, params: 'ref, ta_tid' } });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `a=1&${NAME}=stripped&b=two%20words&ref=other`, { hash: '#/route?x=1' });
        assert.equal(v.trackingId, 'other', 'the first name of data-params wins');
        assert.equal(v.href, server.url('app.example.com', `/s?page=${id}&a=1&b=two%20words#/route?x=1`));
        assert.equal((await s.theCookie()).value, 'other');
      });
    });

    test('page code that calls back into the module during a call (a replaceState wrapper): both calls answer, the memory stays sound', async () => {
      // The module hands the address to history.replaceState in the middle of its capture
      // (data-strip-param): a router's wrapper that calls the API there re-enters the module
      // while the outer call's memory is in use. The inner call takes its memory above the
      // outer call's and gives back only its own; the outer call then finishes on intact
      // memory, and later calls answer from the kept session.
      const head = `<script>
window.inner = [];
var replace = history.replaceState;
history.replaceState = function (state, title, url) {
  inner[inner.length] = [String(url), taapit.getTrackingId(), taapit.decorateUrl('https://shop.example.net/p')];
  return replace.apply(this, arguments);
};
</script>`;
      const id = makePage({ head, attrs: { 'strip-param': true, outbound: 'shop.example.net' } });
      await inContext(async (s) => {
        const page = await s.open('app.example.com', id, `a=1&${NAME}=reentered_1`);
        const seen = await page.evaluate(() => ({
          inner: window.inner,
          href: location.href,
          later: [taapit.getTrackingId(), taapit.decorateUrl('https://shop.example.net/q')],
          events: window.events.map((e) => [e.call, e.trackingId, e.storage]),
        }));
        await page.close();
        assert.equal(seen.inner.length, 1, 'the module replaced the address once');
        const [url, innerId, innerLink] = seen.inner[0];
        assert.equal(url, `/s?page=${id}&a=1`, 'the address without the id');
        assert.equal(innerId, 'reentered_1', 'the inner call reads the id the outer one just stored');
        assert.equal(innerLink, null, 'the inner call sees the session from before the outer capture: no outbound hosts yet');
        assert.equal(seen.href, server.url('app.example.com', `/s?page=${id}&a=1`));
        assert.deepEqual(seen.later, ['reentered_1', 'https://shop.example.net/q?ta_tid=reentered_1']);
        assert.deepEqual(seen.events, [['capture', 'reentered_1', 'cookie']]);
        assert.equal((await s.theCookie()).value, 'reentered_1');
      });
    });

    test('malformed attributes fall back to their defaults, with data-debug messages (debug build: words)', async () => {
      const id = makePage({
        src: '/pkg/taapit.debug.js',
        attrs: {
          'expires-in-days': 'soon',
          attribution: 'sometimes',
          'same-site': 'sideways',
          outbound: 'https://shop.example.net/',
          colour: 'blue',
          debug: true,
        },
      });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `${NAME}=defaults`);
        assert.equal(v.trackingId, 'defaults');
        const cookie = await s.theCookie();
        assert.equal(cookie.sameSite, 'Lax');
        assertExpiresIn(cookie, 90, v);
        for (const option of ['expiresInDays', 'attribution', 'sameSite', 'outbound', 'colour']) {
          assert.ok(
            s.warnings.some((w) => w.includes(`option ${option}`)),
            `a debug message about ${option}: ${JSON.stringify(s.warnings)}`,
          );
        }
      });
    });

    test('the plain script says each data-debug note by its code, with its details', async () => {
      const id = makePage({ attrs: { 'expires-in-days': 'soon', colour: 'blue', debug: true } });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `${NAME}=coded`);
        assert.equal(v.trackingId, 'coded');
        const code = (words) => NOTES.indexOf(words);
        for (const line of [
          `[taapit] #${code('option %: refused "%"; using the default')} expiresInDays soon`,
          `[taapit] #${code('option %: no such option (ignored)')} colour`,
        ]) {
          assert.ok(
            s.warnings.some((w) => w.trim() === line),
            `${JSON.stringify(line)} in ${JSON.stringify(s.warnings)}`,
          );
        }
        assert.ok(!s.warnings.some((w) => w.includes('using the default')), 'no words in the plain script');
      });
    });

    test('without data-debug a bad attribute says nothing', async () => {
      const id = makePage({ attrs: { 'expires-in-days': 'soon' } });
      await inContext(async (s) => {
        await s.visit('app.example.com', id, `${NAME}=quiet`);
        assert.deepEqual(s.warnings, []);
        assert.equal((await s.theCookie()).value, 'quiet');
      });
    });
  });

  describe('window.taapit', () => {
    test('consent pending → grantConsent() → revokeConsent()', async () => {
      const id = makePage({ attrs: { consent: 'pending' } });
      await inContext(async (s) => {
        const page = await s.open('app.example.com', id, `${NAME}=held-id`);
        const held = await state(page);
        assert.equal(held.trackingId, 'held-id', 'getTrackingId() returns the id held in memory');
        assert.equal(held.cookie, '');
        assert.deepEqual(held.events, [change('capture', 'held-id', 'search', 'memory')], 'nothing stored yet');
        assert.deepEqual(await s.idCookies(), []);

        const granted = await page.evaluate(() => window.taapit.grantConsent());
        assert.equal(granted.trackingId, 'held-id');
        assert.equal(granted.storage, 'cookie');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'held-id');
        assert.equal(cookie.domain, '.example.com');
        assertExpiresIn(cookie, 90, page);
        assert.deepEqual((await state(page)).events, [
          change('capture', 'held-id', 'search', 'memory'),
          change('grant', 'held-id', 'search', 'cookie', 'example.com'),
        ]);

        const revoked = await page.evaluate(() => {
          const ret = window.taapit.revokeConsent();
          return { ret: ret === undefined ? 'undefined' : ret, id: window.taapit.getTrackingId() };
        });
        assert.deepEqual(revoked, { ret: 'undefined', id: null });
        assert.deepEqual((await state(page)).events.slice(2), [change('revoke', null)]);
        assert.deepEqual(await s.idCookies(), []);
        await page.close();

        // A reload without consent stores nothing either.
        const v = await s.visit('app.example.com', id, `${NAME}=again`);
        assert.deepEqual(v.events, [change('capture', 'again', 'search', 'memory')]);
        assert.deepEqual(await s.idCookies(), []);
      });
    });

    test("capture(options) keeps the tag's other options: data-consent=\"pending\" still holds the id", async () => {
      const id = makePage({ attrs: { consent: 'pending', 'expires-in-days': '30' } });
      await inContext(async (s) => {
        const page = await s.open('app.example.com', id, `${NAME}=first-route`);
        const again = await page.evaluate(() => {
          // A single-page app's route change, then a capture with one option of its own.
          history.pushState(null, '', '/next?ta_tid=second-route&keep=1');
          return window.taapit.capture({ stripParam: true });
        });
        assert.equal(again.trackingId, 'second-route');
        assert.equal(again.storage, 'memory', 'consent is still pending: held in memory');
        assert.deepEqual(await s.idCookies(), []);
        assert.match(await page.evaluate(() => location.search), /ta_tid=second-route/, 'the address keeps the held id');

        const granted = await page.evaluate(() => window.taapit.grantConsent());
        assert.equal(granted.storage, 'cookie');
        assertExpiresIn(await s.theCookie(), 30, { before: page.before, after: Date.now() / 1000 });
        assert.equal(await page.evaluate(() => location.search), '?keep=1', 'stripped once stored');
        await page.close();
      });
    });

    test('an inline SVG <script> before the tag: the tag still loads and captures', async () => {
      const id = makePage({ head: '<svg width="1" height="1"><script>/* an SVG script */</script></svg>' });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `${NAME}=after-svg`);
        assert.equal(v.loaded, true);
        assert.equal(v.trackingId, 'after-svg');
        assert.equal((await s.theCookie()).value, 'after-svg');
      });
    });

    test('clearTrackingId() removes the cookie; ready() after load runs at once', async () => {
      const id = makePage();
      await inContext(async (s) => {
        const page = await s.open('www.shop.example.co.uk', id, `${NAME}=to-clear`);
        assert.equal((await s.theCookie()).value, 'to-clear');
        const out = await page.evaluate(() => {
          let ran = null;
          window.taapit.ready((api) => {
            ran = api === window.taapit;
          });
          window.taapit.clearTrackingId();
          return { ran, id: window.taapit.getTrackingId() };
        });
        assert.deepEqual(out, { ran: true, id: null });
        assert.deepEqual(await s.idCookies(), []);
        await page.close();
      });
    });

    test('calls queued with the stub snippet before load run in order, after capture', async () => {
      const id = makePage({
        attrs: { consent: 'pending' },
        head: `<script>${STUB}
  window.log = [];
  taapit.ready(function (api) { log.push('ready1:' + api.getTrackingId() + ':' + document.cookie); });
  taapit.grantConsent();
  taapit.ready(function () { log.push('ready2:' + document.cookie + ':' + events.length); });
  taapit.ready(function () { throw new Error('a failing callback must not break the others'); });
  taapit.clearTrackingId();
  taapit.ready(function (api) { log.push('ready3:' + api.getTrackingId() + ':' + document.cookie); });
  </script>`,
      });
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', id, `${NAME}=queued`);
        assert.deepEqual(v.log, ['ready1:queued:', 'ready2:ta_tid=queued:2', 'ready3:null:']);
        assert.deepEqual(v.events, [
          change('capture', 'queued', 'search', 'memory'),
          change('grant', 'queued', 'search', 'cookie', 'example.com'),
          change('clear', null),
        ]);
        assert.ok(s.warnings.some((w) => w.includes('a failing callback')), 'the failing callback is reported');
        assert.deepEqual(await s.idCookies(), []);
      });
    });

    test('WebAssembly refused: the wasm2js fallback captures; with no fallback either, ready() still runs and nothing throws', async () => {
      const head = `<script>${STUB}
  window.log = [];
  taapit.ready(function (api) { log.push('ready:' + api.getTrackingId() + ':' + api.loaded); });
  </script>`;
      const beside = makePage({ head });
      const alone = makePage({ head, src: '/solo/taapit.js' });
      const refuse = () => {
        WebAssembly.Module = function () {
          throw new Error('no wasm here');
        };
      };
      // The fallback is asynchronous (one more request): wait for ready().
      const readyLog = async (s, host, pageId, query, init) => {
        const page = await s.open(host, pageId, query, { init });
        try {
          await page.waitForFunction(() => window.log && window.log.length > 0, null, { timeout: 15_000 });
          return await page.evaluate(() => ({ log: window.log, loaded: window.taapit.loaded }));
        } finally {
          await page.close();
        }
      };
      await inContext(async (s) => {
        const v = await readyLog(s, 'app.example.com', beside, `${NAME}=from_fallback`, refuse);
        assert.deepEqual(v, { log: ['ready:from_fallback:true'], loaded: true }, 'the fallback stored the id');
        assert.deepEqual((await s.idCookies()).map((c) => [c.value, c.domain]), [['from_fallback', '.example.com']]);

        const gone = await readyLog(s, 'www.shop.example.co.uk', alone, `${NAME}=never`, () => {
          delete window.WebAssembly;
        });
        assert.deepEqual(gone, { log: ['ready:null:false'], loaded: false }, 'no module at all: ready() still runs');
        assert.deepEqual(await s.idCookies(), []);
      });
    });

    test('ten thousand calls reuse the module\'s memory: it does not grow', async () => {
      const id = makePage({ attrs: { outbound: 'shop.example.net' } });
      // Keeps the instance's memory where the test can read it (the script instantiates its
      // inlined .wasm synchronously).
      const keepMemory = () => {
        const Instance = WebAssembly.Instance;
        WebAssembly.Instance = function (module, imports) {
          const made = new Instance(module, imports);
          window.wasmMemory = made.exports.memory;
          return made;
        };
      };
      await inContext(async (s) => {
        const page = await s.open('app.example.com', id, `${NAME}=steady`, { init: keepMemory });
        const seen = await page.evaluate(() => {
          const round = () => [
            taapit.getTrackingId(),
            taapit.decorateUrl('https://shop.example.net/p?a=1#h'),
            taapit.grantConsent().trackingId,
          ];
          const first = round();
          const before = wasmMemory.buffer.byteLength;
          for (let i = 0; i < 10_000; i++) round();
          return { first, last: round(), before, after: wasmMemory.buffer.byteLength };
        });
        await page.close();
        assert.deepEqual(seen.first, ['steady', 'https://shop.example.net/p?a=1&ta_tid=steady#h', 'steady']);
        assert.deepEqual(seen.last, seen.first);
        assert.equal(seen.after, seen.before, 'each call gives its memory back: the heap did not grow');
      });
    });

    test('the inlined .wasm needs no request; without DecompressionStream the fallback script is loaded from beside it', async () => {
      const id = makePage({});
      // `old` removes DecompressionStream, as in Safari < 16.4.
      const watch = (old) => {
        if (old) delete window.DecompressionStream;
      };
      await inContext(async (s) => {
        for (const [old, value] of [[false, 'inlined'], [true, 'fetched']]) {
          const page = await s.open('app.example.com', id, `${NAME}=${value}`, { init: [watch, old] });
          await page.waitForFunction(() => window.taapit.loaded === true);
          const seen = await page.evaluate(() => ({
            loaded: taapit.loaded,
            id: taapit.getTrackingId(),
            requested: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
          }));
          await page.close();
          assert.equal(seen.loaded, true, value);
          assert.equal(seen.id, value);
          assert.deepEqual(
            // The engine layer's own harness script aside (tests/e2e/engines/).
            seen.requested.filter((p) => p !== '/pkg/taapit.js' && !p.startsWith('/__e2e/')),
            old ? ['/pkg/taapit_capture.fallback.js'] : [],
            `${value}: what the script requested`,
          );
          assert.deepEqual((await s.idCookies()).map((c) => c.value), [value]);
        }
      });
    });
  });

  describe('outbound links', () => {
    const host = 'www.shop.example.co.uk';
    const to = (h, p = '/landing') => server.url(h, p);
    const linkPage = (attrs = {}) =>
      makePage({
        attrs: { outbound: 'shop.example.net, *.example.org', ...attrs },
        body: `
  <a id="static" href="${to('shop.example.net', '/landing?x=1&y=a%20b#frag')}">static</a>
  <a id="other" href="${to('other.example.net')}">other</a>
  <a id="has" href="${to('shop.example.net', '/landing?ta_tid=theirs')}">has</a>
  <a id="apex" href="${to('example.org')}"><span id="inner">apex</span></a>
  <a id="relative" href="/landing?rel=1">relative</a>
  <img id="map" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="50" height="50" usemap="#m">
  <map name="m"><area id="area" shape="rect" coords="0,0,50,50" href="${to('a.b.example.org', '/landing')}"></map>
  <svg width="60" height="20"><a id="svg" href="${to('shop.example.net', '/landing?svg=1')}"><text id="svg-text" x="0" y="15">svg</text></a></svg>
  <div id="late"></div>`,
      });

    /** Clicks `selector` on a fresh page and returns the URL the browser navigated to. */
    async function follow(s, pageId, selector, { tid = 'out-id', add } = {}) {
      const page = await s.open(host, pageId, `${NAME}=${tid}`);
      try {
        if (add) await page.evaluate(add);
        // An <area> has no box of its own: click its image inside the area's rectangle.
        return await (selector === '#area'
          ? page.clickAndWaitForURL('#map', /\/landing/, { position: { x: 10, y: 10 } })
          : page.clickAndWaitForURL(selector, /\/landing/));
      } finally {
        await page.close();
      }
    }

    test('a static link to a matching host gets ta_tid, keeping its parameters and hash', async () => {
      const id = linkPage();
      await inContext(async (s) => {
        assert.equal(await follow(s, id, '#static'), to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=out-id#frag'));
        assert.equal(await follow(s, id, '#inner'), to('example.org', '/landing?ta_tid=out-id'), 'the apex of *.example.org');
        assert.equal(await follow(s, id, '#area'), to('a.b.example.org', '/landing?ta_tid=out-id'), '<area>');
      });
    });

    test('links to other hosts, to this host, and links that carry ta_tid already are left alone', async () => {
      const id = linkPage();
      await inContext(async (s) => {
        assert.equal(await follow(s, id, '#other'), to('other.example.net'));
        assert.equal(await follow(s, id, '#has'), to('shop.example.net', '/landing?ta_tid=theirs'));
        assert.equal(await follow(s, id, '#relative'), to(host, '/landing?rel=1'));
      });
    });

    test('links added after load, in light and shadow DOM, and keyboard activation', async () => {
      const id = linkPage();
      await inContext(async (s) => {
        const add = (href) => {
          const a = document.createElement('a');
          a.id = 'added';
          a.href = href;
          a.textContent = 'added';
          document.getElementById('late').append(a);
          const holder = document.createElement('div');
          holder.id = 'shadow-host';
          document.body.append(holder);
          const b = document.createElement('a');
          b.href = href.replace('www.', 'shadow.');
          b.textContent = 'in shadow';
          holder.attachShadow({ mode: 'open' }).append(b);
        };
        const late = to('www.example.org', '/landing?late=1');
        const url = await follow(s, id, '#added', { add: `(${add})(${JSON.stringify(late)})` });
        assert.equal(url, to('www.example.org', '/landing?late=1&ta_tid=out-id'));

        const inShadow = await follow(s, id, '#shadow-host >> a', { add: `(${add})(${JSON.stringify(late)})` });
        assert.equal(inShadow, to('shadow.example.org', '/landing?late=1&ta_tid=out-id'));

        const page = await s.open(host, id, `${NAME}=key-id`);
        assert.equal(
          await page.pressEnterAndWaitForURL('#static', /\/landing/),
          to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=key-id#frag'),
        );
        await page.close();
      });
    });

    test(`middle-click follows the decorated URL (${ENGINE[engine].middleClick})`, async () => {
      const id = linkPage();
      await inContext(async (s) => {
        for (const [selector, expected, written] of [
          ['#static', to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=middle-id#frag'), to('shop.example.net', '/landing?x=1&y=a%20b#frag')],
          ['#added', to('x.example.org', '/landing?x=1&y=a%20b&ta_tid=middle-id#frag'), to('x.example.org', '/landing?x=1&y=a%20b#frag')],
        ]) {
          // A fresh page for each click: in some engines the link loads in this tab.
          const page = await s.open(host, id, `${NAME}=middle-id`);
          try {
            await page.evaluate(() => {
              const a = document.createElement('a');
              a.id = 'added';
              a.href = document.getElementById('static').href.replace('shop.example.net', 'x.example.org');
              a.textContent = 'added';
              document.body.append(a);
            });
            const { url, newTab } = await page.middleClick(selector);
            assert.equal(url, expected, `middle-click on ${selector}`);
            assert.equal(newTab, ENGINE[engine].middleClick === 'new tab', `middle-click on ${selector}: where it loaded`);
            if (newTab) {
              const href = await page.evaluate((sel) => document.querySelector(sel).href, selector);
              assert.equal(href, written, 'the link is put back as the page wrote it');
            }
          } finally {
            await page.close();
          }
        }
      });
    });

    test('a followed link keeps no id: the next click asks again (a newer id, revokeConsent()); a right click adds nothing; SVG links', async () => {
      const id = linkPage();
      await inContext(async (s) => {
        const page = await s.open(host, id, `${NAME}=first-id`);
        try {
          const seen = await page.evaluate(async () => {
            // What each click would follow: read by a listener after the module's (bubble
            // phase), which then cancels the navigation so the page stays.
            const taken = [];
            document.addEventListener('click', (e) => {
              taken.push(e.target.closest('a').getAttribute('href'));
              e.preventDefault();
            });
            const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
            const link = document.getElementById('static');
            const click = (target) =>
              target.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true, button: 0 }));
            click(link);
            await nextTask();
            const afterFirst = link.getAttribute('href');
            // A right click (auxclick, button 2): the context menu's "Copy link address".
            link.dispatchEvent(new MouseEvent('auxclick', { bubbles: true, cancelable: true, composed: true, button: 2 }));
            const onRightClick = link.getAttribute('href');
            click(document.getElementById('svg-text'));
            await nextTask();
            const svgAfter = document.getElementById('svg').getAttribute('href');
            history.replaceState(null, '', '?ta_tid=newer-id');
            window.taapit.capture();
            click(link);
            await nextTask();
            window.taapit.revokeConsent();
            click(link);
            await nextTask();
            return { taken, afterFirst, onRightClick, svgAfter };
          });
          const written = to('shop.example.net', '/landing?x=1&y=a%20b#frag');
          assert.deepEqual(seen, {
            taken: [
              to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=first-id#frag'),
              to('shop.example.net', '/landing?svg=1&ta_tid=first-id'),
              to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=newer-id#frag'),
              written,
            ],
            afterFirst: written,
            onRightClick: written,
            svgAfter: to('shop.example.net', '/landing?svg=1'),
          });
        } finally {
          await page.close();
        }
      });
    });

    test('no id, or consent pending: links are left alone; window.taapit.decorateUrl()', async () => {
      const id = linkPage();
      const pending = linkPage({ consent: 'pending' });
      await inContext(async (s) => {
        const page = await s.open(host, id);
        assert.equal(
          await page.clickAndWaitForURL('#static', /\/landing/),
          to('shop.example.net', '/landing?x=1&y=a%20b#frag'),
          'no id stored: nothing added',
        );
        await page.close();

        assert.equal(
          await follow(s, pending, '#static', { tid: 'held' }),
          to('shop.example.net', '/landing?x=1&y=a%20b#frag'),
          'consent pending: the id does not leave the site',
        );

        const p2 = await s.open(host, id, `${NAME}=api-id`);
        const out = await p2.evaluate(() => [
          window.taapit.decorateUrl('https://shop.example.net/p?q=1#h'),
          window.taapit.decorateUrl('https://elsewhere.net/'),
          window.taapit.decorateUrl(42),
        ]);
        assert.deepEqual(out, ['https://shop.example.net/p?q=1&ta_tid=api-id#h', null, null]);
        await p2.close();
      });
    });
  });
}
