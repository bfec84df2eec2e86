// Hostile pages, for the script tag (pkg/taapit.js), in Chromium, Firefox ESR and WebKitGTK on
// real host names over HTTPS (tests/e2e/engines/). Every case ends with: no uncaught error in
// the page, ready() called (queued before the load, and again after it), and the id kept where
// the browser lets any storage work: the cookie, else the localStorage mirror, else memory. Each
// test asserts exactly where: the events' `storage`, getTrackingId(), the browser's cookie jar
// and the mirror entry.
//
// - The browser set up otherwise: a sandboxed iframe, cookies turned off, all cookies blocked,
//   a file: page.
// - The page changed before the script: a consent manager's document.cookie that drops or
//   throws on writes; JSON.parse, String.prototype.split, URL or Array.prototype.push replaced;
//   Object.prototype.then set.
// - Big input: a jar of 170 cookies plus a 4 KB one, queries of 60 KB and 1.5 MB, 2,000
//   parameters, 50 `ta_tid` with the valid one last.
// - How the script arrives: `defer`, injected after load by a tag manager, two copies of the
//   tag, client-side navigation, two tabs landing at once on two hosts of one site.
//
// Where an engine cannot be set up for a case, that engine's test is skipped with the reason
// (SETUPS below; ENGINE in tests/e2e/engines/index.mjs), never passed.
//
// Needs pkg/ built (`bash scripts/build.sh`). Run with `bash scripts/test-e2e.sh`.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { PKG_DIR, startHttpsServer } from '../support/server.mjs';
import { ENGINE, ENGINES, inEngineContext, launchEngine, PageHarness } from './engines/index.mjs';
import { assertExpiresIn, assertPkgBuilt, DAY, HOSTILE, hostsCert, NAME, sendHtml, SLACK, STUB } from './support.mjs';

/** Where the mirror lives: `localStorage['taapit:ta_tid']`. */
const MIRROR = `taapit:${NAME}`;
/** The default lifetime of the cookie and the mirror, in days. */
const DEFAULT_DAYS = 90;
/** The host the single-page cases land on; the cookie goes to its site, `.example.com`. */
const HOST = 'app.example.com';
const SITE = '.example.com';

/**
 * What every test page reports once its ready() callbacks have run: one queued with the stub
 * before the script, and one more registered after the load. It reports through its title,
 * which the driver reads without running a script of its own in the page (those break on
 * pages that replaced the built-ins they use); a page in a frame posts it to its parent,
 * which shows it as its title. Index writes, not push: some pages replace
 * Array.prototype.push.
 *   ready: the id each callback saw (getTrackingId()), loaded: taapit.loaded,
 *   events: the taapit:change events, errors: uncaught errors the page saw itself (a frame's
 *   are not the driver's to see), mirror: localStorage['taapit:ta_tid'] ("unavailable" when
 *   reading throws), cookie: document.cookie.
 */
const REPORTER = `window.report = { ready: [], events: [], errors: [] };
addEventListener('error', function (e) { report.errors[report.errors.length] = String(e.message); });
addEventListener('taapit:change', function (e) {
  var d = e.detail;
  report.events[report.events.length] = { call: d.call, trackingId: d.trackingId, storage: d.storage || null };
});
${STUB}
taapit.ready(function (t) {
  report.ready[report.ready.length] = t.getTrackingId();
  setTimeout(function () {
    taapit.ready(function (again) {
      report.ready[report.ready.length] = again.getTrackingId();
      report.loaded = again.loaded;
      try { report.mirror = localStorage.getItem('${MIRROR}'); } catch (e) { report.mirror = 'unavailable'; }
      try { report.cookie = document.cookie; } catch (e) { report.cookie = 'unavailable'; }
      var text = JSON.stringify(report);
      if (parent !== window) parent.postMessage(text, '*');
      else document.title = text;
      if (window.restoreBuiltins) restoreBuiltins();
    });
  }, 0);
});`;

/** The script tag as a site puts it. */
const TAG = '<script src="/pkg/taapit.js" async></script>';

/**
 * Browsers set up otherwise than installed, engine by engine (`launchEngine`'s `profile`), or
 * why the engine cannot be set up so (`skip`). `kept`: where the id must then be.
 */
