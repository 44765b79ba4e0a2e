// Revenue: attribution per quarter by one method (stacked bars), the
// reconciliation of two methods (matrix and Sankey), and invoices.
import { get, getAll } from '../api';
import { chart } from '../charts';
import { empty, fill, h, table } from '../dom';
import { formatDay, formatInstant, formatMinor, formatMoneyText, formatShare } from '../format';

const METHODS = ['billing', 'hq', 'parent', 'site', 'operator'];
const METHOD_NAMES: Record<string, string> = {
  billing: 'Billing country',
  hq: 'Headquarters country',
  parent: 'Ultimate parent country',
  site: 'Site country',
  operator: 'Operator country',
};

interface RevenueReport {
  currency: string;
  method: string;
  periods: { period: string; total_minor: number; groups: { key: string; amount_minor: number; share: number }[] }[];
}

interface Reconciliation {
  currency: string;
  rows: string;
  cols: string;
  periods: {
    period: string;
    total_minor: number;
    columns: { key: string; amount_minor: number }[];
    rows: { key: string; amount_minor: number; other_share: number; cells: number[] }[];
  }[];
}

interface InvoiceLine {
  lease: string;
  site: string;
  model: string;
  from: string;
  to: string;
  gpu_seconds: number;
  unit_price: string;
  discount_percent: string;
  amount: string;
  amount_minor: number;
  description: string;
}
interface Invoice {
  id: string;
  kind: string;
  account: string;
  period: string;
  issue_date: string;
  currency: string;
  total: string;
  total_minor: number;
  corrects?: string;
  reason?: string;
  lines: InvoiceLine[];
}

export async function renderRevenue(view: HTMLElement, args: string[]): Promise<void> {
  if (args[0] === 'invoices' && args[1]) return renderInvoice(view, args[1]);
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const by = METHODS.includes(params.get('by') ?? '') ? params.get('by')! : 'billing';
  view.append(
    h('h1', {}, 'Revenue'),
    h(
      'nav',
      { class: 'chips', 'aria-label': 'Attribution method' },
      h('span', {}, 'Attribute by '),
      ...METHODS.map((m) => h('a', { href: `#/revenue?by=${m}`, 'aria-current': m === by ? 'page' : undefined }, METHOD_NAMES[m])),
    ),
  );
  const attribution = h('div');
  const reconciliation = h('div');
  const invoices = h('div');
  view.append(attribution, reconciliation, invoices);
  await Promise.all([
    fill(attribution, () => attributionView(by), 'Loading revenue'),
    fill(reconciliation, reconciliationView, 'Loading the reconciliation'),
    fill(invoices, invoiceList, 'Loading invoices'),
  ]);
}

async function attributionView(by: string): Promise<Node> {
  // Quarters are the report's default period.
  const report = await get<RevenueReport>(`/v1/reports/revenue?by=${by}`);
  const box = h('section', { class: 'card' }, h('h2', {}, `By ${METHOD_NAMES[by].toLowerCase()}, per quarter (${report.currency})`));
  if (report.periods.length === 0) {
    box.append(empty('No revenue yet: import usage and generate invoices (docs/billing.md).'));
    return box;
  }
  const keys = [...new Set(report.periods.flatMap((p) => p.groups.map((g) => g.key)))].sort();
  const amount = (period: RevenueReport['periods'][number], key: string) => period.groups.find((g) => g.key === key)?.amount_minor ?? 0;
  box.append(
    chart(
      {
        tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMinor(Math.round(v * 100), report.currency) },
        legend: { type: 'scroll', bottom: 0 },
        grid: { left: 80, right: 16, top: 16, bottom: 40 },
        xAxis: { type: 'category', data: report.periods.map((p) => p.period) },
        yAxis: { type: 'value' },
        series: keys.map((key) => ({
          name: key,
          type: 'bar',
          stack: 'revenue',
          data: report.periods.map((p) => amount(p, key) / 100),
        })),
      },
      320,
      `Revenue by ${by} per quarter`,
    ),
    table(
      `Revenue by ${by}`,
      [
        { title: 'Period', value: (r: { period: string; key: string; amount_minor: number; share: number }) => r.period },
        { title: 'Country', value: (r) => r.key },
        { title: `Amount (${report.currency} minor units)`, value: (r) => r.amount_minor, render: (r) => formatMinor(r.amount_minor, report.currency), numeric: true },
        { title: 'Share', value: (r) => r.share, render: (r) => formatShare(r.share), numeric: true },
      ],
      report.periods.flatMap((p) => p.groups.map((g) => ({ period: p.period, ...g }))),
      { csvName: `revenue-by-${by}.csv` },
    ),
  );
  return box;
}

