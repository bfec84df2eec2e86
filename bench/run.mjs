// The benchmark: bytes, initial wasm memory, time to capture and long tasks, written to
// BENCHMARKS.md. Run it with `bash scripts/bench.sh` (which builds pkg/ first).
//
// Time to capture is measured in headless Chromium on http://localhost: from navigation start
// (performance.now() = 0) to the moment the id is stored, over fresh page loads (a new browser
// context each), for the script tag, the ES module entry, a plain-JS reference of the same
// rules (bench/reference.js) and the floor (that reference run from inside an empty
// WebAssembly module), interleaved in the same run so machine noise hits all alike. Every
// response is served gzip-compressed (level 9), as a landing page's scripts are. Two
// profiles, their loads interleaved too: localhost as it is, and a slow mobile network
// emulated over the DevTools protocol (SLOW_MOBILE below), where bytes weigh more than
// compile time. Several runs in one invocation (each with a browser of its own), then the
// steps of each page's time on loads of their own (bench/phases.mjs).
//
// Counts (environment, defaults in parentheses): BENCH_RUNS (3), BENCH_LOADS (24 localhost
// loads per page per run), BENCH_MOBILE_LOADS (12 slow-mobile loads per page per run),
// BENCH_PHASE_LOADS (8 instrumented loads per page per profile), BENCH_MOBILE_CPU (1: no CPU
// throttling on the slow mobile profile; 4 slows the renderer's CPU 4× as Lighthouse's mobile
// preset does). PKG=<dir> measures another build's pkg/. `node bench/run.mjs [OUT.md]`.
import { execSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { contentType, startHttpServer, PKG_DIR, REPO_ROOT } from '../tests/support/server.mjs';
import { measurePhases, median, phasesTable } from './phases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PAGES_DIR = path.join(here, 'pages');

/** A count from the environment: a whole number ≥ 0, or the default. */
function count(name, fallback) {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, not ${process.env[name]}`);
  return n;
}
const RUNS = count('BENCH_RUNS', 3);
const LOADS = count('BENCH_LOADS', 24);
const MOBILE_LOADS = count('BENCH_MOBILE_LOADS', 12);
const PHASE_LOADS = count('BENCH_PHASE_LOADS', 8);
const MOBILE_CPU = count('BENCH_MOBILE_CPU', 1) || 1;
const PKG = process.env.PKG ? path.resolve(process.env.PKG) : PKG_DIR;

/** The pages, in the order the tables show them. */
const VARIANTS = ['script', 'esm', 'floor', 'reference'];
const LABELS = { script: 'script tag', esm: 'npm ES module', floor: 'floor', reference: 'plain-JS reference' };

/**
 * Lighthouse's "slow 4G" (its mobile preset) as DevTools network emulation: 150 ms added to
 * each request, 1.6 Mbit/s down and 750 kbit/s up (Lighthouse's kbit is 1,024 bit). These are
 * Lighthouse's nominal figures; DevTools' own "Slow 4G" preset pads them (562.5 ms, 90 % of the
 * throughput) to stand for the connection set-ups that request-level emulation leaves out.
 */
export const SLOW_MOBILE = {
  latency: 150,
  downloadThroughput: Math.round((1.6 * 1024 * 1024) / 8),
  uploadThroughput: (750 * 1024) / 8,
};

/** The profiles each run measures: `loads` per page, and the emulation each page gets. */
const PROFILES = [
  { name: 'localhost', loads: LOADS, network: null, cpu: 1 },
  { name: 'slow mobile', loads: MOBILE_LOADS, network: SLOW_MOBILE, cpu: MOBILE_CPU },
];

/** The issue-22 targets the tables check (BENCHMARKS.md, "Targets"). */
const TARGET = {
  scriptFloor: 1.05,
  esmFloor: 1.2,
  mobileScriptReference: 1.0,
  gzip: 8192,
  gzipStretch: 6144,
  memory: 65536,
};

/** raw, gzip -9 and brotli (max quality) sizes of a file. */
export function sizes(file) {
  const data = readFileSync(file);
  return {
    raw: data.length,
    gzip: zlib.gzipSync(data, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(data, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  };
}

/** The initial linear memory of a .wasm, in bytes (memory section or imported memory). */
export function initialMemory(file) {
  const bytes = readFileSync(file);
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return result;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 5) {
      leb(); // count
      leb(); // limits flag
      return leb() * 65536;
    }
    if (id === 2) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        for (let s = 0; s < 2; s++) {
          const length = leb(); // module name, then field name
          at += length;
        }
        const kind = bytes[at++];
        if (kind === 2) {
          leb();
          return leb() * 65536;
        }
        if (kind === 0) leb();
        else if (kind === 1) { at++; const f = leb(); leb(); if (f & 1) leb(); }
        else if (kind === 3) at += 2;
        else if (kind === 4) { at++; leb(); }
      }
    }
    at = end;
  }
  return null;
}

/**
 * The smallest WebAssembly module a page can call into: one import `t.w` (no parameters, no
 * result) and one export `call` whose body calls it. 44 bytes, by section.
 */
const EMPTY_MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // types: one, () -> ()
  0x02, 0x07, 0x01, 0x01, 0x74, 0x01, 0x77, 0x00, 0x00, // imports: "t" "w", a function of type 0
  0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
  0x07, 0x08, 0x01, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x01, // exports: "call", function 1
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b, // code: no locals, `call 0`, `end`
];

/**
 * The floor page's script: the plain-JS reference (bench/reference.js, unchanged) run as the
 * import of the empty module, which is compiled and instantiated synchronously in the script's
 * own task, as the script tag compiles its own. It costs what any WebAssembly build pays
 * before its rules do anything (a module compiled, instantiated and called into), so it tells
 * how close to the reference the script tag can come at all.
 */
function floorScript() {
  const reference = readFileSync(path.join(here, 'reference.js'), 'utf8');
  return `new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(EMPTY_MODULE)})), { t: { w: function () {\n${reference}\n} } }).exports.call();\n`;
}

/** The benchmark's server: pages, `pkg/` and the floor's script, each gzipped (level 9) when asked. */
async function startBenchServer() {
  const served = new Map();
  const add = (pathname, body) =>
    served.set(pathname, { type: contentType(pathname), body, gzip: zlib.gzipSync(body, { level: 9 }) });
  add('/floor.js', Buffer.from(floorScript()));
  add('/bench/reference.js', readFileSync(path.join(here, 'reference.js')));
  // head.js is written into each page as it is served, as a landing page's own inline script
  // would be: fetched, it is one request more before the parser goes on, which the ES-module
  // page (whose import no preload scanner sees) paid in full on the slow mobile profile.
  const head = readFileSync(path.join(PAGES_DIR, 'head.js'), 'utf8');
  for (const f of readdirSync(PAGES_DIR)) {
    let body = readFileSync(path.join(PAGES_DIR, f));
    if (f.endsWith('.html')) {
      const page = body.toString('utf8');
      const inlined = page.replace('<script src="/bench/pages/head.js"></script>', () => `<script>\n${head}</script>`);
      if (inlined === page) throw new Error(`bench/pages/${f} does not load /bench/pages/head.js`);
      body = Buffer.from(inlined);
    }
    add(`/${f}`, body);
  }
  for (const f of readdirSync(PKG, { withFileTypes: true })) {
    if (f.isFile()) add(`/pkg/${f.name}`, readFileSync(path.join(PKG, f.name)));
  }
  const routes = {};
  for (const [pathname, file] of served) {
    routes[pathname] = (req, res) => {
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const body = gzip ? file.gzip : file.body;
      res.writeHead(200, {
        'Content-Type': file.type,
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        Vary: 'Accept-Encoding',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
  }
  return startHttpServer({ root: PAGES_DIR, mounts: { '/pkg/': PKG, '/bench/': here }, routes });
}

function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/** Sets `profile`'s emulation on a new page, before it navigates. */
async function emulate(profile, context, page) {
  if (!profile.network && profile.cpu === 1) return;
  const cdp = await context.newCDPSession(page);
  if (profile.network) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...profile.network });
  }
  if (profile.cpu !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpu });
}

/**
 * One timed load of `variant`'s page under `profile`, in a fresh context: the time the id was
 * stored, the long tasks seen, the `pkg/` files fetched and how each response was encoded.
 */
async function timedLoad(browser, server, profile, variant, id) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await emulate(profile, context, page);
    const errors = [];
    const fetched = new Set();
    const encodings = new Set();
    page.on('pageerror', (e) => errors.push(e));
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname;
      if (p.startsWith('/pkg/')) fetched.add(p.slice('/pkg/'.length));
      encodings.add(r.headers()['content-encoding'] ?? 'identity');
    });
    await page.goto(server.url('localhost', `/${variant}.html?ta_tid=${id}`));
    await page.waitForFunction(() => window.__bench, null, { timeout: 30_000 });
    await page.waitForTimeout(150); // let late long-task entries arrive
    const { t, id: got, long } = await page.evaluate(() => ({ ...window.__bench, long: window.__long }));
    const cookie = (await context.cookies()).find((c) => c.name === 'ta_tid');
    if (got !== id || cookie?.value !== id || errors.length) {
      throw new Error(`${variant} (${profile.name}): id ${got}, cookie ${cookie?.value}, errors ${errors.join('; ')}`);
    }
    return { t, long, fetched, encodings };
  } finally {
    await context.close();
  }
}

/**
 * One run: every page of `variants` under every profile, each `profile.loads` times, in a
 * browser of its own. The pages are interleaved in rounds (the order rotated each round, so no
 * page always runs first) and each profile's loads spread evenly over the rounds.
 * Returns `results[profile][variant] = { times, long, fetched }` and the load average around it.
 */
async function measureRun(server, { profiles = PROFILES, variants = VARIANTS } = {}) {
  const loadBefore = os.loadavg();
  const started = new Date();
  const browser = await launchBrowser();
  const results = Object.fromEntries(profiles.map((p) => [p.name,
    Object.fromEntries(variants.map((v) => [v, { times: [], long: 0, fetched: new Set() }]))]));
  const encodings = new Set();
  try {
    const rounds = Math.max(...profiles.map((p) => p.loads));
    for (let i = 0; i < rounds; i++) {
      for (const profile of profiles) {
        if (Math.floor(((i + 1) * profile.loads) / rounds) === Math.floor((i * profile.loads) / rounds)) continue;
        for (let k = 0; k < variants.length; k++) {
          const variant = variants[(k + i) % variants.length];
          const load = await timedLoad(browser, server, profile, variant, `bench${variant}${i}`);
          const r = results[profile.name][variant];
          r.times.push(load.t);
          r.long += load.long;
          for (const f of load.fetched) r.fetched.add(f);
          for (const e of load.encodings) encodings.add(e);
        }
      }
    }
    return { results, encodings, started, loadBefore, loadAfter: os.loadavg(), browser: browser.version() };
  } finally {
    await browser.close();
  }
}

/** Each page's steps under each profile (bench/phases.mjs), in a browser of its own. */
async function measureSteps(server, loads) {
  const browser = await launchBrowser();
  try {
    const steps = {};
    for (const profile of PROFILES) {
      steps[profile.name] = await measurePhases(browser, server, loads, {
        prepare: (context, page) => emulate(profile, context, page),
      });
    }
    return steps;
  } finally {
    await browser.close();
  }
}

/** Loads `variant`'s page once (localhost) and returns the files it fetched from pkg/. */
export async function fetchedFiles(variant) {
  const server = await startBenchServer();
  try {
    const { results } = await measureRun(server, { profiles: [{ ...PROFILES[0], loads: 1 }], variants: [variant] });
    return [...results.localhost[variant].fetched].sort();
  } finally {
    await server.close();
  }
}

function cpuModel() {
  try {
    return execSync("grep -m1 'model name' /proc/cpuinfo", { encoding: 'utf8' }).split(':')[1].trim();
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function gitHead() {
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- crates js Cargo.toml Cargo.lock', { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n').filter(Boolean).map((line) => `\`${line.slice(3)}\``);
    return dirty.length ? `${head} with uncommitted changes in ${dirty.join(', ')}` : head;
  } catch {
    return 'unknown';
  }
}

