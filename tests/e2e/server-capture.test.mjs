// taapit-capture/server's rules and server-side capture (pkg/server/rules.js, capture.js): the
// shipped .wasm run over a request, in Node as the package resolves it, under the `edge-light`
// condition (its wasm2js build, as edge runtimes get it), and where WebAssembly refuses to
// compile (the fallback to wasm2js). The answers must be the Rust core's rules
// (ARCHITECTURE.md, "Capture rules") and the same from both builds.
//
// The Next.js proxy/middleware in real browsers is in nextjs.test.mjs. Needs pkg/ built.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import * as contract from '../../pkg/contract.js';
import { captureTrackingId, captureTrackingIdNode } from '../../pkg/server/capture.js';
import { CHANGE, READ } from '../../pkg/server/engine.js';
import { makeSelfSignedCert } from '../support/server.mjs';
import { assertPkgBuilt, CHILD_ENV } from './support.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, 'fixtures/server-rules.mjs');
const REFUSE = path.join(here, 'fixtures/refuse-webassembly.mjs');

assertPkgBuilt('server/rules.js', 'server/capture.js', 'server/engine.js', 'server/wasm-bytes.js', 'server/wasm2js.js');

/** Ids and whether the core's rule takes them (1-128 of A-Z a-z 0-9 - _ . ~, as given). */
const IDS = [
  ['abc', true],
  ['rLnWe1uz9t282v7g', true],
  ['A-z_0.9~', true],
  ['a'.repeat(128), true],
  ['a'.repeat(129), false],
  ['', false],
  ['a;b', false],
  ['a b', false],
  ['a=b', false],
  ['a+b', false],
  ['a%41', false], // not URL-decoded: '%' is not an id character
  ['%3Cscript%3E', false],
  ['café', false],
  ['日本', false],
  ['a\u0000b', false],
  ['\uD800', false], // a lone surrogate
  ['a/b', false],
  ['"abc"', false],
];

/** Cookie headers (and cookie names) and the id the browser's read rule gives. */
const HEADERS = [
  ['ta_tid=abc', 'ta_tid', 'abc'],
  ['x=1; ta_tid=abc; y=2', 'ta_tid', 'abc'],
  ['ta_tid=b%40d; ta_tid=good-1', 'ta_tid', 'good-1'], // an invalid copy does not hide a valid one
  ['ta_tid=a;b', 'ta_tid', 'a'],
  ['ta_tid="quoted-1"', 'ta_tid', 'quoted-1'],
  ['ta_tid=' + 'a'.repeat(129), 'ta_tid', null],
  ['other=abc', 'ta_tid', null],
  ['my_tid=mine; ta_tid=theirs', 'my_tid', 'mine'],
  ['', 'ta_tid', null],
  [null, 'ta_tid', null],
];

/** URLs (and params) and the id the capture's source rule finds. */
const URLS = [
  ['https://shop.example.com/?ta_tid=abc', null, 'abc'],
  ['/landing?utm=x&ta_tid=abc', null, 'abc'],
  ['/landing?ta_tid=%3Cx%3E&ta_tid=ok-2', null, 'ok-2'],
  ['/#/landing?ta_tid=in-hash', null, 'in-hash'],
  ['/?ta_tid=search#/x?ta_tid=hash', null, 'search'],
  ['/?ref=r1&ta_tid=t1', ['ref', 'ta_tid'], 'r1'],
  ['/?ta_tid=' + 'b'.repeat(129), null, null],
  ['/?ta_tid=a%3Bb', null, null],
  ['/?ta_tid=%41bc', null, 'Abc'], // URL-decoded, then checked
  ['/plain', null, null],
];

const TABLE = {
  ids: IDS.map(([id]) => id),
  headers: HEADERS.map(([header, name]) => [header, name]),
  urls: URLS.map(([url, params]) => [url, params]),
};

