// Where each page's time to capture goes: extra loads of the benchmark pages with the page's
// built-ins wrapped (before any script runs) so each step leaves a timestamp. The wrapping
// costs a little time itself, so these loads are kept apart from the timed ones of
// bench/run.mjs, which measures the pages untouched. The script tag is set beside the floor
// (the plain-JS reference run from inside an empty WebAssembly module): what it spends beyond
// the floor, step by step, is the module's own share.
//
// Steps (performance.now(), milliseconds from navigation start):
//   fetched     the script's response has ended (Resource Timing)
//   running     the script runs: the script tag's first read of document.currentScript, the
//               reference's first use of document.cookie; for a page that does neither first
//               (the ES module, the floor), the first of the steps below it reaches
//   inflating   the payload's six-bit digits are decoded: DecompressionStream is created
//   compiling   the .wasm is handed to `new WebAssembly.Module`
//   capturing   `new WebAssembly.Instance` has returned: the module's first call begins
//   stored      the id is stored (the page's `__benchDone`, as in bench/run.mjs)
//
// The same loads also time the script tag's first call (`capture`) and, inside it, each page
// access the loader makes for the module (its imports, named by the codes of
// js/package/contract.js): what the first call waited on, and what was its own code.

import * as contract from '../js/package/contract.js';

/** What each import (with its code, for `t` and `w`) does, by the contract's names. */
const IMPORTS = {
  ...Object.fromEntries(
    Object.entries(contract)
      .filter(([name]) => name.startsWith('TEXT_') || name.startsWith('CHANGE_'))
      .map(([name, code]) => [`${name.startsWith('TEXT_') ? 't' : 'w'}${code}`, name]),
  ),
  c: 'copy a text in',
  n: 'Date.now',
  d: 'the Expires date',
  r: 'hand back a capture',
  s: 'hand back a text',
  g: 'a debug note',
};

/** Installed before the page's scripts: records the first time each step is reached. */
const INSTRUMENT = `(() => {
  var marks = (window.__phases = {});
  var mark = function (name) {
    if (!('running' in marks)) marks.running = performance.now();
    if (!(name in marks)) marks[name] = performance.now();
  };
  var Module = WebAssembly.Module, Instance = WebAssembly.Instance;
  WebAssembly.Module = function (bytes) { mark('compiling'); return new Module(bytes); };
  // Each import timed while the first call runs (imports.t: the loader's functions).
  var waited = (window.__waited = {}), first = null;
  WebAssembly.Instance = function (m, imports) {
    var t = imports.t;
    Object.keys(t).forEach(function (key) {
      var real = t[key];
      t[key] = function (code) {
        var start = performance.now();
        try { return real.apply(this, arguments); } finally {
          if (first === 'running') {
            var name = key == 't' || key == 'w' ? key + code : key;
            var w = waited[name] || (waited[name] = [0, 0]);
            w[0]++; w[1] += performance.now() - start;
          }
        }
      };
    });
    var made = new Instance(m, imports);
    mark('capturing');
    var call = made.exports.call;
    var exports = { memory: made.exports.memory, call: function (code) {
      if (first !== null) return call(code);
      first = 'running';
      var start = performance.now();
      try { return call(code); } finally { first = 'done'; window.__firstCall = performance.now() - start; }
    } };
    return { exports: exports };
  };
  var current = Object.getOwnPropertyDescriptor(Document.prototype, 'currentScript');
  Object.defineProperty(document, 'currentScript', { configurable: true, get: function () { mark('running'); return current.get.call(this); } });
  var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(document, 'cookie', { configurable: true,
    get: function () { mark('running'); return cookie.get.call(this); },
    set: function (v) { mark('running'); cookie.set.call(this, v); } });
  if (window.DecompressionStream) {
    var Inflate = DecompressionStream;
    window.DecompressionStream = function (format) { mark('inflating'); return new Inflate(format); };
  }
})();`;

/** The steps in order. */
export const STEPS = ['fetched', 'running', 'inflating', 'compiling', 'capturing', 'stored'];
/** Each page's script, whose response `fetched` is. */
const FILES = { script: '/pkg/taapit.js', floor: '/floor.js', esm: '/pkg/index.js', reference: '/bench/reference.js' };
/** The pages measured, in the order the tables show them. */
export const PHASE_VARIANTS = Object.keys(FILES);

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Loads each page of `variants` `loads` times (interleaved, the order rotated each round),
 * each in a fresh context of `browser`, from `server`; `prepare(context, page)` sets the
 * profile (network and CPU emulation) before the page is opened. Returns
 * `{ steps, firstCall }`: `steps[variant][step]`, the median time of each step the page
 * reached in every load; `firstCall`, the script tag's first call and the page accesses it
 * made.
 */