const fmtBytes = (s) => `${s.raw} | ${s.gzip} | ${s.brotli}`;
const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });
const loadAvg = (l) => l.map((x) => x.toFixed(2)).join(' / ');
/** A ratio against its target: the figure and pass or fail. */
const verdict = (ratio, target) => (ratio <= target ? `${ratio.toFixed(2)} pass` : `**${ratio.toFixed(2)} fail**`);
const profileTitle = (p) => (p.network
  ? `slow mobile (DevTools network emulation: ${p.network.latency} ms per request, ${(p.network.downloadThroughput * 8 / 1024 / 1024).toFixed(1)} Mbit/s down, ${p.network.uploadThroughput * 8 / 1024} kbit/s up; ${p.cpu === 1 ? 'no CPU throttling' : `CPU throttled ${p.cpu}×`})`
  : 'localhost (no emulation)');

/** The medians of one run under one profile, and the ratios the targets read. */
function ratios(byVariant) {
  const m = Object.fromEntries(Object.entries(byVariant).map(([v, r]) => [v, median(r.times)]));
  return {
    m,
    scriptFloor: m.script / m.floor,
    esmFloor: m.esm / m.floor,
    scriptReference: m.script / m.reference,
    esmReference: m.esm / m.reference,
    floorReference: m.floor / m.reference,
  };
}

