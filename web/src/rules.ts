// The rules that fired in a compliance decision, from any of the shapes the
// API uses. Pure, so it is unit-tested without a browser.
import { parseReason } from './format';

export interface RuleLike {
  regime?: string;
  pack?: string;
  rule?: string;
  id?: string;
  citation?: string;
  verdict?: string;
  message?: string;
  undetermined?: boolean;
}

// Rules from a decision object.
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

// The rules behind a lease's current verdict. Only the answer to a request
// carries `reasons`; a lease read back later has its recorded decisions
// (oldest first) instead, and the latest one is the verdict it stands on.
export function firedRules(lease: { reasons?: string[]; decisions?: unknown[]; decision?: unknown }): RuleLike[] {
  if (lease.reasons?.length) return lease.reasons.map(parseReason);
  if (lease.decision) return rulesOf(lease.decision);
  const decisions = lease.decisions ?? [];
  return decisions.length ? rulesOf(decisions[decisions.length - 1]) : [];
}
