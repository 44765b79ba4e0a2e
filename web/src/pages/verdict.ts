// A compliance decision as the pages show it: the verdict, then every rule
// that fired with its citation and message.
import { badge, h } from '../dom';
import { parseReason, verdictLabel } from '../format';

import { type RuleLike } from '../rules';

export { rulesOf, firedRules } from '../rules';

export function rulesList(rules: RuleLike[], emptyText = 'No rule fired.'): HTMLElement {
  if (rules.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h(
    'ul',
    { class: 'rules' },
    rules.map((r) =>
      h(
        'li',
        {},
        r.verdict ? badge(verdictLabel(r.verdict)) : null,
        ' ',
        h('code', {}, [r.regime ?? r.pack, r.rule ?? r.id].filter(Boolean).join('/')),
        r.undetermined ? h('span', { class: 'badge muted' }, 'undetermined') : null,
        r.citation ? h('div', { class: 'citation' }, r.citation) : null,
        h('div', {}, r.message ?? ''),
      ),
    ),
  );
}

export function reasonsList(reasons: string[] | undefined, emptyText?: string): HTMLElement {
  return rulesList((reasons ?? []).map(parseReason), emptyText);
}
