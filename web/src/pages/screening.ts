// Screening matches in the review queue: every tenant organization screened
// against the restricted-party lists, each match with its score, the list
// entry and the alias that matched, and a clear action. Clearing is under
// dual control: the first officer's clearance is held (202) until a second,
// different officer clears the same match (201).
import { get, post } from '../api';
import { empty, errorBox, field, formValues, h } from '../dom';

interface Org {
  id: string;
  name: string;
  hq: string;
  kinds: string[];
}

interface Match {
  score: number;
  matched_name: string;
  entry: { id: string; name: string; list?: string; country?: string };
  cleared: unknown;
}

interface Flagged {
  org: Org;
  match: Match;
}

export async function screeningMatches(): Promise<Node> {
  const box = h('section', { class: 'card', 'data-testid': 'screening-matches' }, h('h2', {}, 'Screening matches'));
  const orgs = await get<{ items: Org[] }>('/v1/orgs').then((r) => r.items.filter((o) => o.kinds.includes('tenant')));
  const results = await Promise.all(
    orgs.map((org) =>
      // No country filter: a listed party's namesake or affiliate may be
      // registered anywhere.
      post<{ matches: Match[] }>('/v1/screening/search', { name: org.name }).then((r) =>
        r.matches.filter((m) => !m.cleared).map((match) => ({ org, match })),
      ),
    ),
  );
  const flagged: Flagged[] = results.flat();
  if (flagged.length === 0) {
    box.append(empty(`None of the ${orgs.length} tenant organizations matches a listed party (or every match is cleared).`));
    return box;
  }
  box.append(h('ul', { class: 'queue' }, flagged.map((f) => h('li', { 'data-party': f.org.id }, matchItem(f)))));
  return box;
}

function matchItem({ org, match }: Flagged): HTMLElement {
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'review', 'aria-label': `Clear ${org.name} of ${match.entry.name}` },
    field('Reason', h('input', { name: 'reason', required: true, placeholder: 'Why this is not the listed party' })),
    h('button', { type: 'submit' }, 'Clear'),
  ) as HTMLFormElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren(h('p', { class: 'state loading' }, 'Sending…'));
    try {
      const answer = await post<{ pending?: boolean; cleared_by?: string }>('/v1/screening/clearances', {
        party_name: org.name,
        entry_id: match.entry.id,
        reason: formValues(form).reason,
      });
      const text = answer.pending
        ? 'Proposed: waiting for a second compliance officer to clear it too'
        : `Cleared by ${answer.cleared_by ?? 'two officers'}`;
      status.replaceChildren(h('p', { class: 'result', 'data-testid': 'clear-result' }, `${org.name}: ${text}`));
      if (!answer.pending) form.remove();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return h(
    'div',
    {},
    h('p', {}, h('strong', {}, org.name), ` (${org.id}, ${org.hq}) matches `, h('strong', {}, match.entry.name), ` · score ${match.score.toFixed(2)} · alias “${match.matched_name}”${match.entry.list ? ` · ${match.entry.list}` : ''}`),
    form,
    status,
  );
}
