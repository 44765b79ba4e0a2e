// Leases: the list with filters, one lease in detail (placement, state
// history, compliance decisions), and the request and quote forms.
import { ApiError, get, getAll, post } from '../api';
import { badge, empty, errorBox, field, fill, formValues, h, table } from '../dom';
import {
  formatFlop,
  formatInstant,
  formatMoneyText,
  formatSpan,
  humanize,
  stateLabel,
  verdictLabel,
} from '../format';
import { firedRules, reasonsList, rulesList, rulesOf } from './verdict';
import { executionPanel } from './execution';
import { usagePanel } from './usage';

export interface Lease {
  id: string;
  tenant: string;
  state: string;
  version?: number;
  request?: Record<string, unknown>;
  placement?: {
    site: string;
    model: string;
    start: string;
    end: string;
    gpus: number;
    nodes: { node: string; gpus: number }[];
    price_per_gpu_hour: string | null;
  } | null;
  verdict?: string;
  accepted_verdict?: string;
  hold_until?: string | null;
  reason?: string;
  license?: string;
  reviewed_by?: string;
  created_by?: string;
  created_at?: string;
  updated_at?: string;
  reasons?: string[];
}

interface Decision {
  id: number;
  at: string;
  stage: string;
  verdict: string;
  site: string | null;
  model: string | null;
  date: string;
  decision?: Record<string, unknown>;
  input?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

const STATES = [
  'requested',
  'pending_review',
  'denied',
  'scheduled',
  'active',
  'completed',
  'cancelled',
  'terminated',
  'compliance_hold',
  'expired',
];

export function leaseColumns() {
  return [
    { title: 'Lease', value: (l: Lease) => l.id },
    { title: 'Tenant', value: (l: Lease) => l.tenant },
    { title: 'State', value: (l: Lease) => l.state, render: (l: Lease) => badge(stateLabel(l.state)) },
    { title: 'Verdict', value: (l: Lease) => l.verdict ?? '', render: (l: Lease) => badge(verdictLabel(l.verdict)) },
    { title: 'Site', value: (l: Lease) => l.placement?.site ?? '' },
    { title: 'Model', value: (l: Lease) => l.placement?.model ?? '' },
    { title: 'GPUs', value: (l: Lease) => l.placement?.gpus ?? (l.request?.gpus as number) ?? '', numeric: true },
    { title: 'Start', value: (l: Lease) => l.placement?.start ?? '', render: (l: Lease) => formatInstant(l.placement?.start) },
    { title: 'End', value: (l: Lease) => l.placement?.end ?? '', render: (l: Lease) => formatInstant(l.placement?.end) },
  ];
}

export async function renderLeases(view: HTMLElement): Promise<void> {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  view.append(h('h1', {}, 'Leases'));
  const filters = h(
    'form',
    { class: 'card filters', 'aria-label': 'Filter leases' },
    field('Tenant', h('input', { name: 'tenant', value: params.get('tenant') ?? '', placeholder: 'any' })),
    field(
      'State',
      h('select', { name: 'state' }, h('option', { value: '' }, 'any'), ...STATES.map((s) => h('option', { value: s, selected: params.get('state') === s }, humanize(s)))),
    ),
    field('Site', h('input', { name: 'site', value: params.get('site') ?? '', placeholder: 'any' })),
    h('button', { type: 'submit' }, 'Filter'),
  ) as HTMLFormElement;
  const list = h('div');
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(filters);
    const query = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
    location.hash = `#/leases?${query}`;
  });
  const forms = h('div', { class: 'grid two' }, requestForm(), quoteForm());
  view.append(filters, list, forms);
  await fill(list, async () => {
    const query = new URLSearchParams([...params].filter(([k, v]) => ['tenant', 'state', 'site'].includes(k) && v));
    const leases = await getAll<Lease>(`/v1/leases${query.size ? `?${query}` : ''}`);
    return table('Leases', leaseColumns(), leases, {
      csvName: 'leases.csv',
      emptyText: 'No leases match these filters.',
      rowLink: (l) => `#/leases/${encodeURIComponent(l.id)}`,
    });
  }, 'Loading leases');
}

