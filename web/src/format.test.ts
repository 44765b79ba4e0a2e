import { describe, expect, it } from 'vitest';
import {
  formatDay,
  formatFlop,
  formatHours,
  formatInstant,
  formatMajorText,
  formatMinor,
  formatMoneyText,
  formatShare,
  formatSpan,
  parseReason,
  stateLabel,
  verdictLabel,
} from './format';
import { toCsv } from './csv';

describe('verdicts', () => {
  it('names every verdict the API sends with a tone', () => {
    expect(verdictLabel('allowed')).toEqual({ text: 'Allowed', tone: 'ok' });
    expect(verdictLabel('conditions')).toEqual({ text: 'Allowed with conditions', tone: 'warn' });
    expect(verdictLabel('license_required')).toEqual({ text: 'License required', tone: 'warn' });
    expect(verdictLabel('prohibited')).toEqual({ text: 'Prohibited', tone: 'bad' });
  });
  it('shows unknown and missing verdicts without inventing one', () => {
    expect(verdictLabel('needs_thought')).toEqual({ text: 'Needs thought', tone: 'info' });
    expect(verdictLabel(null).tone).toBe('muted');
  });
  it('labels lease states', () => {
    expect(stateLabel('pending_review')).toEqual({ text: 'Pending review', tone: 'warn' });
    expect(stateLabel('compliance_hold').tone).toBe('bad');
  });
  it('splits a fired rule into regime, rule, verdict and message', () => {
    expect(parseReason('us-ear/744.23-d5 (license_required): Destination CN: country group D:5')).toEqual({
      regime: 'us-ear',
      rule: '744.23-d5',
      verdict: 'license_required',
      message: 'Destination CN: country group D:5',
    });
    expect(parseReason('op/signoff (conditions, undetermined): training_flop unknown')).toEqual({
      regime: 'op',
      rule: 'signoff',
      verdict: 'conditions',
      message: 'training_flop unknown',
      undetermined: true,
    });
    expect(parseReason('free text')).toEqual({ regime: '', rule: '', verdict: '', message: 'free text' });
  });
});

describe('money', () => {
  it('formats minor units without floating point drift', () => {
    expect(formatMinor(123456, 'USD')).toBe('$1,234.56');
    expect(formatMinor(5, 'USD')).toBe('$0.05');
    expect(formatMinor(-1999, 'EUR')).toBe('-€19.99');
    expect(formatMinor(900719925474099, 'USD')).toBe('$9,007,199,254,740.99');
  });
  it('respects currencies without minor units', () => {
    expect(formatMinor(1500, 'JPY')).toBe('¥1,500');
  });
  it('reads the API money strings', () => {
    expect(formatMoneyText('3.50 USD')).toBe('$3.50');
    expect(formatMoneyText('12000 SGD')).toBe('S$12,000.00');
    expect(formatMoneyText('2.1234 USD')).toBe('$2.1234');
    expect(formatMoneyText(null)).toBe('—');
    expect(formatMoneyText('n/a')).toBe('n/a');
    expect(formatMajorText('7', 'XTS')).toBe('7.00 XTS');
  });
});

describe('dates', () => {
  it('shows instants in UTC', () => {
    expect(formatInstant('2026-11-29T06:42:37Z')).toBe('2026-11-29 06:42 UTC');
    expect(formatInstant('2026-11-29T08:42:37+02:00')).toBe('2026-11-29 06:42 UTC');
    expect(formatInstant(undefined)).toBe('—');
    expect(formatInstant('tomorrow')).toBe('tomorrow');
    expect(formatDay('2026-01-05T23:59:00Z')).toBe('2026-01-05');
  });
  it('shows durations and spans', () => {
    expect(formatHours(72)).toBe('3d');
    expect(formatHours(75)).toBe('3d 3h');
    expect(formatHours(5)).toBe('5h');
    expect(formatHours(0.75)).toBe('45m');
    expect(formatSpan('2026-11-29T00:00:00Z', '2026-12-02T06:00:00Z')).toBe(
      '2026-11-29 00:00 UTC → 2026-12-02 06:00 UTC (3d 6h)',
    );
  });
  it('shows shares and compute', () => {
    expect(formatShare(0.125)).toBe('13%');
    expect(formatShare(0.031)).toBe('3.1%');
    expect(formatFlop(3e24)).toBe('3e24');
    expect(formatFlop(2.5e25)).toBe('2.5e25');
  });
});

describe('csv', () => {
  it('quotes separators and neutralizes formulas', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1, null], ['=SUM(A1)', -3]])).toBe(
      'a,b\r\n"x,y","say ""hi"""\r\n1,\r\n\'=SUM(A1),-3\r\n',
    );
  });
});
