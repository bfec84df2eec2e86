// A tiny static file server for the demo, the end-to-end tests and the benchmark, with no
// dependencies.
//
// It listens on 127.0.0.1 only (never any other address), on a random port by default, over
// plain HTTP or over HTTPS with a given key and certificate. It serves `root` at `/` and the
// built npm package (the repo's `pkg/`) at `/pkg/`, with the content types browsers insist on
// (`application/wasm` for streaming compilation, `text/javascript` for ES modules).
//
//   import { startServer, makeSelfSignedCert } from './server.mjs';
//   const tls = await makeSelfSignedCert();             // { key, cert } (no file left behind)
//   const server = await startServer({ tls });          // HTTPS, test page at /
//   server.url('www.shop.example.co.uk', '/?ta_tid=abc') // https://www.shop.example.co.uk:PORT/?ta_tid=abc
//   await server.close();
//
//   const demo = await startHttpServer({ root: 'www', port: 8080 }); // plain HTTP, the demo
//
// From the shell: `node tests/support/server.mjs [--root DIR] [--port N] [--https]`.

import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const REPO_ROOT = path.resolve(here, '../..');
/** The built npm package, served at `/pkg/`. */
export const PKG_DIR = path.join(REPO_ROOT, 'pkg');
/** The end-to-end test page, served at `/` by default. */
export const PAGE_DIR = path.join(REPO_ROOT, 'tests/e2e/page');

/** The only address the server listens on. */
export const HOST = '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** The `Content-Type` for a file name. */
export function contentType(file) {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Starts the server on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {string} [options.root] directory served at `/` (default: the e2e test page)
 * @param {Record<string, string>} [options.mounts] URL prefix → directory, tried before `root`
 *   (default: `{ '/pkg/': PKG_DIR }`; pass `{}` to serve `root` alone)
 * @param {{ key: string | Buffer, cert: string | Buffer }} [options.tls] serve HTTPS with these
 * @param {number} [options.port] 0 (default) picks a free port
 * @param {Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>} [options.routes]
 *   exact path → handler, tried before the files (the demo's API)
 * @param {(line: string) => void} [options.log] called once per request
 * @param {number} [options.maxHeaderSize] the longest request head accepted, in bytes (Node's
 *   default, 16 KiB, refuses longer addresses with 431)
 * @returns {Promise<{ server: import('node:http').Server, protocol: 'http' | 'https', port: number,
 *   origin: string, url: (host?: string, pathAndQuery?: string) => string, close: () => Promise<void> }>}
 */
export async function startServer({
  root = PAGE_DIR,
  mounts = { '/pkg/': PKG_DIR },
  tls,
  port = 0,
  routes = {},
  log,
  maxHeaderSize,
} = {}) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  table.push(['/', path.resolve(root)]);

  const handler = (req, res) => {
    const route = routes[new URL(req.url, 'http://x').pathname];
    const done = route ? Promise.resolve().then(() => route(req, res)) : serve(table, req, res);
    done.catch((error) => {
      if (!res.headersSent) send(res, 500, String(error));
      else res.destroy();
    });
    if (log) res.on('finish', () => log(`${res.statusCode} ${req.method} ${req.url}`));
  };
  const limits = maxHeaderSize ? { maxHeaderSize } : {};
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert, ...limits }, handler)
    : http.createServer(limits, handler);

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const protocol = tls ? 'https' : 'http';
  const actualPort = server.address().port;
  let closing;
  return {
    server,
    protocol,
    port: actualPort,
    origin: `${protocol}://${HOST}:${actualPort}`,
    /** The address of `pathAndQuery` on `host` (mapped to 127.0.0.1 by the browser). */
    url(host = HOST, pathAndQuery = '/') {
      const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      return `${protocol}://${name}:${actualPort}${pathAndQuery}`;
    },
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** {@link startServer} over plain HTTP. */
export function startHttpServer(options = {}) {
  return startServer({ ...options, tls: undefined });
}

/** {@link startServer} over HTTPS; `options.tls` is required. */
export function startHttpsServer(options) {
  if (!options?.tls?.key || !options?.tls?.cert) {
    return Promise.reject(new TypeError('startHttpsServer needs options.tls = { key, cert }'));
  }
  return startServer(options);
}

/**
 * Makes a throw-away self-signed certificate with `openssl`, in a new temporary directory that
 * is removed as soon as the key and certificate are read (so even a killed test run leaves
 * nothing behind). Browsers are expected to run with `--ignore-certificate-errors`; the
 * certificate still names `localhost` and 127.0.0.1 (and any `names` given) so tools that check
 * it can be pointed at it.
 *
 * @param {{ names?: string[] }} [options] extra DNS names for subjectAltName
 * @returns {Promise<{ key: Buffer, cert: Buffer }>}
 */
export async function makeSelfSignedCert({ names = [] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'taapit-e2e-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const san = ['DNS:localhost', 'IP:127.0.0.1', ...names.map((n) => `DNS:${n}`)].join(',');
    await promisify(execFile)(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
        '-subj', '/CN=localhost', '-addext', `subjectAltName=${san}`,
        '-keyout', keyFile, '-out', certFile,
      ],
      { timeout: 60_000 },
    );
    const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

async function serve(table, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    send(res, 400, 'bad request\n');
    return;
  }
  if (pathname.includes('\0')) {
    send(res, 400, 'bad request\n');
    return;
  }
  // `/pkg` without its slash: redirect, so relative imports resolve inside the mount.
  const bare = table.find(([prefix]) => prefix !== '/' && `${pathname}/` === prefix);
  if (bare) {
    const { search } = new URL(req.url, 'http://x');
    send(res, 301, '', { Location: `${bare[0]}${search}` });
    return;
  }
  const [prefix, dir] = table.find(([p]) => pathname.startsWith(p));
  let file = path.resolve(dir, `.${pathname.slice(prefix.length - 1)}`);
  if (file !== dir && !file.startsWith(dir + path.sep)) {
    send(res, 403, 'forbidden\n');
    return;
  }
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      const { search } = new URL(req.url, 'http://x');
      send(res, 301, '', { Location: `${pathname}/${search}` });
      return;
    }
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    send(res, 404, `not found: ${pathname}\n`);
    return;
  }
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    res.on('close', resolve);
    stream.pipe(res);
  });
}

// `node tests/support/server.mjs [--root DIR] [--port N] [--https]`: serve until Ctrl-C.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const root = path.resolve(value('--root', PAGE_DIR));
  const port = Number(value('--port', '0'));
  const tls = args.includes('--https') ? await makeSelfSignedCert() : undefined;
  const server = await startServer({ root, tls, port, log: (line) => console.log(line) });
  console.log(`serving ${root} at ${server.url('localhost', '/')} (pkg/ at /pkg/)`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