function requestForm(): HTMLElement {
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Request a lease', 'data-testid': 'request-form' },
    h('h2', {}, 'Request a lease'),
    field('Tenant', h('input', { name: 'tenant', required: true, placeholder: 'lumen-robotics' })),
    field('GPUs', h('input', { name: 'gpus', type: 'number', min: 1, required: true, value: 8 })),
    field('Duration', h('input', { name: 'duration', required: true, value: '72h' }), 'e.g. 72h, 30d'),
    field('Accelerators', h('input', { name: 'accelerators', required: true, placeholder: 'h100-sxm, h200-sxm' }), 'Acceptable model ids, comma-separated'),
    field('Sites', h('input', { name: 'sites', placeholder: 'any (comma-separated ids)' })),
    field('Earliest start', h('input', { name: 'earliest', type: 'datetime-local' }), 'UTC'),
    field('Max price per GPU-hour', h('input', { name: 'max_price', placeholder: '3.50 USD' })),
    field(
      'Purpose',
      h('select', { name: 'purpose' }, ...['training', 'inference', 'other', 'undeclared'].map((p) => h('option', { value: p }, humanize(p)))),
    ),
    field('Training compute (FLOP)', h('input', { name: 'training_flop', placeholder: '3e24' })),
    h('button', { type: 'submit' }, 'Request'),
    result,
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const v = formValues(form);
    const body: Record<string, unknown> = { tenant: v.tenant, gpus: Number(v.gpus), duration: v.duration, purpose: v.purpose };
    if (v.accelerators) body.accelerators = v.accelerators.split(',').map((s) => s.trim());
    if (v.sites) body.sites = v.sites.split(',').map((s) => s.trim());
    if (v.earliest) body.earliest = new Date(v.earliest + 'Z').toISOString().replace('.000', '');
    if (v.max_price) body.max_price = v.max_price;
    if (v.training_flop) body.training_flop = Number(v.training_flop);
    result.replaceChildren(h('p', { class: 'state loading' }, 'Requesting…'));
    try {
      const lease = await post<Lease>('/v1/leases', body);
      result.replaceChildren(
        h(
          'div',
          { class: 'result', 'data-testid': 'request-result' },
          h('p', {}, 'Lease ', h('a', { href: `#/leases/${encodeURIComponent(lease.id)}` }, lease.id), ' ', badge(stateLabel(lease.state)), ' ', badge(verdictLabel(lease.verdict))),
          reasonsList(lease.reasons),
        ),
      );
    } catch (error) {
      result.replaceChildren(errorBox(error), refusals(error));
    }
  });
  return form;
}

// A 409's reasons per site: why no site could host the lease.
function refusals(error: unknown): Node {
  if (!(error instanceof ApiError)) return h('span');
  const reasons = (error.body as { reasons?: { site: string; reason: string; plugin?: string; message?: string }[] })?.reasons;
  if (!reasons?.length) return h('span');
  return table(
    'Why each site refused',
    [
      { title: 'Site', value: (r: (typeof reasons)[number]) => r.site },
      { title: 'Reason', value: (r) => humanize(r.reason) },
      { title: 'Plugin', value: (r) => r.plugin ?? '' },
      { title: 'Message', value: (r) => r.message ?? '' },
    ],
    reasons,
    { csvName: 'refusals.csv' },
  );
}

interface QuoteOption {
  site: string;
  model: string;
  gpus: number;
  mfu: number;
  mfu_source: string;
  time_to_train: string;
  start: string | null;
  end: string | null;
  price_per_gpu_hour: string | null;
  total: string | null;
  total_usd: string | null;
  verdict: string;
  reasons: string[];
  available: boolean;
  unavailable: string | null;
}

function quoteForm(): HTMLElement {
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Quote a training job', 'data-testid': 'quote-form' },
    h('h2', {}, 'Where can we train, soonest or cheapest?'),
    field('Tenant', h('input', { name: 'tenant', required: true, placeholder: 'lumen-robotics' })),
    field('Training compute (FLOP)', h('input', { name: 'training_flop', value: '3e24', required: true })),
    field('GPUs', h('input', { name: 'gpus', type: 'number', min: 1, placeholder: 'largest pod' })),
    field('Max price per GPU-hour', h('input', { name: 'max_price', placeholder: '4.00 USD' })),
    field('Rank by', h('select', { name: 'by' }, h('option', { value: 'soonest' }, 'Soonest'), h('option', { value: 'cheapest' }, 'Cheapest'))),
    h('button', { type: 'submit' }, 'Quote'),
    result,
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const v = formValues(form);
    const body: Record<string, unknown> = { tenant: v.tenant, training_flop: Number(v.training_flop), by: v.by };
    if (v.gpus) body.gpus = Number(v.gpus);
    if (v.max_price) body.max_price = v.max_price;
    result.replaceChildren(h('p', { class: 'state loading' }, 'Quoting…'));
    try {
      const quote = await post<{ training_flop: number; by: string; assumption: string; options: QuoteOption[] }>('/v1/quotes', body);
      result.replaceChildren(
        h('p', { class: 'muted' }, `${formatFlop(quote.training_flop)} FLOP, ranked ${quote.by}. ${quote.assumption ?? ''}`),
        table(
          'Options',
          [
            { title: 'Site', value: (o: QuoteOption) => o.site },
            { title: 'Model', value: (o) => o.model },
            { title: 'GPUs', value: (o) => o.gpus, numeric: true },
            { title: 'Verdict', value: (o) => o.verdict, render: (o) => badge(verdictLabel(o.verdict)) },
            { title: 'Start', value: (o) => o.start ?? '', render: (o) => formatInstant(o.start) },
            { title: 'Time to train', value: (o) => o.time_to_train },
            { title: 'Price / GPU-h', value: (o) => o.price_per_gpu_hour ?? '', render: (o) => formatMoneyText(o.price_per_gpu_hour) },
            { title: 'Total', value: (o) => o.total ?? '', render: (o) => formatMoneyText(o.total) },
            { title: 'Total (USD)', value: (o) => o.total_usd ?? '', render: (o) => formatMoneyText(o.total_usd) },
            {
              title: 'Why',
              value: (o) => [o.unavailable, ...(o.reasons ?? [])].filter(Boolean).join('; '),
              render: (o) =>
                h('div', {}, o.available ? null : h('p', { class: 'refused' }, `Not offered: ${o.unavailable ?? 'refused'}`), reasonsList(o.reasons, '')),
            },
          ],
          quote.options,
          { csvName: 'quote.csv', emptyText: 'No site has this hardware.' },
        ),
      );
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  });
  return form;
}

