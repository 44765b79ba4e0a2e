// The dashboard shell: sign-in, navigation and a hash router
// (#/fleet, #/leases, #/leases/L-1, #/compliance, #/revenue, #/audit).
import './style.css';
import { ApiError, call, get, setCsrf, setToken, token, type Who } from './api';
import { disposeCharts } from './charts';
import { errorBox, h } from './dom';
import { renderAudit } from './pages/audit';
import { renderCompliance } from './pages/compliance';
import { renderFleet } from './pages/fleet';
import { renderLease, renderLeases } from './pages/leases';
import { renderLogin, sessionRouteExists } from './pages/login';
import { parseHash } from './hashroute';
import { renderRevenue } from './pages/revenue';

interface Page {
  path: string;
  title: string;
  roles: string[]; // empty: every role
}

const PAGES: Page[] = [
  { path: 'fleet', title: 'Fleet', roles: ['admin', 'operator', 'compliance', 'auditor', 'tenant'] },
  { path: 'leases', title: 'Leases', roles: [] },
  { path: 'compliance', title: 'Compliance', roles: ['admin', 'compliance', 'auditor'] },
  { path: 'revenue', title: 'Revenue', roles: ['admin', 'finance', 'auditor', 'tenant'] },
  { path: 'audit', title: 'Audit', roles: ['admin', 'compliance', 'auditor'] },
];

let who: Who | null = null;

export function currentUser(): Who | null {
  return who;
}

async function identify(): Promise<Who | null> {
  if (token()) {
    try {
      const me = await get<{ user?: string; role?: string; org?: string | null }>('/v1/session');
      return { user: me.user ?? 'token', role: me.role ?? 'admin', org: me.org ?? null, via: 'token' };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setToken(null);
        return null;
      }
      // No session route on this server: the token works until a call says otherwise.
      await get('/v1/sites?limit=1');
      return { user: 'API token', role: 'admin', via: 'token' };
    }
  }
  if (!(await sessionRouteExists())) return null;
  try {
    const me = await get<{ user: string; role: string; org?: string | null; csrf_token?: string }>('/v1/session');
    if (me.csrf_token) setCsrf(me.csrf_token);
    return { user: me.user, role: me.role, org: me.org ?? null, via: 'session' };
  } catch {
    return null;
  }
}

function visiblePages(): Page[] {
  const role = who?.role ?? '';
  return PAGES.filter((p) => p.roles.length === 0 || p.roles.includes(role));
}

function renderNav(active: string): void {
  const nav = document.getElementById('nav')!;
  nav.replaceChildren(
    ...(who
      ? visiblePages().map((p) =>
          h('a', { href: `#/${p.path}`, 'aria-current': p.path === active ? 'page' : undefined }, p.title),
        )
      : []),
  );
  const whoBox = document.getElementById('who')!;
  whoBox.replaceChildren(
    ...(who
      ? [
          h('span', { 'data-testid': 'who' }, `${who.user} · ${who.role}${who.org ? ` · ${who.org}` : ''}`),
          h('button', { type: 'button', class: 'small', onclick: signOut }, 'Sign out'),
        ]
      : []),
  );
}

async function signOut(): Promise<void> {
  if (who?.via === 'session') {
    try {
      await call('DELETE', '/v1/session');
    } catch {
      // Signed out locally either way.
    }
  }
  setToken(null);
  setCsrf(null);
  who = null;
  location.hash = '#/login';
  await route();
}

export async function route(): Promise<void> {
  disposeCharts();
  const main = document.getElementById('main')!;
  const { parts } = parseHash(location.hash);
  if (!who) who = await identify().catch(() => null);
  if (!who) {
    renderNav('');
    document.title = 'Sign in · Straits';
    main.replaceChildren(
      await renderLogin(async (signedIn) => {
        who = signedIn;
        location.hash = '#/' + (visiblePages()[0]?.path ?? 'leases');
        await route();
      }),
    );
    return;
  }
  const page = visiblePages().find((p) => p.path === parts[0]) ?? visiblePages()[0];
  if (!page) {
    main.replaceChildren(errorBox(new Error(`The role ${who.role} has no pages here.`)));
    return;
  }
  renderNav(page.path);
  document.title = `${page.title} · Straits`;
  const view = h('div', { class: 'page' });
  main.replaceChildren(view);
  const args = parts.slice(1);
  switch (page.path) {
    case 'fleet':
      await renderFleet(view, args);
      break;
    case 'leases':
      await (args[0] ? renderLease(view, args[0]) : renderLeases(view));
      break;
    case 'compliance':
      await renderCompliance(view);
      break;
    case 'revenue':
      await renderRevenue(view, args);
      break;
    case 'audit':
      await renderAudit(view);
      break;
  }
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', () => void route());
void route();
