import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/store/store.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { oioError } from '../errors.ts';
import { assertTransition, importTransition } from '../domain/lifecycle.ts';
import { hasValues, mergeContent } from '../domain/merge.ts';
import { validateContent } from '../domain/validate.ts';
import { contentFromStored, contentToWire } from '../domain/wire.ts';
import type { Content, Livscykluskode, ObjectTypeDecl, OioObject } from '../model.ts';
import { listObjects } from './read-sql.ts';
import { BULK_WRITE_SQL, commonVirkning, indexRows, responsibleOf, targetChecks, WRITE_SQL } from './write-sql.ts';

/** Who writes, and the registration's note. */
export interface WriteContext {
  readonly brugerref?: string | undefined;
  readonly note?: string | undefined;
  /** The caller's limits over what it may write (its municipality, its data restrictions). */
  readonly guard?: WriteGuard | undefined;
}

/**
 * A caller's limits over a write, asked inside the write's transaction with the registration about
 * to be written (after the merge), so what it checks cannot change before the write commits. It
 * throws the refusal. Passivating and deleting are asked too, with the stored content.
 */
export type WriteGuard = ((write: {
  readonly type: string;
  readonly uuid: string;
  readonly action: Action;
  readonly content: Content;
  /** The content of the registration this one replaces, when there is one. */
  readonly previous?: Content | undefined;
  readonly tx: Queryable;
}) => Promise<void>) & {
  /**
   * The same over a batch of new objects of one type, before they are written (the bulk path): the
   * first object refused, with its error.
   */
  readonly batch?: (write: {
    readonly type: string;
    readonly items: readonly BulkItem[];
    readonly tx: Queryable;
  }) => Promise<{ readonly uuid: string; readonly error: unknown } | undefined>;
};

export type Action = 'opret' | 'importer' | 'ret' | 'passiver' | 'slet';

/**
 * A register's own rule over a registration about to be written (e.g. "a unit belongs to exactly
 * one organisation", "no cycle in the unit tree"). It throws the register's error to refuse the
 * write; `tx` sees the transaction's state for rules that look at other objects.
 */
export type ContentRule = ((write: {
  readonly uuid: string;
  readonly action: Action;
  readonly content: Content;
  /** The content of the registration this one replaces, when there is one and it is not deleted. */
  readonly previous?: Content | undefined;
  readonly tx: Queryable;
}) => Promise<void> | void) & {
  /**
   * The same rule over a batch of new objects, asked once after the batch is written (so `tx`
   * sees the batch too) instead of once per object before it; the bulk path
   * ({@link OioWriter.importMany}) uses it where present. It returns the first object that breaks
   * the rule, with the error, and the bulk path aborts the transaction.
   */
  readonly batch?: (write: {
    readonly items: readonly BulkItem[];
    readonly tx: Queryable;
  }) => Promise<{ readonly uuid: string; readonly error: unknown } | undefined>;
};

/** One object of a bulk import. */
export interface BulkItem {
  readonly uuid: string;
  readonly content: Content;
}

/** Objects a bulk statement writes at most (its parameters stay a few MB). */
const BULK_CHUNK = 500;

/** Rules per object type name. */
export type ContentRules = Readonly<Record<string, readonly ContentRule[]>>;

type CurrentRow = {
  id: string;
  fra: string;
  livscykluskode: Livscykluskode;
  indhold: Record<string, unknown>;
  objekttype: string;
};

/** Writes inside one transaction; see {@link OioStore.inTransaction}. */
export class OioWriter {
  constructor(
    /** The transaction itself, for a register's own statements beside the object writes. */
    readonly tx: Queryable,
    private readonly decl: (type: string) => ObjectTypeDecl,
    private readonly rules: ContentRules = {},
  ) {}

  /** Reads current objects inside the transaction (sees its own writes). */
  list(type: string, uuids: readonly string[]): Promise<OioObject[]> {
    return listObjects(this.tx, this.decl(type), uuids, {});
  }

  /** Holds a named lock until the transaction ends: two imports of one thing take turns. */
  async lock(name: string): Promise<void> {
    await this.tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }

