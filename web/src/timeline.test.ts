import { describe, expect, it } from 'vitest';
import { sumSteps, toSteps, valueAt } from './timeline';

describe('timeline', () => {
  it('sums node use into site use at every change point', () => {
    const a = toSteps([
      { at: '2026-01-01T00:00:00Z', used: 4 },
      { at: '2026-01-02T00:00:00Z', used: 0 },
    ]);
    const b = toSteps([
      { at: '2026-01-01T12:00:00Z', used: 8 },
      { at: '2026-01-03T00:00:00Z', used: 0 },
    ]);
    const site = sumSteps([a, b]);
    expect(site.map((s) => s.used)).toEqual([4, 12, 8, 0]);
    expect(valueAt(site, Date.parse('2026-01-01T13:00:00Z'))).toBe(12);
    expect(valueAt(site, Date.parse('2025-12-31T00:00:00Z'))).toBe(0);
    expect(valueAt(site, Date.parse('2026-01-05T00:00:00Z'))).toBe(0);
  });
});
