// The harness the end-to-end tests share: the Chromium they launch, the host names they visit,
// the `ta_tid` cookie lookups, page-error collection and the expiry assertion. Not a test file
// itself (node --test picks up only *.test.mjs here).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { makeSelfSignedCert, PKG_DIR, REPO_ROOT } from '../support/server.mjs';

/** The browser: Debian's Chromium unless CHROMIUM_PATH says otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Launches Chromium with every host name mapped to 127.0.0.1. `https: true` (the default) also
 * accepts the self-signed certificate of the test servers.
 */
export function launchChromium({ https = true, args: extra = [] } = {}) {
  const args = [
    ...extra,
    '--no-sandbox',
    '--host-resolver-rules=MAP * 127.0.0.1',
    ...(https ? ['--ignore-certificate-errors'] : []),
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** The environment of child processes (npm, vite, node): not node:test subprocesses. */
export const CHILD_ENV = { ...process.env };
delete CHILD_ENV.NODE_TEST_CONTEXT;

/** Where the fresh apps' npm downloads go (gitignored): only a machine's first run reaches the registry. */
export const NPM_CACHE = path.join(REPO_ROOT, 'tests/e2e/.tmp/npm-cache');

/** Runs `npm <args>` in `cwd` with the test cache, quietly; rejects with its output on failure. */
export function npm(args, cwd) {
  return promisify(execFile)('npm', [...args, '--cache', NPM_CACHE, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: CHILD_ENV,
    timeout: 300_000,
    maxBuffer: 16 << 20,
  });
}

/** A TCP port free on 127.0.0.1 now (for a server the test starts as another process). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The cookie (and URL parameter) name. */
export const NAME = 'ta_tid';
export const DAY = 86_400;
/** How far a cookie's expiry may be from the expected one, in seconds. */
export const SLACK = 60;

/** Each host, and the `domain` of the cookie the browser must hold for it (auto domain). */
export const HOSTS = [
  { host: 'www.shop.example.co.uk', domain: '.example.co.uk', reported: 'example.co.uk' },
  { host: 'app.example.com', domain: '.example.com', reported: 'example.com' },
  { host: 'alice.github.io', domain: '.alice.github.io', reported: 'alice.github.io' },
  { host: 'localhost', domain: 'localhost', reported: null },
  { host: '127.0.0.1', domain: '127.0.0.1', reported: null },
];

/** The README's stub snippet for the script tag, verbatim: queues calls made before it loads. */
export const STUB = `window.taapit = window.taapit || { q: [] };
['ready', 'capture', 'getTrackingId', 'clearTrackingId', 'grantConsent', 'revokeConsent', 'decorateUrl'].forEach(function (m) { taapit[m] = taapit[m] || function () { taapit.q[taapit.q.length] = [m, arguments]; }; });`;

/** Values of `ta_tid` that must never be stored (raw, as they appear in the query string). */
export const HOSTILE = [
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

/** A self-signed certificate for every name of {@link HOSTS}. */
export function hostsCert() {
  return makeSelfSignedCert({ names: HOSTS.map((h) => h.host) });
}

/** Asserts that each of `files` is in pkg/ (built by scripts/build.sh). */
export function assertPkgBuilt(...files) {
  const missing = files.filter((file) => !existsSync(path.join(PKG_DIR, file)));
  assert.deepEqual(missing, [], 'pkg/ is not built: run `bash scripts/build.sh` first');
}

/** Answers with an HTML page, never cached. */
export function sendHtml(res, text, status = 200) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Navigates `page` to `url`, asserting a 200. */
export async function gotoOk(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.equal(response?.status(), 200, `GET ${url}`);
}

/**
 * Records into `problems` every uncaught error of `page`, and its console messages of the
 * `console` types (e.g. `['error', 'warning']`), each prefixed with the page's URL when `withUrl`.
 */
export function watchPage(page, problems, { console: types = [], withUrl = true } = {}) {
  const at = () => (withUrl ? `${page.url()}: ` : '');
  page.on('pageerror', (error) => problems.push(`${at()}page error: ${error.stack || error}`));
  page.on('console', (message) => {
    if (types.includes(message.type())) problems.push(`${at()}console ${message.type()}: ${message.text()}`);
  });
}

/**
 * Runs `fn(context, problems)` in a fresh browser context, closes it, then fails if anything was
 * recorded into `problems` (see {@link watchPage}).
 */
export async function inFreshContext(browser, contextOptions, fn, message) {
  const context = await browser.newContext(contextOptions);
  const problems = [];
  try {
    await fn(context, problems);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], message);
}

/**
 * {@link inFreshContext} over HTTPS (the self-signed certificate accepted): runs
 * `fn(makeSession(context, problems))`.
 */
export async function inHttpsContext(browser, makeSession, fn, message) {
  await inFreshContext(
    browser,
    { ignoreHTTPSErrors: true },
    (context, problems) => fn(makeSession(context, problems)),
    message,
  );
}

/** The members every test session has: its context and its `ta_tid` cookies. */
export function cookieHelpers(context) {
  return {
    context,
    idCookies: () => idCookies(context),
    theCookie: () => theCookie(context),
  };
}

/** Every cookie called `name` (default `ta_tid`) the context holds, for any domain. */
export async function idCookies(context, name = NAME) {
  return (await context.cookies()).filter((c) => c.name === name);
}

/** The one `ta_tid` cookie, asserting there is exactly one. */
export async function theCookie(context) {
  const ids = await idCookies(context);
  assert.equal(ids.length, 1, `exactly one ${NAME} cookie, got ${JSON.stringify(ids)}`);
  return ids[0];
}

/** Asserts `cookie` expires `days` after the visit `v` (`{ before, after }`, within a minute). */
export function assertExpiresIn(cookie, days, v) {
  const low = v.before + days * DAY - SLACK;
  const high = v.after + days * DAY + SLACK;
  assert.ok(
    cookie.expires >= low && cookie.expires <= high,
    `expires ${new Date(cookie.expires * 1000).toISOString()} should be ${days} days from now`,
  );
}
