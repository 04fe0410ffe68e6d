/**
 * The unit tree's history inside the window: some institutions and sub-units close, some move
 * (institutions to another area of their department, sub-units to a peer of their parent), some
 * are renamed. A small municipality still shows each kind at least once. Changes that a closure
 * made impossible are dropped. The steps run in this order and draw from the random stream in it.
 */
import type { Generation, Unit } from './context.ts';
import { NEVER } from './days.ts';
import type { UnitTree } from './unit-tree.ts';
import { DEPARTMENTS, DIRECTIONS, INSTITUTION_KINDS } from './vocabulary.ts';

/** Plans closures, moves and renames on the tree's units; see the module comment. */
export function planHistory(g: Generation, tree: UnitTree, byLevel: readonly (readonly Unit[])[]): void {
  closeSome(g, tree.units);
  moveSome(g, tree);
  endWithParents(byLevel);
  renameSome(g, tree.units);
  showEveryKind(g, tree);
  dropImpossibleChanges(byLevel);
}

/** Own closures: institutions and their sub-units only. */
function closeSome(g: Generation, units: readonly Unit[]): void {
  for (const u of units) {
    if ((u.role === 'institution' && g.r.chance(0.04)) || (u.role === 'sub' && g.r.chance(0.03))) {
      const lo = g.earliest(u);
      if (lo < g.until - 30) u.closed = g.windowDay(lo, g.until - 30);
    }
  }
}

/**
 * Moves: institutions to another area of their department; sub-units to a peer of their parent in
 * the same institution. Peers sit at the parent's level, so no move makes a cycle.
 */
function moveSome(g: Generation, tree: UnitTree): void {
  for (const u of tree.units) {
    if (u.role !== 'institution' && u.role !== 'sub') continue;
    if (!g.r.chance(u.role === 'institution' ? 0.05 : 0.02)) continue;
    const parent = u.parent!;
    const lo = g.earliest(u);
    const hi = Math.min(u.closed, parent.closed, g.until - 30);
    if (lo >= hi) continue;
    const at = g.windowDay(lo, hi);
    const peers =
      u.role === 'institution'
        ? tree.areas[u.dept]!.filter((a) => a !== parent)
        : (parent.institution === parent ? [] : (parent.parent?.children ?? [])).filter(
            (p) => p !== parent && p.closed === NEVER && p.start <= at && p.role === 'sub' && p.children.length > 0,
          );
    const candidates = peers.filter((p) => p.closed === NEVER && p.start <= at);
    if (!candidates.length) continue;
    u.move = { at, parent: g.r.pick(candidates) };
  }
}

/** A unit ends no later than its parent does (the parent it has at the end). */
function endWithParents(byLevel: readonly (readonly Unit[])[]): void {
  for (const level of byLevel) {
    for (const u of level ?? []) {
      const last = u.move?.parent ?? u.parent;
      if (last && last.closed < u.closed) u.closed = last.closed;
      // Moved away from a parent that closed before the move: it closed with that parent instead.
      if (u.move && u.parent!.closed < u.move.at) {
        delete u.move;
        u.closed = Math.min(u.closed, u.parent!.closed);
      }
      if (u.move && u.move.at >= u.closed) delete u.move;
    }
  }
}

/** A new name for an institution, of its own kind, not used before. */
function institutionName(g: Generation, u: Unit): string {
  const kind = INSTITUTION_KINDS[u.enhedstype.slice('urn:oio:enhedstype:'.length)]!;
  return g.uniqueName(kind.key, () => kind.name(g.place(), g.r));
}

/** Renames: a department or two, some areas and institutions, a few sub-units. */
function renameSome(g: Generation, units: readonly Unit[]): void {
  const { r } = g;
  for (const u of units) {
    const p = u.role === 'department' ? 0.3 : u.role === 'area' ? 0.1 : u.role === 'institution' ? 0.06 : u.role === 'sub' ? 0.01 : 0;
    if (!r.chance(p)) continue;
    const lo = g.earliest(u);
    const hi = Math.min(u.closed, g.until - 30);
    if (lo >= hi) continue;
    const at = g.windowDay(lo, hi);
    let navn: string;
    if (u.role === 'department') navn = DEPARTMENTS[u.dept]!.nytNavn;
    else if (u.role === 'area') navn = `${DEPARTMENTS[u.dept]!.omraade} ${r.pick(DIRECTIONS)} og ${r.pick(DIRECTIONS)}`;
    else if (u.role === 'institution') navn = institutionName(g, u);
    else navn = `${u.navn} (${r.pick(['nyt team', 'samlet', 'udvidet'])})`;
    if (navn !== u.navn) u.rename = { at, navn };
  }
}

/** Small municipalities still show each kind of history at least once, on an old, unchanged institution. */
function showEveryKind(g: Generation, tree: UnitTree): void {
  const { units } = tree;
  const institutions = units.filter((u) => u.role === 'institution');
  const ensure = (has: (u: Unit) => boolean, apply: (u: Unit) => void) => {
    if (units.some(has)) return;
    const u = institutions.find((i) => i.closed === NEVER && !i.rename && !i.move && i.start < g.windowStart);
    if (u) apply(u);
  };
  ensure(
    (u) => !!u.rename,
    (u) => {
      u.rename = { at: g.windowDay(g.windowStart + 100, g.until - 100), navn: institutionName(g, u) };
    },
  );
  ensure(
    (u) => !!u.move,
    (u) => {
      const other = tree.areas[u.dept]!.find((a) => a !== u.parent);
      if (other) u.move = { at: g.windowDay(g.windowStart + 100, g.until - 100), parent: other };
    },
  );
  ensure(
    (u) => u.role === 'institution' && u.closed !== NEVER,
    (u) => {
      const at = g.windowDay(g.windowStart + 100, g.until - 30);
      const close = (x: Unit) => {
        x.closed = Math.min(x.closed, at);
        x.children.forEach(close);
      };
      close(u);
    },
  );
}

/**
 * A closure may now come before a change planned for a unit or its sub-units: that change never
 * happened. A sub-unit planned to open after its parent closed existed from its parent's start instead.
 */
function dropImpossibleChanges(byLevel: readonly (readonly Unit[])[]): void {
  for (const level of byLevel) {
    for (const u of level ?? []) {
      if (u.closed <= u.start) u.start = Math.min(u.parent?.start ?? u.start, u.closed - 1);
      if (u.rename && (u.rename.at >= u.closed || u.rename.at <= u.start)) delete u.rename;
      if (u.move && (u.move.at >= u.closed || u.move.at <= u.start)) delete u.move;
    }
  }
}