  /**
   * Imports many objects of one type: as {@link importer} does each, with the same checks and
   * rules, but new objects (most of a first import) are written a chunk at a time, a few
   * statements per chunk instead of a few per object; objects that exist already are imported one
   * by one. Rules with a batch form are asked once per chunk. A failure names its object through
   * `about`, which maps (error, item) to what is thrown; nothing of the transaction is kept.
   */
  async importMany<T extends BulkItem>(
    type: string,
    items: readonly T[],
    opts: {
      readonly ctx?: WriteContext;
      /** Maps a failure about one item to what is thrown (e.g. naming the item). */
      readonly about?: (err: unknown, item: T) => unknown;
      /** Told how many items each written chunk held. */
      readonly onWritten?: (count: number) => void;
    } = {},
  ): Promise<void> {
    const { ctx = {}, about = (err: unknown) => err } = opts;
    const decl = this.decl(type);
    for (const item of items) {
      try {
        checkWhole(decl, item.content);
      } catch (err) {
        throw about(err, item);
      }
    }
    // Written in UUID order: the table then holds a bulk-imported type in the order of its
    // (objekttype, objekt_uuid) index, so reads that walk a type in UUID order (the organisation
    // hierarchy, paged lists) read each table page once instead of once per row.
    const ordered = [...items].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    for (let i = 0; i < ordered.length; i += BULK_CHUNK) {
      const chunk = ordered.slice(i, i + BULK_CHUNK);
      await this.importChunk(decl, chunk, ctx, about);
      opts.onWritten?.(chunk.length);
    }
  }

  private async importChunk<T extends BulkItem>(
    decl: ObjectTypeDecl,
    chunk: readonly T[],
    ctx: WriteContext,
    about: (err: unknown, item: T) => unknown,
  ): Promise<void> {
    const named = (uuid: string) => chunk.find((o) => o.uuid.toLowerCase() === uuid.toLowerCase())!;
    // Claim the UUIDs: the ones another object holds already are imported one by one.
    const { rows } = await this.tx.query<{ uuid: string }>(
      `INSERT INTO oio_objekt (uuid, objekttype) SELECT u, $2 FROM unnest($1::uuid[]) AS u
       ON CONFLICT (uuid) DO NOTHING RETURNING uuid::text AS uuid`,
      [chunk.map((o) => o.uuid), decl.name],
    );
    const claimed = new Set(rows.map((r) => r.uuid));
    const fresh = chunk.filter((o) => claimed.has(o.uuid.toLowerCase()));
    for (const item of chunk) {
      if (claimed.has(item.uuid.toLowerCase())) continue;
      try {
        await this.importer(decl.name, item.uuid, item.content, ctx);
      } catch (err) {
        throw about(err, item);
      }
    }
    if (fresh.length === 0) return;
    const rules = this.rules[decl.name] ?? [];
    for (const rule of rules) {
      if (rule.batch) continue;
      for (const item of fresh) {
        try {
          await rule({ uuid: item.uuid, action: 'importer', content: item.content, tx: this.tx });
        } catch (err) {
          throw about(err, item);
        }
      }
    }
    // After the register's rules (a malformed object is refused as such), before anything is written.
    if (ctx.guard?.batch) {
      const refused = await ctx.guard.batch({ type: decl.name, items: fresh, tx: this.tx });
      if (refused) throw about(refused.error, named(refused.uuid));
    } else if (ctx.guard) {
      for (const item of fresh) {
        try {
          await ctx.guard({ type: decl.name, uuid: item.uuid, action: 'importer', content: item.content, tx: this.tx });
        } catch (err) {
          throw about(err, item);
        }
      }
    }
    const bad = await this.writeBulk(decl, fresh, ctx);
    if (bad) {
      const message = `${bad.rel} cannot point to ${bad.uuid}, which is a ${bad.objekttype} (allowed: ${bad.allowed.join(', ')})`;
      throw about(oioError('RELATION_TARGET_TYPE_NOT_ALLOWED', message, { field: bad.rel }), named(bad.self));
    }
    for (const rule of rules) {
      const broken = rule.batch ? await rule.batch({ items: fresh, tx: this.tx }) : undefined;
      if (broken) throw about(broken.error, named(broken.uuid));
    }
  }