async function reconciliationView(): Promise<Node> {
  // The whole range at once; the attribution above splits it by quarter.
  const rec = await get<Reconciliation>('/v1/reports/reconcile?rows=billing&cols=hq&period=all');
  const box = h('section', { class: 'card' }, h('h2', {}, `Billing country → headquarters country (${rec.currency})`));
  const period = rec.periods[rec.periods.length - 1];
  if (!period || period.rows.length === 0) {
    box.append(empty('Nothing to reconcile yet.'));
    return box;
  }
  box.append(h('p', { class: 'muted' }, `Period ${period.period}; rows: billing country, columns: headquarters country.`));
  const cols = period.columns.map((c) => c.key);
  box.append(
    table(
      `Reconciliation ${period.period}`,
      [
        { title: 'Billing \\ HQ', value: (r: (typeof period.rows)[number]) => r.key },
        ...cols.map((key, i) => ({ title: key, value: (r: (typeof period.rows)[number]) => r.cells[i], render: (r: (typeof period.rows)[number]) => formatMinor(r.cells[i], rec.currency), numeric: true })),
        { title: 'Total', value: (r) => r.amount_minor, render: (r) => formatMinor(r.amount_minor, rec.currency), numeric: true },
        { title: 'From other countries', value: (r) => r.other_share, render: (r) => formatShare(r.other_share), numeric: true },
      ],
      period.rows,
      { csvName: `reconcile-billing-hq-${period.period}.csv` },
    ),
  );
  // Sankey node names must be unique: billing countries on the left, HQ on the right.
  const links = period.rows.flatMap((r) =>
    r.cells.map((v, i) => ({ source: `${r.key} (billing)`, target: `${cols[i]} (HQ)`, value: v / 100 })).filter((l) => l.value > 0),
  );
  const nodes = [...new Set(links.flatMap((l) => [l.source, l.target]))].map((name) => ({ name }));
  box.append(
    links.length
      ? chart(
          {
            tooltip: { trigger: 'item' },
            series: [{ type: 'sankey', data: nodes, links, emphasis: { focus: 'adjacency' }, left: 8, right: 90 }],
          },
          Math.max(260, 30 * nodes.length),
          'Sankey from billing country to headquarters country',
        )
      : empty('No flows.'),
  );
  return box;
}

async function invoiceList(): Promise<Node> {
  const invoices = await getAll<Invoice>('/v1/invoices');
  return table(
    'Invoices',
    [
      { title: 'Invoice', value: (i: Invoice) => i.id },
      { title: 'Kind', value: (i) => i.kind },
      { title: 'Account', value: (i) => i.account },
      { title: 'Period', value: (i) => i.period },
      { title: 'Issued', value: (i) => i.issue_date, render: (i) => formatDay(i.issue_date) },
      { title: 'Currency', value: (i) => i.currency },
      { title: 'Total (minor units)', value: (i) => i.total_minor, render: (i) => formatMinor(i.total_minor, i.currency), numeric: true },
    ],
    invoices,
    { csvName: 'invoices.csv', emptyText: 'No invoices issued yet (straits invoices generate).', rowLink: (i) => `#/revenue/invoices/${encodeURIComponent(i.id)}` },
  );
}

async function renderInvoice(view: HTMLElement, id: string): Promise<void> {
  view.append(h('p', {}, h('a', { href: '#/revenue' }, '← Revenue')));
  const slot = h('div');
  view.append(slot);
  await fill(slot, async () => {
    const inv = await get<Invoice>(`/v1/invoices/${encodeURIComponent(id)}`);
    return h(
      'div',
      { class: 'stack' },
      h('h1', {}, `${inv.kind === 'credit_note' ? 'Credit note' : 'Invoice'} ${inv.id}`),
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Account'), h('dd', {}, inv.account),
          h('dt', {}, 'Period'), h('dd', {}, inv.period),
          h('dt', {}, 'Issued'), h('dd', {}, formatDay(inv.issue_date)),
          h('dt', {}, 'Total'), h('dd', {}, formatMinor(inv.total_minor, inv.currency)),
          ...(inv.corrects ? [h('dt', {}, 'Corrects'), h('dd', {}, h('a', { href: `#/revenue/invoices/${encodeURIComponent(inv.corrects)}` }, inv.corrects))] : []),
          ...(inv.reason ? [h('dt', {}, 'Reason'), h('dd', {}, inv.reason)] : []),
        ),
      ),
      table(
        'Lines',
        [
          { title: 'Lease', value: (l: InvoiceLine) => l.lease },
          { title: 'Site', value: (l) => l.site },
          { title: 'Model', value: (l) => l.model },
          { title: 'From', value: (l) => l.from, render: (l) => formatInstant(l.from) },
          { title: 'To', value: (l) => l.to, render: (l) => formatInstant(l.to) },
          { title: 'GPU-hours', value: (l) => (l.gpu_seconds / 3600).toFixed(2), numeric: true },
          { title: 'Unit price', value: (l) => l.unit_price, render: (l) => formatMoneyText(`${l.unit_price} ${inv.currency}`), numeric: true },
          { title: 'Discount %', value: (l) => l.discount_percent, numeric: true },
          { title: 'Amount', value: (l) => l.amount, render: (l) => formatMinor(l.amount_minor, inv.currency), numeric: true },
          { title: 'Description', value: (l) => l.description },
        ],
        inv.lines,
        { csvName: `${inv.id}.csv`, emptyText: 'No lines.' },
      ),
    );
  }, `Loading invoice ${id}`);
}
