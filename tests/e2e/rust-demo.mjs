// Starts the Rust demo backend (crates/demo, binary `taapit-demo`) for the end-to-end tests.
// scripts/test-e2e.sh builds it once (`cargo build -p taapit-demo`); demo.test.mjs and
// server.test.mjs share that binary. TAAPIT_DEMO_BIN overrides its path. Not a test file.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../support/server.mjs';
import { CHILD_ENV } from './support.mjs';

/** The demo binary. */
export const DEMO_BIN = process.env.TAAPIT_DEMO_BIN || path.join(REPO_ROOT, 'target', 'debug', 'taapit-demo');

/** A demo deeplink id, as the demo prints in its links. */
export const DEMO_ID = 'rLnWe1uz9t282v7g';

/** What the demo shows instead of the secret key. */
export const AUTHORIZATION_PLACEHOLDER = 'Bearer taapit_sk_…';

/**
 * Runs `taapit-demo --port 0 ...args` and waits for the address it prints.
 *
 * @param {{ args?: string[], env?: Record<string, string> }} [options]
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, port: number, origin: string,
 *   output: () => string, url: (host?: string, pathAndQuery?: string) => string, close: () => Promise<void> }>}
 */
export async function startRustDemo({ args = [], env = {} } = {}) {
  assert.ok(existsSync(DEMO_BIN), `${DEMO_BIN} is not built: run cargo build -p taapit-demo`);
  const child = spawn(DEMO_BIN, ['--port', '0', ...args], {
    env: { ...CHILD_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`taapit-demo printed no address:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`taapit-demo exited ${code}:\n${output}`));
    });
  });
  let closing;
  return {
    child,
    port,
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    url(host = '127.0.0.1', pathAndQuery = '/') {
      return `http://${host}:${port}${pathAndQuery}`;
    },
    close() {
      closing ??= new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
      return closing;
    },
  };
}

/** Polls the demo's GET /api/leads until `match(record)` holds for a record (10 s at most). */
export async function waitForRecord(origin, match) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { events } = await (await fetch(`${origin}/api/leads`)).json();
    const found = events.find(match);
    if (found) return found;
    assert.ok(Date.now() < deadline, 'the collector did not receive the event');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
