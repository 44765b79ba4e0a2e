import { describe, expect, it } from 'vitest';
import { dailyGpuHours, usageSummary, type LeaseUsage } from './usage';

const usage = (gpu_seconds: number, reserved_gpu_seconds: number): LeaseUsage => ({
  lease: 'lease-000001',
  gpus: 8,
  records: 2,
  gpu_seconds,
  reserved_gpu_seconds,
  metered_until: '2026-10-02T00:00:00Z',
  by_day: [
    { day: '2026-10-01', gpu_seconds: 8 * 3600 * 24 },
    { day: '2026-10-02', gpu_seconds: 4 * 3600 + 1800 },
  ],
  by_node: [],
  by_series: [],
});

describe('lease usage', () => {
  it('gives GPU-hours used and reserved and their share', () => {
    expect(usageSummary(usage(8 * 3600 * 12, 8 * 3600 * 24))).toEqual({ usedGpuHours: 96, reservedGpuHours: 192, share: 0.5 });
  });

  it('has no share before anything was reserved', () => {
    expect(usageSummary(usage(0, 0)).share).toBeNull();
  });

  it('gives GPU-hours per day rounded to a tenth', () => {
    expect(dailyGpuHours(usage(0, 0))).toEqual([
      ['2026-10-01', 192],
      ['2026-10-02', 4.5],
    ]);
  });
});
