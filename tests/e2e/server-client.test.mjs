// taapit-capture/server's client and lookup (pkg/server/client.js, lookup.js) against a local
// stand-in for Taapit's API (tests/e2e/server/collector.mjs, on 127.0.0.1) that checks the key,
// the path and every field on the wire:
//
// - the wire format: the Rust client's paths, fields, headers; one Idempotency-Key per call;
// - refused calls send nothing (no customer.externalId, a lead without trackingId, an invalid
//   id, amount, currency or key, a throwing getter), and no call ever rejects;
// - faults, each with the number of POSTs it made: 500 then 200, 429 with Retry-After
//   (seconds, date, beyond the bound), a hang past the timeout, 401, 400, a refused connection;
// - the retry rule as a pure function (clock and randomness passed in);
// - the key searched for in every output: results, console and stdout/stderr, util.inspect,
//   JSON.stringify;
// - the lookup over Web Requests and a node:http route with Express-style parsed bodies;
// - the packed tarball: `import "taapit-capture/server"` resolves, and the entry bundled for
//   the `edge-light` condition runs in a V8 context that has only Web globals (no process, no
//   require, no Buffer, no WebAssembly), against the same collector.
//
// Needs pkg/ built (`bash scripts/build.sh`). About 10 s (the npm install of the tarball
// reaches the registry only on a machine's first run: tests/e2e/.tmp/npm-cache).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import vm from 'node:vm';

import { build } from 'esbuild';

import { PKG_DIR } from '../support/server.mjs';
import { startCollector } from './server/collector.mjs';
import { assertPkgBuilt, freePort, npm, NPM_CACHE } from './support.mjs';

assertPkgBuilt('server/index.js', 'server/client.js', 'server/lookup.js', 'server/rules.js', 'server/index.d.ts');
const { Taapit, findTrackingId, retryDecision, parseRetryAfter, DEFAULT_BASE_URL } = await import(
  pathToFileURL(path.join(PKG_DIR, 'server/index.js')).href
);

/** A key of this run only, so that finding it anywhere means it leaked. */
const KEY = `taapit_sk_test_${randomBytes(12).toString('hex')}`;
const SECRET = KEY.slice('taapit_sk_'.length);

/** Fast retries for tests: the waits are what the rule says, scaled down. */
const FAST = { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 2_000 };

const LEAD = {
  trackingId: 'rLnWe1uz9t282v7g',
  customer: {
    externalId: 'user_123',
    email: 'john@example.com',
    firstname: 'John',
    lastname: 'Doe',
    phoneNumber: '+33612345678',
    avatarUrl: 'https://example.com/avatar.jpg',
  },
  metadata: { source: 'signup-api', plan: 'pro' },
};
const SALE = {
  trackingId: 'rLnWe1uz9t282v7g',
  customer: { externalId: 'user_123', email: 'john@example.com' },
  amount: 149.99,
  currency: 'EUR',
  metadata: { orderId: 'order_1', productIds: ['p1', 'p2'] },
};

let collector;
/** Every output the client could have written to while the tests ran. */
const captured = [];
const restore = [];

