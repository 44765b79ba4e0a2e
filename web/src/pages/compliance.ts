// Compliance: the review queue (pending reviews and holds) with approve and
// deny, screening matches with clear (pages/screening.ts), the what-if view,
// and the regime timeline.
import { ApiError, get, getAll, post } from '../api';
import { chart } from '../charts';
import { badge, empty, errorBox, field, fill, formValues, h, table } from '../dom';
import { formatDay, formatInstant, humanize, stateLabel, verdictLabel } from '../format';
import { leaseColumns, type Lease } from './leases';
import { firedRules, rulesList } from './verdict';
import { screeningMatches } from './screening';

interface Pack {
  id: string;
  jurisdiction: string;
  title: string;
  status: string;
  published?: string | null;
  effective?: string | null;
  compliance?: string | null;
  rescinded?: string | null;
  suspended_from?: string | null;
  suspended_until?: string | null;
  in_force: boolean;
  state: string;
  rule_count: number;
}

interface WhatIfChange {
  tenant: string;
  site: string;
  model: string;
  label?: string;
  change: string;
  baseline: { verdict: string; rules?: string[] };
  scenario: { verdict: string; rules?: string[]; messages?: string[] };
}

function notServed(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && /no route/.test(error.message);
}

export async function renderCompliance(view: HTMLElement): Promise<void> {
  view.append(h('h1', {}, 'Compliance'));
  const queue = h('div');
  const matches = h('div');
  const whatIf = h('div');
  const regimes = h('div');
  view.append(queue, matches, whatIf, regimes);
  await Promise.all([
    fill(queue, reviewQueue, 'Loading the review queue'),
    fill(matches, screeningMatches, 'Screening the tenants'),
    fill(whatIf, whatIfView, 'Loading the what-if view'),
    fill(regimes, regimeTimeline, 'Loading the regimes'),
  ]);
}

async function reviewQueue(): Promise<Node> {
  const [pending, holds] = await Promise.all([
    getAll<Lease>('/v1/leases?state=pending_review'),
    get<{ items: (Lease & { decision?: unknown })[] }>('/v1/compliance/holds').then((r) => r.items),
  ]);
  const box = h('section', { class: 'card', 'data-testid': 'review-queue' }, h('h2', {}, `Review queue (${pending.length + holds.length})`));
  const items = [...pending, ...holds];
  if (items.length === 0) {
    box.append(empty('Nothing waits for review.'));
    return box;
  }
  box.append(
    h(
      'ul',
      { class: 'queue' },
      items.map((lease) => h('li', { 'data-lease': lease.id }, reviewItem(lease))),
    ),
  );
  box.append(table('Queue', leaseColumns(), items, { csvName: 'review-queue.csv', rowLink: (l) => `#/leases/${encodeURIComponent(l.id)}` }));
  return box;
}

interface PendingApproval {
  approved_by: string;
  at: string;
  reason: string;
  license: string;
}

// The list of leases carries no decisions: a pending lease's rules, and the
// first approval it may hold, come from its detail; a hold carries its decision.
function rulesOfItem(lease: Lease & { decision?: unknown }): HTMLElement {
  const own = firedRules(lease);
  if (own.length || lease.decision) return rulesList(own);
  const box = h('div', {}, h('p', { class: 'state loading' }, 'Loading the rules that fired'));
  get<Lease & { decisions?: unknown[]; pending_approval?: PendingApproval | null }>(`/v1/leases/${encodeURIComponent(lease.id)}`)
    .then((detail) => {
      const first = detail.pending_approval;
      box.replaceChildren(
        rulesList(firedRules(detail)),
        first
          ? h(
              'p',
              { class: 'pending', 'data-testid': 'pending-approval' },
              `Approved by ${first.approved_by} at ${formatInstant(first.at)} (licence ${first.license}: ${first.reason}); waiting for a second compliance officer to confirm.`,
            )
          : '',
      );
    })
    .catch((error) => box.replaceChildren(errorBox(error)));
  return box;
}

