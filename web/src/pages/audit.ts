// Audit: the hash-chained log with a search, and the chain verification.
import { get } from '../api';
import { badge, fill, field, formValues, h, table } from '../dom';
import { formatInstant } from '../format';

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

export async function renderAudit(view: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  view.append(h('h1', {}, 'Audit'));
  const verification = h('div');
  const search = h(
    'form',
    { class: 'card filters', 'aria-label': 'Search the audit log', role: 'search' },
    field('Search', h('input', { name: 'q', type: 'search', value: params.get('q') ?? '', placeholder: 'actor, action, subject or detail' })),
    field('From', h('input', { name: 'from', type: 'date', value: params.get('from') ?? '' })),
    field('To', h('input', { name: 'to', type: 'date', value: params.get('to') ?? '' })),
    h('button', { type: 'submit' }, 'Search'),
  ) as HTMLFormElement;
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams(Object.entries(formValues(search)).filter(([, v]) => v));
    location.hash = `#/audit?${query}`;
  });
  const log = h('div');
  view.append(verification, search, log);
  await Promise.all([
    fill(verification, async () => {
      const result = await get<{ ok: boolean; entries: number; first_bad?: number | null; message?: string }>('/v1/audit/verify');
      return h(
        'section',
        { class: 'card', 'data-testid': 'audit-verify' },
        h('h2', {}, 'Chain verification ', badge(result.ok ? { text: 'Intact', tone: 'ok' } : { text: 'Broken', tone: 'bad' })),
        h('p', {}, `${result.entries} entries checked.`, result.first_bad != null ? ` First bad entry: #${result.first_bad}.` : '', result.message ? ` ${result.message}` : ''),
      );
    }, 'Verifying the chain'),
    fill(log, async () => {
      const range = new URLSearchParams();
      if (params.get('from')) range.set('from', `${params.get('from')}T00:00:00Z`);
      if (params.get('to')) range.set('to', `${params.get('to')}T23:59:59Z`);
      const page = await get<{ items?: AuditEntry[]; entries?: AuditEntry[] }>(`/v1/audit${range.size ? `?${range}` : ''}`);
      const entries = page.items ?? page.entries ?? [];
      const q = (params.get('q') ?? '').toLowerCase();
      const matching = q
        ? entries.filter((e) => [e.actor, e.action, e.subject, JSON.stringify(e.detail)].join(' ').toLowerCase().includes(q))
        : entries;
      return table(
        `Audit log (${matching.length} of ${entries.length})`,
        [
          { title: '#', value: (e: AuditEntry) => e.seq, numeric: true },
          { title: 'At', value: (e) => e.at, render: (e) => formatInstant(e.at) },
          { title: 'Actor', value: (e) => e.actor },
          { title: 'Action', value: (e) => e.action },
          { title: 'Subject', value: (e) => e.subject },
          { title: 'Detail', value: (e) => JSON.stringify(e.detail), render: (e) => h('code', { class: 'detail' }, JSON.stringify(e.detail)) },
          { title: 'Hash', value: (e) => e.hash, render: (e) => h('code', { title: e.hash }, e.hash?.slice(0, 12) ?? '') },
        ],
        matching.reverse(),
        { csvName: 'audit.csv', emptyText: q ? 'No entry matches this search.' : 'The audit log is empty.' },
      );
    }, 'Loading the audit log'),
  ]);
}