before(async () => {
  collector = await startCollector(KEY);
  // Console and the process's own streams, captured for the whole file (and still written).
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    const original = console[method];
    console[method] = (...args) => {
      captured.push(util.format(...args));
      return original.apply(console, args);
    };
    restore.push(() => (console[method] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function write(chunk, ...rest) {
      captured.push(String(chunk));
      return original.call(this, chunk, ...rest);
    };
    restore.push(() => (stream.write = original));
  }
});

after(async () => {
  for (const undo of restore) undo();
  await collector?.close();
  // The key, anywhere the client could have written it during the whole file.
  const leaks = captured.filter((text) => text.includes(SECRET));
  assert.deepEqual(leaks, [], 'the key never reaches the console, stdout or stderr');
});

/** A client posting to the collector, with `options` on top. */
function client(options = {}) {
  return new Taapit({ apiKey: KEY, baseUrl: collector.url, retry: FAST, ...options });
}

/** Runs `fn` with the collector answering `answer`, and returns its result and the POSTs it made. */
async function withAnswers(answer, fn) {
  const start = collector.posts.length;
  collector.answer = answer ?? (() => undefined);
  try {
    const result = await fn();
    return { result, posts: collector.posts.slice(start) };
  } finally {
    collector.answer = () => undefined;
  }
}

/** Asserts the result is a failure whose error says `pattern` and never holds the key. */
function assertFailed(result, pattern) {
  assert.equal(result.success, false, JSON.stringify(result));
  assert.equal(typeof result.error, 'string');
  assert.match(result.error, pattern);
  assert.ok(!result.error.includes(SECRET), `the error holds the key: ${result.error}`);
  assert.ok(!util.inspect(result).includes(SECRET));
}

describe('the wire format (the Rust client\'s)', () => {
  test('a lead: POST /api/events/lead, Bearer key, every field of the guide, as sent', async () => {
    const { result, posts } = await withAnswers(undefined, () => client().track.lead(LEAD));
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 1);
    const [post] = posts;
    assert.deepEqual(post.problems, []);
    assert.equal(post.keyOk, true);
    assert.equal(post.path, '/api/events/lead');
    assert.equal(post.headers.authorization, `Bearer ${KEY}`);
    assert.equal(post.headers['content-type'], 'application/json');
    assert.match(post.headers['idempotency-key'], /^[0-9a-f]{32}$/);
    // The Rust client's field order (crates/server/src/event.rs), byte for byte.
    assert.equal(
      post.text,
      '{"trackingId":"rLnWe1uz9t282v7g","customer":{"externalId":"user_123","email":"john@example.com",' +
        '"firstname":"John","lastname":"Doe","phoneNumber":"+33612345678","avatarUrl":"https://example.com/avatar.jpg"},' +
        '"metadata":{"source":"signup-api","plan":"pro"}}',
    );
  });

  test('a sale: amount in currency units as given, currency lowered, fields the Rust client sends', async () => {
    const { result, posts } = await withAnswers(undefined, () => client().track.sale(SALE));
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 1);
    assert.equal(posts[0].path, '/api/events/sale');
    assert.deepEqual(posts[0].problems, []);
    assert.equal(
      posts[0].text,
      '{"trackingId":"rLnWe1uz9t282v7g","customer":{"externalId":"user_123","email":"john@example.com"},' +
        '"amount":149.99,"currency":"eur","metadata":{"orderId":"order_1","productIds":["p1","p2"]}}',
    );
  });

  test('a sale without trackingId (a customer known by a lead) and an integer externalId', async () => {
    const { result, posts } = await withAnswers(undefined, () =>
      client().track.sale({ trackingId: undefined, customer: { externalId: 42 }, amount: 0, currency: 'usd' }),
    );
    assert.deepEqual(result, { success: true });
    assert.equal(posts[0].text, '{"customer":{"externalId":"42"},"amount":0,"currency":"usd"}');
  });

  test('optional fields left undefined or null are not sent; unknown fields are not sent', async () => {
    const { posts } = await withAnswers(undefined, () =>
      client().track.lead({
        trackingId: 'abc',
        customer: { externalId: 'u1', email: undefined, firstname: null, nickname: 'x' },
        metadata: undefined,
        amount: 3,
      }),
    );
    assert.equal(posts[0].text, '{"trackingId":"abc","customer":{"externalId":"u1"}}');
  });

  test('each call has its own Idempotency-Key; a given one is sent as is', async () => {
    const { posts } = await withAnswers(undefined, async () => {
      await client().track.lead(LEAD);
      await client().track.lead(LEAD);
      await client().track.sale(SALE, { idempotencyKey: 'sale-order_1' });
    });
    assert.equal(posts.length, 3);
    assert.notEqual(posts[0].headers['idempotency-key'], posts[1].headers['idempotency-key']);
    assert.equal(posts[2].headers['idempotency-key'], 'sale-order_1');
  });

  test('the base URL: trailing slash dropped; TAAPIT_BASE_URL and TAAPIT_API_KEY when the options do not say', async () => {
    assert.equal(new Taapit({ apiKey: KEY, baseUrl: `${collector.url}/` }).baseUrl, collector.url);
    assert.equal(new Taapit({ apiKey: KEY }).baseUrl.startsWith('http'), true);
    const saved = { key: process.env.TAAPIT_API_KEY, base: process.env.TAAPIT_BASE_URL };
    process.env.TAAPIT_API_KEY = KEY;
    process.env.TAAPIT_BASE_URL = collector.url;
    try {
      const fromEnv = new Taapit();
      assert.equal(fromEnv.baseUrl, collector.url);
      const { result, posts } = await withAnswers(undefined, () => fromEnv.track.lead(LEAD));
      assert.deepEqual(result, { success: true });
      assert.equal(posts[0].keyOk, true);
    } finally {
      for (const [name, value] of [['TAAPIT_API_KEY', saved.key], ['TAAPIT_BASE_URL', saved.base]]) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    assert.equal(new Taapit({ apiKey: KEY }).baseUrl, DEFAULT_BASE_URL);
    assert.equal(DEFAULT_BASE_URL, 'https://track.taap.it');
  });
});

