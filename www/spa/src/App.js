// The demo SPA: <Analytics /> mounted once at the root captures ?ta_tid=… from the deeplink;
// useTrackingId() shows the id on every view; the signup view (a client-side route, reached
// without ?ta_tid in the address) sends it to the demo backend with the form, and shows the
// lead event the backend reported to Taapit. Plain createElement, no JSX, no plugin.
import { createElement as h, Fragment, useEffect, useState } from 'react';
import { Analytics, useTrackingId } from 'taapit-capture/react';

const BASE = import.meta.env.BASE_URL; // '/spa/'
const ROUTES = { [BASE]: 'landing', [`${BASE}signup`]: 'signup' };

function usePath() {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to) => {
    history.pushState(null, '', to);
    setPath(new URL(to, location.href).pathname);
    scrollTo(0, 0);
  };
  return [path, navigate];
}

/** A link handled by the app (no page load), for its own routes. */
function Link({ to, navigate, current, children }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return h('a', { href: to, onClick, 'aria-current': current ? 'page' : undefined }, children);
}

function TrackingId() {
  const trackingId = useTrackingId();
  return h(
    'output',
    { id: 'tracking-id', className: trackingId ? 'id' : 'id none' },
    trackingId ?? 'none stored',
  );
}

const random = () => Math.random().toString(36).slice(2, 8);

function Landing({ navigate }) {
  // Real deeplinks load the page: plain <a href>, not client-side navigation.
  const [links] = useState(() => [
    ['a deeplink', `${BASE}?ta_tid=spa_${random()}`],
    ['another one (last click wins)', `${BASE}?ta_tid=spa_${random()}`],
    ['invalid id (a;b): ignored', `${BASE}?ta_tid=a%3Bb`],
  ]);
  return h(
    Fragment,
    null,
    h('h1', null, 'Welcome to the demo shop'),
    h(
      'p',
      null,
      'This single-page app mounts ',
      h('code', null, '<Analytics />'),
      ' from ',
      h('code', null, 'taapit-capture/react'),
      ' at its root. When a visitor arrives from a Taapit deeplink (',
      h('code', null, '?ta_tid=…'),
      '), the id goes into a first-party ',
      h('code', null, 'ta_tid'),
      ' cookie.',
    ),
    h('p', null, h('strong', null, 'useTrackingId(): '), h(TrackingId)),
    h('h2', null, 'Demo deeplinks'),
    h(
      'div',
      { className: 'links' },
      links.map(([label, href]) => h('a', { key: href, href }, label)),
    ),
    h('h2', null, 'Convert'),
    h(
      'p',
      null,
      'Sign up on another view, without ',
      h('code', null, 'ta_tid'),
      ' in the address: the backend finds the id in the cookie. ',
      h('button', { id: 'go-signup', type: 'button', onClick: () => navigate(`${BASE}signup`) }, 'Sign up'),
    ),
  );
}

function LeadResult({ result }) {
  if (result.error) return h('p', { id: 'signup-error', className: 'error' }, result.error);
  const { lead } = result;
  return h(
    'section',
    { id: 'lead', className: lead ? 'lead' : 'lead none' },
    h('h2', null, lead ? 'The lead your backend reported to Taapit' : 'No lead reported'),
    h(
      'p',
      null,
      'Signed up as ',
      h('code', { id: 'user-id' }, result.user.id),
      '. Tracking id found in: ',
      h('strong', { id: 'lead-source' }, result.trackingIdSource ?? 'nowhere'),
      lead ? ' (cookie first, then the request body, then the URL parameter).' : '.',
    ),
    result.rejected.length > 0 &&
      h(
        'p',
        { className: 'note', id: 'lead-rejected' },
        'Rejected as invalid: ',
        result.rejected.map((r) => `${r.source} "${r.value}"`).join(', '),
      ),
    lead &&
      h(
        Fragment,
        null,
        h(
          'pre',
          { id: 'lead-request' },
          `${lead.method} ${lead.url}\n`,
          Object.entries(lead.headers)
            .map(([name, value]) => `${name}: ${value}`)
            .join('\n'),
        ),
        h('pre', { id: 'lead-body' }, JSON.stringify(lead.body, null, 2)),
      ),
    h('p', { className: 'note' }, result.note, ' ', h('a', { href: '/leads.html' }, 'All leads')),
  );
}

function Signup() {
  const trackingId = useTrackingId();
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      const response = await fetch('/api/signup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          email: form.get('email'),
          firstName: form.get('firstName'),
          lastName: form.get('lastName'),
          trackingId,
        }),
      });
      const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
      setResult(data.ok ? data : { error: data.error ?? `HTTP ${response.status}` });
    } catch (error) {
      setResult({ error: String(error) });
    } finally {
      setBusy(false);
    }
  }

  const field = (name, label, type, autoComplete) =>
    h(
      Fragment,
      { key: name },
      h('label', { htmlFor: name }, label),
      h('input', { id: name, name, type, autoComplete, required: name === 'email' }),
    );
  return h(
    Fragment,
    null,
    h('h1', null, 'Create your account'),
    h('p', null, h('strong', null, 'useTrackingId(): '), h(TrackingId)),
    h(
      'form',
      { id: 'signup', onSubmit },
      field('email', 'Email', 'email', 'email'),
      field('firstName', 'First name', 'text', 'given-name'),
      field('lastName', 'Last name', 'text', 'family-name'),
      h('button', { type: 'submit', disabled: busy }, 'Sign up'),
    ),
    h(
      'p',
      { className: 'note' },
      'Sends ',
      h('code', null, 'POST /api/signup { email, firstName, lastName, trackingId }'),
      '; the cookie goes along by itself.',
    ),
    result && h(LeadResult, { result }),
  );
}

export function App() {
  const [path, navigate] = usePath();
  const view = ROUTES[path] ?? 'landing';
  return h(
    Fragment,
    null,
    h(Analytics, { debug: true }),
    h(
      'nav',
      null,
      h(Link, { to: BASE, navigate, current: view === 'landing' }, 'SPA home'),
      h(Link, { to: `${BASE}signup`, navigate, current: view === 'signup' }, 'Sign up'),
      h('a', { href: '/' }, 'Landing page (ES module)'),
      h('a', { href: '/script.html' }, 'Landing page (script tag)'),
      h('a', { href: '/leads.html' }, 'Leads'),
    ),
    view === 'signup' ? h(Signup) : h(Landing, { navigate }),
  );
}
