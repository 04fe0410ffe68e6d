import { Readable } from 'node:stream';
import { queryRaw, type Queryable } from '../../../platform/store/store.ts';
import { chunkOf, type HierarchyChunk, type PersonRead } from './hierarchy-lines.ts';
import { HIERARCHY_TYPES, type HierarchyType } from '../domain/membership.ts';
import {
  chooseFrom,
  COL,
  scanSql,
  WIDTH,
  type HierarchyFrom,
  type HierarchyKey,
  type HierarchyPin,
  type ScanRange,
} from './hierarchy-scan.ts';

/**
 * Everything of one organisation (fremsøg objekthierarki) as of (virkningstid, registreringstid),
 * read page by page from one pinned state: the registration time and the database snapshot are
 * taken once, and every page, however late, reads what that snapshot saw.
 *
 * Members, in (objekttype, uuid) order:
 * - the organisation itself;
 * - units, users, IT systems, interest groups, persons and addresses whose `tilhoerer` points to it
 *   at the effective instant, and functions whose `tilknyttedeorganisationer` does;
 * - addresses reached through `adresser`, and persons reached through `tilknyttedepersoner` or
 *   `ansatte`, of any member above (at the effective instant).
 * Passivated and deleted objects are left out, as in a search.
 */

/** One stretch of the keyset: a type, and a range of its UUIDs. */
interface Segment {
  readonly type: HierarchyType;
  readonly range: ScanRange;
}

/**
 * The keyset after a key cut into segments: each type, and each type into `parts` ranges of the
 * UUID space (by leading hex digits; UUIDs are spread evenly over it), which can be read at once
 * and handed out in order.
 */
function segments(after: HierarchyKey | undefined, parts: number): Segment[] {
  const start = after ? HIERARCHY_TYPES.indexOf(after.objekttype) : 0;
  const edge = (i: number) =>
    `${Math.floor((i * 0x10000) / parts)
      .toString(16)
      .padStart(4, '0')}0000-0000-0000-0000-000000000000`;
  const out: Segment[] = [];
  for (const type of HIERARCHY_TYPES.slice(start)) {
    for (let i = 0; i < parts; i++) {
      const below = i + 1 < parts ? edge(i + 1) : undefined;
      const first = type === after?.objekttype;
      // Ranges wholly before the key are read already.
      if (first && below !== undefined && after!.uuid >= below) continue;
      const lower = i > 0 ? edge(i) : undefined;
      const range = first && (lower === undefined || after!.uuid >= lower) ? { after: after!.uuid, below } : { from: lower, below };
      out.push({ type, range });
    }
  }
  return out;
}

/**
 * The most registrations one statement scans: where the organisation is sparse among its type (many
 * organisations in one database) the scan grows to this. It also bounds the members one chunk can
 * hold when a dense stretch follows a sparse one.
 */
const MAX_SCAN = 16_000;

/** Called with each chunk's persons before they are handed out: every read about a person is audited. */
export type PersonsRead = (persons: readonly PersonRead[]) => Promise<void>;

/**
 * The members of one segment, one bounded scan at a time (`size` registrations at first; then
 * sized for about `size` members, from `size` to MAX_SCAN registrations).
 */
async function* segmentChunks(
  db: Queryable,
  pin: HierarchyPin,
  segment: Segment,
  size: number,
  from: HierarchyFrom,
): AsyncGenerator<HierarchyChunk> {
  const { type } = segment;
  let range = segment.range;
  let scan = size;
  for (;;) {
    const { sql, params } = scanSql(type, pin, range, scan, from);
    const rows = await queryRaw(db, sql, params, WIDTH);
    const chunk = chunkOf(type, rows, pin.virkningstid);
    if (chunk) yield chunk;
    if (rows.count < scan) return;
    range = { after: rows.text(rows.count - 1, COL.Uuid)!, below: range.below };
    // Aim the next scan at about `chunk` members, from the share of members in this one.
    const found = chunk?.uuids.length ?? 0;
    scan = Math.max(size, Math.min(MAX_SCAN, found ? Math.round((scan * size) / found) : scan * 4));
  }
}

/** A chunk read, with the audit of its persons when that was begun as it was read. */
interface Read {
  readonly chunk: HierarchyChunk;
  readonly audited?: Promise<void> | undefined;
}

/**
 * The chunks as read; with `auditAhead`, each chunk's persons are audited as soon as it is read
 * (ahead of the consumer), so the audit's insert overlaps the reading and writing of other chunks.
 * The audit is waited for before the chunk is handed out all the same.
 */
async function* reads(chunks: AsyncGenerator<HierarchyChunk>, auditAhead: PersonsRead | undefined): AsyncGenerator<Read> {
  for await (const chunk of chunks) {
    if (!auditAhead || !chunk.persons.length) {
      yield { chunk };
      continue;
    }
    const audited = auditAhead(chunk.persons);
    // Awaited by the consumer; until then a failure must not count as unhandled.
    audited.catch(() => {});
    yield { chunk, audited };
  }
}

/** An async iterator kept `depth` results ahead of its consumer. */
class ReadAhead<T> {
  private readonly queue: Promise<IteratorResult<T>>[] = [];
  private ended = false;

  constructor(
    private readonly source: AsyncGenerator<T>,
    private readonly depth: number,
  ) {
    this.fill();
  }