describe('refused before sending: a clear error, nothing sent, never a rejection', () => {
  const cases = [
    ['a lead without trackingId', (t) => t.track.lead({ customer: { externalId: 'u' } }), /lead needs a trackingId/],
    ['a lead with an invalid trackingId', (t) => t.track.lead({ ...LEAD, trackingId: 'a;b' }), /tracking id is not valid/],
    ['a %-encoded id (the rule takes the value as given)', (t) => t.track.lead({ ...LEAD, trackingId: 'a%41' }), /not valid/],
    ['a 129-character id', (t) => t.track.lead({ ...LEAD, trackingId: 'a'.repeat(129) }), /not valid/],
    ['a sale with an invalid trackingId', (t) => t.track.sale({ ...SALE, trackingId: '<script>' }), /not valid/],
    ['no customer', (t) => t.track.lead({ trackingId: 'abc' }), /customer\.externalId is required/],
    ['no customer.externalId', (t) => t.track.sale({ ...SALE, customer: { email: 'a@b.c' } }), /externalId is required/],
    ['a blank customer.externalId', (t) => t.track.lead({ ...LEAD, customer: { externalId: '  ' } }), /externalId/],
    ['a customer field that is not a string', (t) => t.track.lead({ ...LEAD, customer: { externalId: 'u', email: 5 } }), /customer\.email must be a string/],
    ['a negative amount', (t) => t.track.sale({ ...SALE, amount: -1 }), /amount must be a finite number >= 0/],
    ['a NaN amount', (t) => t.track.sale({ ...SALE, amount: Number.NaN }), /amount/],
    ['an infinite amount', (t) => t.track.sale({ ...SALE, amount: Infinity }), /amount/],
    ['an amount as text', (t) => t.track.sale({ ...SALE, amount: '149.99' }), /amount/],
    ['no amount', (t) => t.track.sale({ ...SALE, amount: undefined }), /amount/],
    ['a currency of four letters', (t) => t.track.sale({ ...SALE, currency: 'euro' }), /currency must be an ISO 4217 code/],
    ['a currency with a digit', (t) => t.track.sale({ ...SALE, currency: 'eu1' }), /currency/],
    ['no currency', (t) => t.track.sale({ ...SALE, currency: undefined }), /currency/],
    ['metadata that is an array', (t) => t.track.lead({ ...LEAD, metadata: [1] }), /metadata must be an object/],
    ['metadata that cannot be JSON', (t) => t.track.lead({ ...LEAD, metadata: { n: 10n } }), /metadata cannot be written as JSON/],
    ['no event at all', (t) => t.track.lead(), /takes an object/],
    ['a string for an event', (t) => t.track.sale('sale'), /takes an object/],
    ['a getter that throws (with the key in its message)', (t) => t.track.lead({ get trackingId() { throw new Error(`boom ${KEY}`); } }), /could not be read \(boom taapit_sk_…\)/],
    ['a bad idempotency key', (t) => t.track.lead(LEAD, { idempotencyKey: 'has space' }), /idempotency key/],
  ];
  for (const [name, call, pattern] of cases) {
    test(name, async () => {
      const { result, posts } = await withAnswers(undefined, () => call(client()));
      assertFailed(result, pattern);
      assert.equal(result.attempts, 0);
      assert.equal(posts.length, 0, 'nothing sent');
    });
  }

  test('a bad key or option: new Taapit() does not throw; every call says why and sends nothing', async () => {
    const base = () => ({ baseUrl: collector.url });
    const bad = [
      [{ ...base() }, /no API key: pass apiKey \(or set TAAPIT_API_KEY\)/],
      [{ ...base(), apiKey: undefined }, /no API key/],
      [{ ...base(), apiKey: 'sk_live_abc' }, /must be taapit_sk_/],
      [{ ...base(), apiKey: 'taapit_sk_' }, /must be taapit_sk_/],
      [{ ...base(), apiKey: 'taapit_sk_has space' }, /must be taapit_sk_/],
      [{ apiKey: KEY, baseUrl: 'ftp://example.com' }, /base URL/],
      [{ apiKey: KEY, baseUrl: 'not a url' }, /base URL/],
      // The event's path goes after the base URL: a query would take it; fetch refuses credentials.
      [{ apiKey: KEY, baseUrl: `${collector.url}/?region=eu` }, /base URL must be .* with no query, fragment or credentials/],
      [{ apiKey: KEY, baseUrl: collector.url.replace('://', `://user:${KEY}@`) }, /base URL/],
      [{ ...base(), apiKey: KEY, timeoutMs: -1 }, /timeoutMs/],
      [{ ...base(), apiKey: KEY, retry: { maxAttempts: 0 } }, /retry must be/],
      [{ ...base(), apiKey: KEY, fetch: 'fetch' }, /fetch must be a function/],
      [{ ...base(), get apiKey() { throw new Error(`getter ${KEY}`); } }, /^the apiKey option could not be read$/],
      [{ apiKey: KEY, get baseUrl() { throw new Error(`getter ${KEY}`); } }, /^the options could not be read \(getter taapit_sk_…\)$/],
    ];
    const saved = process.env.TAAPIT_API_KEY;
    delete process.env.TAAPIT_API_KEY;
    try {
      for (const [options, pattern] of bad) {
        const taapit = new Taapit(options);
        const { result, posts } = await withAnswers(undefined, () => taapit.track.lead(LEAD));
        assertFailed(result, pattern);
        assert.equal(posts.length, 0, `nothing sent with ${util.inspect(options)}`);
        assert.ok(!JSON.stringify(taapit).includes(SECRET) && !util.inspect(taapit).includes(SECRET), 'the key shows');
        const sale = await taapit.track.sale(SALE);
        assertFailed(sale, pattern);
      }
    } finally {
      if (saved !== undefined) process.env.TAAPIT_API_KEY = saved;
    }
  });

  test('a fetch that throws synchronously, or is not a function at call time: a result, not a rejection', async () => {
    let calls = 0;
    const throwing = client({
      fetch: () => {
        calls += 1;
        throw new Error(`sync failure ${KEY}`);
      },
    });
    const result = await throwing.track.lead(LEAD);
    assertFailed(result, /not delivered after 3 attempts: could not reach Taapit: sync failure taapit_sk_…/);
    assert.equal(calls, 3, 'a throw is a failed attempt, retried like a network error');
  });
});

