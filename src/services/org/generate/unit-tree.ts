/**
 * The unit tree, in creation order (depth first): the municipality at the root, its staff units,
 * departments (forvaltninger) with their staff and areas (områder), then institutions (schools,
 * care homes, day-care centres, libraries …) with their departments, teams and groups, until the
 * number of units asked for is reached.
 */
import type { Generation, Unit, UnitRole } from './context.ts';
import { FOUNDED, NEVER } from './days.ts';
import { KIND } from './random.ts';
import { DEPARTMENT_STAFF, DEPARTMENTS, INSTITUTION_KINDS, ROOT_STAFF, STAFF_TEAMS, DIRECTIONS, type SubSpec } from './vocabulary.ts';

/** The planned units, and the ones later steps look up by their place. */
export interface UnitTree {
  /** Every unit, in creation order (its index). */
  readonly units: Unit[];
  readonly root: Unit;
  readonly departments: readonly Unit[];
  /** The areas of each department, by the department's index. */
  readonly areas: readonly (readonly Unit[])[];
}

/** Builds the tree; see the module comment. */
export function buildUnitTree(g: Generation): UnitTree {
  const { r, unitTarget } = g;
  const units: Unit[] = [];
  const addUnit = (
    parent: Unit | undefined,
    role: UnitRole,
    navn: string,
    enhedstype: string,
    weight: number,
    dept: number,
    start: number,
  ): Unit | undefined => {
    if (units.length >= unitTarget) return undefined;
    const index = units.length;
    const u: Unit = {
      index,
      uuid: g.ids.make(KIND.unit, index),
      bvn: `${g.bvnPrefix}-${String(index + 1).padStart(5, '0')}`,
      level: parent ? parent.level + 1 : 1,
      role,
      enhedstype: `urn:oio:enhedstype:${enhedstype}`,
      dept,
      institution: role === 'sub' ? parent?.institution : undefined,
      navn,
      parent,
      children: [],
      weight,
      start,
      closed: NEVER,
      addresses: [],
      tasks: [],
    };
    if (role === 'institution') u.institution = u;
    parent?.children.push(u);
    units.push(u);
    return u;
  };

  // ---- The administration: staff, departments, their staff and areas ----
  const root = addUnit(undefined, 'root', g.org.navn, 'kommune', 3, -1, FOUNDED)!;
  const deptCount = Math.min(DEPARTMENTS.length, Math.max(3, Math.round(unitTarget / 40)));
  const areasPerDept = Math.min(8, Math.max(2, Math.round(Math.sqrt(unitTarget) / 12)));
  const staffPerDept = unitTarget < 100 ? 1 : unitTarget < 1000 ? 2 : 4;
  const rootStaff = unitTarget < 100 ? 1 : unitTarget < 1000 ? 2 : 3;
  const staffTeams = unitTarget >= 1000;

  for (let s = 0; s < rootStaff; s++) addUnit(root, 'staff', ROOT_STAFF[s]!, 'stab', 6, -1, FOUNDED);
  const departments: Unit[] = [];
  const areas: Unit[][] = [];
  for (let d = 0; d < deptCount; d++) {
    const spec = DEPARTMENTS[d]!;
    const dep = addUnit(root, 'department', spec.navn, 'forvaltning', 3, d, FOUNDED)!;
    departments.push(dep);
    for (let s = 0; s < staffPerDept; s++) {
      const staff = addUnit(dep, 'staff', `${DEPARTMENT_STAFF[s]!}, ${spec.kort}`, 'stab', staffTeams ? 3 : 8, d, FOUNDED)!;
      if (staffTeams) {
        for (let t = 0; t < 2; t++)
          addUnit(staff, 'sub', `${STAFF_TEAMS[(s * 2 + t) % STAFF_TEAMS.length]!}, ${spec.kort}`, 'team', 7, d, FOUNDED);
      }
    }
    const dirs = DIRECTIONS.slice(0, areasPerDept);
    areas.push(dirs.map((dir) => addUnit(dep, 'area', `${spec.omraade} ${dir}`, 'omraade', 3, d, FOUNDED)!));
  }

  // ---- Institutions, until the budget is spent: departments by share, areas evenly, kinds by weight ----
  const deptWeights = departments.map((_, d) => [d, DEPARTMENTS[d]!.share] as const);
  const addSubs = (parent: Unit, specs: readonly SubSpec[], dept: number): void => {
    for (const spec of specs) {
      if (spec.p !== undefined && !r.chance(spec.p)) continue;
      const names = typeof spec.navn === 'string' ? [spec.navn] : spec.navn.slice(0, r.int(spec.count?.[0] ?? 1, spec.count?.[1] ?? 1));
      for (const navn of names) {
        // A sub-unit opened during the window now and then (a new team); otherwise as old as its institution.
        const start = r.chance(0.04) ? Math.max(parent.start, r.int(g.windowStart, g.until - 200)) : parent.start;
        const sub = addUnit(parent, 'sub', navn, spec.children ? 'afdeling' : 'team', spec.weight, dept, start);
        if (!sub) return;
        if (spec.children) addSubs(sub, spec.children, dept);
      }
    }
  };
  while (units.length < unitTarget) {
    const d = r.weighted(deptWeights);
    const area = r.pick(areas[d]!);
    const kind = INSTITUTION_KINDS[r.weighted(DEPARTMENTS[d]!.kinds)]!;
    // Most institutions came with the reform; some opened later, a few during the window.
    const start = r.chance(0.06) ? r.int(g.windowStart, g.until - 365) : r.chance(0.7) ? FOUNDED : r.int(FOUNDED, g.windowStart - 30);
    const navn = g.uniqueName(kind.key, () => kind.name(g.place(), r));
    const inst = addUnit(area, 'institution', navn, kind.key, kind.weight, d, start);
    if (!inst) break;
    addSubs(inst, kind.subs, d);
  }
  return { units, root, departments, areas };
}

/** The units by level (index 0: the root's level), each level in creation order. */
export function unitsByLevel(units: readonly Unit[]): Unit[][] {
  const byLevel: Unit[][] = [];
  for (const u of units) (byLevel[u.level - 1] ??= []).push(u);
  return byLevel;
}