export async function renderLease(view: HTMLElement, id: string): Promise<void> {
  view.append(h('p', {}, h('a', { href: '#/leases' }, '← All leases')));
  const slot = h('div');
  view.append(slot);
  await fill(slot, async () => {
    const lease = await get<Lease & { decisions?: Decision[] }>(`/v1/leases/${encodeURIComponent(id)}`);
    const p = lease.placement;
    const box = h('div', { class: 'stack', 'data-testid': 'lease-detail' });
    box.append(
      h('h1', {}, `Lease ${lease.id} `, badge(stateLabel(lease.state))),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Summary'),
        h(
          'dl',
          { class: 'facts' },
          ...fact('Tenant', lease.tenant),
          ...fact('Verdict', badge(verdictLabel(lease.verdict))),
          ...fact('Accepted verdict', lease.accepted_verdict ? humanize(lease.accepted_verdict) : '—'),
          ...fact('Requested by', lease.created_by ?? '—'),
          ...fact('Created', formatInstant(lease.created_at)),
          ...fact('Updated', formatInstant(lease.updated_at)),
          ...fact('Reviewed by', lease.reviewed_by ?? '—'),
          ...fact('Review reason', lease.reason ?? '—'),
          ...fact('License', lease.license ?? '—'),
          ...(lease.hold_until ? fact('Held until', formatInstant(lease.hold_until)) : []),
        ),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Placement'),
        p
          ? h(
              'div',
              {},
              h(
                'dl',
                { class: 'facts' },
                ...fact('Site', h('a', { href: `#/fleet/${encodeURIComponent(p.site)}` }, p.site)),
                ...fact('Model', p.model),
                ...fact('GPUs', String(p.gpus)),
                ...fact('When', formatSpan(p.start, p.end)),
                ...fact('Price per GPU-hour', formatMoneyText(p.price_per_gpu_hour)),
              ),
              table('Nodes', [{ title: 'Node', value: (n: { node: string; gpus: number }) => n.node }, { title: 'GPUs', value: (n) => n.gpus, numeric: true }], p.nodes, {
                csvName: `${lease.id}-nodes.csv`,
              }),
            )
          : empty('Not placed (denied, cancelled or not yet scheduled).'),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Rules that fired'), rulesList(firedRules(lease))),
    );
    const decisions = lease.decisions ?? [];
    box.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'State history and compliance decisions'),
        decisions.length === 0
          ? empty('No decision recorded.')
          : h(
              'ol',
              { class: 'history' },
              decisions.map((d) =>
                h(
                  'li',
                  {},
                  h('p', {}, h('strong', {}, humanize(d.stage)), ` · ${formatInstant(d.at)} · `, badge(verdictLabel(d.verdict)), d.site ? ` · ${d.site}` : '', d.model ? ` · ${d.model}` : ''),
                  rulesList(rulesOf(d)),
                  h('details', {}, h('summary', {}, 'Facts and regimes'), h('pre', {}, JSON.stringify(d.body ?? { decision: d.decision, input: d.input }, null, 2))),
                ),
              ),
            ),
      ),
    );
    const [execution, usage] = await Promise.all([executionPanel(lease.id), usagePanel(lease.id)]);
    if (execution) box.append(execution);
    if (usage) box.append(usage);
    return box;
  }, `Loading lease ${id}`);
}

function fact(label: string, value: Node | string): Node[] {
  return [h('dt', {}, label), h('dd', {}, value)];
}
