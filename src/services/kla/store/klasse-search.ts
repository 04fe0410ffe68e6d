import type { Queryable } from '../../../platform/store/store.ts';
import { foldText } from '../../../oio/domain/fold.ts';
import { formatInstant } from '../../../oio/domain/time.ts';
import type { KleScope } from '../domain/access-rules.ts';
import { kleCondition } from './klasse-scope.ts';
import { currentAt } from '../../../oio/store/read-surface.ts';

export interface KlasseSearch {
  /** Words that must each occur (folded, as a substring) in the title, description, keywords or number. */
  readonly tekst?: string | undefined;
  /** A number prefix: `27.35` finds 27.35 and 27.35.04. */
  readonly nummer?: string | undefined;
  readonly facet?: string | undefined;
  readonly overordnet?: string | undefined;
  readonly publiceret?: 'Publiceret' | 'IkkePubliceret' | undefined;
  /** Effective instant, ms. */
  readonly virkningstid: number;
  /** Registration time, as the database prints it. */
  readonly registreringstid: string;
  readonly limit: number;
  /** The caller's KLE restriction: only classes whose number at the instant lies inside it. */
  readonly within?: KleScope | undefined;
}

export interface KlasseHit {
  uuid: string;
  brugervendtnoegle: string;
  titel: string;
  score: number;
}

/** How much a word found in each field counts: a title hit ranks above a keyword above a description. */
const FIELD_WEIGHT: Record<string, number> = {
  titel: 8,
  brugervendtnoegle: 6,
  soegeordidentifikator: 4,
  beskrivelse: 2,
  eksempel: 1,
  omfang: 1,
};

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Finds classes current at (virkningstid, registreringstid) matching every given condition, ranked
 * by where the words occur (every word must occur somewhere), then by number.
 */
export async function searchKlasser(db: Queryable, q: KlasseSearch): Promise<KlasseHit[]> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const at = p(formatInstant(q.virkningstid));
  const reg = p(q.registreringstid);
  const conds: string[] = [
    `r.objekttype = 'klasse'`,
    currentAt('r', `${reg}::timestamptz`),
    `r.livscykluskode NOT IN ('Passiveret', 'Slettet')`,
  ];
  const has = (alias: string, cond: string) =>
    `EXISTS (SELECT 1 FROM oio_soegeindeks ${alias} WHERE ${alias}.registrering_id = r.id AND ${alias}.virkning @> ${at}::timestamptz AND ${cond})`;
  // The class must exist at the instant: its number holds then (and orders the result). A KLE
  // restriction limits that number here, so the limit and the ranking count only classes the
  // caller may see.
  const numberJoin = `JOIN oio_soegeindeks n ON n.registrering_id = r.id AND n.kind = 'a' AND n.felt = 'brugervendtnoegle'
    AND n.virkning @> ${at}::timestamptz${q.nummer !== undefined ? ` AND n.tekst LIKE ${p(`${likeEscape(q.nummer)}%`)}` : ''}${
      q.within ? ` AND ${kleCondition('n.tekst', p(q.within.exact), p(q.within.prefixes))}` : ''
    }`;
  if (q.facet !== undefined) conds.push(has('f', `f.kind = 'r' AND f.felt = 'facet' AND f.maal_uuid = ${p(q.facet)}::uuid`));
  if (q.overordnet !== undefined) {
    conds.push(has('o', `o.kind = 'r' AND o.felt = 'overordnetklasse' AND o.maal_uuid = ${p(q.overordnet)}::uuid`));
  }
  if (q.publiceret !== undefined) conds.push(has('s', `s.kind = 't' AND s.felt = 'publiceret' AND s.tekst = ${p(q.publiceret)}`));

  const words = [
    ...new Set(
      foldText(q.tekst ?? '')
        .split(/[^\p{L}\p{N}.]+/u)
        .filter(Boolean),
    ),
  ].slice(0, 8);
  const weight = `CASE h.felt ${Object.entries(FIELD_WEIGHT)
    .map(([f, n]) => `WHEN '${f}' THEN ${n}`)
    .join(' ')} ELSE 0 END`;
  const patterns = words.map((word) => p(`%${likeEscape(word)}%`));
  const perWord = patterns.map((pattern) => `max(CASE WHEN h.tekst_foldet LIKE ${pattern} THEN ${weight} ELSE 0 END)`);
  const fields = Object.keys(FIELD_WEIGHT)
    .map((f) => `'${f}'`)
    .join(', ');

  // Words: start from the index rows whose folded text holds any word (the trigram index finds
  // them), keep the classes that pass the other conditions, score them per word and field.
  const sql = words.length
    ? `WITH h AS (
         SELECT w.registrering_id, w.felt, w.tekst_foldet FROM oio_soegeindeks w
         WHERE w.kind = 'a' AND w.felt IN (${fields}) AND w.virkning @> ${at}::timestamptz
           AND (${patterns.map((pattern) => `w.tekst_foldet LIKE ${pattern}`).join(' OR ')})
       ),
       c AS (
         SELECT r.id, r.objekt_uuid, n.tekst AS bvn FROM oio_registrering r ${numberJoin}
         WHERE r.id IN (SELECT registrering_id FROM h) AND ${conds.join(' AND ')}
       ),
       scored AS (
         SELECT c.id, c.objekt_uuid, c.bvn, ${perWord.map((e, i) => `${e} AS w${i}`).join(', ')}
         FROM c JOIN h ON h.registrering_id = c.id
         GROUP BY c.id, c.objekt_uuid, c.bvn
       ),
       best AS (
         SELECT id, objekt_uuid, bvn, ${words.map((_, i) => `w${i}`).join(' + ')} AS score FROM scored
         WHERE ${words.map((_, i) => `w${i} > 0`).join(' AND ')}
         ORDER BY score DESC, bvn LIMIT ${p(q.limit)}
       )
       SELECT best.objekt_uuid::text AS uuid, r.indhold, best.score FROM best JOIN oio_registrering r ON r.id = best.id
       ORDER BY best.score DESC, best.bvn`
    : `SELECT r.objekt_uuid::text AS uuid, r.indhold, 0 AS score FROM oio_registrering r ${numberJoin} WHERE ${conds.join(' AND ')}
       ORDER BY n.tekst LIMIT ${p(q.limit)}`;
  const { rows } = await db.query<{ uuid: string; indhold: { attributter?: Record<string, Record<string, unknown>[]> }; score: number }>(
    sql,
    params,
  );
  const t = q.virkningstid;
  const hits = rows.map((row) => {
    const egenskaber = (row.indhold.attributter?.klasseegenskaber ?? []).find((v) => {
      const vk = v.virkning as { from: string; to: string };
      return holds(vk.from, vk.to, t);
    });
    return {
      uuid: row.uuid,
      brugervendtnoegle: String(egenskaber?.brugervendtnoegle ?? ''),
      titel: String(egenskaber?.titel ?? ''),
      score: Number(row.score),
    };
  });
  return hits.sort((a, b) => b.score - a.score || a.brugervendtnoegle.localeCompare(b.brugervendtnoegle));
}

function holds(from: string, to: string, t: number): boolean {
  const f = from === '-infinity' ? -Infinity : Date.parse(from);
  const u = to === 'infinity' ? Infinity : Date.parse(to);
  return f <= t && t < u;
}
