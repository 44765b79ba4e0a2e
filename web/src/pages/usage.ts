// A lease's usage, in its detail page: GPU-hours used against what its terms
// reserved so far, per day (chart and table), per node and per job. Roles that
// may not see usage (403) get no panel; a lease never metered says so.
import { ApiError, get } from '../api';
import { chart } from '../charts';
import { empty, errorBox, h, table } from '../dom';
import { formatInstant, formatShare } from '../format';
import { dailyGpuHours, usageSummary, type LeaseUsage } from '../usage';

const hours = (seconds: number) => (seconds / 3600).toFixed(1);

export async function usagePanel(leaseId: string): Promise<Node | null> {
  let u: LeaseUsage;
  const box = h('section', { class: 'card', 'data-testid': 'lease-usage' }, h('h2', {}, 'Usage'));
  try {
    u = await get<LeaseUsage>(`/v1/leases/${encodeURIComponent(leaseId)}/usage`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    if (error instanceof ApiError && error.status === 404) {
      box.append(empty('No usage recorded yet: the lease has not been metered.'));
      return box;
    }
    box.append(errorBox(error));
    return box;
  }
  const s = usageSummary(u);
  box.append(
    h(
      'p',
      {},
      `${s.usedGpuHours.toFixed(1)} GPU-hours used of ${s.reservedGpuHours.toFixed(1)} reserved so far`,
      s.share === null ? '' : ` (${formatShare(s.share)})`,
      ` · ${u.records} record(s) up to ${formatInstant(u.metered_until)}`,
    ),
  );
  if (u.records === 0) {
    box.append(empty('No usage recorded yet.'));
    return box;
  }
  box.append(
    chart(
      {
        tooltip: { trigger: 'axis' },
        grid: { left: 50, right: 16, top: 16, bottom: 30 },
        xAxis: { type: 'category', data: dailyGpuHours(u).map(([day]) => day) },
        yAxis: { type: 'value', name: 'GPU-hours' },
        series: [{ type: 'bar', name: 'GPU-hours', data: dailyGpuHours(u).map(([, v]) => v) }],
      },
      240,
      'GPU-hours per day',
    ),
    table('Per day', [
      { title: 'Day (UTC)', value: (d: LeaseUsage['by_day'][number]) => d.day },
      { title: 'GPU-hours', value: (d) => hours(d.gpu_seconds), numeric: true },
    ], u.by_day, { csvName: `${u.lease}-usage-by-day.csv` }),
    table('Per node', [
      { title: 'Node', value: (n: LeaseUsage['by_node'][number]) => n.node },
      { title: 'GPU-hours', value: (n) => hours(n.gpu_seconds), numeric: true },
    ], u.by_node, { csvName: `${u.lease}-usage-by-node.csv` }),
  );
  if (u.by_series.length) {
    box.append(
      table('Per job', [
        { title: 'Job and step (reserved: time no job used)', value: (j: LeaseUsage['by_series'][number]) => j.series },
        { title: 'GPU-hours', value: (j) => hours(j.gpu_seconds), numeric: true },
      ], u.by_series, { csvName: `${u.lease}-usage-by-job.csv` }),
    );
  }
  return box;
}