  private fill(): void {
    while (!this.ended && this.queue.length < this.depth) {
      const next = this.source.next();
      next.then(
        (r) => void (r.done && (this.ended = true)),
        () => void (this.ended = true),
      );
      this.queue.push(next);
    }
  }

  async next(): Promise<IteratorResult<T>> {
    const result = await (this.queue.shift() ?? this.source.next());
    this.fill();
    return result;
  }

  /** Stops reading ahead; what is in flight is waited for and dropped. */
  async close(): Promise<void> {
    this.ended = true;
    await Promise.allSettled(this.queue.splice(0));
    await this.source.return(undefined);
  }
}

/** How a hierarchy is read: one range per type read in turn (pages), or several at once (the stream). */
export interface HierarchyReading {
  /** Ranges of the UUID space per type. */
  readonly parts: number;
  /** Segments read at once, each one scan ahead of the consumer. */
  readonly parallel: number;
  /** Members aimed at per statement (and so per chunk). */
  readonly chunk: number;
  /** Where the scans find registrations; chosen for the organisation when not given. */
  readonly from?: HierarchyFrom | undefined;
  /**
   * Members per statement through the index, when larger than `chunk`: each such statement looks at
   * all of the organisation's relations of its kind, so fewer, larger statements cost less.
   */
  readonly indexChunk?: number | undefined;
  /**
   * Whether a chunk's persons are audited when it is read rather than when it is handed out. A
   * stream that stops early has then audited persons read ahead but never sent (more, never less);
   * a page audits only the persons on it.
   */
  readonly auditAhead: boolean;
}

/** A page reads as little as it can beyond what it returns. */
const PAGED = { parts: 1, parallel: 1, auditAhead: false } as const;
/** The stream keeps two statements running while it writes (on two cores, one database core busy while Node writes). */
export const STREAMED: HierarchyReading = { parts: 16, parallel: 2, chunk: 4000, indexChunk: 16_000, auditAhead: true };

/**
 * Every member after `after`, in (objekttype, uuid) order, chunk by chunk, read as the consumer
 * pulls: segments are read `parallel` at a time and each a scan ahead, and handed out in order.
 * A consumer that stops pulling stops the reading; at most 2 × `parallel` chunks are held.
 */
export async function* hierarchyChunks(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  onPersons: PersonsRead | undefined,
  reading: HierarchyReading,
): AsyncGenerator<HierarchyChunk> {
  const from = reading.from ?? (await chooseFrom(db, pin.organisation));
  // Each statement through the index looks at all of the organisation's relations of its kind:
  // cutting the UUID space into ranges would only repeat that.
  const segs = segments(after, from === 'index' ? 1 : reading.parts);
  const size = from === 'index' ? Math.max(reading.chunk, reading.indexChunk ?? 0) : reading.chunk;
  const running = new Map<number, ReadAhead<Read>>();
  const depth = reading.parallel > 1 ? 2 : 1;
  try {
    for (let i = 0; i < segs.length; i++) {
      for (let k = i; k < Math.min(segs.length, i + reading.parallel); k++) {
        if (running.has(k)) continue;
        const chunks = segmentChunks(db, pin, segs[k]!, size, from);
        running.set(k, new ReadAhead(reads(chunks, reading.auditAhead ? onPersons : undefined), depth));
      }
      const current = running.get(i)!;
      for (;;) {
        const r = await current.next();
        if (r.done) break;
        const { chunk, audited } = r.value;
        if (audited) await audited;
        else if (chunk.persons.length && onPersons) await onPersons(chunk.persons);
        yield chunk;
      }
      running.delete(i);
    }
  } finally {
    await Promise.allSettled([...running.values()].map((r) => r.close()));
  }
}

/** One page of at most `limit` members after `after` (as JSON text), the last one's key, and whether more follow. */
export async function readHierarchyPage(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  limit: number,
  onPersons?: PersonsRead,
): Promise<{ lines: string[]; last: HierarchyKey | undefined; more: boolean }> {
  const lines: string[] = [];
  let last: HierarchyKey | undefined;
  let more = false;
  // Ending the loop early returns the generator: nothing more is read. Persons are audited as
  // read, so a chunk is cut to the page before its persons are handed over.
  const audited: PersonsRead | undefined = onPersons
    ? (persons) => onPersons(persons.slice(0, Math.max(0, limit - lines.length)))
    : undefined;
  for await (const c of hierarchyChunks(db, pin, after, audited, { ...PAGED, chunk: limit + 1 })) {
    const room = limit - lines.length;
    const taken = Math.min(room, c.uuids.length);
    for (let i = 0; i < taken; i++) lines.push(c.line(i));
    if (room > 0) last = { objekttype: c.objekttype, uuid: c.uuids[taken - 1]! };
    if (c.uuids.length > room) {
      more = true;
      break;
    }
  }
  return { lines, last, more };
}

/** The members as NDJSON (one object per line), read chunk by chunk as the consumer pulls. */
export function hierarchyNdjson(
  db: Queryable,
  pin: HierarchyPin,
  after: HierarchyKey | undefined,
  onPersons?: PersonsRead,
  reading: HierarchyReading = STREAMED,
): Readable {
  async function* bytes() {
    for await (const c of hierarchyChunks(db, pin, after, onPersons, reading)) yield c.ndjson();
  }
  return Readable.from(bytes(), { objectMode: false, highWaterMark: 64 * 1024 });
}