describe('faults against the collector: the POSTs each made, and the result', () => {
  test('500 then 200: 2 POSTs, the same body and Idempotency-Key, success', async () => {
    let first = true;
    const { result, posts } = await withAnswers(
      () => (first ? ((first = false), { status: 500, body: 'oops' }) : undefined),
      () => client().track.lead(LEAD),
    );
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 2);
    assert.equal(posts[0].text, posts[1].text);
    assert.equal(posts[0].headers['idempotency-key'], posts[1].headers['idempotency-key']);
  });

  test('503 every time: 3 POSTs (maxAttempts), then a failure that says so', async () => {
    const { result, posts } = await withAnswers(() => ({ status: 503, body: 'unavailable' }), () => client().track.sale(SALE));
    assertFailed(result, /^not delivered after 3 attempts: HTTP 503: unavailable$/);
    assert.equal(result.attempts, 3);
    assert.equal(result.status, 503);
    assert.equal(posts.length, 3);
  });

  test('408 and 425 are retried like 429 and 5xx: 2 POSTs each', async () => {
    for (const status of [408, 425]) {
      let first = true;
      const { result, posts } = await withAnswers(
        () => (first ? ((first = false), { status }) : undefined),
        () => client().track.lead(LEAD),
      );
      assert.deepEqual(result, { success: true }, `after ${status}`);
      assert.equal(posts.length, 2, `${status}: 2 POSTs`);
    }
  });

  test('429 with Retry-After: 1 (seconds): 2 POSTs, the second at least 1 s after the first', async () => {
    let first = true;
    const { result, posts } = await withAnswers(
      () => (first ? ((first = false), { status: 429, headers: { 'retry-after': '1' } }) : undefined),
      () => client().track.lead(LEAD),
    );
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 2);
    assert.ok(posts[1].at - posts[0].at >= 990, `waited ${posts[1].at - posts[0].at} ms`);
  });

  test('429 with Retry-After as an HTTP date 1-2 s ahead: 2 POSTs, waited until then', async () => {
    let first = true;
    let date;
    const { result, posts } = await withAnswers(
      () => {
        if (!first) return undefined;
        first = false;
        date = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
        return { status: 429, headers: { 'retry-after': date.toUTCString() } };
      },
      () => client().track.lead(LEAD),
    );
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 2);
    assert.ok(posts[1].at >= date.getTime() - 10, `posted ${date.getTime() - posts[1].at} ms before the date`);
  });

  test('429 with a Retry-After beyond maxBackoffMs: 1 POST, ends at once', async () => {
    const started = Date.now();
    const { result, posts } = await withAnswers(
      () => ({ status: 429, headers: { 'retry-after': '3600' } }),
      () => client().track.lead(LEAD),
    );
    assertFailed(result, /not delivered after 1 attempt: HTTP 429 \(Retry-After: 3600\)/);
    assert.equal(posts.length, 1);
    assert.ok(Date.now() - started < 1_000, 'no wait');
  });

  test('a hang past the timeout: each attempt ends at timeoutMs; 2 POSTs with maxAttempts 2', async () => {
    const started = Date.now();
    const { result, posts } = await withAnswers(
      () => ({ hang: true }),
      () => client({ timeoutMs: 300, retry: { ...FAST, maxAttempts: 2 } }).track.lead(LEAD),
    );
    const took = Date.now() - started;
    assertFailed(result, /not delivered after 2 attempts: timed out after 300 ms/);
    assert.equal(posts.length, 2);
    assert.ok(took >= 600 && took < 3_000, `took ${took} ms`);
  });

  test('a hang, then an answer: 2 POSTs, success', async () => {
    let first = true;
    const { result, posts } = await withAnswers(
      () => (first ? ((first = false), { hang: true }) : undefined),
      () => client({ timeoutMs: 300 }).track.lead(LEAD),
    );
    assert.deepEqual(result, { success: true });
    assert.equal(posts.length, 2);
  });

  test('401 (a wrong key, echoed back by the server): 1 POST, no retry, the echo scrubbed', async () => {
    const wrongKey = `taapit_sk_wrong_${randomBytes(8).toString('hex')}`;
    const { result, posts } = await withAnswers(undefined, () =>
      new Taapit({ apiKey: wrongKey, baseUrl: collector.url, retry: FAST }).track.lead(LEAD),
    );
    assert.equal(posts.length, 1);
    assert.equal(posts[0].keyOk, false);
    assertFailed(result, /^Taapit refused the event: HTTP 401: \{"error":"invalid key: Bearer taapit_sk_…"\}$/);
    assert.ok(!result.error.includes(wrongKey.slice(10)));
    assert.equal(result.status, 401);
    assert.equal(result.attempts, 1);
  });

  test('a Retry-After that echoes the key: no part of it in the error', async () => {
    const { result } = await withAnswers(
      () => ({ status: 503, headers: { 'retry-after': `soon ${KEY}` } }),
      () => client({ retry: false }).track.lead(LEAD),
    );
    assertFailed(result, /^not delivered after 1 attempt: HTTP 503 \(Retry-After: soon taapit_sk_…\)/);
    assert.ok(!result.error.includes(SECRET.slice(0, 12)), result.error);
  });

  test('400 and other 4xx are not retried: 1 POST each', async () => {
    for (const status of [400, 403, 404, 409, 422]) {
      const { result, posts } = await withAnswers(() => ({ status, body: { error: 'no' } }), () => client().track.lead(LEAD));
      assertFailed(result, new RegExp(`^Taapit refused the event: HTTP ${status}`));
      assert.equal(posts.length, 1, `${status}: 1 POST`);
    }
  });

  test('a redirect is an answer, not followed: 1 POST', async () => {
    const { result, posts } = await withAnswers(
      () => ({ status: 307, headers: { location: `${collector.url}/elsewhere` } }),
      () => client().track.lead(LEAD),
    );
    assertFailed(result, /^Taapit refused the event: HTTP 307/);
    assert.equal(posts.length, 1);
  });

  test('a long error body is cut to 512 characters, the key scrubbed before the cut', async () => {
    const body = `${'x'.repeat(500)}${KEY}${'y'.repeat(2000)}`;
    const { result } = await withAnswers(() => ({ status: 400, body }), () => client().track.lead(LEAD));
    assertFailed(result, /^Taapit refused the event: HTTP 400: x{500}taapit_sk_…y+$/);
    assert.equal(result.error.length, 'Taapit refused the event: HTTP 400: '.length + 512);
  });

  test('a refused connection: 3 attempts (no POST can arrive), then a failure that says why', async () => {
    const port = await freePort(); // nothing listens there
    let calls = 0;
    const counting = (...args) => {
      calls += 1;
      return fetch(...args);
    };
    const result = await new Taapit({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}`, retry: FAST, fetch: counting }).track.lead(LEAD);
    assertFailed(result, /^not delivered after 3 attempts: could not reach Taapit: fetch failed: .*ECONNREFUSED/);
    assert.equal(calls, 3);
    assert.equal(result.attempts, 3);
  });

  test('retry: false makes one attempt', async () => {
    const { result, posts } = await withAnswers(() => ({ status: 500 }), () => client({ retry: false }).track.lead(LEAD));
    assertFailed(result, /after 1 attempt: HTTP 500/);
    assert.equal(posts.length, 1);
  });
});

describe('the retry rule (pure: the clock and randomness passed in)', () => {
  const policy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 1_000 };
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const decide = (outcome, attempt = 1, random = 0) => retryDecision({ attempt, outcome, policy, now, random });

  test('temporary: network failures, 408, 425, 429, 5xx; not: other statuses', () => {
    for (const outcome of [{ network: true }, ...[408, 425, 429, 500, 502, 503, 504, 599].map((status) => ({ status }))]) {
      assert.equal(decide(outcome).retry, true, util.inspect(outcome));
    }
    for (const status of [300, 301, 307, 400, 401, 403, 404, 409, 410, 413, 422, 451, 600]) {
      assert.deepEqual(decide({ status }), { retry: false, temporary: false }, String(status));
    }
  });

  test('attempts run out at maxAttempts', () => {
    assert.equal(decide({ status: 500 }, 4).retry, true);
    assert.deepEqual(decide({ status: 500 }, 5), { retry: false, temporary: true });
  });

  test('backoff: half to all of initial × 2^(n-1), capped at maxBackoffMs', () => {
    assert.equal(decide({ status: 500 }, 1, 0).waitMs, 50);
    assert.equal(decide({ status: 500 }, 1, 1).waitMs, 100);
    assert.equal(decide({ status: 500 }, 3, 0).waitMs, 200);
    assert.equal(decide({ status: 500 }, 3, 0.5).waitMs, 300);
    assert.equal(decide({ status: 500 }, 4, 1).waitMs, 800);
    assert.equal(decide({ status: 500 }, 4, 1).waitMs <= policy.maxBackoffMs, true);
    const big = { ...policy, maxAttempts: 100 };
    assert.equal(retryDecision({ attempt: 60, outcome: { network: true }, policy: big, now, random: 1 }).waitMs, 1_000);
  });

  test('Retry-After: never sooner; beyond maxBackoffMs ends the call; junk is ignored', () => {
    assert.equal(decide({ status: 429, retryAfter: '1' }).waitMs, 1_000);
    assert.equal(decide({ status: 503, retryAfter: ' 0 ' }).waitMs, 50);
    assert.deepEqual(decide({ status: 429, retryAfter: '2' }), { retry: false, temporary: true, retryAfterMs: 2_000 });
    assert.equal(decide({ status: 429, retryAfter: 'soon' }).waitMs, 50);
    assert.equal(decide({ status: 429, retryAfter: '-1' }).waitMs, 50);
    assert.equal(decide({ status: 429, retryAfter: null }).waitMs, 50);
  });

  test('Retry-After dates in the three forms of RFC 9110, read as GMT; a past date waits the backoff', () => {
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 12:00:01 GMT', now), 1_000);
    assert.equal(parseRetryAfter('Monday, 07-Dec-26 12:00:01 GMT', now), 1_000);
    assert.equal(parseRetryAfter('Mon Dec  7 12:00:01 2026', now), 1_000);
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 12:00:01 +0100', now), null);
    assert.equal(parseRetryAfter('Mon, 32 Dec 2026 12:00:01 GMT', now), null);
    assert.equal(parseRetryAfter('2026-12-07T12:00:01Z', now), null);
    assert.equal(decide({ status: 429, retryAfter: 'Mon, 07 Dec 2026 12:00:00 GMT' }).waitMs, 50);
    assert.equal(decide({ status: 429, retryAfter: 'Mon, 07 Dec 2026 12:00:01 GMT' }).waitMs, 1_000);
    assert.equal(decide({ status: 429, retryAfter: 'Tue, 08 Dec 2026 12:00:00 GMT' }).retry, false);
  });
});

describe('the key never shows', () => {
  test('util.inspect, console.log, JSON.stringify, String and the own properties of the client', () => {
    const taapit = client();
    for (const text of [
      util.inspect(taapit),
      util.inspect(taapit, { showHidden: true, depth: 10, getters: true }),
      util.format('%o %O %j %s', taapit, taapit, taapit, taapit),
      JSON.stringify(taapit),
      JSON.stringify({ nested: { taapit } }),
      String(taapit),
      JSON.stringify(Object.getOwnPropertyDescriptors(taapit)),
      util.inspect(Object.getOwnPropertyDescriptors(taapit), { showHidden: true, depth: 10 }),
    ]) {
      assert.ok(!text.includes(SECRET), `the key shows in: ${text}`);
    }
    assert.equal(util.inspect(taapit), `Taapit { baseUrl: "${collector.url}", apiKey: 'taapit_sk_…' }`);
    assert.deepEqual(JSON.parse(JSON.stringify(taapit)), { baseUrl: collector.url, apiKey: 'taapit_sk_…' });
    console.log('the client, logged:', taapit); // captured: the after() hook searches it
  });

  test('not in a base URL error either, when the key was put in the URL', async () => {
    const result = await new Taapit({ apiKey: KEY, baseUrl: `nope://${KEY}` }).track.lead(LEAD);
    assertFailed(result, /base URL/);
  });
});

