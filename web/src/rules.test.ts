import { describe, expect, it } from 'vitest';
import { firedRules, rulesOf } from './rules';

const hit = (rule: string, verdict = 'conditions') => ({ regime: 'operator-x', rule, verdict, citation: `OP ${rule}`, message: `${rule} fired` });

describe('rules that fired', () => {
  it('reads the answer to a request from its reasons', () => {
    const rules = firedRules({ reasons: ['us-bis-2025-05-guidance/iaas-training-due-diligence (conditions): due diligence'] });
    expect(rules).toEqual([{ regime: 'us-bis-2025-05-guidance', rule: 'iaas-training-due-diligence', verdict: 'conditions', message: 'due diligence' }]);
  });

  it('reads a lease read back from its latest recorded decision', () => {
    const lease = {
      decisions: [
        { stage: 'request', decision: { verdict: 'conditions', hits: [hit('first')] } },
        { stage: 'approval', decision: { verdict: 'license_required', hits: [hit('second', 'license_required')] } },
      ],
    };
    expect(firedRules(lease).map((r) => r.rule)).toEqual(['second']);
  });

  it('reads a compliance hold from its decision', () => {
    expect(firedRules({ decision: { hits: [hit('listed-tenant', 'prohibited')] } }).map((r) => r.rule)).toEqual(['listed-tenant']);
  });

  it('prefers the reasons of an answer to its decisions', () => {
    expect(firedRules({ reasons: ['a/b (allowed): m'], decisions: [{ decision: { hits: [hit('c')] } }] }).map((r) => r.rule)).toEqual(['b']);
  });

  it('has no rules for a lease without reasons or decisions', () => {
    expect(firedRules({})).toEqual([]);
    expect(firedRules({ reasons: [], decisions: [] })).toEqual([]);
    expect(rulesOf(null)).toEqual([]);
  });

  it('unwraps a stored body around the engine decision', () => {
    expect(rulesOf({ body: { decision: { hits: [hit('wrapped')] } } }).map((r) => r.rule)).toEqual(['wrapped']);
  });
});