/** "met in every run" or which runs missed, for one target over the runs. */
function overRuns(values, target) {
  const missed = values.map((v, i) => (v <= target ? null : i + 1)).filter((i) => i !== null);
  if (values.length === 0) return '—';
  const [low, high] = [Math.min(...values).toFixed(2), Math.max(...values).toFixed(2)];
  const range = low === high ? low : `${low}–${high}`;
  if (missed.length === 0) return `met in every run (${range})`;
  return `**missed** in ${missed.length === values.length ? 'every run' : `run ${missed.join(', ')}`} (${range})`;
}

function report(runs, steps, meta) {
  const lines = [];
  const last = runs[runs.length - 1];
  lines.push('# Benchmarks', '');
  lines.push(`Command: \`${meta.command}\` · ${runs.length} run${runs.length === 1 ? '' : 's'}, ${meta.started.toISOString()} to ${meta.finished.toISOString()} (${((meta.finished - meta.started) / 1000).toFixed(0)} s) · machine: ${os.cpus().length} CPUs (nproc), ${cpuModel()} · load average (1 / 5 / 15 min) ${loadAvg(meta.loadBefore)} before, ${loadAvg(meta.loadAfter)} after · ${last.browser} headless, Node ${process.version} · build: \`pkg/\` at ${meta.head}`, '');
  lines.push(`Loads per page per run: ${PROFILES.map((p) => `${p.loads} ${p.name}`).join(', ')}; every response gzip-compressed (level 9; served as \`${[...last.encodings].sort().join(', ')}\`). Timings are reported here, never asserted by tests; the test command checks only the size and memory ceilings (\`bench/budgets.mjs\`).`, '');

  // The targets, over the runs.
  const per = (profile, key) => runs.map((r) => ratios(r.results[profile])[key]);
  const scriptFiles = [...last.results.localhost.script.fetched].sort();
  const esmFiles = [...last.results.localhost.esm.fetched].sort();
  const bytes = { script: sum(scriptFiles.map((f) => sizes(path.join(PKG, f)))), esm: sum(esmFiles.map((f) => sizes(path.join(PKG, f)))) };
  const wasmFile = path.join(PKG, 'taapit_capture.wasm');
  const memory = existsSync(wasmFile) ? initialMemory(wasmFile) : null;
  const scriptLong = runs.map((r) => r.results.localhost.script.long + r.results['slow mobile'].script.long);
  lines.push('## Targets (issue 22)', '');
  lines.push('Time to capture: milliseconds from navigation start until the id is stored, the median of the run\'s loads of each page; the floor is the plain-JS reference run from inside an empty 44-byte WebAssembly module compiled in the script\'s own task (`floorScript` in `bench/run.mjs`): what any build with its rules in WebAssembly pays before they do anything.', '');
  lines.push('| what | target | measured | |', '| --- | --- | --- | --- |');
  lines.push(`| time to capture, script tag / floor, localhost | ≤ ${TARGET.scriptFloor} | ${per('localhost', 'scriptFloor').map((x) => x.toFixed(2)).join(', ')} | ${overRuns(per('localhost', 'scriptFloor'), TARGET.scriptFloor)} |`);
  lines.push(`| time to capture, npm ES module / floor, localhost | ≤ ${TARGET.esmFloor} | ${per('localhost', 'esmFloor').map((x) => x.toFixed(2)).join(', ')} | ${overRuns(per('localhost', 'esmFloor'), TARGET.esmFloor)} |`);
  lines.push(`| time to capture, script tag / plain-JS reference, slow mobile | ≤ ${TARGET.mobileScriptReference.toFixed(1)} | ${per('slow mobile', 'scriptReference').map((x) => x.toFixed(2)).join(', ')} | ${overRuns(per('slow mobile', 'scriptReference'), TARGET.mobileScriptReference)} |`);
  lines.push(`| script tag, all it downloads, gzip -9 (brotli, quality 11) | ≤ ${TARGET.gzip} B (stretch ${TARGET.gzipStretch} B; CI ceiling: \`bench/budgets.mjs\`) | ${bytes.script.gzip} B (brotli ${bytes.script.brotli} B) | ${bytes.script.gzip <= TARGET.gzip ? 'met' : '**missed**'} |`);
  lines.push(`| initial wasm memory | ≤ 64 KiB | ${memory / 1024} KiB | ${memory !== null && memory <= TARGET.memory ? 'met' : '**missed**'} |`);
  lines.push(`| long tasks (> 50 ms) in the script tag's loads, both profiles | 0 | ${scriptLong.join(', ')} | ${scriptLong.every((n) => n === 0) ? 'met in every run' : '**missed**'} |`);
  lines.push('');
  lines.push('On a 2-core machine the ratios move by more than ±0.1 from one run to the next (each run interleaves all pages, so the noise hits them alike, but not equally): read the runs together, not one figure, and the load average beside each.', '');

  // Each run, one table per profile.
  lines.push('## Runs', '');
  for (const profile of PROFILES) {
    const mobile = profile.network !== null;
    lines.push(`### ${profile.name[0].toUpperCase()}${profile.name.slice(1)}`, '');
    lines.push(`${profileTitle(profile)}; ${profile.loads} loads of each page per run. Medians in ms.`, '');
    // On the slow network the script's bytes arrive after the reference's by their difference
    // over the throughput: that much of script / reference no faster code can take back.
    const referenceGzip = sizes(path.join(here, 'reference.js')).gzip;
    const later = mobile ? ((bytes.script.gzip - referenceGzip) / profile.network.downloadThroughput) * 1000 : 0;
    if (mobile) {
      lines.push(`At ${(profile.network.downloadThroughput * 8 / 1024 / 1024).toFixed(1)} Mbit/s the script tag's ${bytes.script.gzip} B (gzip -9) arrive ${later.toFixed(1)} ms after the reference's ${referenceGzip} B (\`bench/reference.js\`); "bytes alone" is script / reference with only that added to the reference's median: what the difference in size sets with no other cost.`, '');
    }
    const ratioHeads = mobile
      ? [`script / reference (≤ ${TARGET.mobileScriptReference.toFixed(1)})`, 'bytes alone: script / reference ≥', 'script / floor', 'esm / floor', 'floor / reference']
      : [`script / floor (≤ ${TARGET.scriptFloor})`, `esm / floor (≤ ${TARGET.esmFloor})`, 'script / reference', 'floor / reference'];
    lines.push(`| run | started (UTC) | load avg 1 min (start → end) | ${VARIANTS.join(' | ')} | ${ratioHeads.join(' | ')} | long tasks (${VARIANTS.join(' / ')}) |`);
    lines.push(`| --- | --- | --- |${VARIANTS.map(() => ' ---: |').join('')}${ratioHeads.map(() => ' ---: |').join('')} --- |`);
    runs.forEach((run, i) => {
      const byVariant = run.results[profile.name];
      const r = ratios(byVariant);
      const cells = mobile
        ? [verdict(r.scriptReference, TARGET.mobileScriptReference), ((r.m.reference + later) / r.m.reference).toFixed(2), r.scriptFloor.toFixed(2), r.esmFloor.toFixed(2), r.floorReference.toFixed(2)]
        : [verdict(r.scriptFloor, TARGET.scriptFloor), verdict(r.esmFloor, TARGET.esmFloor), r.scriptReference.toFixed(2), r.floorReference.toFixed(2)];
      lines.push(`| ${i + 1} | ${run.started.toISOString().slice(11, 19)} | ${run.loadBefore[0].toFixed(2)} → ${run.loadAfter[0].toFixed(2)} | ${VARIANTS.map((v) => r.m[v].toFixed(1)).join(' | ')} | ${cells.join(' | ')} | ${VARIANTS.map((v) => byVariant[v].long).join(' / ')} |`);
    });
    lines.push('');
  }
  lines.push('The spread of each run\'s loads (ms):', '');
  lines.push('| run | profile | page | median | min | max | long tasks |', '| --- | --- | --- | ---: | ---: | ---: | ---: |');
  runs.forEach((run, i) => {
    for (const profile of PROFILES) {
      for (const v of VARIANTS) {
        const t = run.results[profile.name][v].times;
        lines.push(`| ${i + 1} | ${profile.name} | ${LABELS[v]} | ${median(t).toFixed(1)} | ${Math.min(...t).toFixed(1)} | ${Math.max(...t).toFixed(1)} | ${run.results[profile.name][v].long} |`);
      }
    }
  });
  lines.push('');

  lines.push('## Bytes', '', 'What a landing page downloads, per entry (files as fetched from `pkg/` during the timed loads; gzip -9 and brotli quality 11 by Node\'s zlib).', '');
  lines.push('| entry | file | raw | gzip -9 | brotli |', '| --- | --- | ---: | ---: | ---: |');
  for (const [variant, files] of [['script', scriptFiles], ['esm', esmFiles]]) {
    for (const f of files) lines.push(`| ${LABELS[variant]} | \`${f}\` | ${fmtBytes(sizes(path.join(PKG, f)))} |`);
    lines.push(`| **${LABELS[variant]}** | **total** | **${bytes[variant].raw}** | **${bytes[variant].gzip}** | **${bytes[variant].brotli}** |`);
  }
  // Fetched only where WebAssembly or DecompressionStream is missing (README, "Content-Security-Policy,
  // and browsers without WebAssembly"), so never during the timed loads: its bytes, for the README to link.
  const fallbackFile = path.join(PKG, 'taapit_capture.fallback.js');
  if (existsSync(fallbackFile)) {
    lines.push(`| fallback, without WebAssembly | \`taapit_capture.fallback.js\` | ${fmtBytes(sizes(fallbackFile))} |`);
  }
  lines.push('', '## Memory', '', `Initial linear memory of \`taapit_capture.wasm\`: ${memory} bytes (${memory / 1024} KiB).`, '');

  if (steps) {
    lines.push('## Where the time goes', '');
    for (const profile of PROFILES) {
      lines.push(`### ${profileTitle(profile)}`, '', phasesTable(steps[profile.name], PHASE_LOADS), '');
    }
  }
  // What each size step saved is a history, kept by hand in bench/SIZE_STEPS.md as the steps are
  // made: linked, not copied, so this file holds only the figures of the runs that wrote it.
  lines.push('## How the size got here', '');
  lines.push('Each step that moved the shipped `.wasm` and script tag, with what it saved and what was');
  lines.push('tried and not kept: [bench/SIZE_STEPS.md](bench/SIZE_STEPS.md).', '');
  return lines.join('\n');
}

