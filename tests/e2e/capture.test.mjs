// End-to-end: the built npm package (pkg/) in Chromium, Firefox ESR and WebKitGTK, on real host
// names, over HTTPS.
//
// Each engine sends every host name to 127.0.0.1 (tests/e2e/engines/), so a page at
// https://www.shop.example.co.uk:PORT/ is served by the HTTPS server this file starts on
// 127.0.0.1, and the browser applies its real cookie rules (public suffix list, Secure,
// SameSite, host-only vs Domain cookies). What the browser stored is read from the browser
// (`context.cookies(host)`: the cookies a page on that host is sent): that is the ground
// truth, not `document.cookie`. Every test runs in each engine, named `[engine] …`.
//
// The ES module entry's outbound links (`capture({ outbound })`) are followed on /links, the test
// page with links in its HTML, to /landing on other host names of the same server: the URL the
// browser navigated to is what is asserted.
//
// Needs pkg/ built (`bash scripts/build.sh`). Run with `bash scripts/test-e2e.sh`.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PAGE_DIR, startHttpsServer } from '../support/server.mjs';
import { ENGINE, ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import {
  assertExpiresIn,
  assertPkgBuilt,
  DAY,
  HOSTILE,
  HOSTS,
  hostsCert,
  NAME,
  sendHtml,
  SLACK,
} from './support.mjs';

const PROBE = 'ta_tid_probe';

/** The links of the /links page (static: in its HTML before the module script runs). */
const LINKS = (srv) => `
<a id="static" href="${srv.url('shop.example.net', '/landing?x=1&y=a%20b#frag')}">static</a>
<a id="apex" href="${srv.url('example.org', '/landing')}"><span id="inner">apex</span></a>
<a id="org" href="${srv.url('www.example.org', '/landing?org=1')}">www.example.org</a>
<a id="other" href="${srv.url('other.example.net', '/landing')}">other</a>
<a id="self" href="${srv.url('app.example.com', '/landing?self=1')}">app.example.com</a>
<a id="relative" href="/landing?rel=1">relative</a>
<a id="has" href="${srv.url('shop.example.net', '/landing?ta_tid=theirs')}">has</a>
<div id="late"></div>`;

let server;
const harness = new PageHarness();

before(async () => {
  assertPkgBuilt('index.js');
  const tls = await hostsCert();
  // /: the test page; /links: the test page with LINKS in its HTML ahead of the module script
  // (static links); /landing: where followed links go, so the URL the browser navigated to can
  // be asserted.
  const testPage = await readFile(path.join(PAGE_DIR, 'index.html'), 'utf8');
  server = await startHttpsServer({
    tls,
    routes: {
      ...harness.routes(),
      '/': (req, res) => sendHtml(res, harness.page(req, testPage)),
      '/links': (req, res) => sendHtml(res, harness.page(req, testPage.replace('<body>', `<body>\n${LINKS(server)}`))),
      '/landing': (req, res) => sendHtml(res, '<!doctype html><title>landing</title><p>landed'),
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
    /**
     * Runs `fn` in a fresh browser context (empty cookie jar and storage). The test fails if
     * any page had an uncaught error.
     */
    const inContext = (fn) => inEngineContext(browser, (context) => fn(makeSession(context)));
    suites(engine, inContext);
  });
}

/** The helpers of a test over `context`, a context of the engine's browser. */
function makeSession(context) {
  let lastHost = null;
  const session = {
    context,
    /** Every cookie called `name` that a page on `host` (default: the last opened) is sent. */
    async idCookies(host = lastHost, name = NAME) {
      return (await context.cookies(host)).filter((c) => c.name === name);
    },
    /**
     * Opens `https://host:PORT<path>?ta_tid=<rawId>` (rawId is not encoded again; `null` leaves
     * the parameter out; `path` defaults to `/`), with `options` passed to `capture()`, and
     * waits for the test page to have captured. Resolves with `{ page, state }`; the caller
     * closes the page. `init` is a script run in the page before any of its own; `query`, raw
     * parameters put ahead of `ta_tid`; `tab`, a page of {@link newTab} to navigate instead of
     * a new one (faster: many visits in a row).
     */
    async open(host, rawId, options, { hash = '', path: pagePath = '/', init, query: extra, tab } = {}) {
      const query = extra ? [extra] : [];
      if (rawId !== null) query.push(`${NAME}=${rawId}`);
      if (options !== undefined) query.push(`options=${encodeURIComponent(JSON.stringify(options))}`);
      const url = server.url(host, `${pagePath}${query.length ? `?${query.join('&')}` : ''}${hash}`);
      const page = tab ?? (await session.newTab());
      lastHost = host;
      try {
        const before = Date.now() / 1000;
        await page.goto(url, { init });
        await page.waitForFunction(() => window.taapitE2E?.done === true, null, { timeout: 15_000 });
        const state = await page.evaluate(() => window.taapitE2E);
        assert.equal(state.error, null, `the test page failed on ${url}`);
        return { page, state: { ...state, url, before, after: Date.now() / 1000 } };
      } catch (error) {
        if (!tab) await page.close();
        throw error;
      }
    },
    /** A new page (tab). */
    newTab() {
      return context.newPage();
    },
    /**
     * {@link open}, then closes the page (unless it is `tab`); resolves with what the page saw. `then`, if given, is
     * evaluated in the page (with `thenArg`) after capture(); its value is `v.then`.
     */
    async visit(host, rawId, options, { then, thenArg, ...rest } = {}) {
      const { page, state } = await session.open(host, rawId, options, rest);
      try {
        const thenValue = then ? await page.evaluate(then, thenArg) : undefined;
        return { ...state, then: thenValue };
      } finally {
        if (!rest.tab) await page.close();
      }
    },
    /**
     * The one `ta_tid` cookie of `host` (default: the last opened), asserting there is exactly
     * one and no probe (any `ta_tid_probe…`) is left over.
     */
    async theCookie(host = lastHost) {
      const all = await context.cookies(host);
      const ids = all.filter((c) => c.name === NAME);
      assert.equal(ids.length, 1, `exactly one ${NAME} cookie, got ${JSON.stringify(ids)}`);
      const probes = all.filter((c) => c.name.startsWith(PROBE));
      assert.deepEqual(probes, [], `no ${PROBE}* cookie is left behind`);
      return ids[0];
    },
    /** Stores cookies as earlier pages of `host` would have (see engines/index.mjs). */
    addCookies(host, cookies) {
      lastHost = host;
      return context.addCookies(host, cookies);
    },
  };
  return session;
}

/** Asserts the result of capture() reports a fresh cookie write of `id` in `domain`. */
function assertWritten(v, id, domain, days = 90) {
  assert.equal(v.result.trackingId, id);
  assert.equal(v.result.source, 'search');
  assert.equal(v.result.storage, 'cookie');
  assert.equal(v.result.domain, domain);
  assert.equal(typeof v.result.expiresAt, 'number');
  assert.ok(
    Math.abs(v.result.expiresAt / 1000 - (v.before + days * DAY)) <= SLACK,
    `expiresAt ${v.result.expiresAt} should be ${days} days from now`,
  );
  assert.equal(v.trackingId, id, 'getTrackingId() after capture()');
  assert.equal(
    v.cookie.split(';').filter((pair) => pair.trim().startsWith(`${NAME}=`)).length,
    1,
    `document.cookie shows one ${NAME}: ${v.cookie}`,
  );
}

/** Every test of the suite, for one engine; `inContext` runs a test in a fresh context. */
function suites(engine, inContext) {
  describe('auto domain, default options, on real host names', () => {
    for (const { host, domain, reported } of HOSTS) {
      test(`${host}: ta_tid stored at ${domain}, Secure, SameSite=Lax, 90 days; hostile ids ignored`, async () => {
        await inContext(async (s) => {
          const id = `rLnWe1uz9t282v7g-${host.replace(/[^a-z0-9]/g, '')}`;
          const v = await s.visit(host, id);
          assertWritten(v, id, reported);

          const cookie = await s.theCookie();
          assert.equal(cookie.value, id);
          assert.equal(cookie.domain, domain);
          assert.equal(cookie.path, '/');
          assert.equal(cookie.secure, true);
          assert.equal(cookie.sameSite, 'Lax');
          assert.equal(cookie.httpOnly, false);
          assertExpiresIn(cookie, 90, v);
          assert.ok(
            Math.abs(cookie.expires - v.result.expiresAt / 1000) <= 2,
            'the cookie expires when capture() said it would',
          );

          const tab = await s.newTab();
          for (const hostile of HOSTILE) {
            const again = await s.visit(host, hostile, undefined, { tab });
            assert.equal(again.result.trackingId, id, `?${NAME}=${hostile} keeps the stored id`);
            assert.equal(again.result.source, 'stored', `?${NAME}=${hostile}`);
            assert.equal(again.result.storage, 'cookie', `?${NAME}=${hostile}`);
            assert.equal(again.trackingId, id, `getTrackingId() after ?${NAME}=${hostile}`);
            assert.deepEqual(await s.theCookie(), cookie, `?${NAME}=${hostile} leaves the cookie untouched`);
          }
        });
      });
    }
  });

  describe('options', () => {
    test('expiresInDays: 7 and sameSite: "strict" on app.example.com', async () => {
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', 'seven-days_1', { expiresInDays: 7, sameSite: 'strict' });
        assertWritten(v, 'seven-days_1', 'example.com', 7);
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'seven-days_1');
        assert.equal(cookie.domain, '.example.com');
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, 'Strict');
        assertExpiresIn(cookie, 7, v);
      });
    });

    test('last-click (default): a new valid id replaces the stored one, still one copy', async () => {
      await inContext(async (s) => {
        await s.visit('app.example.com', 'first.click');
        const v = await s.visit('app.example.com', 'second~click');
        assertWritten(v, 'second~click', 'example.com');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'second~click');
        assert.equal(cookie.domain, '.example.com');
      });
    });

    test('first-click: the first id is kept across two visits, expiry untouched', async () => {
      await inContext(async (s) => {
        const options = { attribution: 'first-click' };
        const v1 = await s.visit('www.shop.example.co.uk', 'first_id', options);
        assertWritten(v1, 'first_id', 'example.co.uk');
        const first = await s.theCookie();
        assert.equal(first.value, 'first_id');

        const v2 = await s.visit('www.shop.example.co.uk', 'second_id', options);
        assert.equal(v2.result.trackingId, 'first_id');
        assert.equal(v2.result.source, 'stored');
        assert.equal(v2.result.storage, 'cookie');
        assert.equal(v2.trackingId, 'first_id');
        assert.deepEqual(await s.theCookie(), first);
      });
    });

    test('the id in the hash of a hash-routed page (#/landing?ta_tid=…) is captured', async () => {
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', null, undefined, { hash: '#/landing?ta_tid=from-hash' });
        assert.equal(v.result.trackingId, 'from-hash');
        assert.equal(v.result.source, 'hash');
        assert.equal(v.result.storage, 'cookie');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'from-hash');
        assert.equal(cookie.domain, '.example.com');
      });
    });
  });

  describe('consent and removal', () => {
    test('consent: "pending" stores nothing until grantConsent(), which writes the one cookie', async () => {
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', 'held-id', { consent: 'pending' }, {
          then: async () => {
            const before = { cookie: document.cookie, id: await window.taapit.getTrackingId() };
            const granted = await window.taapit.grantConsent();
            return { before, granted };
          },
        });
        assert.equal(v.result.trackingId, 'held-id');
        assert.equal(v.result.storage, 'memory');
        assert.equal(v.cookie, '', 'no cookie while consent is pending');
        assert.equal(v.then.before.id, 'held-id', 'getTrackingId() returns the id held in memory');
        assert.equal(v.then.granted.trackingId, 'held-id');
        assert.equal(v.then.granted.storage, 'cookie');
        assert.equal(v.then.granted.domain, 'example.com');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'held-id');
        assert.equal(cookie.domain, '.example.com');
        assertExpiresIn(cookie, 90, v);
      });
    });

    for (const call of ['clearTrackingId', 'revokeConsent']) {
      test(`${call}() removes ta_tid from every domain level of www.shop.example.co.uk`, async () => {
        await inContext(async (s) => {
          const host = 'www.shop.example.co.uk';
          await s.visit(host, 'to-remove');
          const expires = Math.floor(Date.now() / 1000) + 30 * DAY;
          await s.addCookies(host, [
            { name: NAME, value: 'stale-host-only', expires, secure: true },
            { name: NAME, value: 'stale-shop', domain: '.shop.example.co.uk', expires, secure: true },
            { name: NAME, value: 'stale-www', domain: `.${host}`, expires, secure: false },
          ]);
          assert.equal((await s.idCookies()).length, 4);
          const v = await s.visit(host, null, undefined, {
            then: async (name) => {
              await window.taapit[name]();
              return { cookie: document.cookie, id: await window.taapit.getTrackingId() };
            },
            thenArg: call,
          });
          // Which copy capture() read is the one document.cookie lists first (engines differ).
          const copies = [
            { value: 'to-remove', domain: '.example.co.uk' },
            { value: 'stale-host-only', domain: host },
            { value: 'stale-shop', domain: '.shop.example.co.uk' },
            { value: 'stale-www', domain: `.${host}` },
          ];
          assert.equal(v.result.trackingId, ENGINE[engine].listedFirst(copies).value, 'the stored id before removal');
          assert.deepEqual(await s.idCookies(), [], 'no ta_tid cookie on any level');
          assert.equal(v.then.id, null, 'getTrackingId() after removal');
        });
      });
    }
  });

  describe('one copy', () => {
    test('www.shop.example.co.uk: stale ta_tid copies on other levels are expired, one remains at .example.co.uk', async () => {
      await inContext(async (s) => {
        const host = 'www.shop.example.co.uk';
        const expires = Math.floor(Date.now() / 1000) + 30 * DAY;
        await s.addCookies(host, [
          // host-only: no `domain`
          { name: NAME, value: 'stale-host-only', expires, secure: true, sameSite: 'Lax' },
          { name: NAME, value: 'stale-shop', domain: '.shop.example.co.uk', expires, secure: false, sameSite: 'Lax' },
          { name: NAME, value: 'stale-www', domain: `.${host}`, expires, secure: true, sameSite: 'Strict' },
          { name: NAME, value: 'stale-site', domain: '.example.co.uk', expires, secure: true, sameSite: 'Lax' },
        ]);
        const seeded = await s.idCookies();
        assert.deepEqual(
          seeded.map((c) => c.domain).sort(),
          ['.example.co.uk', '.shop.example.co.uk', '.www.shop.example.co.uk', host].sort(),
          'the stale copies are in place before the visit',
        );

        const v = await s.visit(host, 'fresh-id');
        assertWritten(v, 'fresh-id', 'example.co.uk');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'fresh-id');
        assert.equal(cookie.domain, '.example.co.uk');
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, 'Lax');
        assertExpiresIn(cookie, 90, v);
      });
    });
  });

  describe('explicit domain', () => {
    const host = 'www.shop.example.co.uk';
    const cases = [
      { domain: 'example.co.uk', expect: '.example.co.uk', reported: 'example.co.uk' },
      { domain: '.Example.CO.uk', expect: '.example.co.uk', reported: 'example.co.uk' },
      { domain: 'shop.example.co.uk', expect: '.shop.example.co.uk', reported: 'shop.example.co.uk' },
      { domain: host, expect: `.${host}`, reported: host },
      { domain: 'host', expect: host, reported: null },
      // Not the host nor a parent of it: ignored, auto applies (.example.co.uk).
      { domain: 'example.com', expect: '.example.co.uk', reported: 'example.co.uk' },
      { domain: 'other.example.co.uk', expect: '.example.co.uk', reported: 'example.co.uk' },
      { domain: 'hop.example.co.uk', expect: '.example.co.uk', reported: 'example.co.uk' },
      { domain: 'api.www.shop.example.co.uk', expect: '.example.co.uk', reported: 'example.co.uk' },
    ];
    for (const { domain, expect, reported } of cases) {
      test(`${host} with domain: ${JSON.stringify(domain)} → cookie at ${expect}`, async () => {
        await inContext(async (s) => {
          const v = await s.visit(host, 'explicit-1', { domain });
          assertWritten(v, 'explicit-1', reported);
          const cookie = await s.theCookie();
          assert.equal(cookie.value, 'explicit-1');
          assert.equal(cookie.domain, expect);
          assert.equal(cookie.secure, true);
          assert.equal(cookie.sameSite, 'Lax');
          assertExpiresIn(cookie, 90, v);
        });
      });
    }

    test(`${host} with domain: "co.uk" (a public suffix the browser refuses) → auto: cookie at .example.co.uk`, async () => {
      await inContext(async (s) => {
        const v = await s.visit(host, 'suffix-1', { domain: 'co.uk' });
        assert.equal(v.result.trackingId, 'suffix-1');
        assert.equal(v.result.storage, 'cookie');
        const cookie = await s.theCookie();
        assert.equal(cookie.value, 'suffix-1');
        assert.equal(cookie.domain, '.example.co.uk');
        assert.equal(v.result.domain, 'example.co.uk');
      });
    });
  });

  describe('ESM entry: consent, strip, hostile ids on a first visit, on every host', () => {
    for (const { host, domain, reported } of HOSTS) {
      test(`${host}: consent pending → grantConsent() → revokeConsent()`, async () => {
        await inContext(async (s) => {
          const { page, state } = await s.open(host, 'held-id', { consent: 'pending' });
          try {
            assert.equal(state.result.trackingId, 'held-id');
            assert.equal(state.result.storage, 'memory');
            assert.equal(state.result.domain, null);
            assert.equal(state.cookie, '', 'no cookie while consent is pending');
            assert.equal(state.trackingId, 'held-id', 'getTrackingId() returns the id held in memory');
            assert.deepEqual(await s.idCookies(), []);

            const granted = await page.evaluate(() => window.taapit.grantConsent());
            assert.equal(granted.trackingId, 'held-id');
            assert.equal(granted.storage, 'cookie');
            assert.equal(granted.domain, reported);
            const cookie = await s.theCookie();
            assert.equal(cookie.value, 'held-id');
            assert.equal(cookie.domain, domain);
            assert.equal(cookie.secure, true);
            assert.equal(cookie.sameSite, 'Lax');
            assertExpiresIn(cookie, 90, state);

            const revoked = await page.evaluate(async () => ({
              ret: (await window.taapit.revokeConsent()) ?? 'undefined',
              id: await window.taapit.getTrackingId(),
              cookie: document.cookie,
            }));
            assert.deepEqual(revoked, { ret: 'undefined', id: null, cookie: '' });
            assert.deepEqual(await s.idCookies(), [], 'revoked: no cookie on any level');

            // After revoking, a capture on the same page keeps the id in memory only.
            const again = await page.evaluate(() => window.taapit.capture());
            assert.equal(again.storage, 'memory');
            assert.deepEqual(await s.idCookies(), []);
          } finally {
            await page.close();
          }
        });
      });
    }

    test('hostile ids on a first visit are never stored, on every host', async () => {
      for (const { host } of HOSTS) {
        await inContext(async (s) => {
          const tab = await s.newTab();
          for (const hostile of HOSTILE) {
            const v = await s.visit(host, hostile, undefined, { tab });
            assert.equal(v.result.trackingId, null, `${host}: ?${NAME}=${hostile}`);
            assert.equal(v.result.storage, null, `${host}: ?${NAME}=${hostile}`);
            assert.equal(v.trackingId, null, `${host}: getTrackingId() after ?${NAME}=${hostile}`);
            assert.equal(v.cookie, '', `${host}: ?${NAME}=${hostile}`);
          }
          assert.deepEqual(await s.idCookies(), [], `${host}: no ${NAME} cookie`);
        });
      }
    });

    test('stripParam: true removes ta_tid from the address bar, keeping the other parameters, path and hash', async () => {
      await inContext(async (s) => {
        const host = 'www.shop.example.co.uk';
        const options = { stripParam: true };
        const v = await s.visit(host, 'strip-id&b=two%20words', options, {
          query: 'utm_source=news',
          hash: '#/route?x=1',
          then: () => location.href,
        });
        assertWritten(v, 'strip-id', 'example.co.uk');
        const rest = `options=${encodeURIComponent(JSON.stringify(options))}`;
        assert.equal(v.then, server.url(host, `/?utm_source=news&b=two%20words&${rest}#/route?x=1`));
        assert.equal((await s.theCookie()).value, 'strip-id');
      });
    });

    test('stripParam with params ["ref", "ta_tid"]: both removed, the first name wins', async () => {
      await inContext(async (s) => {
        const host = 'app.example.com';
        const options = { stripParam: true, params: ['ref', 'ta_tid'] };
        const v = await s.visit(host, 'not-this&ref=ref-id', options, { query: 'a=1', then: () => location.href });
        assert.equal(v.result.trackingId, 'ref-id');
        const rest = `options=${encodeURIComponent(JSON.stringify(options))}`;
        assert.equal(v.then, server.url(host, `/?a=1&${rest}`));
        assert.equal((await s.theCookie()).value, 'ref-id');
      });
    });

    test('without stripParam the address bar is left as it was', async () => {
      await inContext(async (s) => {
        const v = await s.visit('app.example.com', 'kept-id', undefined, { query: 'a=1', hash: '#h', then: () => location.href });
        assert.equal(v.then, server.url('app.example.com', `/?a=1&${NAME}=kept-id#h`));
      });
    });
  });

  describe('ESM entry: outbound links, capture({ outbound })', () => {
    const OUT = { outbound: ['shop.example.net', '*.example.org'] };
    const to = (h, p = '/landing') => server.url(h, p);
    /** Counts the listeners added on `document`, by type (run before the page's scripts). */
    const COUNT_LISTENERS = `
      window.docListeners = {};
      const add = EventTarget.prototype.addEventListener;
      EventTarget.prototype.addEventListener = function (type, listener, options) {
        if (this === document) window.docListeners[type] = (window.docListeners[type] || 0) + 1;
        return add.call(this, type, listener, options);
      };`;

    /** Opens /links on `host`, runs `add` in it, clicks `selector`; the URL the browser went to. */
    async function follow(s, selector, { host = 'app.example.com', tid = 'out-id', options = OUT, add } = {}) {
      const { page } = await s.open(host, tid, options, { path: '/links' });
      try {
        if (add) await page.evaluate(add);
        return await page.clickAndWaitForURL(selector, /\/landing/);
      } finally {
        await page.close();
      }
    }

    test('static links to matching hosts get ta_tid, keeping parameters and hash', async () => {
      await inContext(async (s) => {
        assert.equal(await follow(s, '#static'), to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=out-id#frag'));
        assert.equal(await follow(s, '#inner'), to('example.org', '/landing?ta_tid=out-id'), 'the apex of *.example.org');
        assert.equal(await follow(s, '#org'), to('www.example.org', '/landing?org=1&ta_tid=out-id'));
      });
    });

    test('a non-matching host, the current host, and a link that has ta_tid are left alone', async () => {
      await inContext(async (s) => {
        assert.equal(await follow(s, '#other'), to('other.example.net'), 'not listed');
        assert.equal(await follow(s, '#self'), to('app.example.com', '/landing?self=1'), 'this host (absolute)');
        assert.equal(await follow(s, '#relative'), to('app.example.com', '/landing?rel=1'), 'this host (relative)');
        assert.equal(await follow(s, '#has'), to('shop.example.net', '/landing?ta_tid=theirs'), 'ta_tid already there');
        // On www.example.org, a listed host (*.example.org) is the current one: left alone there,
        // while the other listed hosts still get the id.
        const onOrg = { host: 'www.example.org' };
        assert.equal(await follow(s, '#org', onOrg), to('www.example.org', '/landing?org=1'), 'the current host, though listed');
        assert.equal(await follow(s, '#apex', onOrg), to('example.org', '/landing?ta_tid=out-id'));
      });
    });

    test('links added after capture() get ta_tid; a late non-matching link is left alone', async () => {
      await inContext(async (s) => {
        const add = (links) => {
          for (const [id, href] of links) {
            const a = document.createElement('a');
            a.id = id;
            a.href = href;
            a.textContent = id;
            document.getElementById('late').append(a);
          }
        };
        const links = [
          ['added', to('x.example.org', '/landing?late=1')],
          ['added-other', to('example.net', '/landing?late=2')],
        ];
        const run = `(${add})(${JSON.stringify(links)})`;
        assert.equal(await follow(s, '#added', { add: run }), to('x.example.org', '/landing?late=1&ta_tid=out-id'));
        assert.equal(await follow(s, '#added-other', { add: run }), to('example.net', '/landing?late=2'));
      });
    });

    test(`middle-click follows the decorated URL (${ENGINE[engine].middleClick}); keyboard activation too`, async () => {
      await inContext(async (s) => {
        for (const [selector, expected] of [
          ['#static', to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=middle-id#frag')],
          ['#added', to('shop.example.net', '/landing?late=1&ta_tid=middle-id')],
          ['#other', to('other.example.net')],
        ]) {
          // A fresh page for each click: in some engines the link loads in this tab.
          const { page } = await s.open('app.example.com', 'middle-id', OUT, { path: '/links' });
          try {
            await page.evaluate((href) => {
              const a = document.createElement('a');
              a.id = 'added';
              a.href = href;
              a.textContent = 'added';
              document.body.append(a);
            }, to('shop.example.net', '/landing?late=1'));
            const { url, newTab } = await page.middleClick(selector);
            assert.equal(url, expected, `middle-click on ${selector}`);
            assert.equal(newTab, ENGINE[engine].middleClick === 'new tab', `middle-click on ${selector}: where it loaded`);
          } finally {
            await page.close();
          }
        }
        const { page } = await s.open('app.example.com', 'middle-id', OUT, { path: '/links' });
        try {
          assert.equal(
            await page.pressEnterAndWaitForURL('#org', /\/landing/),
            to('www.example.org', '/landing?org=1&ta_tid=middle-id'),
            'Enter on a focused link',
          );
        } finally {
          await page.close();
        }
      });
    });

    test('one listener pair however often capture() runs; none without outbound; decorateUrl()', async () => {
      await inContext(async (s) => {
        const plain = await s.visit('app.example.com', 'no-out', undefined, {
          path: '/links',
          init: COUNT_LISTENERS,
          then: () => window.docListeners,
        });
        assert.equal(plain.then.click, undefined, 'no outbound: no click listener');
        assert.equal(plain.then.auxclick, undefined);

        const v = await s.visit('app.example.com', 'once-id', OUT, {
          path: '/links',
          init: COUNT_LISTENERS,
          then: async (out) => {
            await window.taapit.capture(out);
            await window.taapit.capture({ ...out, outbound: '*.example.net' });
            return {
              listeners: window.docListeners,
              urls: await Promise.all([
                window.taapit.decorateUrl('https://shop.example.net/p?q=1#h'),
                window.taapit.decorateUrl('https://example.net/'),
                window.taapit.decorateUrl('https://elsewhere.com/'),
                window.taapit.decorateUrl(42),
              ]),
            };
          },
          thenArg: OUT,
        });
        assert.deepEqual(v.then.listeners, { click: 1, auxclick: 1 }, 'capture() three times: one listener each');
        // The last capture's outbound rules apply.
        assert.deepEqual(v.then.urls, [
          'https://shop.example.net/p?q=1&ta_tid=once-id#h',
          'https://example.net/?ta_tid=once-id',
          null,
          null,
        ]);
      });
    });

    test('consent pending: links left alone until grantConsent(), and again after revokeConsent()', async () => {
      await inContext(async (s) => {
        const options = { ...OUT, consent: 'pending' };
        assert.equal(
          await follow(s, '#static', { tid: 'held', options }),
          to('shop.example.net', '/landing?x=1&y=a%20b#frag'),
          'consent pending: the id does not leave the site',
        );
        const granted = `window.taapit.grantConsent()`;
        assert.equal(
          await follow(s, '#static', { tid: 'held', options, add: granted }),
          to('shop.example.net', '/landing?x=1&y=a%20b&ta_tid=held#frag'),
          'granted: the id goes with the link',
        );
        assert.equal(
          await follow(s, '#static', { tid: 'held2', options: OUT, add: `window.taapit.revokeConsent()` }),
          to('shop.example.net', '/landing?x=1&y=a%20b#frag'),
          'revoked: nothing added',
        );
        assert.equal(await follow(s, '#static', { tid: null }), to('shop.example.net', '/landing?x=1&y=a%20b#frag'), 'no id: nothing added');
      });
    });
  });
}
