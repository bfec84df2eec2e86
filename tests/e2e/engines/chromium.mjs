// Chromium for the end-to-end suites, through playwright-core, with the engine-neutral
// interface of ./index.mjs. Every host name maps to 127.0.0.1 (--host-resolver-rules).

import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

import { initSource } from './harness.mjs';

/** The browser: Debian's Chromium unless CHROMIUM_PATH says otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Launches Chromium with every host name mapped to 127.0.0.1. `https: true` (the default) also
 * accepts the self-signed certificate of the test servers.
 */
export function launchChromiumRaw({ https = true } = {}) {
  const args = [
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

/** Chromium behind the engine-neutral interface. */
export async function launchChromium() {
  const browser = await launchChromiumRaw();
  return {
    engine: 'chromium',
    async newContext() {
      return new ChromiumContext(await browser.newContext({ ignoreHTTPSErrors: true }));
    },
    close: () => browser.close(),
  };
}

class ChromiumContext {
  errors = [];
  warnings = [];
  #context;

  constructor(context) {
    this.#context = context;
  }

  async newPage() {
    const page = await this.#context.newPage();
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

  close() {
    return this.#context.close();
  }
}

class ChromiumPage {
  #context;
  #page;

  constructor(context, page) {
    this.#context = context;
    this.#page = page;
  }

  async goto(url, { init } = {}) {
    if (init) await this.#page.addInitScript(initSource(init));
    const response = await this.#page.goto(url, { waitUntil: 'load' });
    assert.equal(response?.status(), 200, `GET ${url}`);
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