async function main() {
  const out = process.argv[2] ?? path.join(REPO_ROOT, 'BENCHMARKS.md');
  if (!existsSync(path.join(PKG, 'taapit.js'))) throw new Error(`no ${path.join(PKG, 'taapit.js')}: run \`bash scripts/build.sh\` first`);
  if (RUNS < 1 || LOADS < 1 || MOBILE_LOADS < 1) throw new Error('BENCH_RUNS, BENCH_LOADS and BENCH_MOBILE_LOADS must be at least 1');
  const meta = {
    // The counts set in the environment belong to the command that made the figures.
    command: [
      ...['BENCH_RUNS', 'BENCH_LOADS', 'BENCH_MOBILE_LOADS', 'BENCH_PHASE_LOADS', 'BENCH_MOBILE_CPU', 'PKG']
        .filter((name) => process.env[name] !== undefined)
        .map((name) => `${name}=${process.env[name]}`),
      process.env.BENCH_COMMAND ?? `node bench/run.mjs${process.argv[2] ? ` ${process.argv[2]}` : ''}`,
    ].join(' '),
    started: new Date(),
    loadBefore: os.loadavg(),
    head: gitHead(),
  };
  const server = await startBenchServer();
  const runs = [];
  let steps = null;
  try {
    for (let i = 0; i < RUNS; i++) {
      const run = await measureRun(server);
      runs.push(run);
      const summary = PROFILES.map((p) => {
        const r = ratios(run.results[p.name]);
        return `${p.name}: script/floor ${r.scriptFloor.toFixed(2)}, esm/floor ${r.esmFloor.toFixed(2)}, script/reference ${r.scriptReference.toFixed(2)}`;
      });
      console.error(`[bench] run ${i + 1}/${RUNS} (load ${loadAvg(run.loadBefore)} → ${loadAvg(run.loadAfter)}): ${summary.join('; ')}`);
    }
    if (PHASE_LOADS > 0) steps = await measureSteps(server, PHASE_LOADS);
  } finally {
    await server.close();
  }
  meta.finished = new Date();
  meta.loadAfter = os.loadavg();
  const text = report(runs, steps, meta);
  // The sections other scripts write are kept as they are: the Leptos and Yew apps'
  // (bench/framework-size.sh) and the server crate's (scripts/bench-server.sh).
  const KEPT_SECTIONS = [
    /<!-- framework-size:start -->[\s\S]*<!-- framework-size:end -->\n?/,
    /<!-- server-bench:start -->[\s\S]*<!-- server-bench:end -->\n?/,
  ];
  const before = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const kept = KEPT_SECTIONS.map((section) => before.match(section)?.[0]).filter(Boolean);
  writeFileSync(out, `${text}\n${kept.map((section) => `\n${section}`).join('')}`);
  console.log(text);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