function reviewItem(lease: Lease): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'review', 'aria-label': `Review ${lease.id}` },
    field('Reason', h('input', { name: 'reason', required: true, placeholder: 'Why' })),
    lease.verdict === 'license_required' ? field('License or permit', h('input', { name: 'license', required: true })) : null,
    h('button', { type: 'submit', name: 'action', value: 'approve' }, 'Approve'),
    h('button', { type: 'submit', name: 'action', value: 'deny', class: 'danger' }, 'Deny'),
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'approve';
    const v = formValues(form);
    const body: Record<string, string> = { reason: v.reason };
    if (action === 'approve' && v.license) body.license = v.license;
    status.replaceChildren(h('p', { class: 'state loading' }, 'Sending…'));
    try {
      const after = await post<Lease>(`/v1/leases/${encodeURIComponent(lease.id)}/${action}`, body);
      const pendingSecond = after.state === lease.state;
      status.replaceChildren(
        h('p', { class: 'result', 'data-testid': 'review-result' }, `${lease.id}: `, badge(stateLabel(after.state)), pendingSecond ? ' — waiting for a second compliance officer to confirm' : ''),
      );
      if (!pendingSecond) form.remove();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/leases/${encodeURIComponent(lease.id)}` }, lease.id), ` · ${lease.tenant} · `, badge(stateLabel(lease.state)), ' ', badge(verdictLabel(lease.verdict)), lease.placement ? ` · ${lease.placement.gpus} × ${lease.placement.model} at ${lease.placement.site}` : ''),
    rulesOfItem(lease),
    form,
    status,
  );
}

async function whatIfView(): Promise<Node> {
  const box = h('section', { class: 'card' }, h('h2', {}, 'What if'));
  let packs: Pack[] = [];
  try {
    packs = (await get<{ items?: Pack[] } | Pack[]>('/v1/policy/regimes').then((r) => (Array.isArray(r) ? r : r.items ?? []))) as Pack[];
  } catch (error) {
    if (notServed(error)) {
      box.append(empty('This server has no what-if route yet (POST /v1/compliance/whatif).'));
      return box;
    }
    throw error;
  }
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'form inline', 'aria-label': 'What if' },
    field('On date', h('input', { name: 'date', type: 'date' }), 'Blank: today'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Rule packs (none ticked: all in force)'),
      ...packs.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'regime', value: p.id }), ` ${p.id}`)),
    ),
    h('button', { type: 'submit' }, 'Compare'),
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const date = formValues(form).date;
    const ticked = [...form.querySelectorAll<HTMLInputElement>('input[name=regime]:checked')].map((i) => i.value);
    const body: Record<string, unknown> = {};
    if (date) body.date = date;
    if (ticked.length) {
      body.regimes = ticked;
      body.only_regimes = true;
    }
    result.replaceChildren(h('p', { class: 'state loading' }, 'Comparing…'));
    try {
      const report = await post<{ baseline_date: string; scenario_date: string; combinations: number; stricter: number; looser: number; changes: WhatIfChange[] }>('/v1/compliance/whatif', body);
      result.replaceChildren(
        h('p', {}, `${report.combinations} tenant × site × model combinations compared (${report.baseline_date} → ${report.scenario_date}): ${report.stricter} stricter, ${report.looser} looser.`),
        table(
          'Verdict changes',
          [
            { title: 'Tenant', value: (c: WhatIfChange) => c.tenant },
            { title: 'Site', value: (c) => c.site },
            { title: 'Model', value: (c) => c.model },
            { title: 'Change', value: (c) => c.change },
            { title: 'Before', value: (c) => c.baseline.verdict, render: (c) => badge(verdictLabel(c.baseline.verdict)) },
            { title: 'After', value: (c) => c.scenario.verdict, render: (c) => badge(verdictLabel(c.scenario.verdict)) },
            { title: 'Why', value: (c) => (c.scenario.messages ?? c.scenario.rules ?? []).join('; ') },
          ],
          report.changes,
          { csvName: 'whatif.csv', emptyText: 'No verdict changes.' },
        ),
      );
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  });
  box.append(form, result);
  return box;
}

async function regimeTimeline(): Promise<Node> {
  const box = h('section', { class: 'card' }, h('h2', {}, 'Regime timeline'));
  let packs: Pack[];
  try {
    const r = await get<{ items?: Pack[] } | Pack[]>('/v1/policy/regimes');
    packs = Array.isArray(r) ? r : r.items ?? [];
  } catch (error) {
    if (notServed(error)) {
      box.append(empty('This server does not list regimes yet (GET /v1/policy/regimes).'));
      return box;
    }
    return errorBox(error);
  }
  if (packs.length === 0) {
    box.append(empty('No rule packs.'));
    return box;
  }
  const now = Date.now();
  const start = (p: Pack) => Date.parse(p.effective ?? p.published ?? '') || now;
  const end = (p: Pack) => Date.parse(p.rescinded ?? '') || now + 365 * 86_400_000;
  const sorted = [...packs].sort((a, b) => start(a) - start(b));
  const names = sorted.map((p) => p.id);
  box.append(
    chart(
      {
        tooltip: { formatter: (p: { name: string }) => p.name },
        grid: { left: 150, right: 16, top: 10, bottom: 30 },
        xAxis: { type: 'time' },
        yAxis: { type: 'category', data: names, inverse: true },
        series: [
          {
            type: 'custom',
            encode: { x: [1, 2], y: 0 },
            data: sorted.flatMap((p, idx) => {
              const parts = [{ value: [idx, start(p), end(p)], name: `${p.id}: ${p.title} — ${p.state}`, itemStyle: { color: p.in_force ? '#2e7d32' : '#8d99ae' } }];
              if (p.suspended_from) {
                parts.push({ value: [idx, Date.parse(p.suspended_from), Date.parse(p.suspended_until ?? '') || end(p)], name: `${p.id} suspended`, itemStyle: { color: '#c62828' } });
              }
              return parts;
            }),
            renderItem: (_params: unknown, api: any) => {
              const a = api.coord([api.value(1), api.value(0)]);
              const b = api.coord([api.value(2), api.value(0)]);
              const height = api.size([0, 1])[1] * 0.6;
              return { type: 'rect', shape: { x: a[0], y: a[1] - height / 2, width: Math.max(b[0] - a[0], 2), height }, style: api.style() };
            },
            markLine: { symbol: 'none', data: [{ xAxis: now }], label: { formatter: 'today' } },
          },
        ],
      },
      40 * sorted.length + 60,
      'Rule packs over time',
    ),
    table(
      'Rule packs',
      [
        { title: 'Pack', value: (p: Pack) => p.id },
        { title: 'Jurisdiction', value: (p) => p.jurisdiction },
        { title: 'Title', value: (p) => p.title },
        { title: 'Published', value: (p) => p.published ?? '', render: (p) => formatDay(p.published) },
        { title: 'Effective', value: (p) => p.effective ?? '', render: (p) => formatDay(p.effective) },
        { title: 'State', value: (p) => p.state, render: (p) => badge({ text: humanize(p.state), tone: p.in_force ? 'ok' : 'muted' }) },
        { title: 'Rules', value: (p) => p.rule_count, numeric: true },
      ],
      sorted,
      { csvName: 'regimes.csv' },
    ),
    h('p', { class: 'muted' }, `As of ${formatInstant(new Date(now).toISOString())}.`),
  );
  return box;
}