  /** Writes new objects (their UUIDs claimed) in one statement; the first relation target of a type not allowed, if any. */
  private async writeBulk(
    decl: ObjectTypeDecl,
    items: readonly BulkItem[],
    ctx: WriteContext,
  ): Promise<{ self: string; rel: string; uuid: string; objekttype: string; allowed: string[] } | undefined> {
    const objects = items.map((o, ord) => ({
      ord,
      uuid: o.uuid,
      indhold: contentToWire(decl, o.content),
      responsible: responsibleOf(decl, o.uuid, o.content) ?? null,
      ...(({ from, to }) => ({ ffra: from, ftil: to }))(commonVirkning(o.content)),
    }));
    const index = items.flatMap((o) => indexRows(decl, o.content).map((r) => ({ ...r, self: o.uuid })));
    const checks = items.flatMap((o) => targetChecks(decl, o.content).map((c) => ({ ...c, self: o.uuid })));
    const { rows } = await this.tx.query<{
      bad: { self: string; rel: string; uuid: string; objekttype: string; allowed: string[] }[] | null;
    }>(BULK_WRITE_SQL, [
      decl.name,
      'Importeret',
      ctx.brugerref ?? null,
      ctx.note ?? null,
      JSON.stringify(objects),
      JSON.stringify(index),
      `${decl.service}.${decl.name}`,
      'importer',
      JSON.stringify({ livscykluskode: 'Importeret' }),
      JSON.stringify(checks),
    ]);
    return rows[0]?.bad?.[0];
  }

  /** Creates an object (Opstaaet). Returns its UUID. */
  async opret(type: string, content: Content, ctx: WriteContext = {}, uuid: string = randomUUID()): Promise<string> {
    const decl = this.decl(type);
    checkWhole(decl, content);
    await this.write(decl, uuid, 'opret', ctx, () => ({ livscykluskode: 'Opstaaet', content }));
    return uuid;
  }

  /** Creates an object with the given UUID, or overwrites it in full (Importeret, or Rettet when active). */
  async importer(type: string, uuid: string, content: Content, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    checkWhole(decl, content);
    await this.write(decl, uuid, 'importer', ctx, (current) => {
      const next = importTransition(current?.livscykluskode);
      if (current) assertTransition(current.livscykluskode, next);
      return { livscykluskode: next, content };
    });
  }

  /** Updates with LoRa's merge semantics (Rettet). */
  async ret(type: string, uuid: string, update: Content, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    validateContent(decl, update, { partial: true });
    await this.write(decl, uuid, 'ret', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Rettet');
      const merged = mergeContent(decl, current!.content, update);
      validateContent(decl, merged);
      return { livscykluskode: 'Rettet', content: merged };
    });
  }

  async passiver(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    await this.write(decl, uuid, 'passiver', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Passiveret');
      return { livscykluskode: 'Passiveret', content: current!.content };
    });
  }

  async slet(type: string, uuid: string, ctx: WriteContext = {}): Promise<void> {
    const decl = this.decl(type);
    await this.write(decl, uuid, 'slet', ctx, (current) => {
      assertTransition(current!.livscykluskode, 'Slettet');
      return { livscykluskode: 'Slettet', content: current!.content };
    });
  }

  /**
   * Locks and reads the object's current registration in one statement. Writers to one object
   * all lock this row, so they take turns. A writer that waited for another finds the row it
   * waited for closed (no longer current) and reads again: the new current registration.
   */
  private async lockCurrent(uuid: string): Promise<CurrentRow | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { rows } = await this.tx.query<CurrentRow>(
        `SELECT id, to_json(fra)#>>'{}' AS fra, livscykluskode, indhold, objekttype FROM oio_registrering
         WHERE objekt_uuid = $1::uuid AND til = 'infinity' FOR UPDATE`,
        [uuid],
      );
      if (rows[0]) return rows[0];
      const exists = await this.tx.query('SELECT 1 FROM oio_objekt WHERE uuid = $1::uuid', [uuid]);
      if (exists.rows.length === 0) return undefined;
    }
    throw new AppError(PlatformErrors.WRITE_CONFLICT);
  }

  private async write(
    decl: ObjectTypeDecl,
    uuid: string,
    action: Action,
    ctx: WriteContext,
    next: (current: { livscykluskode: Livscykluskode; content: Content } | undefined) => {
      livscykluskode: Livscykluskode;
      content: Content;
    },
  ): Promise<void> {
    const creating = action === 'opret' || action === 'importer';
    // A create claims the UUID first; when another writer has it (even uncommitted), the insert
    // waits for that writer and then does nothing, and the object's registration is locked below.
    const inserted = creating
      ? (
          await this.tx.query('INSERT INTO oio_objekt (uuid, objekttype) VALUES ($1::uuid, $2) ON CONFLICT (uuid) DO NOTHING', [
            uuid,
            decl.name,
          ])
        ).rowCount === 1
      : false;
    let current: CurrentRow | undefined;
    if (!inserted) {
      current = await this.lockCurrent(uuid);
      if (!current) throw oioError('OBJECT_NOT_FOUND');
      if (current.objekttype !== decl.name) {
        throw creating ? oioError('OBJECT_TYPE_MISMATCH') : oioError('OBJECT_NOT_FOUND');
      }
      if (action === 'opret') throw oioError('OBJECT_TYPE_MISMATCH', 'An object with this UUID exists already');
    }
    const currentContent = current
      ? { livscykluskode: current.livscykluskode, content: contentFromStored(decl, current.indhold) }
      : undefined;
    const result = next(currentContent);
    if (result.livscykluskode !== 'Slettet' && result.livscykluskode !== 'Passiveret') {
      for (const rule of this.rules[decl.name] ?? []) {
        await rule({
          uuid,
          action,
          content: result.content,
          previous: currentContent?.livscykluskode === 'Slettet' ? undefined : currentContent?.content,
          tx: this.tx,
        });
      }
    }
    // After the register's rules (a malformed write is refused as such), before anything is written.
    await ctx.guard?.({ type: decl.name, uuid, action, content: result.content, previous: currentContent?.content, tx: this.tx });
    await runWrite(this.tx, decl, uuid, action, ctx, result, current);
  }
}

