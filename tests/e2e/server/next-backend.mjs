// The Taapit guide's backend steps in the fresh Next.js app of nextjs.test.mjs, with
// `taapit-capture/server` in place of the guide's SDK, posting to a local collector
// (collector.mjs) that checks the key, the path and every field on the wire.
//
// The guide's three route handlers are below as the guide prints them (GUIDE_*), and the
// app's files are made from them by `fromGuide`, which makes exactly these changes and fails
// if any of them does not apply exactly once:
//
// 1. The import line: `from "taapit-sdk"` / `from 'taapit-sdk'` → `taapit-capture/server`.
// 2. `const cookieStore = cookies();` → `const cookieStore = await cookies();`. The guide was
//    written for Next.js 14, where `cookies()` returned the store; since Next.js 15 it returns
//    a Promise, and Next.js 16 (the version this test uses) has no synchronous access left
//    (`cookieStore.get` is not a function at run time, and `next build`'s type check fails).
//    One `await` per file; nothing else of the handler changes.
// 3. "Track a Sale" is printed without its imports and client: the guide continues the
//    "Track a Lead" example there, so the sale's file starts with the lead example's first
//    four lines (its two imports and `const taapit = new Taapit(...)`), changed as in 1.
//
// The helpers the guide's handlers assume (`db.users.create`, `createUser`, `verifyPayment`)
// are globals set by the app's `instrumentation.ts` (run by Next.js before the first request)
// and typed by `guide-globals.d.ts`, so the copied text is not touched for them. The client
// is built at module top level with `process.env.TAAPIT_API_KEY`, as the guide does; the test
// builds the app without that variable and starts it with TAAPIT_API_KEY and TAAPIT_BASE_URL
// (the collector), so the key is read when the server runs, not baked in at build time.
//
// Besides the guide's three: a Stripe-style webhook route that reads `metadata.ta_tid` (the
// guide's best practice 3) and reports the sale with the session id as the Idempotency-Key;
// an `export const runtime = "edge"` route using `findTrackingId`; and a Pages Router API
// route reading Node's IncomingMessage (`findTrackingId(req)`), and one setting the cookie
// with `captureTrackingIdNode(req, res)`. Not a test file itself.

import assert from 'node:assert/strict';

/** The guide's "Step 3: Backend - Track conversions", app/api/signup/route.ts, as printed. */
const GUIDE_SIGNUP = `import { Taapit } from "taapit-sdk";
import { cookies } from "next/headers";

const taapit = new Taapit({
  apiKey: process.env.TAAPIT_API_KEY,
});

export async function POST(request: Request) {
  const body = await request.json();

  // Get tracking ID from cookie
  const cookieStore = cookies();
  const trackingId = cookieStore.get("ta_tid")?.value;

  // Create user in your database
  const user = await db.users.create({
    email: body.email,
    name: body.name,
  });

  // Track the lead
  if (trackingId) {
    await taapit.track.lead({
      trackingId,
      customer: {
        externalId: user.id,
        email: user.email,
      },
    });
  }

  return Response.json({ user });
}
`;

/** The guide's "Track a Lead", as printed. */
const GUIDE_LEAD = `import { Taapit } from 'taapit-sdk';
import { cookies } from 'next/headers';

const taapit = new Taapit({ apiKey: process.env.TAAPIT_API_KEY });

export async function POST(request: Request) {
  const body = await request.json();
  const cookieStore = cookies();
  const trackingId = cookieStore.get('ta_tid')?.value || body.trackingId;
  
  // Create user
  const user = await createUser(body);
  
  // Track lead
  if (trackingId) {
    const result = await taapit.track.lead({
      trackingId,
      customer: {
        externalId: user.id,
        email: user.email,
        firstname: body.firstName,
        lastname: body.lastName,
      },
      metadata: {
        source: 'signup-api',
        plan: body.plan,
      },
    });
    
    if (!result.success) {
      console.error('Failed to track lead:', result.error);
    }
  }
  
  return Response.json({ user });
}
`;

