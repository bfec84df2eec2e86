// End-to-end: the demo (README's first command) in real Chromium, served by the Rust demo
// backend (crates/demo). A visitor clicks a demo deeplink into the SPA (Vite + React, the npm
// package's <Analytics />), signs up on another view without ?ta_tid in the address, and the
// backend reports the lead, with the id it read from the `ta_tid` cookie, to the local mock
// Taapit collector, whose records the leads page shows. The backend's order of sources
// (cookie, then body `trackingId`, then the `ta_tid` URL parameter, as the Taapit guide's
// "Best Practices" say) and its id check are tested over HTTP; the checkout and its payment
// webhook (the sale reported once, with the id stored at checkout), the plain landing pages'
// signup forms and the `taapit-demo` command too.
//
// Needs pkg/ built (`bash scripts/build.sh`) and the demo binary (`cargo build -p
// taapit-demo`; scripts/test-e2e.sh builds it); builds the SPA (scripts/build-demo.sh) when
// www/spa/dist is missing or older than pkg/ or the SPA's sources.
// DEMO_SCREENSHOT=docs/demo.png also saves the screenshot the README shows.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { PKG_DIR, REPO_ROOT } from '../support/server.mjs';
import { assertPkgBuilt, CHILD_ENV, idCookies, launchChromium, watchPage } from './support.mjs';
import { AUTHORIZATION_PLACEHOLDER, DEMO_ID, startRustDemo, waitForRecord } from './rust-demo.mjs';

const SPA_DIR = path.join(REPO_ROOT, 'www', 'spa');
const SPA_DIST = path.join(SPA_DIR, 'dist');

/** The newest modification time of the files under `dir` (node_modules and dist skipped). */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const file = path.join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(file) : statSync(file).mtimeMs);
  }
  return time;
}

function spaIsStale() {
  const built = path.join(SPA_DIST, 'index.html');
  if (!existsSync(built)) return true;
  return statSync(built).mtimeMs < Math.max(newest(PKG_DIR), newest(SPA_DIR));
}

let browser;
let demo;
/** Where the demo posts events: `${endpoint}lead`, `${endpoint}sale` (the mock collector). */
let endpoint;

before(
  async () => {
    assertPkgBuilt('index.js', 'react.js');
    if (spaIsStale()) {
      await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts', 'build-demo.sh')], {
        env: CHILD_ENV,
        timeout: 540_000,
        maxBuffer: 16 << 20,
      });
    }
    demo = await startRustDemo();
    ({ endpoint } = await (await fetch(`${demo.origin}/api/leads`)).json());
    browser = await launchChromium({ https: false });
  },
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  await demo?.close();
});

const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** A fresh browser context and page that record page errors and console errors. */
async function open(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems, { console: ['error'], withUrl: false });
  page.on('requestfailed', (request) => {
    // A request cut short by leaving the page is not a failure of the demo.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()}`);
  });
  return { context, page, problems };
}

async function textOf(page, selector) {
  return (await page.locator(selector).first().textContent())?.trim();
}

