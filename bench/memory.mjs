// The script tag's module memory (`memory.buffer.byteLength`, KiB) after each phase of a page
// that calls it many times: with a small query, with a 1.5 MB one, and with a cookie jar near a
// browser's limit (headless Chromium), for bench/SIZE_STEPS.md. PKG=<dir> measures another
// build's pkg/.
//
//   node bench/memory.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHttpServer, PKG_DIR } from '../tests/support/server.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'taapit-memory-'));
writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>
var I = WebAssembly.Instance; WebAssembly.Instance = function (m, i) { var x = new I(m, i); window.mem = x.exports.memory; return x; };
</script><script src="/pkg/taapit.js"></script>`);
const server = await startHttpServer({ root: dir, mounts: { '/pkg/': process.env.PKG ?? PKG_DIR }, maxHeaderSize: 4 << 20 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--host-resolver-rules=MAP * 127.0.0.1'] });
const kib = 'Math.round(mem.buffer.byteLength / 1024)';
async function run(query, big) {
  // big: false, 'query' or 'jar'.
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url('www.shop.example.co.uk', '/' + query));
  await page.waitForFunction(() => window.taapit && taapit.loaded === true);
  const out = await page.evaluate(`(() => {
    const rows = [['after the first capture()', ${kib}]];
    if (${big === 'jar'}) {
      // Near a browser's limit for one site: 150 cookies of 4 KB (Chromium keeps 180).
      for (let i = 0; i < 150; i++) document.cookie = 'jar' + i + '=' + 'v'.repeat(4000) + '; Path=/';
      taapit.capture();
      rows.push(['capture() with a jar of 150 cookies of 4 KB', ${kib}]);
    }
    if (${!!big}) { for (let i = 0; i < 20; i++) taapit.capture(); rows.push(['+ 20 capture()', ${kib}]); return rows; }
    for (let i = 0; i < 20000; i++) taapit.getTrackingId();
    rows.push(['+ 20 000 getTrackingId()', ${kib}]);
    for (let i = 0; i < 2000; i++) taapit.capture({ expiresInDays: 30, outbound: ['shop.example.net'], params: ['ta_tid', 'ref'] });
    rows.push(['+ 2 000 capture({...}) with options', ${kib}]);
    for (let i = 0; i < 1000; i++) { taapit.clearTrackingId(); taapit.capture({ consent: 'pending' }); taapit.grantConsent(); taapit.revokeConsent(); taapit.grantConsent(); }
    rows.push(['+ 1 000 x clear, pending capture, grant, revoke, grant', ${kib}]);
    const names = Array.from({ length: 2001 }, (_, i) => 'p' + i);
    taapit.capture({ params: names });
    rows.push(['one capture({ params: [2 001 names] })', ${kib}]);
    for (let i = 0; i < 300; i++) taapit.capture({ params: names });
    rows.push(['+ 300 more such captures', ${kib}]);
    return rows;
  })()`);
  await page.context().close();
  return out;
}
const scenarios = [
  ['small query', '?ta_tid=abc#/r?ref=zz', false],
  ['1.5 MB query', `?x=${'y'.repeat(1_500_000)}&ta_tid=big`, 'query'],
  ['a big cookie jar', '?ta_tid=jarred', 'jar'],
];
for (const [label, q, big] of scenarios) {
  console.log('##', label);
  for (const [phase, k] of await run(q, big)) console.log(`| ${phase} | ${k} |`);
}
await browser.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
