// A lease's execution, in its detail page: the backend that runs it (the
// simulated one, or its Slurm reservation with the state of applying it) and,
// on Slurm, the jobs that ran in it. Roles that may not see execution (the
// routes answer 403) get no panel rather than an error.
import { ApiError, get } from '../api';
import { empty, errorBox, h, table } from '../dom';
import { formatInstant, humanize } from '../format';

interface BackendState {
  kind: 'sim' | 'slurm';
  backend: string;
  attempts?: number;
  next_attempt?: string | null;
  last_error?: string;
}

interface Job {
  job: string;
  name: string;
  state: string;
  gpus: number;
  start: string | null;
  end: string | null;
  nodes: string[];
}

export async function executionPanel(leaseId: string): Promise<Node | null> {
  const base = `/v1/leases/${encodeURIComponent(leaseId)}`;
  let state: BackendState;
  try {
    state = await get<BackendState>(`${base}/backend`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    return h('section', { class: 'card' }, h('h2', {}, 'Execution'), errorBox(error));
  }
  const box = h('section', { class: 'card', 'data-testid': 'lease-execution' }, h('h2', {}, 'Execution'));
  if (state.kind === 'sim') {
    box.append(empty('Simulated backend: the site runs no workload manager, so there are no jobs; usage is metered from the lease itself.'));
    return box;
  }
  const status = `Slurm reservation: ${humanize(state.backend)}`;
  box.append(
    h(
      'p',
      {},
      status,
      state.attempts ? ` · ${state.attempts} attempt(s)` : '',
      state.next_attempt ? ` · next ${formatInstant(state.next_attempt)}` : '',
    ),
  );
  if (state.last_error) box.append(h('p', { class: 'state error', role: 'alert' }, state.last_error));
  try {
    const jobs = await get<{ items: Job[] }>(`${base}/jobs`).then((r) => r.items);
    box.append(
      table(
        'Jobs',
        [
          { title: 'Job', value: (j: Job) => j.job },
          { title: 'Name', value: (j) => j.name },
          { title: 'State', value: (j) => j.state },
          { title: 'GPUs', value: (j) => j.gpus, numeric: true },
          { title: 'Start', value: (j) => (j.start ? formatInstant(j.start) : '—') },
          { title: 'End', value: (j) => (j.end ? formatInstant(j.end) : '—') },
          { title: 'Nodes', value: (j) => j.nodes.join(' ') },
        ],
        jobs,
        { csvName: `${leaseId}-jobs.csv`, emptyText: 'No job has run in this lease yet.' },
      ),
    );
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) box.append(errorBox(error));
  }
  return box;
}
