// A compliance decision as the pages show it: the verdict, then every rule
// that fired with its citation and message.
import { badge, h } from '../dom';
import { parseReason, verdictLabel } from '../format';

interface RuleLike {
  regime?: string;
  pack?: string;
  rule?: string;
  id?: string;
  citation?: string;
  verdict?: string;
  message?: string;
  undetermined?: boolean;
}

// Rules from a decision object of any of the shapes the API uses.
export function rulesOf(decision: unknown): RuleLike[] {
  if (!decision || typeof decision !== 'object') return [];
  const d = decision as Record<string, unknown>;
  // A stored decision may wrap the engine's: {body: {decision: {hits: [...]}}}.
  for (const wrapper of ['body', 'decision']) {
    if (d[wrapper] && typeof d[wrapper] === 'object') {
      const inner = rulesOf(d[wrapper]);
      if (inner.length) return inner;
    }
  }
  for (const key of ['hits', 'fired', 'rules', 'rules_fired', 'reasons']) {
    const value = d[key];
    if (Array.isArray(value)) {
      return value.map((r) => (typeof r === 'string' ? parseReason(r) : (r as RuleLike)));
    }
  }
  return [];
}

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
