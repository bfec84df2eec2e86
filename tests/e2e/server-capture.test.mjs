// taapit-capture/server's rules and server-side capture (pkg/server/rules.js, capture.js): the
// shipped .wasm run over a request, in Node as the package resolves it, under the `edge-light`
// condition (its wasm2js build, as edge runtimes get it), and where WebAssembly refuses to
// compile (the fallback to wasm2js). The answers must be the Rust core's rules
// (ARCHITECTURE.md, "Capture rules") and the same from both builds.
//
// The Next.js proxy/middleware in real browsers is in nextjs.test.mjs. Needs pkg/ built.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import * as contract from '../../pkg/contract.js';
import { CHANGE, READ } from '../../pkg/server/engine.js';
import { assertPkgBuilt, CHILD_ENV } from './support.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, 'fixtures/server-rules.mjs');
const REFUSE = path.join(here, 'fixtures/refuse-webassembly.mjs');

assertPkgBuilt('server/rules.js', 'server/engine.js', 'server/wasm-bytes.js', 'server/wasm2js.js');

/** Ids and whether the core's rule takes them (1-128 of A-Z a-z 0-9 - _ . ~, as given). */
const IDS = [
  ['abc', true],
  ['rLnWe1uz9t282v7g', true],
  ['A-z_0.9~', true],
  ['a'.repeat(128), true],
  ['a'.repeat(129), false],
  ['', false],
  ['a;b', false],
  ['a b', false],
  ['a=b', false],
  ['a+b', false],
  ['a%41', false], // not URL-decoded: '%' is not an id character
  ['%3Cscript%3E', false],
  ['café', false],
  ['日本', false],
  ['a\u0000b', false],
  ['\uD800', false], // a lone surrogate
  ['a/b', false],
  ['"abc"', false],
];

/** Cookie headers (and cookie names) and the id the browser's read rule gives. */
const HEADERS = [
  ['ta_tid=abc', 'ta_tid', 'abc'],
  ['x=1; ta_tid=abc; y=2', 'ta_tid', 'abc'],
  ['ta_tid=b%40d; ta_tid=good-1', 'ta_tid', 'good-1'], // an invalid copy does not hide a valid one
  ['ta_tid=a;b', 'ta_tid', 'a'],
  ['ta_tid="quoted-1"', 'ta_tid', 'quoted-1'],
  ['ta_tid=' + 'a'.repeat(129), 'ta_tid', null],
  ['other=abc', 'ta_tid', null],
  ['my_tid=mine; ta_tid=theirs', 'my_tid', 'mine'],
  ['', 'ta_tid', null],
  [null, 'ta_tid', null],
];

/** URLs (and params) and the id the capture's source rule finds. */
const URLS = [
  ['https://shop.example.com/?ta_tid=abc', null, 'abc'],
  ['/landing?utm=x&ta_tid=abc', null, 'abc'],
  ['/landing?ta_tid=%3Cx%3E&ta_tid=ok-2', null, 'ok-2'],
  ['/#/landing?ta_tid=in-hash', null, 'in-hash'],
  ['/?ta_tid=search#/x?ta_tid=hash', null, 'search'],
  ['/?ref=r1&ta_tid=t1', ['ref', 'ta_tid'], 'r1'],
  ['/?ta_tid=' + 'b'.repeat(129), null, null],
  ['/?ta_tid=a%3Bb', null, null],
  ['/?ta_tid=%41bc', null, 'Abc'], // URL-decoded, then checked
  ['/plain', null, null],
];

const TABLE = {
  ids: IDS.map(([id]) => id),
  headers: HEADERS.map(([header, name]) => [header, name]),
  urls: URLS.map(([url, params]) => [url, params]),
};

/** The fixture's answers in a child process with `args` before it. */
async function answersWith(args) {
  const { stdout } = await run(process.execPath, [...args, FIXTURE, JSON.stringify(TABLE)], {
    env: CHILD_ENV,
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

describe('taapit-capture/server rules: the core over a virtual page', () => {
  test('the virtual page answers every text and change code of the contract', () => {
    const codes = (prefix) =>
      Object.entries(contract)
        .filter(([name]) => name.startsWith(prefix))
        .map(([, code]) => code)
        .sort();
    assert.deepEqual(Object.keys(READ).map(Number).sort(), codes('TEXT_'));
    assert.deepEqual(Object.keys(CHANGE).map(Number).sort(), codes('CHANGE_'));
  });

  test('the .wasm, its wasm2js build (edge-light) and the refused-compile fallback give the core\'s answers', async () => {
    const [wasm, edge, refused] = await Promise.all([
      answersWith([]),
      answersWith(['--conditions=edge-light']),
      answersWith(['--import', REFUSE]),
    ]);
    assert.equal(wasm.build, 'wasm', 'Node compiles the .wasm');
    assert.equal(edge.build, 'wasm2js', 'the edge-light condition resolves to the wasm2js build');
    assert.equal(refused.build, 'wasm2js', 'a refused compile falls back to the wasm2js build');

    const expected = {
      valid: IDS.map(([, valid]) => valid),
      fromCookie: HEADERS.map(([, , id]) => id),
      fromUrl: URLS.map(([, , id]) => id),
    };
    for (const [label, got] of [['wasm', wasm], ['edge-light', edge], ['refused', refused]]) {
      for (const key of Object.keys(expected)) {
        const rows = key === 'valid' ? IDS : key === 'fromCookie' ? HEADERS : URLS;
        expected[key].forEach((want, i) => {
          assert.equal(got.answers[key][i], want, `${label}: ${key} of ${JSON.stringify(rows[i]).slice(0, 80)}`);
        });
      }
    }
    assert.deepEqual(edge.answers, wasm.answers, 'both builds answer alike');
  });
});