const SETUPS = {
  'cookies turned off, localStorage on': {
    kept: 'localStorage',
    // Chromium's switch for a document whose cookies are off: navigator.cookieEnabled false,
    // document.cookie reads "" and ignores writes.
    chromium: { documentCookieDisabled: true },
    firefox: {
      skip:
        'Firefox has no setting that refuses cookies and keeps localStorage: its "block all cookies" (network.cookie.cookieBehavior = 2) denies localStorage too (the next case)',
    },
    webkit: { args: ['--cookies-policy=never'] },
  },
  'all cookies blocked': {
    kept: 'memory',
    // Settings → "Block all cookies" (site data too): localStorage throws SecurityError.
    chromium: { preferences: { profile: { default_content_setting_values: { cookies: 2 } } } },
    // "Block all cookies": network.cookie.cookieBehavior = 2 (localStorage throws too).
    firefox: { prefs: { 'network.cookie.cookieBehavior': 2 } },
    // WebKitGTK keeps cookies and storage apart: cookies never accepted, localStorage off.
    webkit: { args: ['--cookies-policy=never', '--enable-html5-local-storage=false'] },
  },
};

/**
 * The browser of the other cases. Chromium: each tab in a renderer process of its own, even for
 * two hosts of one site (Chromium otherwise reuses one process for a site's tabs, which runs
 * their scripts one after the other and never lets two landings interleave).
 */
const DEFAULT_PROFILE = { chromium: { args: ['--disable-features=ProcessPerSiteUpToMainFrameThreshold'] } };

/**
 * Pairs of tabs landing together on two hosts of one site, per engine (TAAPIT_PAIRS=N runs N
 * in each), and how many pairs at a time. Chromium: 200, 8 pairs at once (its contexts run in
 * parallel, each tab in a renderer process of its own); with a module whose domain probe had
 * one fixed name, 1 pair in 40 went wrong here. Firefox and WebKitGTK: one WebDriver session,
 * whose commands run one at a time, so one pair at a time, 1 to 2 s each; 20 pairs, which
 * sweep the shift between the two tabs over -40..40 ms. With the fixed probe name, 40 pairs
 * went wrong in neither, so more pairs there would cost time and likely find nothing more.
 */
const PAIRS = process.env.TAAPIT_PAIRS
  ? { chromium: +process.env.TAAPIT_PAIRS, firefox: +process.env.TAAPIT_PAIRS, webkit: +process.env.TAAPIT_PAIRS }
  : { chromium: 200, firefox: 20, webkit: 20 };
const PAIRS_AT_ONCE = { chromium: 8, firefox: 1, webkit: 1 };

let server;
const harness = new PageHarness();
const pages = new Map();
/** Script requests held until the other tab of their pair asks too: pair → responders. */
const barrier = new Map();
let fileDir;

/** Registers a page (its whole HTML); returns its `page` query value. */
function makePage(html) {
  const id = String(pages.size + 1);
  pages.set(id, html);
  return id;
}

