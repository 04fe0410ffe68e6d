import type { RawRows } from '../../../platform/store/raw-rows.ts';
import type { HierarchyType } from '../domain/membership.ts';
import { COL } from './hierarchy-scan.ts';

/** A person returned, for the audit log: its UUID and the CPR number holding at the instant. */
export interface PersonRead {
  readonly uuid: string;
  readonly cpr: string | undefined;
}

/** What one bounded scan found: its members, their persons, and the members as text or NDJSON bytes. */
export interface HierarchyChunk {
  readonly objekttype: HierarchyType;
  /** The UUID of each member, in order. */
  readonly uuids: string[];
  readonly persons: PersonRead[];
  /** Member i as one JSON object: `{"objekttype", "uuid", …registration}` with the values holding at the instant. */
  line(i: number): string;
  /** Every member as NDJSON: one object per line, each line ending in a newline. */
  ndjson(): Buffer;
}

/** A virkning bound as stored (`formatInstant`'s output) in ms. */
function instant(raw: unknown): number {
  if (raw === 'infinity') return Infinity;
  if (raw === '-infinity') return -Infinity;
  return typeof raw === 'string' ? Date.parse(raw) : NaN;
}

/**
 * The stored registration (LoRa's shape, as `contentToWire` wrote it) with only the values whose
 * virkning holds at `t`; a group, and a part, with no value left is left out, as a read does.
 * Filtering the stored JSON directly saves parsing and rebuilding every value.
 */
function holdingAt(indhold: Record<string, Record<string, unknown[]>>, t: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of ['attributter', 'tilstande', 'relationer'] as const) {
    const groups = indhold[part];
    if (!groups) continue;
    const kept: Record<string, unknown[]> = {};
    for (const [name, values] of Object.entries(groups)) {
      const holding = values.filter((v) => {
        const virkning = (v as { virkning?: { from?: unknown; to?: unknown } }).virkning;
        return instant(virkning?.from) <= t && t < instant(virkning?.to);
      });
      if (holding.length) kept[name] = holding;
    }
    if (Object.keys(kept).length) out[part] = kept;
  }
  return out;
}

/** A partial member's line: its head, then only the values holding at the instant. */
function partialLine(head: string, indhold: string, virkningstid: number): string {
  const parts = JSON.stringify(holdingAt(JSON.parse(indhold) as Record<string, Record<string, unknown[]>>, virkningstid));
  // `parts` is a JSON object: its members follow the head's.
  return parts === '{}' ? `${head}}` : `${head},${parts.slice(1)}`;
}

/** The members of one scan (its rows whose kind is set). */
export function chunkOf(type: HierarchyType, rows: RawRows, virkningstid: number): HierarchyChunk | undefined {
  const members: number[] = [];
  for (let i = 0; i < rows.count; i++) if (!rows.isNull(i, COL.Kind)) members.push(i);
  if (!members.length) return undefined;
  const partial = (i: number) => rows.bytes(i, COL.Kind)![0] === 0x70; // 'p'
  const line = (i: number) =>
    partial(i) ? partialLine(rows.text(i, COL.Line)!, rows.text(i, COL.Indhold)!, virkningstid) : rows.text(i, COL.Line)!;
  return {
    objekttype: type,
    uuids: members.map((i) => rows.text(i, COL.Uuid)!),
    persons: type === 'person' ? members.map((i) => ({ uuid: rows.text(i, COL.Uuid)!, cpr: rows.text(i, COL.Cpr) })) : [],
    line: (k) => line(members[k]!),
    ndjson() {
      // Whole members' bytes are copied as the database sent them; only partial ones become text.
      const partials = new Map<number, Buffer>();
      let size = 0;
      for (const i of members) {
        if (partial(i)) {
          const b = Buffer.from(line(i), 'utf8');
          partials.set(i, b);
          size += b.length + 1;
        } else size += rows.byteLength(i, COL.Line) + 1;
      }
      const out = Buffer.allocUnsafe(size);
      let at = 0;
      for (const i of members) {
        const b = partials.get(i);
        at += b ? b.copy(out, at) : rows.copy(i, COL.Line, out, at);
        out[at++] = 0x0a;
      }
      return out;
    },
  };
}
