// End-to-end: the example apps of the `leptos` and `yew` features in real Chromium, on real
// host names over HTTPS (the harness of support.mjs):
//   /leptos/   examples/leptos rendered client-side (www/examples/leptos/index.html)
//   /yew/      examples/yew (www/examples/yew/index.html)
//   SSR        examples/leptos's axum server (target/debug/taapit-leptos-example), rendering
//              with the visitor's cookie and hydrating, behind an HTTPS proxy started here.
// Each app opened with ?ta_tid= stores the cookie (domain and attributes by the capture rules),
// shows the id from its `use_tracking_id` hook, follows a clear, a new capture and a
// `taapit:change` from another surface, never shows a hostile value, and sends the id with its
// signup form. A navigation by the app's router to a new `?ta_tid=` is captured when the app
// gives `<Analytics />` the router's address (`capture_on`), and not when it loads without it
// (`?capture_on=off`). The server-rendered page already holds the id when the cookie is present
// and hydrates without a warning or an error.
//
// Needs the apps built: `bash scripts/build-examples.sh` (scripts/test.sh runs it first).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { HOST, REPO_ROOT, startHttpsServer } from '../support/server.mjs';
import {
  assertExpiresIn,
  CHILD_ENV,
  gotoOk,
  HOSTILE,
  HOSTS,
  hostsCert,
  idCookies,
  inHttpsContext,
  launchChromium,
  NAME,
  theCookie,
  watchPage,
} from './support.mjs';

const EXAMPLES_DIR = path.join(REPO_ROOT, 'www', 'examples');
const SERVER_BIN = path.join(REPO_ROOT, 'target', 'debug', 'taapit-leptos-example');
const DEFAULT_DAYS = 90;

let tls;
let staticServer;
let ssr;
let browser;
/** The signups the static server's backend received: `{ cookie, body }`. */
const signups = [];

/** `POST /api/signup` as the demo backend answers it: the id from the cookie, else the body. */
function signupRoute(req, res) {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    const body = JSON.parse(text || '{}');
    const cookie = req.headers.cookie ?? '';
    signups.push({ cookie, body });
    const fromCookie = /(?:^|;\s*)ta_tid=([A-Za-z0-9\-_.~]{1,128})(?:;|$)/.exec(cookie)?.[1];
    const trackingId = fromCookie ?? body.trackingId ?? null;
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, lead: trackingId ? { body: { trackingId } } : null }));
  });
}

