// A lease's usage (GET /v1/leases/{id}/usage) in the numbers its panel shows.
// Pure, so it is unit-tested without a browser.

export interface LeaseUsage {
  lease: string;
  gpus: number;
  records: number;
  gpu_seconds: number;
  reserved_gpu_seconds: number;
  metered_until: string | null;
  by_day: { day: string; gpu_seconds: number }[];
  by_node: { node: string; gpu_seconds: number }[];
  by_series: { series: string; gpu_seconds: number }[];
}

export interface UsageSummary {
  usedGpuHours: number;
  reservedGpuHours: number;
  // Used over reserved so far; null when nothing was reserved yet.
  share: number | null;
}

export function usageSummary(u: LeaseUsage): UsageSummary {
  return {
    usedGpuHours: u.gpu_seconds / 3600,
    reservedGpuHours: u.reserved_gpu_seconds / 3600,
    share: u.reserved_gpu_seconds > 0 ? u.gpu_seconds / u.reserved_gpu_seconds : null,
  };
}

// GPU-hours per day, rounded to 0.1, for the chart.
export function dailyGpuHours(u: LeaseUsage): [string, number][] {
  return u.by_day.map((d) => [d.day, Math.round(d.gpu_seconds / 360) / 10]);
}