/**
 * Creates an object in one statement of its own, outside any transaction: for a type with no
 * rules, whose create needs nothing but the write itself (one round trip instead of four). The
 * statement claims the UUID and writes nothing when it is taken or a relation target has a type
 * it may not have.
 */
export async function createAlone(db: Queryable, decl: ObjectTypeDecl, uuid: string, content: Content, ctx: WriteContext): Promise<void> {
  checkWhole(decl, content);
  const claimed = await runWrite(db, decl, uuid, 'opret', ctx, { livscykluskode: 'Opstaaet', content }, undefined, true);
  if (!claimed) throw oioError('OBJECT_TYPE_MISMATCH', 'An object with this UUID exists already');
}

/** The checks of a whole registration to write (a create, an import): valid, and not empty. */
export function checkWhole(decl: ObjectTypeDecl, content: Content): void {
  validateContent(decl, content);
  if (!hasValues(content)) throw oioError('EMPTY_REGISTRATION');
}

/** Runs WRITE_SQL; throws RELATION_TARGET_TYPE_NOT_ALLOWED; tells whether it claimed the UUID (when asked to). */
async function runWrite(
  db: Queryable,
  decl: ObjectTypeDecl,
  uuid: string,
  action: Action,
  ctx: WriteContext,
  result: { livscykluskode: Livscykluskode; content: Content },
  current: CurrentRow | undefined,
  claim = false,
): Promise<boolean> {
  const { rows } = await db.query<{ claimed: number; bad: { rel: string; uuid: string; objekttype: string; allowed: string[] }[] | null }>(
    WRITE_SQL,
    [
      uuid,
      decl.name,
      current?.fra ?? null,
      current?.id ?? null,
      result.livscykluskode,
      ctx.brugerref ?? null,
      ctx.note ?? null,
      JSON.stringify(contentToWire(decl, result.content)),
      JSON.stringify(indexRows(decl, result.content)),
      `${decl.service}.${decl.name}`,
      action,
      responsibleOf(decl, uuid, result.content) ?? null,
      JSON.stringify({ livscykluskode: result.livscykluskode }),
      JSON.stringify(targetChecks(decl, result.content)),
      ...(({ from, to }) => [from, to])(commonVirkning(result.content)),
      claim,
    ],
  );
  const bad = rows[0]?.bad?.[0];
  if (bad) {
    throw oioError(
      'RELATION_TARGET_TYPE_NOT_ALLOWED',
      `${bad.rel} cannot point to ${bad.uuid}, which is a ${bad.objekttype} (allowed: ${bad.allowed.join(', ')})`,
      { field: bad.rel },
    );
  }
  return rows[0]?.claimed === 1;
}