/** An Express-style node:http app: a JSON body parser that sets req.body, then the route. */
async function startNodeApp(taapit) {
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', async () => {
      if (req.headers['content-type'] === 'application/json') req.body = JSON.parse(text || '{}');
      // The route, as an Express handler writes it: one call finds the id.
      const found = findTrackingId(req);
      let tracked = null;
      if (found) {
        tracked = await taapit.track.lead({ trackingId: found.trackingId, customer: { externalId: 'node_user_1' } });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ found, tracked }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the lookup: cookie, then body, then URL; only valid ids', () => {
  const web = (url, cookie) => new Request(`https://shop.example.com${url}`, { method: 'POST', headers: cookie ? { cookie } : {} });

  test('a Web Request (App Router, edge): the order, and invalid candidates skipped', () => {
    assert.deepEqual(findTrackingId(web('/api/signup?ta_tid=fromUrl', 'theme=dark; ta_tid=fromCookie'), { trackingId: 'fromBody' }), {
      trackingId: 'fromCookie',
      source: 'cookie',
    });
    assert.deepEqual(findTrackingId(web('/api/signup?ta_tid=fromUrl', 'ta_tid=%3Cscript%3E'), { trackingId: 'fromBody' }), {
      trackingId: 'fromBody',
      source: 'body',
    });
    assert.deepEqual(findTrackingId(web('/api/signup?ta_tid=fromUrl', 'ta_tid=a%20b'), { trackingId: 'a;b' }), {
      trackingId: 'fromUrl',
      source: 'url',
    });
    assert.deepEqual(findTrackingId(web('/api/signup?ta_tid=from%2DUrl')), { trackingId: 'from-Url', source: 'url' });
    assert.deepEqual(findTrackingId(web('/', 'ta_tid=bad%21; ta_tid=good-2')), { trackingId: 'good-2', source: 'cookie' });
    assert.deepEqual(findTrackingId(web('/'), '{"trackingId":"fromText"}'), { trackingId: 'fromText', source: 'body' });
    assert.equal(findTrackingId(web('/?ta_tid=%3Cx%3E', 'ta_tid=<x>'), { trackingId: 'a b' }), null);
    assert.equal(findTrackingId(web('/'), { trackingId: 123 }), null);
    assert.equal(findTrackingId(web('/')), null);
  });

  test('a Web Request\'s body is left for the handler', async () => {
    const request = new Request('https://shop.example.com/api/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trackingId: 'inBody', email: 'a@b.c' }),
    });
    assert.equal(findTrackingId(request), null, 'the body is not read without being passed');
    assert.equal(request.bodyUsed, false);
    const body = await request.json();
    assert.deepEqual(findTrackingId(request, body), { trackingId: 'inBody', source: 'body' });
  });

  test('the frontend\'s cookieName and params; an option it would refuse throws', () => {
    const request = web('/?ref=fromRef', 'ta_tid=theirs; my_tid=mine');
    assert.deepEqual(findTrackingId(request, undefined, { cookieName: 'my_tid' }), { trackingId: 'mine', source: 'cookie' });
    assert.deepEqual(findTrackingId(web('/?ta_tid=a&ref=fromRef'), undefined, { params: ['ref', 'ta_tid'] }), {
      trackingId: 'fromRef',
      source: 'url',
    });
    assert.throws(() => findTrackingId(request, undefined, { cookieName: 'a;b' }), TypeError);
  });

  test('requests of any shape give null, never an exception', () => {
    const hostile = {
      get headers() {
        throw new Error('no headers');
      },
    };
    for (const request of [null, undefined, 'GET /', 42, {}, { headers: null }, { headers: { cookie: 5 }, url: 7 }, hostile]) {
      assert.equal(findTrackingId(request), null, util.inspect(request));
    }
    assert.deepEqual(findTrackingId({ headers: { cookie: ['a=1', 'ta_tid=arr'] }, url: '/' }), { trackingId: 'arr', source: 'cookie' });
    // A path that starts with `//` is a path, not a host (`https://shop.example//?ta_tid=…`).
    assert.deepEqual(findTrackingId({ headers: {}, url: '//?ta_tid=dbl' }), { trackingId: 'dbl', source: 'url' });
  });

  test('a node:http route (Express-style req.body): cookie, invalid cookie + body, URL; the lead reaches the collector', async () => {
    const app = await startNodeApp(client());
    try {
      const cases = [
        [{ cookie: 'ta_tid=node-cookie-1' }, '/api/signup', { trackingId: 'ignored' }, { trackingId: 'node-cookie-1', source: 'cookie' }],
        [{ cookie: 'ta_tid=%3Cbad%3E' }, '/api/signup?ta_tid=node-url-0', { trackingId: 'node-body-1' }, { trackingId: 'node-body-1', source: 'body' }],
        [{}, '/api/signup?ta_tid=node-url-1', { email: 'a@b.c' }, { trackingId: 'node-url-1', source: 'url' }],
        [{ cookie: 'ta_tid=a b' }, '/api/signup', {}, null],
      ];
      for (const [headers, route, body, expected] of cases) {
        const { result, posts } = await withAnswers(undefined, async () => {
          const response = await fetch(`${app.url}${route}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
          });
          return response.json();
        });
        assert.deepEqual(result.found, expected, route);
        if (expected) {
          assert.deepEqual(result.tracked, { success: true });
          assert.equal(posts.length, 1);
          assert.equal(posts[0].json.trackingId, expected.trackingId);
          assert.deepEqual(posts[0].problems, []);
        } else {
          assert.equal(posts.length, 0);
        }
      }
    } finally {
      await app.close();
    }
  });
});

describe('the packed tarball, in Node and in a context with only Web globals', () => {
  let work;
  let entry;
  before(
    async () => {
      await mkdir(NPM_CACHE, { recursive: true });
      work = await mkdtemp(path.join(tmpdir(), 'taapit-server-'));
      const { stdout } = await npm(['pack', '--json', '--pack-destination', work], PKG_DIR);
      const tarball = path.join(work, JSON.parse(stdout)[0].filename);
      await writeFile(path.join(work, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
      await npm(['install', '--prefer-offline', tarball], work);
      entry = path.join(work, 'entry.mjs');
      // Resolved by name, through the package's exports: what a user's `import` does.
      await writeFile(entry, "export * from 'taapit-capture/server';\n");
    },
    { timeout: 120_000 },
  );
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('import "taapit-capture/server" resolves from the tarball; a lead reaches the collector', async () => {
    const installed = await import(pathToFileURL(entry).href);
    const { result, posts } = await withAnswers(undefined, () =>
      new installed.Taapit({ apiKey: KEY, baseUrl: collector.url }).track.lead(LEAD),
    );
    assert.deepEqual(result, { success: true });
    assert.deepEqual(posts[0].problems, []);
    assert.equal(installed.isValidTrackingId('abc'), true);
  });

  test('edge: bundled for edge-light with no Node built-in, run in a V8 context with Web globals only', async () => {
    const { outputFiles } = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'taapitServer',
      // `neutral`: no Node built-in resolves, so an import of one fails the build.
      platform: 'neutral',
      conditions: ['edge-light'],
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const code = outputFiles[0].text;
    assert.doesNotMatch(code, /WebAssembly/, 'the edge build carries no WebAssembly call');
    assert.doesNotMatch(code, /\brequire\(|from ['"]node:/);

    // Only what an edge runtime has: Web APIs, no process, require, Buffer or WebAssembly.
    const context = vm.createContext({
      fetch, Request, Response, Headers, URL, URLSearchParams, AbortController, AbortSignal,
      TextEncoder, TextDecoder, ReadableStream, crypto: globalThis.crypto, atob, btoa,
      setTimeout, clearTimeout, console, structuredClone,
    });
    vm.runInContext('delete globalThis.WebAssembly;', context);
    vm.runInContext(code, context);
    assert.equal(vm.runInContext('typeof process + typeof require + typeof Buffer + typeof WebAssembly', context), 'undefinedundefinedundefinedundefined');
    context.KEY = KEY;
    context.BASE = collector.url;
    const { result, posts } = await withAnswers(undefined, () =>
      vm.runInContext(
        `(async () => {
          const { Taapit, findTrackingId } = taapitServer;
          const request = new Request('https://shop.example.com/api/signup?ta_tid=edge-url', { headers: { cookie: 'ta_tid=%bad; ta_tid=edge-cookie' } });
          const found = findTrackingId(request, { trackingId: 'edge-body' });
          const taapit = new Taapit({ apiKey: KEY, baseUrl: BASE });
          const lead = await taapit.track.lead({ trackingId: found.trackingId, customer: { externalId: 'edge_user' } });
          const refused = await taapit.track.lead({ trackingId: 'a b', customer: { externalId: 'edge_user' } });
          const noKey = await new Taapit({ baseUrl: BASE }).track.lead({ trackingId: 'abc', customer: { externalId: 'u' } });
          return JSON.stringify({ found, lead, refused: refused.error, noKey: noKey.error });
        })()`,
        context,
      ),
    );
    assert.deepEqual(JSON.parse(result), {
      found: { trackingId: 'edge-cookie', source: 'cookie' },
      lead: { success: true },
      refused: 'the tracking id is not valid (1-128 characters of A-Z a-z 0-9 - _ . ~)',
      noKey: 'no API key: pass apiKey (or set TAAPIT_API_KEY) to your secret key, taapit_sk_…',
    });
    assert.equal(posts.length, 1);
    assert.equal(posts[0].json.trackingId, 'edge-cookie');
    assert.deepEqual(posts[0].problems, []);
  });
});
