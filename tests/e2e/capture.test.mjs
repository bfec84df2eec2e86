// End-to-end: the built npm package (pkg/) in real Chromium, on real host names, over HTTPS.
//
// Chromium maps every host name to 127.0.0.1 (--host-resolver-rules), so a page at
// https://www.shop.example.co.uk:PORT/ is served by the HTTPS server this file starts on
// 127.0.0.1, and the browser applies its real cookie rules (public suffix list, Secure,
// SameSite, host-only vs Domain cookies). What the browser stored is read with
// `context.cookies()`: that is the ground truth, not `document.cookie`.
//
// Needs pkg/ built (`bash scripts/build.sh`). Run with `bash scripts/test-e2e.sh`.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { makeSelfSignedCert, PKG_DIR, startHttpsServer } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--host-resolver-rules=MAP * 127.0.0.1',
  '--ignore-certificate-errors',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const NAME = 'ta_tid';
const PROBE = 'ta_tid_probe';
const DAY = 86_400;
/** How far a cookie's expiry may be from the expected one, in seconds. */
const SLACK = 60;

/** Each host, and the `domain` of the cookie the browser must hold for it (auto domain). */
const HOSTS = [
  { host: 'www.shop.example.co.uk', domain: '.example.co.uk', reported: 'example.co.uk' },
  { host: 'app.example.com', domain: '.example.com', reported: 'example.com' },
  { host: 'alice.github.io', domain: '.alice.github.io', reported: 'alice.github.io' },
  { host: 'localhost', domain: 'localhost', reported: null },
  { host: '127.0.0.1', domain: '127.0.0.1', reported: null },
];

/** Values of `ta_tid` that must never be stored (raw, as they appear in the query string). */
const HOSTILE = [
  'a%3Bb', // a;b
  'x%20y', // x y
  'x+y', // x y
  'A'.repeat(129), // one over the limit
  '%00', // NUL
  '', // empty
  'a%3Db', // a=b
  'caf%C3%A9', // non-ASCII
  '%3Cscript%3E', // <script>
  '%ZZ', // malformed escape
];

let server;
let browser;

before(async () => {
  assert.ok(
    existsSync(path.join(PKG_DIR, 'index.js')) &&
      existsSync(path.join(PKG_DIR, 'taapit_capture_bg.wasm')),
    'pkg/ is not built: run `bash scripts/build.sh` first',
  );
  const tls = await makeSelfSignedCert({ names: HOSTS.map((h) => h.host) });
  server = await startHttpsServer({ tls });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * Runs `fn` in a fresh browser context (empty cookie jar). Every page opened through the
 * helper is watched for uncaught errors, and the test fails if there was any.
 */
async function inContext(fn) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const errors = [];
  const session = {
    context,
    /**
     * Opens `https://host:PORT/?ta_tid=<rawId>` (rawId is not encoded again; `null` leaves the
     * parameter out), with `options` passed to `capture()`; resolves with what the page saw.
     * `then`, if given, is evaluated in the page (with `thenArg`) after capture(); its value is `v.then`.
     */
    async visit(host, rawId, options, { hash = '', then, thenArg } = {}) {
      const query = [];
      if (rawId !== null) query.push(`${NAME}=${rawId}`);
      if (options !== undefined) query.push(`options=${encodeURIComponent(JSON.stringify(options))}`);
      const url = server.url(host, `/${query.length ? `?${query.join('&')}` : ''}${hash}`);
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`${url}: ${error.stack || error}`));
      try {
        const before = Date.now() / 1000;
        const response = await page.goto(url, { waitUntil: 'load' });
        assert.equal(response?.status(), 200, `GET ${url}`);
        await page.waitForFunction(() => window.taapitE2E?.done === true, null, { timeout: 15_000 });
        const state = await page.evaluate(() => window.taapitE2E);
        assert.equal(state.error, null, `the test page failed on ${url}`);
        const thenValue = then ? await page.evaluate(then, thenArg) : undefined;
        return { ...state, then: thenValue, url, before, after: Date.now() / 1000 };
      } finally {
        await page.close();
      }
    },
    /** Every `ta_tid` cookie the browser holds, for any domain. */
    async idCookies() {
      return (await context.cookies()).filter((c) => c.name === NAME);
    },
    /** The one `ta_tid` cookie, asserting there is exactly one and no probe is left over. */
    async theCookie() {
      const all = await context.cookies();
      const ids = all.filter((c) => c.name === NAME);
      assert.equal(ids.length, 1, `exactly one ${NAME} cookie, got ${JSON.stringify(ids)}`);
      assert.deepEqual(
        all.filter((c) => c.name === PROBE),
        [],
        `no ${PROBE} cookie is left behind`,
      );
      return ids[0];
    },
  };
  try {
    await fn(session);
  } finally {
    await context.close();
  }
  assert.deepEqual(errors, [], 'no uncaught error on any page');
}

/** Asserts `cookie` expires `days` after the visit `v` (within a minute). */
function assertExpiresIn(cookie, days, v) {
  const low = v.before + days * DAY - SLACK;
  const high = v.after + days * DAY + SLACK;
  assert.ok(
    cookie.expires >= low && cookie.expires <= high,
    `expires ${new Date(cookie.expires * 1000).toISOString()} should be ${days} days from now`,
  );
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

        for (const hostile of HOSTILE) {
          const again = await s.visit(host, hostile);
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
        await s.context.addCookies([
          { name: NAME, value: 'stale-host-only', url: server.url(host, '/'), expires, secure: true },
          { name: NAME, value: 'stale-shop', domain: '.shop.example.co.uk', path: '/', expires, secure: true },
          { name: NAME, value: 'stale-www', domain: `.${host}`, path: '/', expires, secure: false },
        ]);
        assert.equal((await s.idCookies()).length, 4);
        const v = await s.visit(host, null, undefined, {
          then: async (name) => {
            await window.taapit[name]();
            return { cookie: document.cookie, id: await window.taapit.getTrackingId() };
          },
          thenArg: call,
        });
        assert.equal(v.result.trackingId, 'to-remove', 'the stored id before removal');
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
      await s.context.addCookies([
        // host-only (a `url` without `domain` makes a host-only cookie)
        { name: NAME, value: 'stale-host-only', url: server.url(host, '/'), expires, secure: true, sameSite: 'Lax' },
        { name: NAME, value: 'stale-shop', domain: '.shop.example.co.uk', path: '/', expires, secure: false, sameSite: 'Lax' },
        { name: NAME, value: 'stale-www', domain: `.${host}`, path: '/', expires, secure: true, sameSite: 'Strict' },
        { name: NAME, value: 'stale-site', domain: '.example.co.uk', path: '/', expires, secure: true, sameSite: 'Lax' },
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
