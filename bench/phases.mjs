// Where the script tag's time to capture goes, beside the plain-JS reference's: extra loads of
// the benchmark pages with the page's built-ins wrapped (before any script runs) so each step
// leaves a timestamp. The wrapping costs a little time itself, so these loads are kept apart
// from the timed ones of bench/run.mjs, which measures the pages untouched.
//
// Steps (performance.now(), milliseconds from navigation start):
//   fetched     the script's response has ended (Resource Timing)
//   running     the script runs (its first read of document.currentScript; the reference's
//               first read of document.cookie)
//   inflating   the payload's six-bit digits are decoded: DecompressionStream is created
//   compiling   the inflated .wasm is handed to `new WebAssembly.Module`
//   capturing   `new WebAssembly.Instance` has returned: the module's first call begins
//   stored      the id is stored (the page's `__benchDone`, as in bench/run.mjs)

/** Installed before the page's scripts: records the first time each step is reached. */
const INSTRUMENT = `(() => {
  var marks = (window.__phases = {});
  var mark = function (name) { if (!(name in marks)) marks[name] = performance.now(); };
  var Module = WebAssembly.Module, Instance = WebAssembly.Instance;
  WebAssembly.Module = function (bytes) { mark('compiling'); return new Module(bytes); };
  WebAssembly.Instance = function (m, i) { var made = new Instance(m, i); mark('capturing'); return made; };
  var current = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript');
  Object.defineProperty(document, 'currentScript', { configurable: true, get: function () { mark('running'); return current.get.call(this); } });
  var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', { configurable: true,
    get: function () { mark('running'); return cookie.get.call(this); },
    set: function (v) { cookie.set.call(this, v); } });
  if (window.DecompressionStream) {
    var Inflate = DecompressionStream;
    window.DecompressionStream = function (format) { mark('inflating'); return new Inflate(format); };
  }
})();`;

/** The steps in order, and the file whose response `fetched` is. */
export const STEPS = ['fetched', 'running', 'inflating', 'compiling', 'capturing', 'stored'];
const FILES = { script: '/pkg/taapit.js', reference: '/bench/reference.js' };

/**
 * Loads the script-tag and reference pages `loads` times each (interleaved) in `browser` from
 * `server`; returns, per variant, the median time of each step it reached.
 */
export async function measurePhases(browser, server, loads) {
  const seen = { script: [], reference: [] };
  for (let i = 0; i < loads; i++) {
    for (const variant of Object.keys(seen)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(INSTRUMENT);
      await page.goto(server.url('localhost', `/${variant}.html?ta_tid=phases${variant}${i}`));
      await page.waitForFunction(() => window.__bench, null, { timeout: 15_000 });
      seen[variant].push(
        await page.evaluate((file) => {
          var entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === file);
          return Object.assign({ fetched: entry && entry.responseEnd, stored: window.__bench.t }, window.__phases);
        }, FILES[variant]),
      );
      await context.close();
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const out = {};
  for (const [variant, runs] of Object.entries(seen)) {
    out[variant] = {};
    for (const step of STEPS) {
      const times = runs.map((r) => r[step]).filter((t) => typeof t == 'number');
      if (times.length === runs.length) out[variant][step] = median(times);
    }
  }
  return out;
}

/** The markdown table of `measurePhases`'s result: each step's median and the gap before it. */
export function phasesTable(phases, loads) {
  const lines = [
    `Medians of ${loads} instrumented loads per page (\`bench/phases.mjs\` says what each step is; the wrapping that marks the steps adds a little time, so these loads are not the timed ones above).`,
    '',
    '| step | script tag (ms) | since the step before | reference (ms) | since the step before |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  const last = { script: 0, reference: 0 };
  for (const step of STEPS) {
    const cells = ['script', 'reference'].map((variant) => {
      const t = phases[variant][step];
      if (t === undefined) return '— | —';
      const gap = t - last[variant];
      last[variant] = t;
      return `${t.toFixed(1)} | ${gap.toFixed(1)}`;
    });
    lines.push(`| ${step} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
