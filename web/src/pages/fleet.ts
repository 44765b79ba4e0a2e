// Fleet: sites with country and operator, GPUs by model, utilization now and
// over time, and per site a Gantt of leases across nodes (calendar route).
import { get, getAll } from '../api';
import { chart } from '../charts';
import { empty, fill, h, table } from '../dom';
import { formatInstant, formatShare } from '../format';
import { sumSteps, toSteps, valueAt, type Step } from '../timeline';

interface Site {
  id: string;
  name: string;
  country: string;
  city: string;
  operator: string;
}
interface SiteDetail extends Site {
  pods: number;
  nodes: number;
  gpus: number;
  gpus_by_model: Record<string, number>;
}
interface Booking {
  lease: string | null;
  start: string;
  end: string;
  gpus: number;
}
interface CalendarNode {
  node: string;
  pod: string;
  model: string;
  gpus: number;
  bookings: Booking[];
  use: { at: string; used: number }[];
}
interface Calendar {
  site: string;
  from: string;
  to: string;
  nodes: CalendarNode[];
}

const DAY = 86_400_000;

function calendarWindow(): { from: string; to: string } {
  const now = Date.now();
  return { from: new Date(now - 7 * DAY).toISOString(), to: new Date(now + 21 * DAY).toISOString() };
}

async function calendar(site: string): Promise<Calendar> {
  const { from, to } = calendarWindow();
  return get<Calendar>(`/v1/sites/${encodeURIComponent(site)}/calendar?from=${from}&to=${to}`);
}

function siteUse(cal: Calendar): Step[] {
  return sumSteps(cal.nodes.map((n) => toSteps(n.use ?? [])));
}

export async function renderFleet(view: HTMLElement, args: string[]): Promise<void> {
  view.append(h('h1', {}, 'Fleet'));
  const overview = h('div', { class: 'grid' });
  const detail = h('div');
  view.append(overview, detail);
  await fill(overview, async () => {
    const sites = await getAll<Site>('/v1/sites');
    if (sites.length === 0) return empty('No sites yet: import a fleet file (straits import fleet FILE).');
    const details = await Promise.all(sites.map((s) => get<SiteDetail>(`/v1/sites/${encodeURIComponent(s.id)}`)));
    const calendars = await Promise.all(sites.map((s) => calendar(s.id).catch(() => null)));
    const now = Date.now();
    const usedNow = calendars.map((c) => (c ? valueAt(siteUse(c), now) : NaN));
    const models = [...new Set(details.flatMap((d) => Object.keys(d.gpus_by_model ?? {})))].sort();
    const total = details.reduce((sum, d) => sum + d.gpus, 0);
    const used = usedNow.reduce((sum, u) => sum + (Number.isFinite(u) ? u : 0), 0);
    const box = h('div', { class: 'stack' });
    box.append(
      h(
        'div',
        { class: 'kpis' },
        kpi('Sites', String(sites.length)),
        kpi('GPUs', total.toLocaleString('en-US')),
        kpi('In use now', `${used.toLocaleString('en-US')} (${formatShare(total ? used / total : 0)})`),
      ),
      table(
        'Sites',
        [
          { title: 'Site', value: (d: SiteDetail) => d.id },
          { title: 'Name', value: (d) => d.name },
          { title: 'Country', value: (d) => d.country },
          { title: 'City', value: (d) => d.city },
          { title: 'Operator', value: (d) => d.operator },
          { title: 'Nodes', value: (d) => d.nodes, numeric: true },
          { title: 'GPUs', value: (d) => d.gpus, numeric: true },
          {
            title: 'In use now',
            value: (d) => usedNow[details.indexOf(d)],
            render: (d) => {
              const u = usedNow[details.indexOf(d)];
              return Number.isFinite(u) ? `${u} (${formatShare(d.gpus ? u / d.gpus : 0)})` : '—';
            },
            numeric: true,
          },
        ],
        details,
        { csvName: 'sites.csv', rowLink: (d) => `#/fleet/${encodeURIComponent(d.id)}` },
      ),
      h(
        'section',
        { class: 'card' },
        h('h3', {}, 'GPUs by model'),
        chart(
          {
            tooltip: { trigger: 'axis' },
            legend: { type: 'scroll', bottom: 0 },
            grid: { left: 110, right: 16, top: 10, bottom: 40 },
            xAxis: { type: 'value' },
            yAxis: { type: 'category', data: details.map((d) => d.id) },
            series: models.map((m) => ({
              name: m,
              type: 'bar',
              stack: 'gpus',
              data: details.map((d) => d.gpus_by_model?.[m] ?? 0),
            })),
          },
          Math.max(200, 50 * details.length + 60),
          'GPUs by model per site',
        ),
      ),
      table(
        'GPUs by model',
        [
          { title: 'Site', value: (d: SiteDetail) => d.id },
          ...models.map((m) => ({ title: m, value: (d: SiteDetail) => d.gpus_by_model?.[m] ?? 0, numeric: true })),
        ],
        details,
        { csvName: 'gpus-by-model.csv' },
      ),
      h(
        'nav',
        { class: 'chips', 'aria-label': 'Site timelines' },
        h('span', {}, 'Timeline of '),
        ...sites.map((s) =>
          h('a', { href: `#/fleet/${encodeURIComponent(s.id)}`, 'aria-current': args[0] === s.id ? 'page' : undefined }, s.id),
        ),
      ),
    );
    return box;
  }, 'Loading sites');
  const site = args[0];
  if (site) await fill(detail, () => renderSite(site), `Loading the calendar of ${site}`);
}

