// Chromium for the end-to-end suites, through playwright-core, with the engine-neutral
// interface of ./index.mjs. Every host name maps to 127.0.0.1 (--host-resolver-rules).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { initSource } from './harness.mjs';

/** The browser: Debian's Chromium unless CHROMIUM_PATH says otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Chromium's command line: `extra`, then every host name mapped to 127.0.0.1, the test
 * servers' self-signed certificate accepted, and nothing of the browser's own on the network.
 */
function chromiumArgs(extra = []) {
  return [
    ...extra,
    '--no-sandbox',
    '--host-resolver-rules=MAP * 127.0.0.1',
    '--ignore-certificate-errors',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ];
}

/**
 * Chromium behind the engine-neutral interface. `profile`: `{ args }` (more command-line
 * switches), `{ preferences }` (the profile's Preferences file, e.g. content settings: each
 * context is then a browser of its own on a new profile directory holding them, since
 * Playwright's contexts cannot take preferences), `{ documentCookieDisabled: true }` (every
 * page as a browser with cookies turned off shows it: `document.cookie` reads "" and ignores
 * writes, through the DevTools protocol's `Emulation.setDocumentCookieDisabled`).
 */
export async function launchChromium({ profile = {} } = {}) {
  const args = chromiumArgs(profile.args);
  const browser = profile.preferences ? null : await chromium.launch({ executablePath: CHROMIUM, args });
  return {
    engine: 'chromium',
    async newContext() {
      if (browser) return new ChromiumContext(await browser.newContext({ ignoreHTTPSErrors: true }), profile);
      const dir = await mkdtemp(path.join(tmpdir(), 'taapit-e2e-profile-'));
      await mkdir(path.join(dir, 'Default'));
      await writeFile(path.join(dir, 'Default', 'Preferences'), JSON.stringify(profile.preferences));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        args,
        ignoreHTTPSErrors: true,
      });
      return new ChromiumContext(context, profile, () => rm(dir, { recursive: true, force: true }));
    },
    close: async () => browser?.close(),
  };
}

class ChromiumContext {
  errors = [];
  warnings = [];
  #context;
  #profile;
  #removeProfile;

  constructor(context, profile = {}, removeProfile = null) {
    this.#context = context;
    this.#profile = profile;
    this.#removeProfile = removeProfile;
  }

  async newPage() {
    const page = await this.#context.newPage();
    if (this.#profile.documentCookieDisabled) {
      const cdp = await this.#context.newCDPSession(page);
      await cdp.send('Emulation.setDocumentCookieDisabled', { disabled: true });
    }
    page.on('pageerror', (error) => this.errors.push(`${page.url()}: page error: ${error.stack || error}`));
    page.on('console', (message) => {
      if (message.type() === 'warning') this.warnings.push(message.text());
    });
    return new ChromiumPage(this.#context, page);
  }

  cookies(host) {
    return this.#context.cookies(`https://${host}/`);
  }

  addCookies(host, cookies) {
    return this.#context.addCookies(
      cookies.map(({ domain, ...c }) => (domain ? { ...c, domain, path: '/' } : { ...c, url: `https://${host}/` })),
    );
  }

  async close() {
    await this.#context.close();
    await this.#removeProfile?.();
  }
}

class ChromiumPage {
  #context;
  #page;
  #loading = null;

  constructor(context, page) {
    this.#context = context;
    this.#page = page;
  }

  async goto(url, options) {
    await this.startGoto(url, options);
    await this.waitForLoad();
  }

  async startGoto(url, { init } = {}) {
    if (init) await this.#page.addInitScript(initSource(init));
    this.#loading = this.#page.goto(url, { waitUntil: 'load' }).then((response) => {
      assert.equal(response?.status(), 200, `GET ${url}`);
    });
    this.#loading.catch(() => {}); // waitForLoad() reports it
  }

  async waitForLoad() {
    const loading = this.#loading;
    this.#loading = null;
    assert.ok(loading, 'waitForLoad() without startGoto()');
    await loading;
  }

  title() {
    return this.#page.title();
  }

  evaluate(fn, arg) {
    return this.#page.evaluate(fn, arg);
  }

  async waitForFunction(fn, arg, { timeout = 15_000 } = {}) {
    await this.#page.waitForFunction(fn, arg, { timeout });
  }

  async url() {
    return this.#page.url();
  }

  async clickAndWaitForURL(selector, pattern, { position } = {}) {
    await Promise.all([this.#page.waitForURL(pattern), this.#page.click(selector, position ? { position } : {})]);
    return this.#page.url();
  }

  async pressEnterAndWaitForURL(selector, pattern) {
    await this.#page.focus(selector);
    await Promise.all([this.#page.waitForURL(pattern), this.#page.keyboard.press('Enter')]);
    return this.#page.url();
  }

  async middleClick(selector, pattern = /\/landing/) {
    const [tab] = await Promise.all([
      this.#context.waitForEvent('page'),
      this.#page.click(selector, { button: 'middle' }),
    ]);
    try {
      await tab.waitForURL(pattern);
      await tab.waitForLoadState();
      return { url: tab.url(), newTab: true };
    } finally {
      await tab.close();
    }
  }

  close() {
    return this.#page.close();
  }
}
