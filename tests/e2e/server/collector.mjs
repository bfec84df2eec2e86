// A local stand-in for Taapit's event API, on 127.0.0.1: it records every request and checks
// what Taapit's API reference asks of it (POST, the two paths, `Authorization: Bearer <key>`,
// a JSON body with exactly the documented fields and types, an Idempotency-Key), answering
// 401 for a wrong key and 400 for a malformed event. A test can script other answers
// (`collector.answer`) to make faults. Used by server-client.test.mjs and nextjs.test.mjs.

import http from 'node:http';

const PATHS = { '/api/events/lead': 'lead', '/api/events/sale': 'sale' };
const CUSTOMER_FIELDS = ['externalId', 'email', 'firstname', 'lastname', 'phoneNumber', 'avatarUrl'];
const FIELDS = {
  lead: ['trackingId', 'customer', 'metadata'],
  sale: ['trackingId', 'customer', 'amount', 'currency', 'metadata'],
};

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** What is wrong with a `kind` event's body by Taapit's API reference, one text per problem. */
export function wireProblems(kind, body) {
  if (!isObject(body)) return ['the body is not a JSON object'];
  const problems = [];
  for (const key of Object.keys(body)) if (!FIELDS[kind].includes(key)) problems.push(`unknown field ${key}`);
  if (kind === 'lead' || 'trackingId' in body) {
    if (typeof body.trackingId !== 'string' || !/^[A-Za-z0-9._~-]{1,128}$/.test(body.trackingId)) {
      problems.push('trackingId');
    }
  }
  if (!isObject(body.customer)) {
    problems.push('customer');
  } else {
    for (const [key, value] of Object.entries(body.customer)) {
      if (!CUSTOMER_FIELDS.includes(key)) problems.push(`unknown field customer.${key}`);
      else if (typeof value !== 'string') problems.push(`customer.${key} is not a string`);
    }
    if (!body.customer.externalId) problems.push('customer.externalId');
  }
  if (kind === 'sale') {
    if (typeof body.amount !== 'number' || !(body.amount >= 0)) problems.push('amount');
    if (typeof body.currency !== 'string' || !/^[a-z]{3}$/.test(body.currency)) problems.push('currency');
  }
  if ('metadata' in body && !isObject(body.metadata)) problems.push('metadata');
  return problems;
}

/**
 * Starts the collector for `apiKey`. Returns `{ url, posts, answer, close }`: `posts` lists
 * every request in order (`{ path, kind, headers, text, json, problems, at }`); `answer(post,
 * index)` may be replaced to script the reply: return `{ status, headers, body }`, or
 * `{ hang: true }` to never answer (the socket is closed by `close()`), or undefined for the
 * checks' own answer.
 */
export async function startCollector(apiKey) {
  const posts = [];
  const hanging = new Set();
  const collector = { posts, answer: () => undefined, url: '', close: null };
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const kind = PATHS[req.url] ?? null;
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const problems = [];
      if (req.method !== 'POST') problems.push(`method ${req.method}`);
      if (!kind) problems.push(`path ${req.url}`);
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) problems.push('content-type');
      if (!/^[\x21-\x7e]{1,255}$/.test(req.headers['idempotency-key'] ?? '')) problems.push('idempotency-key');
      if (kind) problems.push(...wireProblems(kind, json));
      const keyOk = req.headers.authorization === `Bearer ${apiKey}`;
      const post = { path: req.url, kind, headers: req.headers, text, json, problems, keyOk, at: Date.now() };
      posts.push(post);
      const scripted = collector.answer(post, posts.length - 1);
      if (scripted?.hang) {
        hanging.add(res);
        return;
      }
      let reply = scripted;
      if (!reply) {
        // Taapit's answers: a wrong key first (echoing what it got, as a careless server might:
        // the client must scrub it), then a malformed event, else { ok: true }.
        if (!keyOk) reply = { status: 401, body: { error: `invalid key: ${req.headers.authorization}` } };
        else if (problems.length) reply = { status: 400, body: { error: problems.join('; ') } };
        else reply = { status: 200, body: { ok: true } };
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  collector.url = `http://127.0.0.1:${server.address().port}`;
  collector.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return collector;
}
