// Firefox ESR and WebKitGTK for the end-to-end suites, through their W3C WebDriver servers
// (geckodriver, WebKitWebDriver), with the engine-neutral interface of ./index.mjs.
//
// Real host names: Firefox resolves every name to 127.0.0.1 (`network.dns.forceResolve`);
// WebKitGTK has no such switch, so MiniBrowser sends every request through a small CONNECT
// proxy on 127.0.0.1 that connects any `host:port` to `127.0.0.1:port` (the W3C `proxy`
// capability does not work for this in WebKitWebDriver: its `sslProxy` becomes a TLS proxy).
// Both accept the test server's self-signed certificate (`acceptInsecureCerts`) and apply
// their own public suffix list and cookie rules.
//
// One browser session per suite and engine (a fresh profile: geckodriver makes a new one,
// MiniBrowser's automation session keeps nothing on disk); a "context" is that session with
// every cookie and storage item it made removed when it closes, host by host, and checked
// gone. A page is a tab. Cookies are read with WebDriver's "Get All Cookies" from an empty
// page on the host asked about: the cookies that host's pages are sent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const cargoGeckodriver = path.join(os.homedir(), '.cargo/bin/geckodriver');
const GECKODRIVER = process.env.GECKODRIVER || (existsSync(cargoGeckodriver) ? cargoGeckodriver : 'geckodriver');
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** The longest a WebDriver command may take (page loads and scripts time out at 30 s). */
const COMMAND_TIMEOUT_MS = 45_000;
/** The key WebDriver wraps an element reference in. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** A free port on 127.0.0.1, for a driver that wants one on its command line. */
async function freePort() {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A proxy on 127.0.0.1 that answers every CONNECT `host:port` with a tunnel to
 * `127.0.0.1:port`: any host name reaches the test server, which listens on loopback only.
 */
async function startMapAllProxy() {
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer();
  server.on('connection', track);
  // A plain TCP server reading the CONNECT line itself: nothing but CONNECT is expected.
  server.on('connection', (client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [method, target] = head.subarray(0, head.indexOf('\r\n')).toString('latin1').split(' ');
      const port = Number(target?.slice(target.lastIndexOf(':') + 1));
      if (method !== 'CONNECT' || !Number.isInteger(port) || port <= 0) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      const upstream = net.connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      track(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  const port = await listen(server);
  return {
    port,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Xvfb on a free display (it reports which through -displayfd), for WebKit without $DISPLAY. */
async function startXvfb() {
  const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  x.stderr.on('data', (d) => {
    err += d;
  });
  const display = await new Promise((resolve, reject) => {
    let buf = '';
    x.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(`:${buf.trim()}`);
    });
    x.once('exit', (code) => reject(new Error(`Xvfb exited ${code}: ${err}`)));
    setTimeout(() => reject(new Error(`Xvfb did not start: ${err}`)), 10_000).unref();
  });
  return {
    display,
    stop() {
      if (x.exitCode === null) x.kill('SIGTERM');
    },
  };
}

/** Spawns a WebDriver server on a free port and waits until its /status says ready. */
async function startDriver(command, args, env) {
  const port = await freePort();
  const child = spawn(command, args(port), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${base}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 30_000) throw new Error(`${command} did not answer /status:\n${output}`);
    await sleep(50);
  }
  return {
    base,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** One W3C WebDriver command; throws with the driver's error and message. */
async function command(base, method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // No command takes this long unless the browser hangs: fail the test instead of waiting.
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).catch((error) => {
    throw new Error(`WebDriver ${method} ${p}: ${error.name === 'TimeoutError' ? `no answer in ${COMMAND_TIMEOUT_MS} ms` : error}`);
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`WebDriver ${method} ${p}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  if (!res.ok || json.value?.error) {
    throw new Error(`WebDriver ${method} ${p}: ${json.value?.error}: ${json.value?.message}`);
  }
  return json.value;
}

/** Each engine: its driver command and the capabilities of a new session. */
const ENGINES = {
  firefox: {
    newWindow: 'tab',
    async start() {
      const driver = await startDriver(GECKODRIVER, (port) => ['--port', String(port), '--host', '127.0.0.1'], process.env);
      return { driver, stop: () => driver.stop() };
    },
    capabilities: (running, profile) => ({
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: FIREFOX,
        args: ['-headless'],
        prefs: {
          // The profile's preferences first: the ones below are what the harness needs.
          ...profile.prefs,
          // Every name resolves to loopback, as Chromium's --host-resolver-rules does.
          'network.dns.forceResolve': '127.0.0.1',
          // Nothing of the browser's own reaches out (the tests reach 127.0.0.1 only).
          'network.captive-portal-service.enabled': false,
          'network.connectivity-service.enabled': false,
          'browser.safebrowsing.update.enabled': false,
        },
      },
    }),
  },
  webkit: {
    // A page in a window of its own: WebKitWebDriver's pointer actions never complete in a
    // tab that is not the window's visible one.
    newWindow: 'window',
    async start() {
      const xvfb = process.env.DISPLAY ? null : await startXvfb();
      const proxy = await startMapAllProxy();
      const env = { ...process.env, ...(xvfb ? { DISPLAY: xvfb.display } : {}) };
      const driver = await startDriver(WEBKIT_DRIVER, (port) => [`--port=${port}`], env);
      return {
        driver,
        proxy,
        async stop() {
          await driver.stop();
          await proxy.close();
          xvfb?.stop();
        },
      };
    },
    capabilities: (running, profile) => ({
      'webkitgtk:browserOptions': {
        binary: MINIBROWSER,
        args: [...(profile.args ?? []), '--automation', `--proxy=http://127.0.0.1:${running.proxy.port}`],
      },
    }),
  },
};

/**
 * Launches `engine` ("firefox" or "webkit") for pages of `server`, armed through `harness`.
 * `profile`: Firefox `{ prefs }` (about:config preferences), WebKit `{ args }` (MiniBrowser
 * options, e.g. `--cookies-policy=never`).
 */
export async function launchWebDriver(engine, { server, harness, profile = {} }) {
  const spec = ENGINES[engine];
  const running = await spec.start();
  let session;
  try {
    const made = await command(running.driver.base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          acceptInsecureCerts: true, // the test server's self-signed certificate
          pageLoadStrategy: 'normal',
          unhandledPromptBehavior: 'dismiss',
          timeouts: { script: 30_000, pageLoad: 30_000, implicit: 0 },
          ...spec.capabilities(running, profile),
        },
      },
    });
    session = `${running.driver.base}/session/${made.sessionId}`;
  } catch (error) {
    await running.stop();
    throw error;
  }
  const wd = (method, p, body) => command(session, method, p, body);
  const base = await wd('GET', '/window');
  const browser = {
    engine,
    async newContext() {
      return new WebDriverContext(wd, base, server, harness, spec.newWindow);
    },
    async close() {
      try {
        await wd('DELETE', '');
      } finally {
        await running.stop();
      }
    },
  };
  return browser;
}

