// The plain landing pages' signup form and the view of a lead, shared by index.html,
// script.html and leads.html (the SPA has its own, in React). Everything is put in the page
// with textContent: nothing the backend echoes is parsed as HTML.

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** One signup and the lead the backend reported for it (an answer of POST /api/signup). */
export function renderEvent(event) {
  const { lead } = event;
  const box = el('section', { className: lead ? 'lead' : 'lead none' });
  box.append(
    el('h3', {}, lead ? 'The lead the backend reported to Taapit' : 'No lead reported'),
    el(
      'p',
      {},
      'User ',
      el('code', { className: 'user-id' }, event.user.id),
      ` (${event.user.email}); tracking id found in: `,
      el('strong', { className: 'lead-source' }, event.trackingIdSource ?? 'nowhere'),
      event.at ? ` — ${new Date(event.at).toLocaleString()}` : '',
    ),
    event.rejected?.length
      ? el('p', { className: 'note' }, 'Rejected as invalid: ', event.rejected.map((r) => `${r.source} "${r.value}"`).join(', '))
      : null,
  );
  if (lead) {
    const headers = Object.entries(lead.headers).map(([name, value]) => `${name}: ${value}`).join('\n');
    box.append(
      el('pre', { className: 'lead-request' }, `${lead.method} ${lead.url}\n${headers}`),
      el('pre', { className: 'lead-body' }, JSON.stringify(lead.body, null, 2)),
    );
  }
  box.append(el('p', { className: 'note' }, event.note));
  return box;
}

/**
 * One event the Taapit collector received (an entry of GET /api/leads: `{ kind,
 * idempotencyKey, body, receivedAtMs }`), as an element.
 */
export function renderRecord(record) {
  return el(
    'section',
    { className: `lead ${record.kind}` },
    el('h3', {}, record.kind === 'sale' ? 'Sale received' : 'Lead received'),
    el(
      'p',
      { className: 'note' },
      `POST /api/events/${record.kind} — Idempotency-Key `,
      el('code', {}, record.idempotencyKey ?? 'none'),
      ` — ${new Date(record.receivedAtMs).toLocaleString()}`,
    ),
    el('pre', { className: `${record.kind}-body` }, JSON.stringify(record.body, null, 2)),
  );
}

/**
 * Wires a `<form>` with inputs `email`, `firstName`, `lastName` to POST /api/signup, sending
 * `trackingId` from `getTrackingId()` (sync or async) too, and shows the answer in `output`.
 */
export function mountSignup({ form, output, getTrackingId }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    try {
      const trackingId = await getTrackingId();
      const response = await fetch('/api/signup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          email: data.get('email'),
          firstName: data.get('firstName'),
          lastName: data.get('lastName'),
          trackingId,
        }),
      });
      const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
      output.replaceChildren(answer.ok ? renderEvent(answer) : el('p', { className: 'error' }, answer.error ?? `HTTP ${response.status}`));
    } catch (error) {
      output.replaceChildren(el('p', { className: 'error' }, String(error)));
    } finally {
      if (button) button.disabled = false;
    }
  });
}