/** The guide's "Track a Sale", as printed (it continues the lead example's file). */
const GUIDE_SALE = `export async function POST(request: Request) {
  const body = await request.json();
  const cookieStore = cookies();
  const trackingId = cookieStore.get('ta_tid')?.value || body.trackingId;
  
  // Verify payment
  const order = await verifyPayment(body);
  
  // Track sale
  // trackingId is optional if customer was already tracked via a lead event
  await taapit.track.sale({
    trackingId, // Optional if customer already exists
    customer: {
      externalId: order.userId, // Required - links to existing customer or creates new one
      email: order.customerEmail,
    },
    amount: order.total,      // e.g., 149.99 (NOT cents)
    currency: order.currency, // e.g., 'eur'
    metadata: {
      orderId: order.id,
      productIds: order.items.map(i => i.productId),
    },
  });
  
  return Response.json({ success: true });
}
`;

/** `text` with `from` replaced by `to`, which must occur exactly once. */
function replaceOnce(text, from, to) {
  assert.equal(text.split(from).length, 2, `the guide's text has exactly one ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** The app's file for a guide's handler: the changes listed at the top of this file, no other. */
function fromGuide(text, { quote }) {
  let out = replaceOnce(text, `from ${quote}taapit-sdk${quote}`, `from ${quote}taapit-capture/server${quote}`);
  out = replaceOnce(out, 'const cookieStore = cookies();', 'const cookieStore = await cookies();');
  return out;
}

/** The lead example's first four lines (imports and client), which the sale example continues. */
const LEAD_HEAD = GUIDE_LEAD.split('\n').slice(0, 4).join('\n');

/** The app's files for the backend steps (added to nextjs.test.mjs's APP_FILES). */
export const BACKEND_APP_FILES = {
  'app/api/signup/route.ts': fromGuide(GUIDE_SIGNUP, { quote: '"' }),
  'app/api/track-lead/route.ts': fromGuide(GUIDE_LEAD, { quote: "'" }),
  'app/api/track-sale/route.ts': fromGuide(`${LEAD_HEAD}\n\n${GUIDE_SALE}`, { quote: "'" }),

  // What the guide's handlers assume, as globals: a user store and a payment check.
  'guide-globals.d.ts': `export {};

interface GuideUser { id: string; email: string; name?: string }
interface GuideOrder {
  id: string;
  userId: string;
  customerEmail: string;
  total: number;
  currency: string;
  items: { productId: string }[];
}

declare global {
  var db: { users: { create(data: { email: string; name?: string }): Promise<GuideUser> } };
  var createUser: (body: any) => Promise<GuideUser>;
  var verifyPayment: (body: any) => Promise<GuideOrder>;
}
`,
  'instrumentation.ts': `// The guide's assumed helpers, for its route handlers (guide-globals.d.ts types them).
export function register() {
  const g = globalThis as any;
  const userId = (email: string) => "user_" + String(email).replace(/[^A-Za-z0-9]/g, "_");
  g.db = { users: { create: async ({ email, name }: { email: string; name?: string }) => ({ id: userId(email), email, name }) } };
  g.createUser = async (body: any) => g.db.users.create({ email: body.email, name: [body.firstName, body.lastName].join(" ") });
  // A confirmed payment, as a payment provider reports it (the order is the request's here).
  g.verifyPayment = async (body: any) => ({
    id: body.orderId,
    userId: userId(body.email),
    customerEmail: body.email,
    total: body.total,
    currency: body.currency,
    items: body.items,
  });
}
`,

  // A Stripe-style webhook: checkout.session.completed, with the id stored at checkout in
  // the session's metadata (the guide's best practice 3). Stripe retries a webhook it got no
  // 2xx for: the session id as the Idempotency-Key makes a repeat one sale.
  'app/api/webhooks/stripe/route.ts': `import { Taapit } from "taapit-capture/server";

const taapit = new Taapit({ apiKey: process.env.TAAPIT_API_KEY });

// The metadata typed by an interface of the app's, as typed code often has it.
interface SaleMetadata {
  orderId: string;
}

export async function POST(request: Request) {
  const event = await request.json();
  if (event.type !== "checkout.session.completed") return Response.json({ received: true });
  const session = event.data.object;

  // Later in webhook, retrieve it
  const trackingId = session.metadata.ta_tid;
  const metadata: SaleMetadata = { orderId: session.id };

  const result = await taapit.track.sale(
    {
      trackingId,
      customer: { externalId: session.client_reference_id, email: session.customer_details?.email },
      amount: session.amount_total / 100, // Stripe counts in cents, Taapit in currency units
      currency: session.currency,
      metadata,
    },
    { idempotencyKey: "sale-" + session.id },
  );
  if (!result.success) {
    console.error("Taapit tracking failed:", result.error);
  }
  return Response.json({ received: true, tracked: result.success });
}
`,

  // The lookup and the client in the edge runtime (the package's edge-light build).
  'app/api/edge-lead/route.ts': `import { findTrackingId, Taapit } from "taapit-capture/server";

declare const EdgeRuntime: string | undefined;

export const runtime = "edge";

const taapit = new Taapit({ apiKey: process.env.TAAPIT_API_KEY });

export async function POST(request: Request) {
  const body = await request.json();
  const found = findTrackingId(request, body); // cookie, then body.trackingId, then ?ta_tid=
  const result = found
    ? await taapit.track.lead({ trackingId: found.trackingId, customer: { externalId: body.userId } })
    : null;
  return Response.json({ found, result, runtime: typeof EdgeRuntime === "string" ? "edge" : "nodejs" });
}
`,

  // The Pages Router: Node's IncomingMessage, its body parsed by Next.js (req.body).
  'pages/api/pages-lead.ts': `import type { NextApiRequest, NextApiResponse } from "next";
import { findTrackingId, Taapit } from "taapit-capture/server";

const taapit = new Taapit({ apiKey: process.env.TAAPIT_API_KEY });

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const found = findTrackingId(req); // cookie, then req.body.trackingId, then ?ta_tid=
  const result = found
    ? await taapit.track.lead({ trackingId: found.trackingId, customer: { externalId: req.body.userId } })
    : null;
  res.status(200).json({ found, result });
}
`,

  // Server-side capture in a Pages Router API route: NextApiRequest and NextApiResponse are
  // Node's IncomingMessage and ServerResponse, and must type-check as such.
  'pages/api/pages-capture.ts': `import type { NextApiRequest, NextApiResponse } from "next";
import { captureTrackingIdNode } from "taapit-capture/server";

export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const capture = captureTrackingIdNode(req, res);
  res.setHeader("Set-Cookie", "session=pages; Path=/; HttpOnly");
  res.status(200).json({ cookie: capture.cookie, trackingId: capture.trackingId });
}
`,
};

/** POSTs `body` as JSON to `url` with `headers`; returns the status and the parsed answer. */
async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, text };
}

/**
 * Runs `fn` and returns its result with the collector's POSTs made meanwhile (routes await
 * their tracking call before answering, so the POSTs are in when the answer is).
 */
async function posting(collector, fn) {
  const start = collector.posts.length;
  const result = await fn();
  return { result, posts: collector.posts.slice(start) };
}

/** Asserts one well-formed POST to `path` with the right key, and returns its JSON body. */
function onePost(posts, path) {
  assert.equal(posts.length, 1, `one POST to ${path}: ${JSON.stringify(posts.map((p) => p.path))}`);
  const [post] = posts;
  assert.equal(post.path, path);
  assert.equal(post.keyOk, true, 'Authorization: Bearer <the key of TAAPIT_API_KEY>');
  assert.deepEqual(post.problems, [], 'every field as Taapit\'s API reference has it');
  return post.json;
}

/**
 * The backend steps against `next start` on `port`: the guide's signup route from a real
 * browser session (the cookie the page's <Analytics /> stored), then every route by plain
 * requests. `browser`: Chromium (every host name mapped to 127.0.0.1); `label` makes ids
 * unique; `serverOutput()`: what the Next.js server has written.
 */
export async function backendFlow({ port, collector, browser, label, key, serverOutput }) {
  const origin = `http://app.example.com:${port}`;
  const local = `http://127.0.0.1:${port}`;
  const answers = [];

  // 1. The guide's signup route, from the browser: <Analytics /> stored the landing's id, the
  //    page posts the form, the route reads the cookie and reports the lead.
  const id = `next-${label}-signup`;
  const context = await browser.newContext();
  let signup;
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/?ta_tid=${id}`);
    await page.waitForFunction((want) => document.cookie.includes(`ta_tid=${want}`), id, { timeout: 20_000 });
    signup = await posting(collector, () =>
      page.evaluate(async () => {
        const response = await fetch('/api/signup', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace' }),
        });
        return response.json();
      }),
    );
  } finally {
    await context.close();
  }
  assert.deepEqual(signup.result, { user: { id: 'user_ada_example_com', email: 'ada@example.com', name: 'Ada Lovelace' } });
  assert.deepEqual(onePost(signup.posts, '/api/events/lead'), {
    trackingId: id,
    customer: { externalId: 'user_ada_example_com', email: 'ada@example.com' },
  });

  // The guide's signup route without a cookie: no id, no lead (the guide's `if (trackingId)`).
  const anonymous = await posting(collector, () => postJson(`${local}/api/signup`, { email: 'anon@example.com' }));
  assert.equal(anonymous.result.status, 200);
  assert.equal(anonymous.posts.length, 0);

  // 2. "Track a Lead": the body's trackingId when there is no cookie, every field on the wire.
  const lead = await posting(collector, () =>
    postJson(`${local}/api/track-lead`, {
      email: 'grace@example.com',
      firstName: 'Grace',
      lastName: 'Hopper',
      plan: 'pro',
      trackingId: `next-${label}-body`,
    }),
  );
  answers.push(lead.result.text);
  assert.equal(lead.result.status, 200);
  assert.deepEqual(onePost(lead.posts, '/api/events/lead'), {
    trackingId: `next-${label}-body`,
    customer: { externalId: 'user_grace_example_com', email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' },
    metadata: { source: 'signup-api', plan: 'pro' },
  });
  // The cookie before the body.
  const cookieFirst = await posting(collector, () =>
    postJson(`${local}/api/track-lead`, { email: 'g@example.com', trackingId: 'from-body' }, { cookie: `ta_tid=next-${label}-cookie` }),
  );
  assert.equal(onePost(cookieFirst.posts, '/api/events/lead').trackingId, `next-${label}-cookie`);

  // A refused lead (the collector answers 401, echoing the key it got): the guide's
  // `if (!result.success) console.error(...)` logs the error, which never holds the key.
  collector.answer = (post) => ({ status: 401, body: { error: `invalid key: ${post.headers.authorization}` } });
  let refused;
  try {
    refused = await posting(collector, () =>
      postJson(`${local}/api/track-lead`, { email: 'h@example.com', trackingId: `next-${label}-refused` }),
    );
  } finally {
    collector.answer = () => undefined;
  }
  assert.equal(refused.result.status, 200, 'tracking never fails the signup');
  assert.equal(refused.posts.length, 1, '401: no retry');

  // 3. "Track a Sale": amount in currency units, currency as the order has it (lowered on the
  //    wire), the cookie's id; then a customer known by a lead: no trackingId at all.
  const order = { orderId: `order_${label}_1`, email: 'grace@example.com', total: 149.99, currency: 'EUR', items: [{ productId: 'p1' }, { productId: 'p2' }] };
  const sale = await posting(collector, () =>
    postJson(`${local}/api/track-sale`, order, { cookie: `theme=dark; ta_tid=next-${label}-sale` }),
  );
  assert.deepEqual(sale.result.json, { success: true });
  assert.deepEqual(onePost(sale.posts, '/api/events/sale'), {
    trackingId: `next-${label}-sale`,
    customer: { externalId: 'user_grace_example_com', email: 'grace@example.com' },
    amount: 149.99,
    currency: 'eur',
    metadata: { orderId: `order_${label}_1`, productIds: ['p1', 'p2'] },
  });
  const known = await posting(collector, () => postJson(`${local}/api/track-sale`, { ...order, orderId: `order_${label}_2`, total: 29.99 }));
  const knownBody = onePost(known.posts, '/api/events/sale');
  assert.equal('trackingId' in knownBody, false, 'no id: the customer is linked by externalId');
  assert.equal(knownBody.amount, 29.99);

  // 4. The Stripe-style webhook: metadata.ta_tid, cents to units, and a repeated delivery with
  //    the same Idempotency-Key.
  const session = {
    id: `cs_test_${label}`,
    client_reference_id: 'user_grace_example_com',
    customer_details: { email: 'grace@example.com' },
    amount_total: 14999,
    currency: 'eur',
    metadata: { ta_tid: `next-${label}-stripe` },
  };
  const event = { type: 'checkout.session.completed', data: { object: session } };
  const webhook = await posting(collector, async () => [
    await postJson(`${local}/api/webhooks/stripe`, event),
    await postJson(`${local}/api/webhooks/stripe`, event),
  ]);
  for (const { json } of webhook.result) assert.deepEqual(json, { received: true, tracked: true });
  assert.equal(webhook.posts.length, 2);
  assert.deepEqual(webhook.posts[0].json, {
    trackingId: `next-${label}-stripe`,
    customer: { externalId: 'user_grace_example_com', email: 'grace@example.com' },
    amount: 149.99,
    currency: 'eur',
    metadata: { orderId: session.id },
  });
  assert.equal(webhook.posts[0].headers['idempotency-key'], `sale-${session.id}`);
  assert.equal(webhook.posts[1].headers['idempotency-key'], `sale-${session.id}`);

  // 5. The edge route: an invalid cookie does not hide the body's id.
  const edge = await posting(collector, () =>
    postJson(`${local}/api/edge-lead`, { userId: 'edge_user', trackingId: `next-${label}-edge` }, { cookie: 'ta_tid=%3Cscript%3E' }),
  );
  answers.push(edge.result.text);
  assert.deepEqual(edge.result.json, {
    found: { trackingId: `next-${label}-edge`, source: 'body' },
    result: { success: true },
    runtime: 'edge',
  });
  assert.deepEqual(onePost(edge.posts, '/api/events/lead'), { trackingId: `next-${label}-edge`, customer: { externalId: 'edge_user' } });

  // 6. The Pages Router route: Node's IncomingMessage, cookie then req.body then the URL.
  const pages = await posting(collector, () =>
    postJson(`${local}/api/pages-lead?ta_tid=next-${label}-url`, { userId: 'pages_user' }, { cookie: 'ta_tid=a b' }),
  );
  assert.deepEqual(pages.result.json, { found: { trackingId: `next-${label}-url`, source: 'url' }, result: { success: true } });
  assert.equal(onePost(pages.posts, '/api/events/lead').trackingId, `next-${label}-url`);
  const pagesCookie = await posting(collector, () =>
    postJson(`${local}/api/pages-lead`, { userId: 'pages_user', trackingId: 'from-body' }, { cookie: `ta_tid=next-${label}-pc` }),
  );
  assert.equal(pagesCookie.result.json.found.source, 'cookie');
  assert.equal(onePost(pagesCookie.posts, '/api/events/lead').trackingId, `next-${label}-pc`);

  // 7. Server-side capture in the Pages Router route: the id's cookie beside the route's own.
  const captured = await fetch(`${local}/api/pages-capture?ta_tid=next-${label}-cap`);
  assert.deepEqual(await captured.json(), { cookie: true, trackingId: `next-${label}-cap` });
  const setCookies = captured.headers.getSetCookie();
  assert.equal(setCookies.length, 2, JSON.stringify(setCookies));
  assert.match(setCookies[0], new RegExp(`^ta_tid=next-${label}-cap; Path=/; Max-Age=7776000; `));
  assert.equal(setCookies[1], 'session=pages; Path=/; HttpOnly');

  // The key in no answer and no line the server wrote; the refused lead was logged, scrubbed.
  const secret = key.slice('taapit_sk_'.length);
  for (const text of answers) assert.ok(!text.includes(secret));
  const output = serverOutput();
  assert.match(output, /Failed to track lead: Taapit refused the event: HTTP 401: \{"error":"invalid key: Bearer taapit_sk_…"\}/);
  assert.ok(!output.includes(secret), 'the key is in the server\'s output');
}