/** Playwright's cookie shape, from a WebDriver cookie. */
function normalCookie(c) {
  return {
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    expires: c.expiry ?? -1,
    httpOnly: c.httpOnly ?? false,
    secure: c.secure ?? false,
    sameSite: c.sameSite ?? null,
  };
}

class WebDriverContext {
  /** Uncaught page errors (and unhandled rejections), each with the page's address. */
  errors = [];
  /** `console.warn` lines, in order. */
  warnings = [];
  #wd;
  #base; // the first window: never closed (that would end the session); reads cookies
  #server;
  #harness;
  #current;
  #baseUrl = 'about:blank';
  #pages = new Set();
  #hosts = new Set();
  #newWindowType;

  constructor(wd, base, server, harness, newWindowType) {
    this.#newWindowType = newWindowType;
    this.#wd = wd;
    this.#base = base;
    this.#current = base;
    this.#server = server;
    this.#harness = harness;
  }

  /** The WebDriver command function, with `handle`'s window current first. */
  async wdIn(handle, method, p, body) {
    if (this.#current !== handle) {
      await this.#wd('POST', '/window', { handle });
      this.#current = handle;
    }
    return this.#wd(method, p, body);
  }

  wd(method, p, body) {
    return this.#wd(method, p, body);
  }

  /** Notes that the context has been on `host` (its cookies and storage are cleared at close). */
  visited(host) {
    this.#hosts.add(host);
  }

