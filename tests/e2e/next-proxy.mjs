// Server-side capture in the fresh Next.js app of nextjs.test.mjs: the app's `proxy.ts` calls
// `captureTrackingId` from `taapit-capture/server` (the packed tarball), and a page at
// /server-capture shows what the page's module then reads. nextjs.test.mjs adds these files to
// its app, builds it once per bundler, and runs `serverCaptureFlow` against `next start`.
//
// Real host names over HTTPS: an HTTPS front on 127.0.0.1 (a self-signed certificate for the
// names) forwards every request to `next start` with its Host header kept and
// `X-Forwarded-Proto: https`, records each response's Set-Cookie, and serves the WebDriver
// harness (tests/e2e/engines/harness.mjs) for WebKit. Chromium and WebKit, one browser session
// each, land on /server-capture?ta_tid=… on each host: the cookie must be in the browser before
// any script of the page ran, and the page's module must then agree with it (one copy).
// Not a test file itself.

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

import { launchEngine, PageHarness } from './engines/index.mjs';
import { DAY, hostsCert, SLACK } from './support.mjs';

/** The app's files for server-side capture (added to nextjs.test.mjs's APP_FILES). */
export const PROXY_APP_FILES = {
  // Next.js 16's proxy (the former middleware.ts), which always runs in the Node.js runtime.
  // The import is the package's; the headers are the test's window on where it ran and what
  // it did.
  'proxy.ts': `import { NextResponse, type NextRequest } from "next/server";
import { captureTrackingId } from "taapit-capture/server";

declare const EdgeRuntime: string | undefined;

export function proxy(request: NextRequest) {
  const response = NextResponse.next();
  // Behind the test's HTTPS front, which sets X-Forwarded-Proto.
  const result = captureTrackingId(request, response, { trustForwardedProto: true });
  // The proxy's own cookie, set through NextResponse's cookie list after the capture.
  if (request.nextUrl.searchParams.has("own_cookie")) response.cookies.set("own", "1");
  response.headers.set("x-taapit-runtime", typeof EdgeRuntime === "string" ? "edge" : "nodejs");
  response.headers.set("x-taapit-capture", JSON.stringify(result));
  return response;
}

export const config = { matcher: ["/server-capture", "/static-capture"] };
`,
  // The same capture in the edge runtime (a route handler with runtime = "edge"; Next.js 16
  // runs proxy.ts in Node.js only): the package's edge-light condition gives the wasm2js build.
  'app/edge-capture/route.ts': `import { captureTrackingId } from "taapit-capture/server";

declare const EdgeRuntime: string | undefined;

export const runtime = "edge";
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  const response = new Response("<!doctype html><title>edge</title>", {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
  const result = captureTrackingId(request, response, { trustForwardedProto: true });
  response.headers.set("x-taapit-runtime", typeof EdgeRuntime === "string" ? "edge" : "nodejs");
  response.headers.set("x-taapit-capture", JSON.stringify(result));
  return response;
}
`,
  // Prerendered: Next.js serves it with s-maxage, unless the proxy's Cache-Control says otherwise.
  'app/static-capture/page.tsx': `export default function StaticCapture() {
  return <p>A prerendered page</p>;
}
`,
  // Rendered for each request: a page's response that no shared cache stores.
  'app/server-capture/page.tsx': `import { TrackingId } from "../tracking-id";

export const dynamic = "force-dynamic";

export default function ServerCapture() {
  return (
    <main>
      <h1>Server-side capture</h1>
      <TrackingId />
    </main>
  );
}
`,
};

/**
 * Puts the proxy's code in `middleware.ts` (the convention before Next.js 16, still served, in
 * the edge runtime) instead of `proxy.ts` in the app at `app`; `await restore()` puts it back.
 */
export async function useMiddleware(app) {
  const middleware = PROXY_APP_FILES['proxy.ts'].replace('export function proxy(', 'export function middleware(');
  await rm(path.join(app, 'proxy.ts'));
  await writeFile(path.join(app, 'middleware.ts'), middleware);
  return async () => {
    await rm(path.join(app, 'middleware.ts'));
    await writeFile(path.join(app, 'proxy.ts'), PROXY_APP_FILES['proxy.ts']);
  };
}

