import { describe, expect, it } from 'vitest';
import { parseHash } from './hashroute';

describe('parseHash', () => {
  it('keeps the query out of the path', () => {
    const r = parseHash('#/revenue?by=hq');
    expect(r.parts).toEqual(['revenue']);
    expect(r.query.get('by')).toBe('hq');
  });
  it('decodes each segment and tolerates a missing slash or hash', () => {
    expect(parseHash('#/leases/lease%2D000001').parts).toEqual(['leases', 'lease-000001']);
    expect(parseHash('#fleet/sg-tuas-1').parts).toEqual(['fleet', 'sg-tuas-1']);
    expect(parseHash('').parts).toEqual([]);
  });
  it('reads a query after a deeper path', () => {
    const r = parseHash('#/audit?q=lease-000001&from=2026-01-01');
    expect(r.parts).toEqual(['audit']);
    expect(r.query.get('q')).toBe('lease-000001');
    expect(r.query.get('from')).toBe('2026-01-01');
  });
});
