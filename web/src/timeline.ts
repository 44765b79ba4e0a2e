// Step functions from the calendar route: each node's "use" is a list of
// change points {at, used}; a site's use is their sum. Pure, unit-tested.

export interface Step {
  at: number; // ms since the epoch
  used: number;
}

export function toSteps(use: { at: string; used: number }[]): Step[] {
  return use.map((p) => ({ at: Date.parse(p.at), used: p.used })).sort((a, b) => a.at - b.at);
}

// The sum of several step functions, one change point per distinct instant.
export function sumSteps(series: Step[][]): Step[] {
  const deltas = new Map<number, number>();
  for (const steps of series) {
    let previous = 0;
    for (const step of steps) {
      deltas.set(step.at, (deltas.get(step.at) ?? 0) + step.used - previous);
      previous = step.used;
    }
  }
  let level = 0;
  return [...deltas.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, delta]) => {
      level += delta;
      return { at, used: level };
    });
}

// The value of a step function at instant `t` (0 before its first change point).
export function valueAt(steps: Step[], t: number): number {
  let value = 0;
  for (const step of steps) {
    if (step.at > t) break;
    value = step.used;
  }
  return value;
}
