// Sign-in: user name and password (browser session) where the server has
// /v1/session, and an API token (kept in sessionStorage) always.
import { ApiError, call, get, setCsrf, setToken, type Who } from '../api';
import { errorBox, field, formValues, h } from '../dom';

let sessionRoute: boolean | null = null;

export async function sessionRouteExists(): Promise<boolean> {
  if (sessionRoute !== null) return sessionRoute;
  try {
    await get('/v1/session');
    sessionRoute = true;
  } catch (error) {
    sessionRoute = !(error instanceof ApiError && error.status === 404 && /no route/.test(error.message));
  }
  return sessionRoute;
}

export async function renderLogin(done: (who: Who) => Promise<void>): Promise<HTMLElement> {
  const withSession = await sessionRouteExists();
  const message = h('div', { 'aria-live': 'assertive' });

  const passwordForm = h(
    'form',
    { class: 'card form', 'aria-label': 'Sign in with a password' },
    h('h2', {}, 'Sign in'),
    field('User', h('input', { name: 'user', autocomplete: 'username', required: true })),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit' }, 'Sign in'),
  ) as HTMLFormElement;
  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const values = formValues(passwordForm);
    try {
      setToken(null);
      const me = await call<{ user: string; role: string; org?: string | null; csrf_token?: string }>(
        'POST',
        '/v1/session',
        { user: values.user, password: values.password },
      );
      if (me.csrf_token) setCsrf(me.csrf_token);
      await done({ user: me.user, role: me.role, org: me.org ?? null, via: 'session' });
    } catch (error) {
      message.replaceChildren(errorBox(error));
    }
  });

  const tokenForm = h(
    'form',
    { class: 'card form', 'aria-label': 'Sign in with an API token' },
    h('h2', {}, withSession ? 'Or use an API token' : 'Sign in with an API token'),
    field(
      'API token',
      h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true, placeholder: 'st_…' }),
      'From `straits tokens create`; kept in this tab only.',
    ),
    h('button', { type: 'submit' }, 'Use token'),
  ) as HTMLFormElement;
  tokenForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    setToken(formValues(tokenForm).token);
    try {
      let me: { user?: string; role?: string; org?: string | null } = {};
      if (withSession) me = await get('/v1/session');
      else await get('/v1/sites?limit=1');
      await done({ user: me.user ?? 'API token', role: me.role ?? 'admin', org: me.org ?? null, via: 'token' });
    } catch (error) {
      setToken(null);
      message.replaceChildren(errorBox(error));
    }
  });

  return h(
    'div',
    { class: 'page login' },
    h('h1', {}, 'Straits'),
    h('p', { class: 'lede' }, 'Cross-border GPU leasing: fleet, leases, compliance, revenue and audit.'),
    message,
    withSession ? passwordForm : null,
    tokenForm,
  );
}