/** A landing page: the reporter (with the stub), `head`, then `tag` (the script tag). */
function landingPage({ head = '', tag = TAG, body = '' } = {}) {
  return makePage(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hostile</title>
<link rel="icon" href="data:,">
<script>${REPORTER}</script>
${head}
${tag}
</head><body>${body}</body></html>`);
}

before(async () => {
  assertPkgBuilt('taapit.js');
  const tls = await hostsCert();
  const script = readFileSync(path.join(PKG_DIR, 'taapit.js'));
  server = await startHttpsServer({
    tls,
    // Landing addresses of 1.5 MB: Node's default refuses a request head over 16 KiB.
    maxHeaderSize: 4 << 20,
    routes: {
      ...harness.routes(),
      '/s': (req, res) => {
        const page = pages.get(new URL(req.url, 'http://x').searchParams.get('page'));
        sendHtml(res, page ? harness.page(req, page) : 'no such page', page ? 200 : 404);
      },
      // The script. `?slow`: answered 400 ms late (a copy that arrives after a later one).
      // `?pair=N&delay=ms`: held until both tabs of pair N asked (at most 5 s), then sent to
      // each after its delay, so the two landings run at nearly the same moment in every
      // engine (the delays shift one tab against the other, see the two-tabs test).
      '/pkg/taapit.js': (req, res) => {
        const query = new URL(req.url, 'http://x').searchParams;
        const send = () => {
          res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
          res.end(script);
        };
        const pair = query.get('pair');
        if (query.has('slow')) {
          setTimeout(send, 400);
        } else if (pair) {
          const waiting = barrier.get(pair) ?? [];
          const delay = Number(query.get('delay')) || 0;
          waiting.push(() => setTimeout(send, delay));
          barrier.set(pair, waiting);
          const release = () => {
            barrier.delete(pair);
            for (const go of waiting) go();
          };
          if (waiting.length === 2) release();
          else setTimeout(() => barrier.get(pair) === waiting && release(), 5000).unref();
        } else {
          send();
        }
      },
    },
  });
  // A file: landing page with the script beside it, as a page saved to disk is.
  fileDir = mkdtempSync(path.join(tmpdir(), 'taapit-e2e-file-'));
  copyFileSync(path.join(PKG_DIR, 'taapit.js'), path.join(fileDir, 'taapit.js'));
  writeFileSync(
    path.join(fileDir, 'landing.html'),
    `<!doctype html><html lang="en"><head>${PageHarness.inline()}<meta charset="utf-8"><title>hostile</title>
<script>${REPORTER}</script>
<script src="taapit.js" async></script></head><body></body></html>`,
  );
});

after(async () => {
  await server?.close();
  if (fileDir) rmSync(fileDir, { recursive: true, force: true });
});

for (const engine of ENGINES) {
  describe(`[${engine}] hostile pages`, () => {
    let browser;
    before(async () => {
      browser = await launchEngine(engine, { server, harness, profile: DEFAULT_PROFILE[engine] });
    });
    after(async () => {
      await browser?.close();
    });
    /** A fresh browser context; fails the test on any uncaught page error. */
    const inContext = (fn, on = browser) => inEngineContext(on, (context) => fn(makeSession(context)));
    suites(engine, inContext);
    setups(engine, inContext);
  });
}

/**
 * Waits until `page` has reported (its title is the report); returns the report. Reading the
 * title can fail until then: WebKitWebDriver reads it with the page's String.prototype.split.
 */
async function reportOf(page, { timeout = 10_000 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const title = await page.title().catch((error) => `(${error.message})`);
    if (title.startsWith('{')) return JSON.parse(title);
    if (Date.now() - t0 > timeout) throw new Error(`the page did not report in ${timeout} ms (title ${JSON.stringify(title)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The helpers of a test over `context`, a context of the engine's browser. */
function makeSession(context) {
  const s = {
    context,
    warnings: context.warnings,
    /** Every cookie a page on `host` is sent whose name starts with `ta_tid` (probes too). */
    async idCookies(host = HOST) {
      return (await context.cookies(host)).filter((c) => c.name.startsWith(NAME));
    },
    /**
     * Opens `pageId` on `host` with `query` (raw); returns `{ page, report, before, after }`.
     * The driver runs no script in the page until it has reported (WebKitWebDriver runs its
     * scripts with the page's built-ins, which some pages break until then).
     */
    async land(pageId, query, { host = HOST, init } = {}) {
      const page = await context.newPage();
      const before = Date.now() / 1000;
      await page.startGoto(server.url(host, `/s?page=${pageId}${query ? `&${query}` : ''}`), { init });
      const report = await reportOf(page);
      await page.waitForLoad();
      return { page, report, before, after: Date.now() / 1000 };
    },
  };
  return s;
}

/**
 * Asserts what every landing ends with: no error the page saw, ready() called before and after
 * the load with `id`, one capture event that kept `id` in `storage`.
 */
function assertLanded(report, id, storage) {
  assert.deepEqual(report.errors, [], 'no uncaught error in the page');
  assert.equal(report.loaded, true, 'taapit.loaded');
  assert.deepEqual(report.ready, [id, id], 'ready() queued before the load and called after it saw the id');
  assert.deepEqual(report.events, [{ call: 'capture', trackingId: id, storage }], 'one capture, kept there');
}

/**
 * Asserts that `id` is kept in `storage` and nowhere else: `cookie` (one `ta_tid` cookie at
 * `.example.com`, no probe left, no mirror), `localStorage` (the mirror `id|expiry`, 90 days
 * from the landing `v`; no cookie) or `memory` (neither).
 */
async function assertKept(s, v, id, storage) {
  assertLanded(v.report, id, storage);
  const cookies = await s.idCookies();
  if (storage === 'cookie') {
    assert.deepEqual(
      cookies.map((c) => [c.name, c.value, c.domain]),
      [[NAME, id, SITE]],
      'one ta_tid cookie, on the site, no probe left',
    );
    assert.equal(v.report.mirror, null, 'no mirror');
    return;
  }
  assert.deepEqual(cookies, [], 'no ta_tid cookie');
  if (storage === 'localStorage') {
    assertMirror(v.report.mirror, id, v);
  } else {
    assert.ok([null, 'unavailable'].includes(v.report.mirror), `no mirror: ${v.report.mirror}`);
  }
}

/** Asserts the mirror entry holds `id`, expiring 90 days after the landing `v`. */
function assertMirror(mirror, id, v) {
  const match = /^(.*)\|(\d+)$/.exec(mirror ?? '');
  assert.ok(match, `a mirror entry id|expiry: ${mirror}`);
  assert.equal(match[1], id);
  const expires = Number(match[2]) / 1000;
  assert.ok(
    expires >= v.before + DEFAULT_DAYS * DAY - SLACK && expires <= v.after + DEFAULT_DAYS * DAY + SLACK,
    `the mirror expires in ${DEFAULT_DAYS} days (${new Date(expires * 1000).toISOString()})`,
  );
}

/** The cases run in the engine's browser as installed. */
function suites(engine, inContext) {
  describe('the browser set up otherwise', () => {
    test('sandboxed iframe (scripts only: no cookie, no localStorage): kept in memory, the frame reports ready()', async () => {
      const frame = landingPage();
      const parent = makePage(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>parent</title>
<link rel="icon" href="data:,">
<script>addEventListener('message', function (e) { if (typeof e.data == 'string' && e.data.charAt(0) == '{') document.title = e.data; });</script>
</head><body><iframe sandbox="allow-scripts" src="/s?page=${frame}&${NAME}=sandboxed-frame"></iframe></body></html>`);
      await inContext(async (s) => {
        const v = await s.land(parent, '');
        assertLanded(v.report, 'sandboxed-frame', 'memory');
        assert.equal(v.report.mirror, 'unavailable', 'the frame cannot reach localStorage');
        assert.equal(v.report.cookie, 'unavailable', 'the frame cannot reach document.cookie');
        assert.deepEqual(await s.idCookies(), [], 'no ta_tid cookie');
        assert.equal(await v.page.evaluate((key) => localStorage.getItem(key), MIRROR), null, "no mirror in the site's storage");
      });
    });

    const file = ENGINE[engine].fileCookies ? 'cookie' : 'localStorage';
    test(`file: page: kept in the ${file === 'cookie' ? 'cookie' : 'localStorage mirror'} (the engine ${ENGINE[engine].fileCookies ? 'keeps' : 'refuses'} cookies on file:)`, async () => {
      await inContext(async (s) => {
        const page = await s.context.newPage();
        const before = Date.now() / 1000;
        await page.goto(`${pathToFileURL(path.join(fileDir, 'landing.html')).href}?${NAME}=file-page`);
        const report = await reportOf(page);
        const v = { report, before, after: Date.now() / 1000 };
        assertLanded(report, 'file-page', file);
        if (file === 'cookie') {
          assert.equal(report.cookie, `${NAME}=file-page`, 'the page sees the cookie');
          assert.equal(report.mirror, null, 'no mirror');
        } else {
          assert.equal(report.cookie, '', 'no cookie');
          assertMirror(report.mirror, 'file-page', v);
        }
        // Leaves nothing on file: behind (the context clears only the hosts it visited).
        const cleared = await page.evaluate((key) => {
          window.taapit.clearTrackingId();
          return [document.cookie, localStorage.getItem(key), window.taapit.getTrackingId()];
        }, MIRROR);
        assert.deepEqual(cleared, ['', null, null], 'clearTrackingId() removes it');
      });
    });
  });

  describe('a consent manager wraps document.cookie before the script', () => {
    // A consent manager lets through the cookies the visitor agreed to, and drops (or throws
    // on) the writes of the others; reads go to the browser.
    const wrapper = (mode) => {
      const native = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
      Object.defineProperty(document, 'cookie', {
        configurable: true,
        get() {
          return native.get.call(this);
        },
        set(value) {
          if (String(value).startsWith('cmp_consent=')) return native.set.call(this, value);
          if (mode === 'throws') throw new Error('blocked by the consent manager');
        },
      });
    };
    for (const mode of ['drops', 'throws']) {
      test(`one that ${mode === 'drops' ? 'drops' : 'throws on'} writes: kept in the localStorage mirror, nothing thrown`, async () => {
        const id = landingPage();
        await inContext(async (s) => {
          const v = await s.land(id, `${NAME}=consent-${mode}`, { init: [wrapper, mode] });
          await assertKept(s, v, `consent-${mode}`, 'localStorage');
        });
      });
    }
  });

  describe('built-ins replaced before the script', () => {
    // Each init breaks one built-in for the page's scripts, the tag's included, until the page
    // has reported; then the reporter puts it back (restoreBuiltins), for the driver's own
    // scripts that run in the page's world (WebKitWebDriver's do).
    const replacing = ([owner, key, breaking]) => {
      const target = owner.split('.').reduce((o, k) => o[k], window);
      const had = Object.getOwnPropertyDescriptor(target, key);
      window.restoreBuiltins = () => (had ? Object.defineProperty(target, key, had) : delete target[key]);
      // eslint-disable-next-line no-new-func
      target[key] = new Function(breaking);
    };
    const cases = {
      'Array.prototype.push is a no-op': ['Array.prototype', 'push', 'return this.length;'],
      'Array.prototype.push throws': ['Array.prototype', 'push', "throw new Error('push is off limits');"],
      'Array.prototype.join throws': ['Array.prototype', 'join', "throw new Error('join is off limits');"],
      'Object.prototype.then is a function': ['Object.prototype', 'then', ''],
      'JSON.parse throws': ['JSON', 'parse', "throw new Error('JSON.parse is off limits');"],
      'String.prototype.split throws': ['String.prototype', 'split', "throw new Error('split is off limits');"],
      'URL throws': ['window', 'URL', "throw new Error('URL is off limits');"],
    };
    for (const [name, init] of Object.entries(cases)) {
      test(`${name}: kept in the cookie with the tag's data- options, ready() called, nothing thrown`, async () => {
        // A data- option too: the options must survive the broken built-in (the option list
        // the loader builds once used Array.prototype.push and join, and a broken one made it
        // fall back to the defaults).
        const id = landingPage({ tag: '<script src="/pkg/taapit.js" async data-expires-in-days="30"></script>' });
        await inContext(async (s) => {
          const v = await s.land(id, `${NAME}=builtins`, { init: [replacing, init] });
          await assertKept(s, v, 'builtins', 'cookie');
          const [cookie] = await s.idCookies();
          assertExpiresIn(cookie, 30, v);
        });
      });
    }
  });

  describe('big input', () => {
    test('a jar of 170 cookies plus a 4 KB one: kept in the cookie, nothing evicted', async () => {
      const id = landingPage();
      const expires = Math.floor(Date.now() / 1000) + 30 * DAY;
      // Half on the site (which the module's cookie shares), half on the host; 172 with the
      // id, 173 with the module's domain probe: under the 180 a site may keep.
      const jar = Array.from({ length: 170 }, (_, i) => ({
        name: `jar${i}`,
        value: `v${i}`,
        expires,
        secure: true,
        ...(i % 2 ? { domain: SITE } : {}),
      }));
      jar.push({ name: 'big', value: 'b'.repeat(4096 - 'big'.length), expires, secure: true });
      const held = (cookies) => cookies.filter((c) => !c.name.startsWith(NAME)).map((c) => `${c.name}=${c.value}`).sort();
      await inContext(async (s) => {
        await s.context.addCookies(HOST, jar);
        const before = held(await s.context.cookies(HOST));
        assert.deepEqual(before, held(jar), 'the jar was set up');
        const v = await s.land(id, `${NAME}=big-jar`);
        await assertKept(s, v, 'big-jar', 'cookie');
        assert.deepEqual(held(await s.context.cookies(HOST)), before, 'no cookie evicted or changed');
      });
    });

    const longest = ENGINE[engine].longestUrl;
    for (const [label, size] of [
      ['60 KB', 60_000],
      ['1.5 MB', 1_500_000],
    ]) {
      const skip = size > longest && `${engine} loads no address over ${longest} characters: a visitor cannot land on one`;
      test(`a ${label} query, ta_tid last: kept in the cookie`, { skip }, async () => {
        const id = landingPage();
        await inContext(async (s) => {
          const v = await s.land(id, `pad=${'x'.repeat(size)}&${NAME}=long-query`);
          await assertKept(s, v, 'long-query', 'cookie');
        });
      });
    }
    if (longest < 1_500_000) {
      // The longest this engine takes instead (less 1 KB: the limit may move by a few
      // characters between versions).
      const kb = Math.floor((longest - 1024) / 1000).toLocaleString('en');
      test(`a ${kb} KB query (the longest address ${engine} loads, less 1 KB), ta_tid last: kept in the cookie`, async () => {
        const id = landingPage();
        await inContext(async (s) => {
          const url = server.url(HOST, `/s?page=${id}&pad=&${NAME}=long-query`);
          const v = await s.land(id, `pad=${'x'.repeat(longest - 1024 - url.length)}&${NAME}=long-query`);
          await assertKept(s, v, 'long-query', 'cookie');
        });
      });
    }

    test('2,000 parameters, ta_tid last: kept in the cookie', async () => {
      const id = landingPage();
      const query = [...Array.from({ length: 1999 }, (_, i) => `p${i}=${i}`), `${NAME}=many-params`].join('&');
      await inContext(async (s) => {
        await assertKept(s, await s.land(id, query), 'many-params', 'cookie');
      });
    });

    test('50 ta_tid, 49 malformed then the valid one: the valid one kept in the cookie', async () => {
      const id = landingPage();
      const bad = Array.from({ length: 49 }, (_, i) => `${NAME}=${HOSTILE[i % HOSTILE.length]}`);
      await inContext(async (s) => {
        await assertKept(s, await s.land(id, [...bad, `${NAME}=valid-last`].join('&')), 'valid-last', 'cookie');
      });
    });
  });

  describe('how the script arrives', () => {
    test('defer: kept in the cookie, ready() called', async () => {
      const id = landingPage({ tag: '<script src="/pkg/taapit.js" defer></script>' });
      await inContext(async (s) => {
        await assertKept(s, await s.land(id, `${NAME}=deferred`), 'deferred', 'cookie');
      });
    });

    test('injected after load by a tag manager, with data- options: kept in the cookie with them, ready() called', async () => {
      const id = landingPage({
        tag: `<script>addEventListener('load', function () {
  setTimeout(function () {
    var s = document.createElement('script');
    s.src = '/pkg/taapit.js';
    s.async = true;
    s.setAttribute('data-expires-in-days', '30');
    document.head.appendChild(s);
  }, 50);
});</script>`,
      });
      await inContext(async (s) => {
        const v = await s.land(id, `${NAME}=tag-manager`);
        await assertKept(s, v, 'tag-manager', 'cookie');
        const [cookie] = await s.idCookies();
        assertExpiresIn(cookie, 30, v); // data-expires-in-days="30" of the injected tag
      });
    });

    test('two copies of the tag: the first in document order gives the options, whichever arrives first; data-debug warns', async () => {
      // The first copy is answered late, so the second runs first.
      const id = landingPage({
        tag: `<script src="/pkg/taapit.js?slow" async data-cookie-name="first_tag" data-debug></script>
<script src="/pkg/taapit.js" async data-cookie-name="second_tag" data-debug></script>`,
      });
      await inContext(async (s) => {
        const v = await s.land(id, `${NAME}=two-tags`);
        // Wait for the late copy too, and give it time to run.
        await v.page.waitForFunction(() => performance.getEntriesByName(new URL('/pkg/taapit.js?slow', location.href).href).length > 0);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const events = await v.page.evaluate(() => window.report.events);
        assert.deepEqual(v.report.errors, []);
        assert.deepEqual(v.report.ready, ['two-tags', 'two-tags']);
        assert.deepEqual(events, [{ call: 'capture', trackingId: 'two-tags', storage: 'cookie' }], 'one capture, by the copy that ran first');
        const names = (await s.context.cookies(HOST)).map((c) => `${c.name}=${c.value}`);
        assert.deepEqual(names, ['first_tag=two-tags'], 'the options of the first tag in document order');
        await v.page.close(); // WebDriver engines hand the page's warnings over when it closes
        assert.ok(
          s.warnings.some((w) => w.includes('second script tag ignored')),
          `data-debug warns about the second copy: ${JSON.stringify(s.warnings)}`,
        );
      });
    });

    test('client-side navigation: taapit.capture() after history.pushState keeps the new id in the cookie; the route change alone does not', async () => {
      const id = landingPage();
      await inContext(async (s) => {
        const v = await s.land(id, `${NAME}=first-route`);
        await assertKept(s, v, 'first-route', 'cookie');
        const seen = await v.page.evaluate((name) => {
          history.pushState(null, '', `/s?route=2&${name}=second-route`);
          const before = window.taapit.getTrackingId();
          const result = window.taapit.capture();
          return { before, result: [result.trackingId, result.source, result.storage], events: window.report.events };
        }, NAME);
        assert.equal(seen.before, 'first-route', 'the route change alone captured nothing');
        assert.deepEqual(seen.result, ['second-route', 'search', 'cookie']);
        assert.deepEqual(seen.events.map((e) => [e.call, e.trackingId]), [
          ['capture', 'first-route'],
          ['capture', 'second-route'],
        ]);
        assert.deepEqual((await s.idCookies()).map((c) => [c.value, c.domain]), [['second-route', SITE]]);
      });
    });

    const pairs = PAIRS[engine];
    test(`two tabs landing together on www.shop.example.com and app.example.com, ${pairs} pairs: the cookie always ends on .example.com, one copy, no probe left`, async () => {
      const wrong = [];
      const pair = async (n) => {
        // One tab's script is sent up to 40 ms after the other's, a different shift each
        // pair, in both directions: in each engine one tab runs its landing a steady few ms
        // to some tens of ms before the other, and some shift cancels that out.
        const shift = ((n * 17) % 81) - 40;
        const tag = (delay) => `<script src="/pkg/taapit.js?pair=${engine}-${n}&delay=${delay}" async></script>`;
        const pageOf = [landingPage({ tag: tag(Math.max(0, shift)) }), landingPage({ tag: tag(Math.max(0, -shift)) })];
        const ids = [`A${n}`, `B${n}`];
        try {
          await inContext(async (s) => {
            const a = await s.context.newPage();
            const b = await s.context.newPage();
            await a.startGoto(server.url('www.shop.example.com', `/s?page=${pageOf[0]}&${NAME}=${ids[0]}`));
            await b.startGoto(server.url(HOST, `/s?page=${pageOf[1]}&${NAME}=${ids[1]}`));
            await a.waitForLoad();
            await b.waitForLoad();
            const reports = [await reportOf(a), await reportOf(b)];
            const seen = [];
            for (const host of ['www.shop.example.com', HOST]) {
              seen.push((await s.idCookies(host)).map((c) => `${c.name}=${c.value}@${c.domain}`));
            }
            const [one] = seen[0];
            const ok =
              seen[0].length === 1 &&
              seen[1].length === 1 &&
              seen[1][0] === one &&
              ids.some((tid) => one === `${NAME}=${tid}@${SITE}`) &&
              // Each tab kept an id in the cookie (the events name the id in effect after the
              // call: the other tab's, when it wrote last).
              reports.every((r) => r.errors.length === 0 && r.events[0]?.storage === 'cookie' && ids.includes(r.events[0]?.trackingId));
            if (!ok) wrong.push({ n, cookies: seen, reports });
          });
        } catch (error) {
          wrong.push({ n, error: String(error) });
        }
      };
      const atOnce = PAIRS_AT_ONCE[engine];
      for (let start = 0; start < pairs; start += atOnce) {
        const batch = [];
        for (let n = start; n < Math.min(pairs, start + atOnce); n++) batch.push(pair(n));
        await Promise.all(batch);
      }
      assert.deepEqual(wrong, [], `pairs that ended wrong, of ${pairs}`);
    });
  });
}

/** The cases of a browser set up otherwise (SETUPS): a browser of their own. */
function setups(engine, inContext) {
  for (const [name, setup] of Object.entries(SETUPS)) {
    const profile = setup[engine];
    describe(name, () => {
      let browser;
      before(async () => {
        if (!profile.skip) browser = await launchEngine(engine, { server, harness, profile });
      });
      after(async () => {
        await browser?.close();
      });
      test(`${name}: kept in ${setup.kept === 'memory' ? 'memory' : 'the localStorage mirror'}, ready() called, nothing thrown`, { skip: profile.skip }, async () => {
        const id = landingPage();
        await inContext(async (s) => {
          const v = await s.land(id, `${NAME}=set-up-otherwise`);
          await assertKept(s, v, 'set-up-otherwise', setup.kept);
        }, browser);
      });
    });
  }
}
