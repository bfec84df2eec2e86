// The benchmark: bytes, initial wasm memory, time to capture and long tasks, written to
// BENCHMARKS.md. Run it with `bash scripts/bench.sh` (which builds pkg/ first).
//
// Time to capture is measured in headless Chromium on http://localhost: from navigation start
// (performance.now() = 0) to the moment the id is stored, over fresh page loads (a new browser
// context each), for the script tag, the ES module entry and a plain-JS reference of the same
// rules (bench/reference.js), interleaved in the same run so machine noise hits all alike.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { startHttpServer, PKG_DIR, REPO_ROOT } from '../tests/support/server.mjs';
import { measurePhases, median, phasesTable } from './phases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOADS = Number(process.env.BENCH_LOADS ?? 30);
/** Instrumented loads per page for the steps of the script tag's time (bench/phases.mjs). */
const PHASE_LOADS = Number(process.env.BENCH_PHASE_LOADS ?? 15);
const out = process.argv[2] ?? path.join(REPO_ROOT, 'BENCHMARKS.md');

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

async function measure({ loads = LOADS, variants: wanted = ['script', 'esm', 'reference', 'floor'], phases = false } = {}) {
  const floor = floorScript();
  const server = await startHttpServer({
    root: path.join(here, 'pages'),
    mounts: { '/pkg/': PKG_DIR, '/bench/': here },
    routes: {
      '/floor.js': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(floor);
      },
    },
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const variants = wanted.filter(
    (v) => v !== 'script' || existsSync(path.join(PKG_DIR, 'taapit.js')),
  );
  const results = Object.fromEntries(variants.map((v) => [v, { times: [], long: 0, fetched: new Set() }]));
  try {
    for (let i = 0; i < loads; i++) {
      // Rotate the order so no variant always runs first (cold caches, CPU frequency).
      const order = variants.map((_, k) => variants[(k + i) % variants.length]);
      for (const variant of order) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e));
        page.on('request', (r) => {
          const p = new URL(r.url()).pathname;
          if (p.startsWith('/pkg/')) results[variant].fetched.add(p.slice('/pkg/'.length));
        });
        const id = `bench${variant}${i}`;
        await page.goto(server.url('localhost', `/${variant}.html?ta_tid=${id}`));
        await page.waitForFunction(() => window.__bench, null, { timeout: 15_000 });
        await page.waitForTimeout(150); // let late long-task entries arrive
        const { t, id: got, long } = await page.evaluate(() => ({ ...window.__bench, long: window.__long }));
        const cookie = (await context.cookies()).find((c) => c.name === 'ta_tid');
        if (got !== id || cookie?.value !== id || errors.length) {
          throw new Error(`${variant} load ${i}: id ${got}, cookie ${cookie?.value}, errors ${errors.join('; ')}`);
        }
        results[variant].times.push(t);
        results[variant].long += long;
        await context.close();
      }
    }
    // The steps of the script tag's time, on loads of their own (bench/phases.mjs).
    const steps = phases && variants.includes('script') && PHASE_LOADS > 0
      ? await measurePhases(browser, server, PHASE_LOADS)
      : null;
    return { results, phases: steps };
  } finally {
    await browser.close();
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

const fmtBytes = (s) => `${s.raw} | ${s.gzip} | ${s.brotli}`;
const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }),
  { raw: 0, gzip: 0, brotli: 0 });

/** Loads `variant`'s page once and returns the files it fetched from pkg/. */
export async function fetchedFiles(variant) {
  const { results } = await measure({ loads: 1, variants: [variant, 'reference'] });
  return [...results[variant].fetched].sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await report();
}