/** The fixture's answers in a child process with `args` before it. */
async function answersWith(args) {
  const { stdout } = await run(process.execPath, [...args, FIXTURE, JSON.stringify(TABLE)], {
    env: CHILD_ENV,
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

describe('taapit-capture/server rules: the core over a virtual page', () => {
  test('the virtual page answers every text and change code of the contract', () => {
    const codes = (prefix) =>
      Object.entries(contract)
        .filter(([name]) => name.startsWith(prefix))
        .map(([, code]) => code)
        .sort();
    assert.deepEqual(Object.keys(READ).map(Number).sort(), codes('TEXT_'));
    assert.deepEqual(Object.keys(CHANGE).map(Number).sort(), codes('CHANGE_'));
  });

  test('the .wasm, its wasm2js build (edge-light) and the refused-compile fallback give the core\'s answers', async () => {
    const [wasm, edge, workerd, worker, refused] = await Promise.all([
      answersWith([]),
      answersWith(['--conditions=edge-light']), // Next.js's edge runtime, Vercel
      answersWith(['--conditions=workerd']), // Cloudflare Workers
      answersWith(['--conditions=worker']),
      answersWith(['--import', REFUSE]),
    ]);
    assert.equal(wasm.build, 'wasm', 'Node compiles the .wasm');
    assert.equal(edge.build, 'wasm2js', 'the edge-light condition resolves to the wasm2js build');
    assert.equal(workerd.build, 'wasm2js', 'so does workerd');
    assert.equal(worker.build, 'wasm2js', 'and worker');
    assert.equal(refused.build, 'wasm2js', 'a refused compile falls back to the wasm2js build');

    const expected = {
      valid: IDS.map(([, valid]) => valid),
      fromCookie: HEADERS.map(([, , id]) => id),
      fromUrl: URLS.map(([, , id]) => id),
    };
    for (const [label, got] of [['wasm', wasm], ['edge-light', edge], ['refused', refused]]) {
      for (const key of Object.keys(expected)) {
        const rows = key === 'valid' ? IDS : key === 'fromCookie' ? HEADERS : URLS;
        expected[key].forEach((want, i) => {
          assert.equal(got.answers[key][i], want, `${label}: ${key} of ${JSON.stringify(rows[i]).slice(0, 80)}`);
        });
      }
    }
    assert.deepEqual(edge.answers, wasm.answers, 'both builds answer alike');
  });
});

/** A cookie string's attributes: `{ name, value, attributes: { lowercased name: value } }`. */
function parseSetCookie(text) {
  const [pair, ...rest] = text.split(';').map((p) => p.trim());
  const eq = pair.indexOf('=');
  const attributes = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    attributes[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? true : a.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

/** Asserts the id's cookie as the frontend writes it: Path=/, Max-Age + matching Expires, SameSite=Lax. */
function assertIdCookie(text, { value, domain, secure = false, days = 90, name = 'ta_tid' }) {
  const c = parseSetCookie(text);
  assert.equal(c.name, name);
  assert.equal(c.value, value);
  assert.equal(c.attributes.path, '/');
  assert.equal(c.attributes.domain, domain, `Domain of ${text}`);
  assert.equal(c.attributes['max-age'], String(days * 86_400));
  const expires = Date.parse(c.attributes.expires);
  assert.ok(Math.abs(expires - (Date.now() + days * 86_400_000)) < 120_000, `Expires ${c.attributes.expires} is ${days} days ahead`);
  assert.equal(c.attributes.samesite, 'Lax');
  assert.equal(c.attributes.secure, secure ? true : undefined, `Secure in ${text}`);
  assert.equal(c.attributes.httponly, undefined, 'readable by the page\'s module (one copy, one reader)');
}

/**
 * A node:http server on 127.0.0.1 whose handler calls captureTrackingIdNode with the options
 * the request's `x-test-options` header names, then `after(res)`, and answers with the result.
 */
async function nodeServer(optionsByName) {
  const server = http.createServer((req, res) => {
    const named = optionsByName[req.headers['x-test-options'] ?? 'default'];
    const result = captureTrackingIdNode(req, res, named?.options);
    named?.after?.(res);
    if (!res.headersSent) res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(result));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    /** GET (or `method`) `path` with `headers` (Host: the site's name): `{ status, setCookie, result }`. */
    async get(host, path, headers = {}, method = 'GET') {
      const response = await new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method, headers: { Host: host, ...headers } }, resolve);
        req.on('error', reject);
        req.end();
      });
      let body = '';
      for await (const chunk of response) body += chunk;
      return { status: response.statusCode, setCookie: response.headers['set-cookie'] ?? [], result: JSON.parse(body) };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('captureTrackingIdNode: a node:http handler sets the cookie from the server', () => {
  const OPTIONS = {
    default: {},
    firstClick: { options: { attribution: 'first-click' } },
    thirty: { options: { expiresInDays: 30, cookieName: 'my_tid' } },
    noConsent: { options: { consent: (req) => req.headers['x-consent'] === 'yes' } },
    consentThrows: {
      options: {
        consent: () => {
          throw new Error('no consent store');
        },
      },
    },
    proxied: { options: { trustForwardedProto: true } },
    cachedLater: { after: (res) => res.setHeader('Cache-Control', 'public, max-age=60') },
    sMaxAgeLater: { after: (res) => res.setHeader('Cache-Control', 's-maxage=600') },
    publicInWriteHead: { after: (res) => res.writeHead(200, { 'Cache-Control': 'public, max-age=60' }) },
    // Node's other form of writeHead's headers: a flat [name, value, …] list.
    publicInRawWriteHead: { after: (res) => res.writeHead(200, ['Content-Type', 'text/html', 'Cache-Control', 'public, max-age=60']) },
    privateLater: { after: (res) => res.setHeader('Cache-Control', 'private, max-age=60') },
    // The handler's own cookies, set after the call in each of Node's ways of replacing them.
    sessionLater: { after: (res) => res.setHeader('Set-Cookie', 'session=s1; HttpOnly') },
    sessionInWriteHead: { after: (res) => res.writeHead(200, { 'set-cookie': ['session=s1; HttpOnly'] }) },
    sessionInRawWriteHead: { after: (res) => res.writeHead(200, ['Set-Cookie', 'session=s1; HttpOnly']) },
    bad: { options: { cookieName: 'bad name' } },
    unknown: { options: { stripParam: true } },
  };
  let server;

  test('real host names: Domain by the Public Suffix List, host-only on localhost and IPs', async (t) => {
    server = await nodeServer(OPTIONS);
    t.after(() => server.close());
    for (const [host, domain] of [
      ['www.shop.example.co.uk', 'example.co.uk'],
      ['app.example.com', 'example.com'],
      ['alice.github.io', 'alice.github.io'], // github.io is a public suffix: the host itself
      ['localhost:3000', undefined],
      ['127.0.0.1:3000', undefined],
      ['[::1]:3000', undefined],
    ]) {
      const { setCookie, result } = await server.get(host, '/landing?utm=x&ta_tid=land-1');
      assert.equal(setCookie.length, 1, `${host}: ${JSON.stringify(setCookie)}`);
      assertIdCookie(setCookie[0], { value: 'land-1', domain });
      assert.equal(result.cookie, true);
      assert.equal(result.source, 'search');
      assert.equal(result.domain, domain ?? null);
      assert.equal(result.engine, 'wasm', 'Node runs the .wasm');
    }
  });

  test('options, attribution, re-issue from the cookie, consent, proxies, shared caches, bad options', async (t) => {
    server = await nodeServer(OPTIONS);
    t.after(() => server.close());
    const host = 'www.shop.example.co.uk';

    // The cookie alone: sent again from the server (its lifetime the server's, not a script's).
    let r = await server.get(host, '/page', { Cookie: 'a=1; ta_tid=kept-1' });
    assertIdCookie(r.setCookie[0], { value: 'kept-1', domain: 'example.co.uk' });
    assert.equal(r.result.source, 'stored');

    // last-click (default): the URL's id replaces the stored one; first-click keeps it.
    r = await server.get(host, '/?ta_tid=new-2', { Cookie: 'ta_tid=old-2' });
    assertIdCookie(r.setCookie[0], { value: 'new-2', domain: 'example.co.uk' });
    // The old copy's level is unknown (host-only, say): every other level is expired, so it
    // cannot be listed before the new id in the browser's next Cookie header.
    const expired = r.setCookie.slice(1).map(parseSetCookie);
    assert.ok(expired.some((c) => c.attributes.domain === undefined), 'host-only copy expired');
    for (const c of expired) {
      assert.equal(c.attributes['max-age'], '0');
      assert.notEqual(c.attributes.domain, 'example.co.uk', 'the kept level is not expired');
    }
    // The same value in the header is the copy written: nothing else to expire.
    r = await server.get(host, '/?ta_tid=same-2', { Cookie: 'ta_tid=same-2' });
    assert.equal(r.setCookie.length, 1, r.setCookie.join(' | '));
    r = await server.get(host, '/?ta_tid=new-2', { Cookie: 'ta_tid=old-2', 'x-test-options': 'firstClick' });
    assertIdCookie(r.setCookie[0], { value: 'old-2', domain: 'example.co.uk' });
    assert.equal(r.result.trackingId, 'old-2');

    // Copies on other levels (two in the header): the id's cookie, and the others expired.
    r = await server.get(host, '/?ta_tid=new-3', { Cookie: 'ta_tid=old-3; ta_tid=older-3' });
    assertIdCookie(r.setCookie[0], { value: 'new-3', domain: 'example.co.uk' });
    assert.ok(r.setCookie.length > 1, 'other levels expired');
    for (const removal of r.setCookie.slice(1)) {
      const c = parseSetCookie(removal);
      assert.equal(c.attributes['max-age'], '0', removal);
      assert.notEqual(c.attributes.domain, 'example.co.uk', 'the kept level is not expired');
    }

    // A path that starts with `//` is the site's path, not another host.
    for (const path of ['//landing?ta_tid=d-1', '//www.other.example/?ta_tid=d-1']) {
      r = await server.get(host, path);
      assertIdCookie(r.setCookie[0], { value: 'd-1', domain: 'example.co.uk' });
    }

    // An invalid id: nothing.
    r = await server.get(host, '/?ta_tid=a%3Bb');
    assert.deepEqual(r.setCookie, []);
    assert.equal(r.result.skipped, 'no-id');

    // The frontend's options.
    r = await server.get(host, '/?ta_tid=opt-1', { 'x-test-options': 'thirty' });
    assertIdCookie(r.setCookie[0], { value: 'opt-1', domain: 'example.co.uk', days: 30, name: 'my_tid' });

    // Consent: the predicate decides; a throwing one means no.
    r = await server.get(host, '/?ta_tid=c-1', { 'x-test-options': 'noConsent' });
    assert.deepEqual(r.setCookie, []);
    assert.equal(r.result.skipped, 'consent');
    assert.equal(r.result.trackingId, 'c-1', 'the id is still reported');
    r = await server.get(host, '/?ta_tid=c-1', { 'x-test-options': 'noConsent', 'x-consent': 'yes' });
    assertIdCookie(r.setCookie[0], { value: 'c-1', domain: 'example.co.uk' });
    r = await server.get(host, '/?ta_tid=c-1', { 'x-test-options': 'consentThrows' });
    assert.deepEqual(r.setCookie, []);
    assert.match(r.result.error, /consent threw: no consent store/);

    // Behind a TLS proxy: X-Forwarded-Proto only when trusted.
    r = await server.get(host, '/?ta_tid=p-1', { 'x-forwarded-proto': 'https' });
    assertIdCookie(r.setCookie[0], { value: 'p-1', domain: 'example.co.uk', secure: false });
    r = await server.get(host, '/?ta_tid=p-1', { 'x-forwarded-proto': 'https', 'x-test-options': 'proxied' });
    assertIdCookie(r.setCookie[0], { value: 'p-1', domain: 'example.co.uk', secure: true });

    // A response a shared cache may store gets no cookie, even when its Cache-Control comes later.
    for (const name of ['cachedLater', 'sMaxAgeLater', 'publicInWriteHead', 'publicInRawWriteHead']) {
      r = await server.get(host, '/?ta_tid=s-1', { 'x-test-options': name });
      assert.deepEqual(r.setCookie, [], name);
      // writeHead ran before the result was written into the body: it says so.
      if (name.includes('WriteHead')) assert.equal(r.result.skipped, 'shared-cache', name);
    }
    r = await server.get(host, '/?ta_tid=s-1', { 'x-test-options': 'privateLater' });
    assertIdCookie(r.setCookie[0], { value: 's-1', domain: 'example.co.uk' });

    // A Set-Cookie the handler sets afterwards does not take the id's cookie off.
    for (const name of ['sessionLater', 'sessionInWriteHead', 'sessionInRawWriteHead']) {
      r = await server.get(host, '/?ta_tid=k-1', { 'x-test-options': name });
      assert.equal(r.setCookie.length, 2, `${name}: ${JSON.stringify(r.setCookie)}`);
      assertIdCookie(r.setCookie[0], { value: 'k-1', domain: 'example.co.uk' });
      assert.equal(r.setCookie[1], 'session=s1; HttpOnly', name);
    }

    // Not a page: nothing.
    r = await server.get(host, '/?ta_tid=m-1', {}, 'POST');
    assert.deepEqual(r.setCookie, []);
    assert.equal(r.result.skipped, 'not-a-page');

    // Bad options: a clear error, no cookie, and the request still answered.
    r = await server.get(host, '/?ta_tid=b-1', { 'x-test-options': 'bad' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.setCookie, []);
    assert.match(r.result.error, /cookieName: refused "bad name"/);
    r = await server.get(host, '/?ta_tid=b-1', { 'x-test-options': 'unknown' });
    assert.match(r.result.error, /stripParam: not an option of server-side capture/);
  });
});

describe('captureTrackingIdNode over HTTPS', () => {
  test('a TLS connection gives the cookie Secure, with no header to trust', async (t) => {
    const server = https.createServer(await makeSelfSignedCert({ names: ['www.shop.example.co.uk'] }), (req, res) => {
      const result = captureTrackingIdNode(req, res);
      res.end(JSON.stringify(result));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const response = await new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.address().port,
          path: '/?ta_tid=tls-1',
          headers: { Host: 'www.shop.example.co.uk' },
          rejectUnauthorized: false,
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    response.resume();
    assertIdCookie(response.headers['set-cookie'][0], { value: 'tls-1', domain: 'example.co.uk', secure: true });
  });
});

describe('captureTrackingIdNode over HTTP/2 (node:http2, its compatibility API)', () => {
  test('the site from :authority; a Set-Cookie or Cache-Control set later counts', async (t) => {
    const server = http2.createSecureServer(await makeSelfSignedCert({ names: ['www.shop.example.co.uk'] }), (req, res) => {
      captureTrackingIdNode(req, res);
      if (req.url.startsWith('/public')) res.setHeader('Cache-Control', 'public, max-age=60');
      else res.setHeader('Set-Cookie', 'session=h2');
      res.end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = http2.connect(`https://127.0.0.1:${server.address().port}`, { rejectUnauthorized: false });
    t.after(() => {
      client.close();
      return new Promise((resolve) => server.close(resolve));
    });
    /** The Set-Cookie values of a GET of `path` on www.shop.example.co.uk (no Host header: HTTP/2). */
    const setCookies = (path) =>
      new Promise((resolve, reject) => {
        const stream = client.request({ ':path': path, ':authority': 'www.shop.example.co.uk' });
        stream.on('response', (headers) => resolve(headers['set-cookie'] ?? []));
        stream.on('error', reject);
        stream.resume();
        stream.end();
      });
    const page = await setCookies('/?ta_tid=h2-1');
    assert.equal(page.length, 2, JSON.stringify(page));
    assertIdCookie(page[0], { value: 'h2-1', domain: 'example.co.uk', secure: true });
    assert.equal(page[1], 'session=h2');
    assert.deepEqual(await setCookies('/public?ta_tid=h2-2'), []);
  });
});

describe('captureTrackingId: Web Request and Response', () => {
  test('the cookie on the response, Secure on https, none on a publicly cacheable one', () => {
    const request = (url, headers = {}) => new Request(url, { headers });
    let response = new Response('page');
    let result = captureTrackingId(request('https://www.shop.example.co.uk/?ta_tid=w-1'), response);
    assert.equal(result.cookie, true);
    assertIdCookie(response.headers.getSetCookie()[0], { value: 'w-1', domain: 'example.co.uk', secure: true });
    // No Cache-Control yet (a proxy's NextResponse.next()): the response with the cookie is
    // marked for this visitor only.
    assert.equal(response.headers.get('cache-control'), 'private, no-cache, no-store, max-age=0, must-revalidate');
    response = new Response('page', { headers: { 'Cache-Control': 'private, max-age=60' } });
    captureTrackingId(request('https://www.shop.example.co.uk/?ta_tid=w-1'), response);
    assert.equal(response.headers.getSetCookie().length, 1);
    assert.equal(response.headers.get('cache-control'), 'private, max-age=60', "the app's own policy stays");

    // The Host header names the site (a proxy in front may have rewritten the URL's host).
    response = new Response('page');
    captureTrackingId(request('http://127.0.0.1:3000/?ta_tid=w-2', { host: 'alice.github.io' }), response);
    assertIdCookie(response.headers.getSetCookie()[0], { value: 'w-2', domain: 'alice.github.io' });

    response = new Response('page', { headers: { 'Cache-Control': 'public, s-maxage=600' } });
    result = captureTrackingId(request('https://app.example.com/?ta_tid=w-3'), response);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(result.skipped, 'shared-cache');

    // A response whose headers cannot change (a fetch()'s, Response.redirect()): said so.
    result = captureTrackingId(request('https://app.example.com/?ta_tid=w-4'), Response.redirect('https://app.example.com/x', 302));
    assert.equal(result.skipped, 'error');
    assert.equal(result.cookie, false);
    assert.match(result.error, /the response's headers cannot be changed .*new Response\(response.body, response\)/);

    // Never throws, whatever it is given.
    for (const args of [[null, null], [{}, new Response('')], [request('https://a.example.com/?ta_tid=x'), null]]) {
      result = captureTrackingId(...args);
      assert.equal(result.skipped, 'error');
      assert.equal(typeof result.error, 'string');
    }
  });
});