/** Each host, the Domain the server's Set-Cookie must name, and the domain the browser stores. */
const PROXY_HOSTS = [
  { host: 'www.shop.example.co.uk', domain: 'example.co.uk', stored: '.example.co.uk' },
  { host: 'alice.github.io', domain: 'alice.github.io', stored: '.alice.github.io' },
  { host: 'localhost', domain: undefined, stored: 'localhost' },
  { host: '127.0.0.1', domain: undefined, stored: '127.0.0.1' },
];

/**
 * The HTTPS front: forwards to `next start` on 127.0.0.1:`upstream` (set per build), keeps the
 * Host header, adds X-Forwarded-Proto, and records `setCookies[path]` of every response.
 */
export async function startHttpsFront() {
  const harness = new PageHarness();
  const routes = harness.routes();
  const front = { upstream: null, setCookies: new Map(), harness };
  const server = https.createServer(await hostsCert(), (req, res) => {
    const route = routes[new URL(req.url, 'https://x').pathname];
    if (route) return route(req, res);
    const headers = { ...req.headers, 'x-forwarded-proto': 'https' };
    delete headers['accept-encoding']; // plain text, for the harness to go into the HTML
    const upstream = http.request(
      { host: '127.0.0.1', port: front.upstream, path: req.url, method: req.method, headers },
      (answer) => {
        front.setCookies.set(`${req.headers.host}${req.url}`, answer.headers['set-cookie'] ?? []);
        const html = /text\/html/.test(answer.headers['content-type'] ?? '');
        if (!html) {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          return;
        }
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk) => (body += chunk));
        answer.on('end', () => {
          const page = harness.page(req, body);
          const out = { ...answer.headers, 'content-length': Buffer.byteLength(page) };
          delete out['transfer-encoding'];
          res.writeHead(answer.statusCode, out);
          res.end(page);
        });
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  front.url = (host, path) => `https://${host}:${port}${path}`;
  front.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return front;
}

/** Chromium and WebKit, one session each, for pages behind `front`. */
export async function launchProxyBrowsers(front) {
  const browsers = [];
  for (const engine of ['chromium', 'webkit']) {
    browsers.push(await launchEngine(engine, { server: front, harness: front.harness }));
  }
  return browsers;
}

/** A GET straight to `next start` as the front sends it: `{ headers }`. */
function getFromNext(port, host, path) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { Host: host, 'x-forwarded-proto': 'https' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * The app served by `next start` on `port`: its proxy (proxy.ts: the Node.js runtime and the
 * .wasm; middleware.ts: `proxyRuntime` "edge" and the wasm2js build) and the edge route set the
 * cookie; on each host, in each browser, the cookie is there before any script, with the
 * Domain of the Public Suffix List, and the page's module then reads the same one copy.
 */
export async function serverCaptureFlow({ front, browsers, port, label, proxyRuntime = 'nodejs' }) {
  front.upstream = port;

  // Where each ran, and which build of the module decided.
  for (const { path, runtime, engine } of [
    { path: '/server-capture', runtime: proxyRuntime, engine: proxyRuntime === 'edge' ? 'wasm2js' : 'wasm' },
    { path: '/edge-capture', runtime: 'edge', engine: 'wasm2js' },
  ]) {
    const direct = await getFromNext(port, 'www.shop.example.co.uk', `${path}?ta_tid=${label}-direct`);
    assert.equal(direct.status, 200, path);
    assert.equal(direct.headers['x-taapit-runtime'], runtime, `${path} runs in the ${runtime} runtime`);
    const result = JSON.parse(direct.headers['x-taapit-capture']);
    assert.equal(result.engine, engine, `${path}: the ${engine} build decides`);
    assert.equal(result.cookie, true, JSON.stringify(result));
    assert.deepEqual(direct.headers['set-cookie'], result.setCookie, path);
    assert.equal(result.setCookie.length, 1, path);
    assert.match(result.setCookie[0], new RegExp(`^ta_tid=${label}-direct; Path=/; Domain=example.co.uk; Max-Age=7776000; Expires=[^;]+ GMT; SameSite=Lax; Secure$`), path);
    assert.match(direct.headers['cache-control'] ?? '', /no-store|private/, `${path}: no shared cache stores it`);
  }

  // A cookie the proxy sets through response.cookies after the capture (NextResponse writes
  // every Set-Cookie again from its own list then): the id's cookie is still sent.
  const own = await getFromNext(port, 'www.shop.example.co.uk', `/server-capture?ta_tid=${label}-own&own_cookie=1`);
  const ownNames = (own.headers['set-cookie'] ?? []).map((cookie) => cookie.split('=')[0]).sort();
  assert.deepEqual(ownNames, ['own', 'ta_tid'], JSON.stringify(own.headers['set-cookie']));

  // A prerendered page: served to everyone with s-maxage, but the response that carries one
  // visitor's cookie is marked private by the capture (Next.js sends the proxy's Cache-Control).
  const plain = await getFromNext(port, 'www.shop.example.co.uk', '/static-capture');
  assert.match(plain.headers['cache-control'] ?? '', /s-maxage/, 'the prerendered page is publicly cacheable');
  assert.equal(plain.headers['set-cookie'], undefined, 'no id, no cookie');
  const landed = await getFromNext(port, 'www.shop.example.co.uk', `/static-capture?ta_tid=${label}-static`);
  assert.equal(landed.headers['set-cookie']?.length, 1, 'the landing gets the cookie');
  assert.doesNotMatch(landed.headers['cache-control'] ?? '', /s-maxage|public/, 'its response is for this visitor only');
  assert.match(landed.headers['cache-control'] ?? '', /private/);

  for (const browser of browsers) {
    for (const { host, domain, stored } of PROXY_HOSTS) {
      const id = `${label}-${browser.engine}-${host.replace(/[^a-z0-9]/g, '')}`;
      const url = front.url(host, `/server-capture?ta_tid=${id}`);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const before = Date.now() / 1000;
        // Runs before any script of the page (Chromium: an init script; WebKit: the harness,
        // first in <head>): what the browser held from the response alone.
        await page.goto(url, {
          init: () => {
            window.__cookieBeforeScripts = document.cookie;
          },
        });
        const at = `[${browser.engine}] ${host}`;
        const sent = front.setCookies.get(`${new URL(url).host}/server-capture?ta_tid=${id}`) ?? [];
        assert.equal(sent.length, 1, `${at}: one Set-Cookie from the server: ${JSON.stringify(sent)}`);
        assert.match(sent[0], new RegExp(`^ta_tid=${id}; Path=/;`), at);
        assert.equal(/; Domain=([^;]+)/.exec(sent[0])?.[1], domain, `${at}: Domain`);
        assert.match(sent[0], /; SameSite=Lax; Secure$/, `${at}: SameSite=Lax; Secure on https`);
        assert.match(
          await page.evaluate(() => window.__cookieBeforeScripts),
          new RegExp(`(^|; )ta_tid=${id}(;|$)`),
          `${at}: the cookie is there before any script ran`,
        );

        // The page's module (<Analytics /> in the layout) captures the same id.
        await page.waitForFunction((want) => document.getElementById('tid')?.textContent === want, id, {
          timeout: 20_000,
        });
        const cookies = (await context.cookies(host)).filter((c) => c.name === 'ta_tid');
        assert.equal(cookies.length, 1, `${at}: one copy: ${JSON.stringify(cookies)}`);
        const [cookie] = cookies;
        assert.equal(cookie.value, id, at);
        assert.equal(cookie.domain, stored, `${at}: stored domain`);
        assert.equal(cookie.path, '/');
        assert.equal(cookie.secure, true);
        assert.equal(cookie.sameSite, 'Lax');
        assert.ok(Math.abs(cookie.expires - (before + 90 * DAY)) <= SLACK + 5, `${at}: expires in 90 days`);
        assert.equal(
          await page.evaluate(() => document.cookie.split('; ').filter((c) => c.startsWith('ta_tid=')).length),
          1,
          `${at}: the page sees one ta_tid`,
        );
      } finally {
        await context.close();
      }
      assert.deepEqual(context.errors, [], `[${browser.engine}] no uncaught error on ${host}`);
    }
  }
}
