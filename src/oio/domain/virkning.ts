import type { Virkning } from '../model.ts';

/** Whether [a.from, a.to) and [b.from, b.to) share an instant. */
export function overlaps(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
  return a.from < b.to && b.from < a.to;
}

/** Whether instant t lies in [v.from, v.to). */
export function contains(v: { from: number; to: number }, t: number): boolean {
  return v.from <= t && t < v.to;
}

/** The parts of `v` outside [cut.from, cut.to), each keeping v's actor and note. */
export function outside(v: Virkning, cut: { from: number; to: number }): Virkning[] {
  if (!overlaps(v, cut)) return [v];
  const parts: Virkning[] = [];
  if (v.from < cut.from) parts.push({ ...v, to: cut.from });
  if (cut.to < v.to) parts.push({ ...v, from: cut.to });
  return parts;
}

/** The sub-intervals of `span` not covered by any of `covers` (which may overlap each other). */
export function uncovered(
  span: { from: number; to: number },
  covers: readonly { from: number; to: number }[],
): { from: number; to: number }[] {
  const sorted = covers.filter((c) => overlaps(c, span)).sort((a, b) => a.from - b.from);
  const gaps: { from: number; to: number }[] = [];
  let cursor = span.from;
  for (const c of sorted) {
    if (c.from > cursor) gaps.push({ from: cursor, to: Math.min(c.from, span.to) });
    cursor = Math.max(cursor, c.to);
    if (cursor >= span.to) break;
  }
  if (cursor < span.to) gaps.push({ from: cursor, to: span.to });
  return gaps;
}

/** The first pair of values (by index) whose virkning overlaps, if any. */
export function firstOverlap<T extends { virkning: Virkning }>(values: readonly T[]): [T, T] | undefined {
  const sorted = [...values].sort((a, b) => a.virkning.from - b.virkning.from);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.virkning.from < sorted[i - 1]!.virkning.to) return [sorted[i - 1]!, sorted[i]!];
  }
  return undefined;
}