export async function measurePhases(browser, server, loads, { variants = PHASE_VARIANTS, prepare = async () => {} } = {}) {
  const seen = Object.fromEntries(variants.map((v) => [v, []]));
  for (let i = 0; i < loads; i++) {
    const order = variants.map((_, k) => variants[(k + i) % variants.length]);
    for (const variant of order) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await prepare(context, page);
        await page.addInitScript(INSTRUMENT);
        await page.goto(server.url('localhost', `/${variant}.html?ta_tid=phases${variant}${i}`));
        await page.waitForFunction(() => window.__bench, null, { timeout: 30_000 });
        seen[variant].push(
          await page.evaluate((file) => {
            var entry = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === file);
            return Object.assign(
              { fetched: entry && entry.responseEnd, stored: window.__bench.t, firstCall: window.__firstCall, waited: window.__waited },
              window.__phases,
            );
          }, FILES[variant]),
        );
      } finally {
        await context.close();
      }
    }
  }
  const steps = {};
  for (const [variant, runs] of Object.entries(seen)) {
    steps[variant] = {};
    for (const step of STEPS) {
      const times = runs.map((r) => r[step]).filter((t) => typeof t == 'number');
      if (times.length === runs.length) steps[variant][step] = median(times);
    }
  }
  // The script tag's first call: its median, and per import the median count and time (0 in
  // a load that did not call it).
  const runs = seen.script ?? [];
  const calls = runs.map((r) => r.firstCall).filter((t) => typeof t == 'number');
  const names = new Set(runs.flatMap((r) => Object.keys(r.waited || {})));
  const firstCall = calls.length === 0 ? null : {
    ms: median(calls),
    waited: [...names].map((name) => ({
      name: IMPORTS[name] ?? name,
      count: median(runs.map((r) => r.waited?.[name]?.[0] ?? 0)),
      ms: median(runs.map((r) => r.waited?.[name]?.[1] ?? 0)),
    })),
  };
  return { steps, firstCall };
}

/**
 * The script tag against the floor in three segments both pages have: until the script has
 * arrived and starts to run, making the module (decoding, inflating, compiling,
 * instantiating), and the first call into it (the rules and the page accesses they make).
 */
const SEGMENTS = [
  ['the script arrives and starts to run (navigation → running)', null, 'running'],
  ['the module is made (running → capturing: decode, inflate, compile, instantiate)', 'running', 'capturing'],
  ['the first call (capturing → stored: the rules and their page accesses)', 'capturing', 'stored'],
  ['**navigation → stored**', null, 'stored'],
];

/** The markdown tables of `measurePhases`'s result: each step's median and the gap before it. */
export function phasesTable(phases, loads) {
  const variants = PHASE_VARIANTS.filter((v) => phases.steps[v]);
  const lines = [
    `Medians of ${loads} instrumented loads per page (\`bench/phases.mjs\` says what each step is; the wrapping that marks the steps adds a little time, so these loads are not the timed ones above). Each cell: ms from navigation start, then since the step before.`,
    '',
    `| step | ${variants.join(' | ')} |`,
    `| --- |${variants.map(() => ' ---: |').join('')}`,
  ];
  const last = Object.fromEntries(variants.map((v) => [v, 0]));
  for (const step of STEPS) {
    const cells = variants.map((variant) => {
      const t = phases.steps[variant][step];
      if (t === undefined) return '—';
      const gap = t - last[variant];
      last[variant] = t;
      return `${t.toFixed(1)} (+${gap.toFixed(1)})`;
    });
    lines.push(`| ${step} | ${cells.join(' | ')} |`);
  }
  const { script, floor } = phases.steps;
  if (script && floor) {
    lines.push('', 'The script tag against the floor, by segment (medians of the steps above):', '',
      '| segment | script tag (ms) | floor (ms) | script − floor |', '| --- | ---: | ---: | ---: |');
    for (const [label, from, to] of SEGMENTS) {
      const span = (s) => (s[to] ?? NaN) - (from ? s[from] ?? NaN : 0);
      const [a, b] = [span(script), span(floor)];
      lines.push(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a - b >= 0 ? '+' : '')}${(a - b).toFixed(1)} |`);
    }
  }
  if (phases.firstCall) {
    const { ms, waited } = phases.firstCall;
    const pages = waited.reduce((sum, w) => sum + w.ms, 0);
    lines.push(
      '',
      `The script tag's first call (\`capture\`, inside capturing → stored): ${ms.toFixed(1)} ms, of which the page accesses it made (median per load; the contract's names):`,
      '',
      '| page access | calls | ms |',
      '| --- | ---: | ---: |',
      ...waited
        .sort((a, b) => b.ms - a.ms)
        .map((w) => `| ${w.name} | ${w.count} | ${w.ms.toFixed(2)} |`),
      `| the module's own code (the rest; compiled on first use) | | ${Math.max(0, ms - pages).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}