  get harness() {
    return this.#harness;
  }

  forget(page) {
    this.#pages.delete(page);
    this.#current = null;
  }

  async newPage() {
    await this.wdIn(this.#base, 'GET', '/window'); // a current window to open the tab from
    const { handle } = await this.#wd('POST', '/window/new', { type: this.#newWindowType });
    const page = new WebDriverPage(this, handle);
    this.#pages.add(page);
    return page;
  }

  /** Waits for the new tab `tab` to load a URL matching `pattern`; returns it, closes the tab. */
  async inTab(tab, pattern, t0) {
    try {
      for (;;) {
        const url = await this.wdIn(tab, 'GET', '/url');
        const ready = await this.#wd('POST', '/execute/sync', { script: 'return document.readyState', args: [] });
        if (pattern.test(url) && ready === 'complete') return url;
        if (Date.now() - t0 > 15_000) throw new Error(`the new tab did not go to ${pattern} (at ${url})`);
        await sleep(25);
      }
    } finally {
      await this.wdIn(tab, 'DELETE', '/window');
      this.#current = null;
    }
  }

  /** Puts the base window on an empty page of `host`. */
  async #baseOn(host) {
    const url = this.#server.url(host, '/__e2e/blank');
    this.visited(host);
    if (this.#baseUrl !== url) {
      await this.wdIn(this.#base, 'POST', '/url', { url });
      const href = await this.wdIn(this.#base, 'POST', '/execute/sync', { script: 'return location.href', args: [] });
      assert.equal(href, url, `the empty page of ${host} did not load`);
      this.#baseUrl = url;
    } else {
      await this.wdIn(this.#base, 'GET', '/window');
    }
  }

  /** The cookies a page on `host` is sent (Playwright's shape). */
  async cookies(host) {
    await this.#baseOn(host);
    return (await this.#wd('GET', '/cookie')).map(normalCookie);
  }

  /**
   * Stores `cookies` as earlier pages of `host` would have: `{ name, value, domain?, expires,
   * secure, sameSite }`, host-only without `domain`, all on `/`.
   */
  async addCookies(host, cookies) {
    await this.#baseOn(host);
    for (const c of cookies) {
      const cookie = { name: c.name, value: c.value, path: '/', secure: !!c.secure, httpOnly: false };
      if (c.domain) cookie.domain = c.domain;
      if (c.expires !== undefined) cookie.expiry = Math.floor(c.expires);
      if (c.sameSite) cookie.sameSite = c.sameSite;
      await this.#wd('POST', '/cookie', { cookie });
    }
  }

  /**
   * Closes every page, then removes every cookie and storage item of every host the context
   * went to, and checks that none is left: the next context starts empty.
   */
  async close() {
    for (const page of [...this.#pages]) await page.close();
    this.#harness.disarm();
    for (const host of this.#hosts) {
      await this.#baseOn(host);
      await this.#wd('DELETE', '/cookie');
      // WebKitWebDriver's "Delete All Cookies" leaves the cookies of parent domains: expire
      // what is left from the page itself.
      const rest = await this.#wd('GET', '/cookie');
      await this.#wd('POST', '/execute/sync', {
        script: `for (const c of arguments[0]) {
            const domain = c.domain.startsWith('.') ? '; Domain=' + c.domain.slice(1) : '';
            document.cookie = c.name + '=; Path=' + c.path + domain + '; Max-Age=0; Secure; SameSite=None';
            document.cookie = c.name + '=; Path=' + c.path + domain + '; Max-Age=0';
          }
          // Storage a profile blocks throws here, and holds nothing to clear.
          try {
            localStorage.clear();
            sessionStorage.clear();
          } catch (_) {}`,
        args: [rest],
      });
      const left = await this.#wd('GET', '/cookie');
      assert.deepEqual(left, [], `cookies of ${host} left after clearing`);
    }
    this.#hosts.clear();
    await this.wdIn(this.#base, 'POST', '/url', { url: 'about:blank' });
    this.#baseUrl = 'about:blank';
  }
}

/** Resolves a selector (`a >> b`: `b` inside `a`, through its open shadow root) to an element. */
const FIND = `const parts = arguments[0].split(' >> ');
let root = document;
let el = null;
for (const part of parts) {
  el = (root.shadowRoot || root).querySelector(part);
  if (!el) return null;
  root = el;
}
return el;`;

class WebDriverPage {
  #ctx;
  #handle;
  #closed = false;
  #loading = null;

  constructor(ctx, handle) {
    this.#ctx = ctx;
    this.#handle = handle;
  }

  #wd(method, p, body) {
    assert.ok(!this.#closed, 'the page is closed');
    return this.#ctx.wdIn(this.#handle, method, p, body);
  }

  #sync(script, ...args) {
    return this.#wd('POST', '/execute/sync', { script, args });
  }

  /** Moves what the harness recorded in the page into the context's lists. */
  async #collect() {
    const got = await this.#sync(`const r = window.__e2e;
      if (!r) return null;
      const out = { href: location.href, errors: r.errors.slice(), warnings: r.warnings.slice() };
      r.errors.length = 0;
      r.warnings.length = 0;
      return out;`).catch(() => null);
    if (!got) return;
    for (const e of got.errors) this.#ctx.errors.push(`${got.href}: ${e}`);
    this.#ctx.warnings.push(...got.warnings);
  }

  /**
   * Loads `url` (served with the harness and `init`), asserting it is the page that loaded. A
   * `file:` page carries the harness itself (`PageHarness.inline()`), and takes no `init`.
   */
  async goto(url, { init } = {}) {
    await this.#collect();
    const u = new URL(url);
    if (u.protocol === 'file:') {
      assert.equal(init, undefined, 'a file: page takes no init script');
    } else {
      this.#ctx.visited(u.hostname);
      this.#ctx.harness.arm(url, init);
    }
    await this.#wd('POST', '/url', { url });
    // A failed load can still report success (WebKit): check that the harness ran in the
    // page, at this address (where it was before any script of the page could change it).
    const at = await this.#sync('return [window.__e2e ? window.__e2e.href : null, location.href]');
    assert.equal(at[0], u.href, `GET ${url}: the test page did not load (at ${at[1]})`);
  }

  /**
   * Starts loading `url` (served with the harness and `init`) and returns at once: the page's
   * own script assigns `location.href`, so the driver is free to start a load in another tab
   * while this one goes on (its Navigate To command would wait for the load).
   */
  async startGoto(url, { init } = {}) {
    await this.#collect();
    this.#ctx.visited(new URL(url).hostname);
    this.#ctx.harness.arm(url, init);
    this.#loading = new URL(url).href;
    await this.#sync('location.href = arguments[0]', url);
  }

  /** Waits until the load {@link startGoto} started is complete, asserting it is the test page. */
  async waitForLoad({ timeout = 15_000 } = {}) {
    const href = this.#loading;
    this.#loading = null;
    assert.ok(href, 'waitForLoad() without startGoto()');
    const t0 = Date.now();
    for (;;) {
      // Between two documents the command can fail: that is "not yet".
      const at = await this.#sync('return [window.__e2e ? window.__e2e.href : null, document.readyState, location.href]').catch(() => null);
      if (at?.[0] === href && at[1] === 'complete') return;
      if (Date.now() - t0 > timeout) throw new Error(`GET ${href}: the test page did not load (at ${at?.[2]})`);
      await sleep(25);
    }
  }

  /** The page's title, read by the driver (no script of the page's world involved). */
  title() {
    return this.#wd('GET', '/title');
  }

  /** Runs `fn(arg)` (or the expression `fn`, a string) in the page, awaiting a promise. */
  async evaluate(fn, arg) {
    const source = typeof fn === 'function' ? String(fn) : `() => (0, eval)(${JSON.stringify(fn)})`;
    const script = `const done = arguments[arguments.length - 1];
      new Promise((resolve) => resolve((${source})(arguments[0]))).then(
        (value) => done({ value }),
        (error) => done({ error: String((error && error.stack) || error) }),
      );`;
    const out = await this.#wd('POST', '/execute/async', { script, args: [arg ?? null] });
    if (out?.error) throw new Error(`evaluate: ${out.error}`);
    // `{ value: undefined }` arrives as `{}`: undefined stays undefined, null stays null.
    return out && 'value' in out ? out.value : undefined;
  }

  /** Waits until `fn(arg)` is truthy in the page. */
  async waitForFunction(fn, arg, { timeout = 15_000 } = {}) {
    const t0 = Date.now();
    for (;;) {
      if (await this.evaluate(fn, arg)) return;
      if (Date.now() - t0 > timeout) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await sleep(25);
    }
  }

  async url() {
    return this.#wd('GET', '/url');
  }

  async #element(selector) {
    const el = await this.#sync(FIND, selector);
    assert.ok(el?.[ELEMENT], `no element ${selector}`);
    return el[ELEMENT];
  }

  /** Pointer actions on `selector`: `button` 0 (left) or 1 (middle), at `position` in it. */
  async #pointer(selector, { button = 0, position } = {}) {
    const id = await this.#element(selector);
    const rect = await this.#sync(`const r = arguments[0].getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };`, { [ELEMENT]: id });
    const at = position ?? { x: rect.width / 2, y: rect.height / 2 };
    await this.#wd('POST', '/actions', {
      actions: [
        {
          type: 'pointer',
          id: 'mouse',
          parameters: { pointerType: 'mouse' },
          actions: [
            { type: 'pointerMove', origin: 'viewport', x: Math.round(rect.x + at.x), y: Math.round(rect.y + at.y) },
            { type: 'pointerDown', button },
            { type: 'pointerUp', button },
          ],
        },
      ],
    });
    await this.#wd('DELETE', '/actions');
  }

  async #waitForURL(pattern) {
    const t0 = Date.now();
    for (;;) {
      const url = await this.#wd('GET', '/url');
      if (pattern.test(url) && (await this.#sync('return document.readyState')) === 'complete') return url;
      if (Date.now() - t0 > 15_000) throw new Error(`the page did not go to ${pattern} (at ${url})`);
      await sleep(25);
    }
  }

  /** Clicks `selector` (at `position` in it), waits for the URL to match; returns it. */
  async clickAndWaitForURL(selector, pattern, { position } = {}) {
    await this.#collect();
    if (position) {
      await this.#pointer(selector, { position });
    } else {
      await this.#wd('POST', `/element/${await this.#element(selector)}/click`, {});
    }
    return this.#waitForURL(pattern);
  }

  /** Focuses `selector`, presses Enter, waits for the URL to match; returns it. */
  async pressEnterAndWaitForURL(selector, pattern) {
    await this.#collect();
    await this.#sync('arguments[0].focus()', { [ELEMENT]: await this.#element(selector) });
    const enter = '\uE007';
    await this.#wd('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value: enter }, { type: 'keyUp', value: enter }] }],
    });
    await this.#wd('DELETE', '/actions');
    return this.#waitForURL(pattern);
  }

  /**
   * Middle-clicks `selector`: `{ url, newTab }`, the URL the link loaded and whether it loaded
   * in a new tab (closed again) or in this one.
   */
  async middleClick(selector, pattern = /\/landing/) {
    await this.#collect();
    const before = new Set(await this.#wd('GET', '/window/handles'));
    await this.#pointer(selector, { button: 1 });
    const t0 = Date.now();
    for (;;) {
      const tab = (await this.#ctx.wd('GET', '/window/handles')).find((h) => !before.has(h));
      if (tab) return { url: await this.#ctx.inTab(tab, pattern, t0), newTab: true };
      const here = await this.#wd('GET', '/url');
      if (pattern.test(here) && (await this.#sync('return document.readyState')) === 'complete') {
        return { url: here, newTab: false };
      }
      if (Date.now() - t0 > 15_000) throw new Error(`middle-click on ${selector} loaded nothing (at ${here})`);
      await sleep(25);
    }
  }

  async close() {
    if (this.#closed) return;
    await this.#collect();
    await this.#wd('DELETE', '/window');
    this.#closed = true;
    this.#ctx.forget(this);
  }
}
