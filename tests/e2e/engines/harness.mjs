// The server side of the WebDriver engines (Firefox, WebKit): what Playwright gives Chromium
// through its own protocol, given here by the test server itself.
//
// W3C WebDriver (classic) has no "script to run before the page's own" and no page-error or
// console event. So before a WebDriver engine opens a test page, it arms the harness with that
// exact address; the server then serves that page with one more script first in its <head>,
// `/__e2e/harness.js?n=…` (a script file, so a Content-Security-Policy of `script-src 'self'`
// allows it), which records uncaught errors, unhandled rejections and `console.warn` lines on
// `window.__e2e` for the driver to read, then runs the test's init script. Pages nobody armed
// (and every page Chromium loads) are served as they are.


/** The harness: records what Playwright's `pageerror` and `console` events would report. */
const RECORDER = `(function () {
  // The address the page was loaded at, before any of its scripts could change it.
  var rec = { href: location.href, errors: [], warnings: [] };
  Object.defineProperty(window, '__e2e', { value: rec });
  // Index writes, not push: a test page may replace Array.prototype.push.
  function add(list, text) { list[list.length] = String(text); }
  // The message, then the stack where there is one (WebKit's stacks omit the message).
  function describe(message, error) {
    return message + (error && error.stack ? '\\n' + error.stack : '');
  }
  addEventListener('error', function (e) {
    if (e instanceof ErrorEvent) add(rec.errors, 'page error: ' + describe(e.message, e.error));
  }, true);
  addEventListener('unhandledrejection', function (e) {
    add(rec.errors, 'page error: unhandled rejection: ' + describe(String(e.reason), e.reason));
  });
  var warn = console.warn;
  console.warn = function () {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts[i] = String(arguments[i]);
    add(rec.warnings, parts.join(' '));
    return warn.apply(console, arguments);
  };
})();
`;

/**
 * A test's init script as source: a function (run with no argument), `[function, argument]`,
 * or source text.
 */
export function initSource(init) {
  if (typeof init === 'string') return init;
  const [fn, arg] = Array.isArray(init) ? init : [init];
  return `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)});`;
}

/** The key of an address as the server sees its request: `host:port/path?query`. */
function keyOf(host, pathAndQuery) {
  return `${host}${pathAndQuery}`;
}

export class PageHarness {
  #armed = new Map(); // key → id
  #scripts = new Map(); // id → source
  #next = 0;

  /** Serves the next loads of `url` (hash ignored) with the harness, then `init` if given. */
  arm(url, init) {
    const u = new URL(url);
    const id = String(++this.#next);
    this.#scripts.set(id, RECORDER + (init ? `${initSource(init)}\n` : ''));
    this.#armed.set(keyOf(u.host, u.pathname + u.search), id);
  }

  /**
   * The harness as an inline script, for a page no server serves (a `file:` page): put it
   * first in the page's `<head>`. Engines that need no harness (Chromium) ignore it.
   */
  static inline() {
    return `<script>${RECORDER}</script>`;
  }

  /** Forgets every armed address (a browser context closed). */
  disarm() {
    this.#armed.clear();
    this.#scripts.clear();
  }

  /** `html` as the page at `req` is to be served: with the harness first if it was armed. */
  page(req, html) {
    const id = this.#armed.get(keyOf(req.headers.host, req.url));
    if (!id) return html;
    const tag = `<script src="/__e2e/harness.js?n=${id}"></script>`;
    const head = /<head[^>]*>/i.exec(html);
    return head ? `${html.slice(0, head.index + head[0].length)}${tag}${html.slice(head.index + head[0].length)}` : tag + html;
  }

  /**
   * The routes the harness needs on the test server: the harness script, and `/__e2e/blank`,
   * an empty page where a WebDriver engine reads and clears a host's cookies and storage.
   */
  routes() {
    return {
      '/__e2e/harness.js': (req, res) => {
        const source = this.#scripts.get(new URL(req.url, 'http://x').searchParams.get('n'));
        res.writeHead(source ? 200 : 404, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(source ?? '');
      },
      '/__e2e/blank': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('<!doctype html><title>blank</title>');
      },
    };
  }
}
