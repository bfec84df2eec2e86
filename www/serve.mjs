// Serves the demo on http://localhost:PORT/: the landing page (www/), the built package at
// /pkg/, and one API route that shows which cookies the server received, as a backend would
// when it reports a lead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpServer } from '../tests/e2e/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.argv[2] ?? 8080);

const server = await startHttpServer({
  root: here,
  port,
  routes: {
    '/api/echo-cookies': (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
    },
  },
  log: (line) => console.log(line),
});
console.log(`\n  taapit-capture demo: open ${server.url('localhost', '/?ta_tid=rLnWe1uz9t282v7g')}\n`);
const stop = () => server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