async function report() {
const { results, phases } = await measure({ phases: true });
const lines = [];
const command = process.env.BENCH_COMMAND ?? 'bash scripts/bench.sh';
lines.push('# Benchmarks', '');
lines.push(`Command: \`${command}\` · date: ${new Date().toISOString()} · machine: ${os.cpus().length} CPUs (nproc), ${cpuModel()} · ${LOADS} loads per variant`, '');
lines.push('Budgets: ARCHITECTURE.md, *Budgets*. Timings are reported here, never asserted by tests.', '');
lines.push('## Bytes', '', 'What a landing page downloads, per entry (files as fetched from `pkg/` during the timed loads).', '');
lines.push('| entry | file | raw | gzip -9 | brotli |', '| --- | --- | ---: | ---: | ---: |');
const totals = {};
for (const [variant, label] of [['script', 'script tag'], ['esm', 'ES module']]) {
  const r = results[variant];
  if (!r) continue;
  const files = [...r.fetched].sort();
  const each = files.map((f) => sizes(path.join(PKG_DIR, f)));
  files.forEach((f, k) => lines.push(`| ${label} | \`${f}\` | ${fmtBytes(each[k])} |`));
  totals[variant] = sum(each);
  lines.push(`| **${label}** | **total** | **${totals[variant].raw}** | **${totals[variant].gzip}** | **${totals[variant].brotli}** |`);
}
// Fetched only where WebAssembly or DecompressionStream is missing (README, "Content-Security-Policy,
// and browsers without WebAssembly"), so never during the timed loads: its bytes, for the README to link.
const fallbackFile = path.join(PKG_DIR, 'taapit_capture.fallback.js');
if (existsSync(fallbackFile)) {
  lines.push(`| fallback, without WebAssembly | \`taapit_capture.fallback.js\` | ${fmtBytes(sizes(fallbackFile))} |`);
}
const wasmFile = path.join(PKG_DIR, 'taapit_capture.wasm');
const memory = existsSync(wasmFile) ? initialMemory(wasmFile) : null;
lines.push('', '## Memory', '', `Initial linear memory of \`taapit_capture.wasm\`: ${memory} bytes (${memory / 1024} KiB).`, '');
lines.push('## Time to capture', '', 'Milliseconds from navigation start until the id is stored (headless Chromium, localhost, fresh context per load).', '');
lines.push('| variant | median | min | max | long tasks (> 50 ms) |', '| --- | ---: | ---: | ---: | ---: |');
for (const [variant, r] of Object.entries(results)) {
  const t = r.times;
  lines.push(`| ${variant} | ${median(t).toFixed(1)} | ${Math.min(...t).toFixed(1)} | ${Math.max(...t).toFixed(1)} | ${r.long} |`);
}
const ref = median(results.reference.times);
lines.push('', 'On a 2-core machine the ratio moves by more than ±0.1 from one run to the next (each run interleaves all variants, so the noise hits them alike, but not equally): compare several runs, not one figure.', '');
for (const variant of ['script', 'esm']) {
  const target = variant === 'script' ? '1.0' : '1.5';
  if (results[variant]) lines.push(`Ratio of medians, ${variant} / reference: **${(median(results[variant].times) / ref).toFixed(2)}** (target ≤ ${target}).`, '');
}
if (results.floor) {
  lines.push(`Ratio of medians, floor / reference: **${(median(results.floor.times) / ref).toFixed(2)}**. The floor page runs the reference unchanged from inside the one call of an empty 44-byte WebAssembly module, compiled and instantiated synchronously in the script's own task (\`floorScript\` in bench/run.mjs): what any build that keeps its rules in WebAssembly pays before the rules do anything.`, '');
}
if (phases) {
  lines.push('### Where the script tag\'s time goes', '', phasesTable(phases, PHASE_LOADS), '');
}
const scriptGzip = totals.script?.gzip;
const ratio = results.script ? median(results.script.times) / ref : null;
const esmRatio = results.esm ? median(results.esm.times) / ref : null;
const verdict = (ok) => (ok ? 'met' : '**missed**');
lines.push('## Budgets (ARCHITECTURE.md)', '');
lines.push('| what | target | measured | |', '| --- | --- | --- | --- |');
if (scriptGzip !== undefined) {
  lines.push(`| script tag, all it downloads, gzip -9 | ≤ 6144 B (ceiling: bench/budgets.mjs) | ${scriptGzip} B | ${verdict(scriptGzip <= 6144)} |`);
}
lines.push(`| initial wasm memory | ≤ 64 KiB (ceiling 1 MiB) | ${memory / 1024} KiB | ${verdict(memory <= 65536)} |`);
if (ratio !== null) lines.push(`| time to capture, script / reference | ≤ 1.0 | ${ratio.toFixed(2)} | ${verdict(ratio <= 1.0)} |`);
if (esmRatio !== null) lines.push(`| time to capture, esm / reference | ≤ 1.5 | ${esmRatio.toFixed(2)} | ${verdict(esmRatio <= 1.5)} |`);
if (results.floor) lines.push(`| time to capture, floor / reference: an empty WebAssembly module, for scale | — | ${(median(results.floor.times) / ref).toFixed(2)} | |`);
if (results.script) lines.push(`| long tasks caused by the module | 0 | ${results.script.long} | ${verdict(results.script.long === 0)} |`);
lines.push('');
// What each size step saved is a history, kept by hand in bench/SIZE_STEPS.md as the steps are
// made: linked, not copied, so this file holds only the figures of the run that wrote it.
lines.push('## How the size got here', '');
lines.push('Each step that moved the shipped `.wasm` and script tag, with what it saved and what was');
lines.push('tried and not kept: [bench/SIZE_STEPS.md](bench/SIZE_STEPS.md).', '');
// The server crate's section (scripts/bench-server.sh) is kept as it is.
const SERVER_SECTION = /<!-- server-bench:start -->[\s\S]*<!-- server-bench:end -->\n?/;
const kept = existsSync(out) ? readFileSync(out, 'utf8').match(SERVER_SECTION)?.[0] : undefined;
writeFileSync(out, `${lines.join('\n')}\n${kept ? `\n${kept}` : ''}`);
console.log(lines.join('\n'));
}
