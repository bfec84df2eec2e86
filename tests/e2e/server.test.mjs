// End-to-end: the server-side cookie re-issue (taapit-server's tower Layer, in the Rust demo
// backend) in real Chromium on real host names over HTTPS. A TLS front (this file, the way a
// reverse proxy sits in front of a backend) forwards to the demo with X-Forwarded-Proto,
// which the demo is started to trust (--trust-forwarded-proto).
//
// For each host: land with ?ta_tid=, the module's script writes the cookie; the next
// document response re-issues it by Set-Cookie with the same domain and attributes (the
// registrable domain by the Public Suffix List, Path=/, 90 days, SameSite=Lax, Secure), and
// exactly one ta_tid is visible; a stale copy on another level is expired by the server; the
// signup form's POST /api/signup reports a lead with the id to the mock collector.
//
// Needs pkg/ built and the demo binary (scripts/test-e2e.sh builds it).

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';

import {
  assertExpiresIn,
  assertPkgBuilt,
  HOSTS,
  hostsCert,
  idCookies,
  launchChromium,
  watchPage,
} from './support.mjs';
import { startRustDemo, waitForRecord } from './rust-demo.mjs';

let browser;
let demo;
let front;
let frontPort;

/** An HTTPS front on 127.0.0.1 that forwards every request to the demo, as a proxy does. */
async function startTlsFront(tls, upstreamPort) {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

before(
  async () => {
    assertPkgBuilt('index.js', 'taapit.js');
    demo = await startRustDemo({ args: ['--trust-forwarded-proto'] });
    front = await startTlsFront(await hostsCert(), demo.port);
    frontPort = front.address().port;
    browser = await launchChromium();
  },
  { timeout: 120_000 },
);

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (front ? front.close(resolve) : resolve()));
  front?.closeAllConnections();
  await demo?.close();
});

const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const at = (host, pathAndQuery) => `https://${host}:${frontPort}${pathAndQuery}`;

/** The Set-Cookie lines of a response that set `ta_tid`. */
async function idSetCookies(response) {
  const lines = (await response.headerValue('set-cookie')) ?? '';
  return lines.split('\n').filter((line) => line.startsWith('ta_tid='));
}

describe('the server re-issues the ta_tid cookie on HTML pages (Rust demo, HTTPS)', () => {
  for (const { host, domain, reported } of HOSTS) {
    test(`${host}: re-issued with the module's domain and attributes, one copy, and the lead reported`, async () => {
      const id = unique('srv_');
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const problems = [];
      watchPage(page, problems, { console: ['error'] });
      try {
        // Land: the module's script captures and writes the cookie.
        const before = Date.now() / 1000;
        await page.goto(at(host, `/script.html?ta_tid=${id}`));
        await page.waitForFunction((want) => document.getElementById('read')?.textContent === want, id);
        let cookies = await idCookies(context);
        assert.equal(cookies.length, 1, JSON.stringify(cookies));
        assert.equal(cookies[0].domain, domain, 'the module wrote it on the registrable domain');

        // The next document: the server re-issues it, with the same name, domain and path.
        const response = await page.goto(at(host, '/'));
        const after = Date.now() / 1000;
        const [line, ...others] = await idSetCookies(response);
        assert.deepEqual(others, [], 'one Set-Cookie for ta_tid: no stale copy to expire');
        assert.match(line, new RegExp(`^ta_tid=${id}; Path=/; `));
        assert.equal(line.includes(`; Domain=${reported}; `), reported !== null, line);
        assert.match(line, /; Max-Age=7776000; Expires=[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT; SameSite=Lax; Secure$/);
        assert.doesNotMatch(line, /HttpOnly/i, 'the frontend can still read it');

        cookies = await idCookies(context);
        assert.equal(cookies.length, 1, `exactly one ta_tid: ${JSON.stringify(cookies)}`);
        const [cookie] = cookies;
        assert.equal(cookie.value, id);
        assert.equal(cookie.domain, domain);
        assert.equal(cookie.path, '/');
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, 'Lax');
        assert.equal(cookie.httpOnly, false);
        assertExpiresIn(cookie, 90, { before, after });

        if (reported !== null) {
          // A stale host-only copy (another level): the server expires it, one copy stays.
          await context.addCookies([{ name: 'ta_tid', value: 'stale_copy', url: at(host, '/'), secure: true }]);
          assert.equal((await idCookies(context)).length, 2);
          const cleaned = await page.goto(at(host, '/leads.html'));
          assert.ok((await idSetCookies(cleaned)).length > 1, 'removals sent');
          cookies = await idCookies(context);
          assert.equal(cookies.length, 1, `one copy after the re-issue: ${JSON.stringify(cookies)}`);
          assert.equal(cookies[0].value, id);
          assert.equal(cookies[0].domain, domain);
        }

        // Sign up: the backend finds the id and the mock collector receives the lead.
        await page.goto(at(host, '/script.html'));
        await page.waitForFunction((want) => document.getElementById('read')?.textContent === want, id);
        await page.fill('#email', 'srv@example.com');
        await page.click('form#signup button[type="submit"]');
        await page.waitForSelector('#signupResult .lead-body');
        assert.equal(await page.locator('#signupResult .lead-source').first().textContent(), 'cookie');
        const record = await waitForRecord(demo.origin, (r) => r.kind === 'lead' && r.body.trackingId === id);
        assert.equal(record.body.customer.email, 'srv@example.com');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  test('non-document responses never carry the cookie', async () => {
    const id = unique('srv_');
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const subresources = [];
      page.on('response', (response) => {
        if (response.request().resourceType() !== 'document') subresources.push(response);
      });
      await page.goto(at('app.example.com', `/script.html?ta_tid=${id}`));
      await page.waitForFunction((want) => document.getElementById('read')?.textContent === want, id);
      await page.goto(at('app.example.com', '/'));
      await page.waitForLoadState('load');
      // A fetch from the page (Sec-Fetch-Dest: empty) of an HTML file.
      await page.evaluate(async () => (await fetch('/leads.html')).text());
      // The pages' scripts and styles and the fetch: never a Set-Cookie, though each request
      // had the cookie.
      const kinds = new Set(subresources.map((r) => r.request().resourceType()));
      assert.ok(kinds.has('script') && kinds.has('fetch'), [...kinds].join());
      for (const response of subresources) {
        assert.deepEqual(await idSetCookies(response), [], response.url());
      }
    } finally {
      await context.close();
    }
  });
});