describe('the demo SPA (Vite + React, npm package)', () => {
  test('a deeplink, then signup on another view: the lead carries the id read from the cookie', async () => {
    // The screenshot shows the id of the README's example deeplink.
    const id = process.env.DEMO_SCREENSHOT ? DEMO_ID : unique('spaE2E_');
    const { context, page, problems } = await open({ viewport: { width: 900, height: 700 } });
    try {
      await page.goto(demo.url('localhost', `/spa/?ta_tid=${id}`));
      // <Analytics /> captured it; useTrackingId() shows it.
      await page.waitForFunction((want) => document.getElementById('tracking-id')?.textContent === want, id);
      const [cookie] = await idCookies(context);
      assert.equal(cookie?.value, id, 'the ta_tid cookie holds the deeplink id');

      // Client-side navigation to the signup view: the address no longer has ta_tid.
      await page.click('#go-signup');
      await page.waitForSelector('form#signup');
      assert.equal(new URL(page.url()).pathname, '/spa/signup');
      assert.equal(new URL(page.url()).searchParams.get('ta_tid'), null);
      await page.waitForFunction((want) => document.getElementById('tracking-id')?.textContent === want, id);

      await page.fill('#email', 'ada@example.com');
      await page.fill('#firstName', 'Ada');
      await page.fill('#lastName', 'Lovelace');
      const [request] = await Promise.all([
        page.waitForRequest((r) => new URL(r.url()).pathname === '/api/signup'),
        page.click('form#signup button[type="submit"]'),
      ]);
      // The frontend sends the id in the body too, and the cookie goes along by itself.
      assert.equal(request.method(), 'POST');
      assert.deepEqual(request.postDataJSON(), {
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        trackingId: id,
      });
      assert.match((await request.allHeaders()).cookie ?? '', new RegExp(`(^|; )ta_tid=${id}(;|$)`));

      await page.waitForSelector('#lead-body');
      const body = JSON.parse(await textOf(page, '#lead-body'));
      const userId = await textOf(page, '#user-id');
      assert.match(userId, /^user_\d+$/);
      assert.deepEqual(body, {
        trackingId: id,
        customer: { externalId: userId, email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace' },
        metadata: { source: 'signup-api' },
      });
      assert.equal(await textOf(page, '#lead-source'), 'cookie');
      const shown = await textOf(page, '#lead-request');
      assert.ok(shown.startsWith(`POST ${endpoint}lead`), shown);
      assert.ok(shown.includes(`Authorization: ${AUTHORIZATION_PLACEHOLDER}`), shown);
      assert.doesNotMatch(shown, /taapit_sk_[A-Za-z0-9]/, 'no key, only the placeholder');

      if (process.env.DEMO_SCREENSHOT) {
        await page.screenshot({ path: path.resolve(REPO_ROOT, process.env.DEMO_SCREENSHOT), fullPage: true });
      }

      // The collector received it, and the leads page lists it.
      const record = await waitForRecord(demo.origin, (r) => r.body.trackingId === id);
      assert.deepEqual(record.body, body);
      assert.equal(record.kind, 'lead');
      await page.click('nav >> text=Leads');
      await page.waitForSelector('.lead-body');
      const listed = JSON.parse(await textOf(page, '.lead-body'));
      assert.deepEqual(listed, body, 'the newest record on /leads.html is this lead');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('without a deeplink: no id, the signup still works and no lead is reported', async () => {
    const { context, page, problems } = await open();
    try {
      await page.goto(demo.url('localhost', '/spa/signup'));
      await page.waitForSelector('form#signup');
      await page.fill('#email', 'nobody@example.com');
      await page.click('form#signup button[type="submit"]');
      await page.waitForSelector('#lead');
      assert.equal(await textOf(page, '#lead h2'), 'No lead reported');
      assert.equal(await textOf(page, '#lead-source'), 'nowhere');
      assert.equal(await page.locator('#lead-body').count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('the demo backend: POST /api/signup', () => {
  async function signup(body, { query = '', cookie } = {}) {
    const response = await fetch(`${demo.origin}/api/signup${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }
  const form = { email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' };

  test('the cookie wins over the body and the URL parameter', async () => {
    const { status, json } = await signup({ ...form, trackingId: 'fromBody_1' }, { query: '?ta_tid=fromUrl_1', cookie: 'other=1; ta_tid=fromCookie_1' });
    assert.equal(status, 201);
    assert.equal(json.trackingIdSource, 'cookie');
    assert.deepEqual(json.lead, {
      method: 'POST',
      url: `${endpoint}lead`,
      headers: { Authorization: AUTHORIZATION_PLACEHOLDER, 'Content-Type': 'application/json' },
      body: {
        trackingId: 'fromCookie_1',
        customer: { externalId: json.user.id, email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' },
        metadata: { source: 'signup-api' },
      },
    });
  });

  test('no cookie: the body trackingId wins over the URL parameter', async () => {
    const { json } = await signup({ ...form, trackingId: 'fromBody_2' }, { query: '?ta_tid=fromUrl_2' });
    assert.equal(json.trackingIdSource, 'body');
    assert.equal(json.lead.body.trackingId, 'fromBody_2');
  });

  test('only the URL parameter: it is used', async () => {
    const { json } = await signup(form, { query: '?ta_tid=fromUrl_3' });
    assert.equal(json.trackingIdSource, 'url');
    assert.equal(json.lead.body.trackingId, 'fromUrl_3');
  });

  test('invalid ids are rejected and the next source is tried; none valid: no lead', async () => {
    let { json } = await signup({ ...form, trackingId: 'good.id~4' }, { cookie: 'ta_tid=%3Cscript%3E' });
    assert.equal(json.trackingIdSource, 'body');
    assert.equal(json.lead.body.trackingId, 'good.id~4');
    assert.deepEqual(json.rejected, [{ source: 'cookie', value: '%3Cscript%3E' }]);

    ({ json } = await signup({ ...form, trackingId: 'A'.repeat(129) }, { query: '?ta_tid=fromUrl_5' }));
    assert.equal(json.trackingIdSource, 'url');
    assert.equal(json.rejected[0].source, 'body');

    ({ json } = await signup({ ...form, trackingId: 42 }, { query: '?ta_tid=a%3Bb' }));
    assert.equal(json.ok, true, 'the signup itself never fails because of tracking');
    assert.equal(json.trackingIdSource, null);
    assert.equal(json.lead, null);
    assert.match(json.note, /no lead is reported/);
    assert.deepEqual(json.rejected, [{ source: 'body', value: 'number' }, { source: 'url', value: 'a;b' }]);

    ({ json } = await signup({ ...form, trackingId: 'x y' }));
    assert.equal(json.lead, null);
  });

  test('a bad request is refused, and /api/leads lists the latest signups', async () => {
    assert.equal((await signup('{not json')).status, 400);
    assert.equal((await signup({ firstName: 'No email' })).status, 400);
    assert.equal((await signup({ email: 'a@b.c', firstName: ['x'] })).status, 400);
    assert.equal((await fetch(`${demo.origin}/api/signup`)).status, 405);
    // Over the 16 KB body limit: a 413 the client receives, not a reset connection.
    const huge = await signup({ ...form, padding: 'x'.repeat(64 * 1024) });
    assert.equal(huge.status, 413);
    assert.match(huge.json.error, /too large/);

    const { json } = await signup(form, { query: '?ta_tid=listed_6' });
    const record = await waitForRecord(demo.origin, (r) => r.body.trackingId === 'listed_6');
    assert.deepEqual(record.body, json.lead.body);
    assert.match(record.idempotencyKey, /^[0-9a-f]{32}$/);
    const leads = await (await fetch(`${demo.origin}/api/leads`)).json();
    assert.equal(leads.collector, 'mock');
    assert.ok(leads.events.length <= leads.keep);
    assert.deepEqual(leads.parked, []);
  });
});

describe('the demo backend: checkout, then the payment webhook reports the sale', () => {
  const post = async (pathname, body, headers = {}) => {
    const response = await fetch(`${demo.origin}${pathname}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };

  test('the id stored at checkout goes with the sale, once, after the payment is confirmed', async () => {
    const id = unique('sale_');
    const order = await post('/api/checkout', { email: 'buyer@example.com', amount: 149.99, currency: 'EUR' }, { Cookie: `ta_tid=${id}` });
    assert.equal(order.status, 201);
    assert.equal(order.json.trackingId, id);
    assert.equal(order.json.trackingIdSource, 'cookie');

    // Not paid yet: nothing reported.
    const pending = await post('/api/payments/webhook', { orderId: order.json.orderId, status: 'pending' });
    assert.equal(pending.json.reported, false);
    // The webhook carries no cookie: the id comes from the order.
    const paid = await post('/api/payments/webhook', { orderId: order.json.orderId, status: 'succeeded' });
    assert.equal(paid.json.reported, true);
    const again = await post('/api/payments/webhook', { orderId: order.json.orderId, status: 'succeeded' });
    assert.equal(again.json.reported, false, 'a repeated confirmation reports nothing more');

    const record = await waitForRecord(demo.origin, (r) => r.kind === 'sale' && r.body.trackingId === id);
    assert.deepEqual(record.body, {
      trackingId: id,
      customer: { externalId: order.json.userId, email: 'buyer@example.com' },
      amount: 149.99,
      currency: 'eur',
      metadata: { orderId: order.json.orderId },
    });
    assert.equal(record.idempotencyKey, `sale-${order.json.orderId}`);
    const { events } = await (await fetch(`${demo.origin}/api/leads`)).json();
    assert.equal(events.filter((r) => r.kind === 'sale' && r.body.trackingId === id).length, 1);

    assert.equal((await post('/api/checkout', { amount: -1, currency: 'eur' })).status, 400);
    assert.equal((await post('/api/checkout', { amount: 1, currency: 'euro' })).status, 400);
    assert.equal((await post('/api/payments/webhook', { orderId: 'order_none', status: 'succeeded' })).status, 404);
  });
});

describe('the plain landing pages', () => {
  for (const { name, page: pathname } of [
    { name: 'ES module (index.html)', page: '/' },
    { name: 'script tag (script.html)', page: '/script.html' },
  ]) {
    test(`${name}: links to the other demo pages, and its signup form reports the lead with the cookie's id`, async () => {
      const id = unique('landing_');
      const { context, page, problems } = await open();
      try {
        await page.goto(demo.url('localhost', `${pathname}?ta_tid=${id}`));
        const links = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.deepEqual(links, ['/', '/script.html', '/spa/', '/leads.html']);
        await page.waitForFunction((want) => document.getElementById('read')?.textContent === want, id);

        await page.fill('#email', 'lin@example.com');
        await page.fill('#firstName', 'Lin');
        await page.click('form#signup button[type="submit"]');
        await page.waitForSelector('#signupResult .lead-body');
        const body = JSON.parse(await textOf(page, '#signupResult .lead-body'));
        assert.equal(body.trackingId, id);
        assert.equal(body.customer.email, 'lin@example.com');
        assert.equal(body.customer.firstname, 'Lin');
        assert.equal(await textOf(page, '#signupResult .lead-source'), 'cookie');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});

test('`taapit-demo --port 0` serves the demo and prints the deeplinks to open', async () => {
  const started = await startRustDemo();
  try {
    const output = started.output();
    const spa = output.match(/http:\/\/localhost:(\d+)\/spa\/\?ta_tid=\S+/);
    assert.ok(spa, output);
    assert.match(output, /\/\?ta_tid=/);
    assert.match(output, /\/script\.html\?ta_tid=/);
    assert.match(output, /\/leads\.html/);
    assert.match(output, /mock Taapit collector/);
    assert.doesNotMatch(output, /taapit_sk_[A-Za-z0-9]/, 'the key is never printed');
    const page = await fetch(`http://127.0.0.1:${spa[1]}/spa/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    // The SPA's sources are never served, nor anything outside the demo's directories.
    assert.equal((await fetch(`http://127.0.0.1:${spa[1]}/spa/src/App.js`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${spa[1]}/pkg/..%2f..%2fCargo.toml`)).status, 403);
  } finally {
    await started.close();
  }
});