/** Starts the Leptos server on a free port and an HTTPS proxy in front of it. */
async function startSsr() {
  const child = spawn(SERVER_BIN, [], {
    env: { ...CHILD_ENV, ADDR: `${HOST}:0`, DIST: path.join(EXAMPLES_DIR, 'leptos') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the Leptos server exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const upstream = new URL(/listening on (\S+)/.exec(firstLine)[1]);
  const signupsSeen = [];
  const proxy = https.createServer(tls, (req, res) => {
    if (req.url === '/api/signup') signupsSeen.push({ cookie: req.headers.cookie ?? '' });
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => proxy.listen(0, HOST, resolve));
  const port = proxy.address().port;
  return {
    signupsSeen,
    url: (host, pathAndQuery = '/') => `https://${host}:${port}${pathAndQuery}`,
    async close() {
      await new Promise((resolve) => {
        proxy.close(resolve);
        proxy.closeAllConnections();
      });
      child.kill();
    },
  };
}

before(
  async () => {
    const missing = [
      path.join(EXAMPLES_DIR, 'leptos', 'pkg', 'taapit_leptos_example_bg.wasm'),
      path.join(EXAMPLES_DIR, 'yew', 'pkg', 'taapit_yew_example_bg.wasm'),
      SERVER_BIN,
    ].filter((file) => !existsSync(file));
    assert.deepEqual(missing, [], 'the example apps are not built: run `bash scripts/build-examples.sh` first');
    tls = await hostsCert();
    staticServer = await startHttpsServer({
      tls,
      root: EXAMPLES_DIR,
      mounts: {},
      routes: { '/api/signup': signupRoute },
    });
    ssr = await startSsr();
    browser = await launchChromium();
  },
  { timeout: 60_000 },
);

after(async () => {
  await browser?.close();
  await staticServer?.close();
  await ssr?.close();
});

const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** Waits until the app runs in the browser: rendered client-side or hydrated, effects run. */
function mounted(page) {
  return page.waitForSelector('main[data-mounted="true"]', { timeout: 15_000 });
}

/**
 * A session: a fresh context; its pages are watched for page errors, console errors and
 * warnings, and `open` returns once the app is mounted.
 */
function session(context, problems) {
  return {
    context,
    problems,
    async open(url) {
      const page = await context.newPage();
      watchPage(page, problems, { console: ['error', 'warning'] });
      await gotoOk(page, url);
      await mounted(page);
      return page;
    },
  };
}

/** Waits until the app shows `expected` as the tracking id (`none` for no id). */
async function shows(page, expected) {
  try {
    await page.waitForFunction((want) => document.querySelector('#tracking-id')?.textContent === want, expected, {
      timeout: 10_000,
    });
  } catch {
    const shown = await page.locator('#tracking-id').textContent().catch(() => '(no #tracking-id)');
    assert.fail(`the app shows ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
  }
}

/**
 * Navigates with the app's router (its `#landing` form: leptos_router's `navigate`, yew-router's
 * `navigator.push`) to `?ta_tid=<id>` on the same page, and waits until the router shows that
 * query. Fails if the page was loaded again instead (a mark left on `window` must survive).
 */
async function navigateClientSide(page, id) {
  await page.evaluate(() => {
    window.sameDocument = true;
  });
  await page.fill('#landing-id', id);
  await page.click('#landing button[type=submit]');
  await page.waitForURL((url) => url.search === `?ta_tid=${id}`, { timeout: 10_000 });
  await page.waitForFunction(
    (want) => document.querySelector('#router-query')?.textContent.replace(/^\?/, '') === want,
    `ta_tid=${id}`,
    { timeout: 10_000 },
  );
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'the navigation reloaded the page');
}

/** Dispatches a `taapit:change` as another surface (script tag, npm entry) would. */
function announce(page, trackingId) {
  return page.evaluate((id) => {
    window.dispatchEvent(new CustomEvent('taapit:change', { detail: { trackingId: id } }));
  }, trackingId);
}

const APPS = [
  { name: 'Leptos (client-side)', url: (host, q) => staticServer.url(host, `/leptos/${q}`), backend: () => signups },
  { name: 'Yew (client-side)', url: (host, q) => staticServer.url(host, `/yew/${q}`), backend: () => signups },
  { name: 'Leptos (server-rendered, hydrated)', url: (host, q) => ssr.url(host, `/${q}`), backend: () => ssr.signupsSeen },
];

for (const app of APPS) {
  describe(app.name, () => {
    for (const { host, domain } of HOSTS) {
      test(`${host}: stores ?ta_tid=, shows it, follows clear, a new capture and other surfaces`, async () => {
        await inHttpsContext(
          browser,
          session,
          async (s) => {
            const id = unique('fw');
            const visit = { before: Date.now() / 1000 };
            const page = await s.open(app.url(host, `?ta_tid=${id}`));
            await shows(page, id);
            visit.after = Date.now() / 1000;
            const cookie = await theCookie(s.context);
            assert.equal(cookie.value, id);
            assert.equal(cookie.domain, domain);
            assert.equal(cookie.path, '/');
            assert.equal(cookie.secure, true, 'Secure on an https page');
            assert.equal(cookie.sameSite, 'Lax');
            assert.equal(cookie.httpOnly, false);
            assertExpiresIn(cookie, DEFAULT_DAYS, visit);

            await page.click('#clear');
            await shows(page, 'none');
            assert.deepEqual(await idCookies(s.context), [], 'clear removes the cookie');

            // Another surface on the page (script tag, npm entry) announces an id; then a
            // hostile page announces garbage, which is not believed: the page's id (none) is.
            await announce(page, 'from-another-surface');
            await shows(page, 'from-another-surface');
            await announce(page, '<img src=x onerror=alert(1)>');
            await shows(page, 'none');
            await announce(page, null);
            await shows(page, 'none');

            // A new capture: the next landing with another id (last-click).
            const next = unique('nx');
            await gotoOk(page, app.url(host, `?ta_tid=${next}`));
            await mounted(page);
            await shows(page, next);
            assert.equal((await theCookie(s.context)).value, next);
          },
          `${app.name} on ${host}: no page error, console error or warning`,
        );
      });
    }

    test('never shows or stores a hostile value', async () => {
      await inHttpsContext(
        browser,
        session,
        async (s) => {
          for (const raw of HOSTILE) {
            const page = await s.open(app.url('app.example.com', `?ta_tid=${raw}`));
            await shows(page, 'none');
            assert.deepEqual(await idCookies(s.context), [], `nothing stored for ${raw}`);
            await page.close();
          }
          // With a valid id stored, a hostile one in the URL leaves it in place.
          const id = unique('ok');
          const page = await s.open(app.url('app.example.com', `?ta_tid=${id}`));
          await shows(page, id);
          await gotoOk(page, app.url('app.example.com', '?ta_tid=a%3Bb'));
          await mounted(page);
          await shows(page, id);
          assert.equal((await theCookie(s.context)).value, id);
        },
        `${app.name}: no page error, console error or warning`,
      );
    });

    test('a router navigation to a new ?ta_tid= is captured with capture_on, not without', async () => {
      await inHttpsContext(
        browser,
        session,
        async (s) => {
          // With capture_on (the app's default): the router's navigation stores the new id,
          // in the same document (no reload).
          const first = unique('rf');
          const page = await s.open(app.url('app.example.com', `?ta_tid=${first}`));
          await shows(page, first);
          const next = unique('rn');
          await navigateClientSide(page, next);
          await shows(page, next);
          assert.equal((await theCookie(s.context)).value, next);

          // Without it (`?capture_on=off` at load): the same navigation leaves the stored id.
          const kept = unique('rk');
          const once = await s.open(app.url('app.example.com', `?ta_tid=${kept}&capture_on=off`));
          await shows(once, kept);
          await navigateClientSide(once, unique('ri'));
          // The router has rendered the new address; a capture it caused would be an effect
          // of that render, run within a task or two: 500 ms is far more than it took above.
          await once.waitForTimeout(500);
          await shows(once, kept);
          assert.equal((await theCookie(s.context)).value, kept);
        },
        `${app.name}: no page error, console error or warning`,
      );
    });

    test('the signup form sends the id to the backend', async () => {
      await inHttpsContext(
        browser,
        session,
        async (s) => {
          const id = unique('su');
          const page = await s.open(app.url('www.shop.example.co.uk', `?ta_tid=${id}`));
          await shows(page, id);
          const before = app.backend().length;
          await page.fill('#email', 'ada@example.com');
          await page.click('#signup button[type=submit]');
          await page.waitForFunction(
            (want) => document.querySelector('#signup-result')?.textContent === want,
            `Signed up with tracking id ${id}`,
            { timeout: 10_000 },
          );
          const received = app.backend().slice(before);
          assert.equal(received.length, 1);
          assert.match(received[0].cookie, new RegExp(`(^|; )${NAME}=${id}(;|$)`));
          if (received[0].body) assert.equal(received[0].body.trackingId, id);
        },
        `${app.name}: no page error, console error or warning`,
      );
    });
  });
}

describe('Leptos server rendering', () => {
  test('the HTML already holds the id of a valid cookie, and none for an invalid one', async () => {
    await inHttpsContext(
      browser,
      session,
      async (s) => {
        const url = ssr.url('app.example.com');
        const id = unique('ssr');
        await s.context.addCookies([{ name: NAME, value: id, url }]);
        const page = await s.context.newPage();
        watchPage(page, s.problems, { console: ['error', 'warning'] });
        const html = await (await page.goto(url)).text();
        assert.match(html, new RegExp(`<output id="tracking-id">${id}</output>`));
        await s.context.clearCookies();
        await s.context.addCookies([{ name: NAME, value: '%3Cscript%3E', url }]);
        const hostile = await (await page.goto(url)).text();
        assert.match(hostile, /<output id="tracking-id">none<\/output>/);
        assert.doesNotMatch(hostile, /%3Cscript%3E/);
      },
      'no page error, console error or warning',
    );
  });

  test('hydrates the server HTML without a mismatch warning or an error', async () => {
    await inHttpsContext(
      browser,
      session,
      async (s) => {
        const url = ssr.url('www.shop.example.co.uk');
        const id = unique('hy');
        await s.context.addCookies([{ name: NAME, value: id, domain: '.example.co.uk', path: '/', secure: true }]);
        const page = await s.context.newPage();
        const messages = [];
        page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
        watchPage(page, s.problems, { console: ['error', 'warning'] });
        // Marks the server's node before the wasm loads: hydration must adopt it, not replace it.
        await page.addInitScript(() =>
          document.addEventListener('DOMContentLoaded', () => {
            document.querySelector('#tracking-id').dataset.fromServer = 'yes';
          }),
        );
        const response = await page.goto(url, { waitUntil: 'load' });
        assert.match(await response.text(), new RegExp(`<output id="tracking-id">${id}</output>`));
        await mounted(page);
        await shows(page, id);
        // Hydrated, not re-rendered: the server's nodes are the live ones, with handlers.
        await page.click('#clear');
        await shows(page, 'none');
        assert.equal(await page.locator('#tracking-id').getAttribute('data-from-server'), 'yes');
        assert.deepEqual(messages, [], 'no console message at all during hydration');
      },
      'no page error, console error or warning during hydration',
    );
  });
});
