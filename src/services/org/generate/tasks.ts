/**
 * KLE tasks on units (`opgaver`): each department draws from a pool of its own, so its units share
 * subjects the way a real department's do; staff units without a department draw from all of them.
 * Now and then a task was added during the window.
 */
import type { Generation, Unit } from './context.ts';
import { TASK_ROLES } from './model.ts';

/** How many tasks a unit of each role has, [min, max]; sub-units have none of their own. */
function taskRange(u: Unit): readonly [number, number] {
  return u.role === 'department'
    ? [6, 14]
    : u.role === 'area'
      ? [3, 8]
      : u.role === 'institution'
        ? [1, 5]
        : u.role === 'staff'
          ? [1, 3]
          : [0, 0];
}

/** Puts tasks from `kleClasses` on the units; returns how many relation values that made. */
export function assignTasks(g: Generation, units: readonly Unit[], departments: number, kleClasses: readonly string[]): number {
  const { r } = g;
  const kle = kleClasses.map((k) => k.toLowerCase());
  if (!kle.length) return 0;
  const pools = Array.from({ length: departments }, (_, d) => {
    const size = Math.min(kle.length, Math.max(5, Math.round(kle.length * 0.08)));
    const offset = Math.floor((kle.length / departments) * d);
    return Array.from({ length: size }, (_, i) => kle[(offset + i * 7) % kle.length]!);
  });
  let count = 0;
  for (const u of units) {
    const [lo, hi] = taskRange(u);
    if (hi === 0) continue;
    const pool = u.dept >= 0 ? pools[u.dept]! : kle;
    const chosen = new Set<string>();
    const n = r.int(lo, hi);
    for (let i = 0; i < n * 3 && chosen.size < n; i++) chosen.add(r.pick(pool));
    for (const uuid of chosen) u.tasks.push({ uuid, role: r.chance(0.8) ? TASK_ROLES.ansvarlig : TASK_ROLES.udfoerende, from: u.start });
    if (r.chance(0.1)) {
      const extra = r.pick(pool);
      const lo2 = g.earliest(u);
      const hi2 = Math.min(u.closed, g.until - 30);
      if (!chosen.has(extra) && lo2 < hi2) u.tasks.push({ uuid: extra, role: TASK_ROLES.udfoerende, from: g.windowDay(lo2, hi2) });
    }
    count += u.tasks.length;
  }
  return count;
}