function kpi(label: string, value: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('span', {}, label), h('strong', {}, value));
}

async function renderSite(site: string): Promise<Node> {
  const [info, cal] = await Promise.all([get<SiteDetail>(`/v1/sites/${encodeURIComponent(site)}`), calendar(site)]);
  const box = h('section', { class: 'card', 'data-testid': 'site-timeline' });
  box.append(h('h2', { id: 'timeline' }, `${info.name} (${info.id}) · ${info.country} · ${info.operator}`));
  const use = siteUse(cal);
  const from = Date.parse(cal.from);
  const to = Date.parse(cal.to);
  const points: [number, number][] = [];
  let level = valueAt(use, from);
  points.push([from, level]);
  for (const step of use) {
    if (step.at <= from || step.at >= to) continue;
    points.push([step.at, level]);
    level = step.used;
    points.push([step.at, level]);
  }
  points.push([to, level]);
  box.append(
    h('h3', {}, `Utilization, ${formatInstant(cal.from)} → ${formatInstant(cal.to)}`),
    chart(
      {
        tooltip: { trigger: 'axis' },
        grid: { left: 50, right: 16, top: 16, bottom: 30 },
        xAxis: { type: 'time', min: from, max: to },
        yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        series: [
          {
            type: 'line',
            name: 'GPUs in use',
            showSymbol: false,
            areaStyle: {},
            data: points.map(([t, u]) => [t, info.gpus ? Math.round((1000 * u) / info.gpus) / 10 : 0]),
            markLine: { symbol: 'none', data: [{ xAxis: Date.now(), name: 'now' }], label: { formatter: 'now' } },
          },
        ],
      },
      220,
      `Utilization of ${site} over time`,
    ),
  );
  const booked = cal.nodes.filter((n) => n.bookings.length > 0);
  box.append(h('h3', {}, `Leases across nodes (${booked.length} of ${cal.nodes.length} nodes booked)`));
  if (booked.length === 0) {
    box.append(empty('No leases on this site in this window.'));
    return box;
  }
  const rows = booked.map((n) => n.node);
  const data = booked.flatMap((n, idx) =>
    n.bookings.map((b) => ({
      value: [idx, Math.max(Date.parse(b.start), from), Math.min(Date.parse(b.end), to), b.gpus],
      name: b.lease ?? 'another tenant',
    })),
  );
  box.append(
    chart(
      {
        tooltip: {
          formatter: (p: { name: string; value: number[] }) =>
            `${p.name}<br>${rows[p.value[0]]}: ${p.value[3]} GPUs<br>${formatInstant(new Date(p.value[1]).toISOString())} → ${formatInstant(new Date(p.value[2]).toISOString())}`,
        },
        grid: { left: 120, right: 16, top: 10, bottom: 50 },
        dataZoom: [{ type: 'slider', xAxisIndex: 0, bottom: 8, height: 18 }, { type: 'inside', xAxisIndex: 0 }],
        xAxis: { type: 'time', min: from, max: to },
        yAxis: { type: 'category', data: rows, inverse: true, axisLabel: { fontSize: 10 } },
        series: [
          {
            type: 'custom',
            encode: { x: [1, 2], y: 0 },
            data,
            renderItem: (params: unknown, api: any) => {
              void params;
              const start = api.coord([api.value(1), api.value(0)]);
              const end = api.coord([api.value(2), api.value(0)]);
              const height = api.size([0, 1])[1] * 0.7;
              return {
                type: 'rect',
                shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height },
                style: api.style(),
              };
            },
          },
        ],
        markLine: undefined,
      },
      Math.min(900, 24 * rows.length + 80),
      `Leases across the nodes of ${site}`,
    ),
  );
  box.append(
    table(
      'Bookings',
      [
        { title: 'Lease', value: (r: { node: string; b: Booking }) => r.b.lease ?? 'another tenant' },
        { title: 'Node', value: (r) => r.node },
        { title: 'GPUs', value: (r) => r.b.gpus, numeric: true },
        { title: 'Start', value: (r) => r.b.start, render: (r) => formatInstant(r.b.start) },
        { title: 'End', value: (r) => r.b.end, render: (r) => formatInstant(r.b.end) },
      ],
      booked.flatMap((n) => n.bookings.map((b) => ({ node: n.node, b }))),
      { csvName: `${site}-bookings.csv`, rowLink: (r) => (r.b.lease ? `#/leases/${encodeURIComponent(r.b.lease)}` : '#/fleet') },
    ),
  );
  return box;
}
