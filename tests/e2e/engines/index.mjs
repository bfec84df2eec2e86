// The three browser engines of the end-to-end suites, behind one small interface, so a suite is
// written once and runs in each (`for (const engine of ENGINES) describe(`[${engine}]`, …)`):
//
//   browser = await launchEngine(engine, { server, harness })   // once per suite and engine
//                                             //   (`profile`: a browser set up otherwise)
//   context = await browser.newContext()      // an empty cookie jar and storage
//   page = await context.newPage()            // a tab
//   await page.goto(url, { init })            // init: a script run before the page's own
//   await page.startGoto(url, { init })       // starts the load and returns at once (loads in
//   await page.waitForLoad()                  //   several tabs overlap); waits for it
//   await page.title()                        // read by the driver, no script of the test in the page
//   await page.evaluate(fn, arg)              // fn(arg) in the page (a promise is awaited)
//   await page.waitForFunction(fn, arg)
//   await page.url()
//   await page.clickAndWaitForURL(selector, /re/, { position })   // a left click
//   await page.pressEnterAndWaitForURL(selector, /re/)            // focus, Enter
//   await page.middleClick(selector)          // { url, newTab }: what the link loaded, and
//                                             //   whether in a new tab (then closed) or this one
//   await page.close()
//   await context.cookies(host)               // what a page on host is sent: Playwright's shape
//                                             //   { name, value, domain, path, expires, secure, sameSite, httpOnly }
//   await context.addCookies(host, [{ name, value, domain?, expires, secure, sameSite }])
//   context.errors, context.warnings          // uncaught page errors, console.warn lines
//   await context.close()
//
// Selectors are CSS; `a >> b` is `b` inside `a`'s open shadow root. Chromium runs on
// playwright-core (./chromium.mjs), Firefox ESR and WebKitGTK on W3C WebDriver
// (./webdriver.mjs), whose pages the test server serves with a small harness first
// (./harness.mjs: routes and `harness.page(req, html)` for every test page).
//
// E2E_ENGINES=chromium,firefox picks engines (default: all three).

import assert from 'node:assert/strict';

import { launchChromium } from './chromium.mjs';
import { PageHarness } from './harness.mjs';
import { launchWebDriver } from './webdriver.mjs';

export { PageHarness };

/** Every engine, in the order the suites run them. */
export const ALL_ENGINES = ['chromium', 'firefox', 'webkit'];

/** The engines of this run (E2E_ENGINES, comma-separated; default all). */
export const ENGINES = (() => {
  const asked = (process.env.E2E_ENGINES || ALL_ENGINES.join(','))
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const engine of asked) {
    if (!ALL_ENGINES.includes(engine)) throw new Error(`E2E_ENGINES: unknown engine ${engine} (${ALL_ENGINES})`);
  }
  return asked;
})();

/**
 * Where the engines legitimately differ, engine by engine: the tests take these expectations
 * from here, and every other expectation is the same for all three.
 *
 * - `middleClick`: where a middle-clicked link loads. Chromium and Firefox open a new tab;
 *   WebKitGTK's MiniBrowser loads it in the same tab (and WebKit fires `click`, not
 *   `auxclick`, for the middle button).
 * - `listedFirst(copies)`: which of several visible copies of a cookie (same name and path,
 *   on different domain levels; given oldest first) `document.cookie` lists first, so which
 *   one a page reads as the stored value. Chromium and Firefox list the oldest first (RFC 6265
 *   §5.4); WebKitGTK lists the one with the longest domain first (`.www.example.com` before
 *   the host-only `www.example.com`, before `.example.com`).
 * - `fileCookies`: whether a `file:` page can keep cookies. Chromium refuses them there
 *   (`document.cookie` reads "" and ignores writes); Firefox and WebKitGTK keep them.
 * - `longestUrl`: the longest address the engine loads, in characters. Chromium's limit is
 *   2 MiB; Firefox's is 1 MiB (`network.standard-url.max-length`: measured, 1,048,572
 *   characters load and longer ones are refused before any request); WebKitGTK loaded every
 *   length tried (`Infinity`: none known).
 */
export const ENGINE = {
  chromium: { middleClick: 'new tab', listedFirst: (copies) => copies[0], fileCookies: false, longestUrl: 2 ** 21 },
  firefox: { middleClick: 'new tab', listedFirst: (copies) => copies[0], fileCookies: true, longestUrl: 2 ** 20 - 4 },
  webkit: {
    middleClick: 'same tab',
    listedFirst: (copies) => copies.reduce((a, b) => (b.domain.length > a.domain.length ? b : a)),
    fileCookies: true,
    longestUrl: Infinity,
  },
};

/**
 * Launches `engine` for pages of `server` (its routes include `harness.routes()`). `profile`:
 * how the browser is set up, this engine's own terms (see `launchChromium` and
 * `launchWebDriver`); default: as installed.
 */
export function launchEngine(engine, { server, harness, profile = {} }) {
  return engine === 'chromium' ? launchChromium({ profile }) : launchWebDriver(engine, { server, harness, profile });
}

/**
 * Runs `fn(context)` in a new context of `browser`, closes it, then fails if any page had an
 * uncaught error (and, with `warnings: true`, if anything was logged with console.warn).
 */
export async function inEngineContext(browser, fn, { warnings = false } = {}) {
  const context = await browser.newContext();
  try {
    await fn(context);
  } finally {
    await context.close();
  }
  assert.deepEqual(context.errors, [], `[${browser.engine}] no uncaught error on any page`);
  if (warnings) assert.deepEqual(context.warnings, [], `[${browser.engine}] no console warning`);
}
