// Bulk generation of the OIO benchmark data set, straight into oio_objekt / oio_registrering /
// oio_soegeindeks with INSERT … SELECT (loading a million registrations through the API is far
// too slow). Every value is derived from md5(seed, i, k), so a seed gives the same data on every
// backend, and the benchmark can compute object UUIDs itself.
//
// Object i (type `organisation`) has 10 registrations k = 0..9, chained in registration time
// (til of k = fra of k+1, the last open). Registration k holds (in contentToWire form):
// - organisationegenskaber: brugervendtnoegle `bench-<i>`; the name is renamed in every
//   registration, effective from a day V_k: [V_0, V_k) the previous name, [V_k, ∞) the new one;
// - organisationgyldighed: Aktiv; for a tenth of the objects Inaktiv from some day (k ≥ 5);
// - tilhoerer: one of the first 100 objects, or (a quarter) a CVR URN;
// - overordnet: object ⌊i/10⌋ (so object p has ~10 children); a fifth are moved to ⌊i/10⌋+1
//   from some day (k ≥ 3), giving two values;
// - tilknyttedeenheder: 0..3 random organisationenhed UUIDs (0..n), changing per registration.
// Index rows are derived from the stored indhold by SQL, one per attribute field, state and
// relation value, exactly as OioStore writes them; checkShapes() proves it by writing sample
// objects through OioStore and comparing the rows.
import { createHash, randomUUID } from 'node:crypto';
import type { Store } from '../src/platform/store/store.ts';
import type { OioStore } from '../src/oio/store/oio-store.ts';
import { contentFromWire } from '../src/oio/domain/wire.ts';

export const TYPE = 'organisation';
export const REGISTRATIONS_PER_OBJECT = 10;
export const BRUGERREF = '00000000-0000-4000-8000-00000000be4c';
const TABLES = ['oio_objekt', 'oio_registrering', 'oio_soegeindeks'];
/** Registration k's fra is r0 + k·300 days + up to 200 days; r0 lies in 2016. */
export const ALL_EXIST_FROM = Date.parse('2017-01-01T00:00:00Z');

/** The UUID of object i: md5(`<seed>:o:<i>`) as a UUID, the same as the SQL computes. */
export function objectUuid(seed: number, i: number): string {
  const h = createHash('md5').update(`${seed}:o:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const bits = (hashExpr: string, at: number) => `('x' || substr(${hashExpr}, ${at}, 7))::bit(28)::int`;
/** A day (integer offset from 2015-01-01) as formatInstant prints it. */
const day = (offset: string) => `(to_char(date '2015-01-01' + (${offset}), 'YYYY-MM-DD') || 'T00:00:00+00:00')`;
const virk = (from: string, to: string) => `jsonb_build_object('from', ${from}, 'to', ${to}, 'from_included', true, 'to_included', false)`;
const INF = `'infinity'`;
// Danish unit names (lower-case Danish letters only, so lower() in any locale agrees with JS).
const WORDS = [
  'Børn og unge',
  'Sundhed og ældre',
  'Teknik og miljø',
  'Kultur og fritid',
  'Center for økonomi',
  'Skoler og dagtilbud',
  'Borgerservice',
  'Pleje og omsorg',
  'Beskæftigelse',
  'Vej, park og å',
];
const name = (k: string) =>
  `(ARRAY[${WORDS.map((w) => `'${w}'`).join(', ')}])[1 + abs(hashtext(g.i || ':' || (${k}))) % ${WORDS.length}] || ' ' || g.i || ' (navn ' || (${k}) || ')'`;
/** foldText (src/oio/domain/fold.ts) for text whose only non-ASCII letters are æ, ø and å. */
const fold = (text: string) => `replace(replace(replace(lower(${text}), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa')`;

/** Registrations of objects [a, b), with explicit ids i·10 + k + 1. */
function registrationsSql(seed: number, n: number, a: number, b: number): string {
  const uuidOf = (i: string) => `md5('${seed}:o:' || (${i}))::uuid::text`;
  const attr = (nm: string, from: string, to: string) =>
    `jsonb_build_object('brugervendtnoegle', 'bench-' || g.i, 'organisationsnavn', ${nm}, 'virkning', ${virk(from, to)})`;
  const attributes = `CASE WHEN g.k = 0 THEN jsonb_build_array(${attr(name('0'), day('g.v0'), INF)})
    ELSE jsonb_build_array(${attr(name('g.k - 1'), day('g.v0'), day('g.vk'))}, ${attr(name('g.k'), day('g.vk'), INF)}) END`;
  const state = (value: string, from: string, to: string) => `jsonb_build_object('gyldighed', '${value}', 'virkning', ${virk(from, to)})`;
  const states = `CASE WHEN g.inactive AND g.k >= 5 THEN jsonb_build_array(${state('Aktiv', day('g.v0'), day('g.vi'))}, ${state('Inaktiv', day('g.vi'), INF)})
    ELSE jsonb_build_array(${state('Aktiv', day('g.v0'), INF)}) END`;
  const tilhoerer = `jsonb_build_array(CASE WHEN g.urn
    THEN jsonb_build_object('urn', 'urn:dk:cvr:nummer:' || (10000000 + g.o4 % 90000000), 'virkning', ${virk(day('g.v0'), INF)})
    ELSE jsonb_build_object('uuid', ${uuidOf(`g.i % ${Math.min(100, n)}`)}, 'virkning', ${virk(day('g.v0'), INF)}) END)`;
  const parent = (p: string, from: string, to: string) =>
    `jsonb_build_object('uuid', ${uuidOf(p)}, 'objekttype', 'organisation', 'virkning', ${virk(from, to)})`;
  const overordnet = `CASE WHEN g.moved AND g.k >= 3
    THEN jsonb_build_array(${parent('g.i / 10', day('g.v0'), day('g.vp'))}, ${parent(`(g.i / 10 + 1) % ${Math.ceil(n / 10)}`, day('g.vp'), INF)})
    ELSE jsonb_build_array(${parent('g.i / 10', day('g.v0'), INF)}) END`;
  const enheder = `(SELECT jsonb_agg(jsonb_build_object('uuid', md5('${seed}:e:' || g.i || ':' || g.k || ':' || j)::uuid::text,
      'objekttype', 'organisationenhed', 'virkning', ${virk(day('g.vk'), INF)}) ORDER BY j) FROM generate_series(1, g.units) j)`;
  const relations = `jsonb_build_object('tilhoerer', ${tilhoerer}, 'overordnet', ${overordnet})
    || CASE WHEN g.units > 0 THEN jsonb_build_object('tilknyttedeenheder', ${enheder}) ELSE '{}'::jsonb END`;
  return `
INSERT INTO oio_registrering (id, objekt_uuid, objekttype, fra, til, til_xid, livscykluskode, brugerref, note, indhold, faelles_virkning)
SELECT s.*,
  -- The span in which every value holds, as OioStore computes it when it writes.
  (SELECT range_intersect_agg(tstzrange((v.val->'virkning'->>'from')::timestamptz, (v.val->'virkning'->>'to')::timestamptz, '[)'))
   FROM jsonb_each(s.indhold) part, jsonb_each(part.value) grp, jsonb_array_elements(grp.value) AS v(val))
FROM (
SELECT g.id, g.uuid, '${TYPE}', g.fra, lead(g.fra, 1, 'infinity') OVER (PARTITION BY g.i ORDER BY g.k),
  CASE WHEN g.k < ${REGISTRATIONS_PER_OBJECT - 1} THEN pg_current_xact_id() END,
  CASE WHEN g.k = 0 THEN 'Opstaaet' ELSE 'Rettet' END, '${BRUGERREF}', NULL,
  jsonb_build_object('attributter', jsonb_build_object('organisationegenskaber', ${attributes}),
    'tilstande', jsonb_build_object('organisationgyldighed', ${states}), 'relationer', ${relations}) AS indhold
FROM (
  SELECT i, k, i::bigint * ${REGISTRATIONS_PER_OBJECT} + k + 1 AS id, md5('${seed}:o:' || i)::uuid AS uuid, o.o4,
    timestamptz '2016-01-01 00:00:00+00' + (o.o2 % 31536000) * interval '1 second' + (o.o3 % 1000000) * interval '1 microsecond'
      + k * interval '300 days'
      + CASE WHEN k > 0 THEN (r.k1 % 17280000) * interval '1 second' + (r.k2 % 1000000) * interval '1 microsecond' ELSE interval '0' END AS fra,
    o.o1 % 365 AS v0,
    o.o1 % 365 + k * 200 + CASE WHEN k > 0 THEN r.k3 % 150 ELSE 0 END AS vk,
    o.o1 % 365 + 400 + o.o3 % 300 AS vp,
    o.o1 % 365 + 800 + o.o2 % 300 AS vi,
    o.o4 % 4 = 0 AS urn, o.o4 / 4 % 5 = 0 AS moved, o.o4 / 20 % 10 = 0 AS inactive,
    r.k3 / 150 % 4 AS units
  FROM generate_series(${a}, ${b - 1}) AS i
  CROSS JOIN LATERAL (SELECT md5('${seed}:v:' || i) AS h) hv
  CROSS JOIN LATERAL (SELECT ${bits('hv.h', 1)} AS o1, ${bits('hv.h', 8)} AS o2, ${bits('hv.h', 15)} AS o3, ${bits('hv.h', 22)} AS o4) o
  CROSS JOIN generate_series(0, ${REGISTRATIONS_PER_OBJECT - 1}) AS k
  CROSS JOIN LATERAL (SELECT md5('${seed}:r:' || i || ':' || k) AS h) hr
  CROSS JOIN LATERAL (SELECT ${bits('hr.h', 1)} AS k1, ${bits('hr.h', 8)} AS k2, ${bits('hr.h', 15)} AS k3) r
) g
) s
ORDER BY s.id`;
}

/** Index rows of the registrations with ids in (from, to], derived from their indhold. */
function indexSql(from: number, to: number): string {
  return `
INSERT INTO oio_soegeindeks (registrering_id, kind, felt, tekst, tekst_foldet, maal_uuid, maal_type, notetekst, virkning)
SELECT r.id, x.kind::"char", x.felt, x.tekst, CASE WHEN x.kind = 'a' THEN ${fold('x.tekst')} END, x.maal_uuid, x.maal_type, x.v->>'notetekst',
  tstzrange((x.v->>'from')::timestamptz, (x.v->>'to')::timestamptz, '[)')
FROM oio_registrering r
CROSS JOIN LATERAL (
  SELECT 'a' AS kind, f.key AS felt, f.value #>> '{}' AS tekst, NULL::uuid AS maal_uuid, NULL::text AS maal_type, av.value->'virkning' AS v
  FROM jsonb_each(r.indhold->'attributter') grp, jsonb_array_elements(grp.value) av, jsonb_each(av.value) f WHERE f.key <> 'virkning'
  UNION ALL
  SELECT 't', f.key, f.value #>> '{}', NULL, NULL, sv.value->'virkning'
  FROM jsonb_each(r.indhold->'tilstande') st, jsonb_array_elements(st.value) sv, jsonb_each(sv.value) f WHERE f.key <> 'virkning'
  UNION ALL
  SELECT 'r', rel.key, rv.value->>'urn', (rv.value->>'uuid')::uuid, rv.value->>'objekttype', rv.value->'virkning'
  FROM jsonb_each(r.indhold->'relationer') rel, jsonb_array_elements(rel.value) rv
) x
WHERE r.id > ${from} AND r.id <= ${to}`;
}

export interface LoadReport {
  objects: number;
  registrations: number;
  indexRows: number;
  loadSeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
  shapes: string;
}

/**
 * Loads n objects into a freshly migrated store. The first objects are loaded with every index in
 * place and checked against OioStore (checkShapes); then the secondary indexes are dropped, the
 * rest is loaded (by `parallel` connections at once, in chunks), and the indexes are recreated
 * from their own definitions (the schema ends as the migrations made it). Then VACUUM ANALYZE,
 * so autovacuum does not wake up during the measurements.
 */
export async function loadDataset(
  store: Store,
  oio: OioStore,
  opts: { seed: number; objects: number; chunk: number; parallel: number; maintenanceWorkMem: string; log: (line: string) => void },
): Promise<LoadReport> {
  const { seed, objects: n } = opts;
  const t0 = performance.now();
  // Ids are assigned here; the sequence goes past them so OioStore's own writes never collide.
  await store.query(`SELECT setval(pg_get_serial_sequence('oio_registrering', 'id'), ${n * REGISTRATIONS_PER_OBJECT + 1})`);
  const { rows: indexes } = await store.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (${TABLES.map((t) => `'${t}'`).join(', ')})
       AND indexname NOT IN (SELECT conname FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace WHERE ns.nspname = current_schema())`,
  );
  const load = (a: number, b: number) =>
    store.transaction(async (tx) => {
      // Foreign keys hold by construction; skipping their per-row triggers saves much of the load time.
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await tx.query(
        `INSERT INTO oio_objekt (uuid, objekttype) SELECT md5('${seed}:o:' || i)::uuid, '${TYPE}' FROM generate_series(${a}, ${b - 1}) i`,
      );
      await tx.query(registrationsSql(seed, n, a, b));
      await tx.query(indexSql(a * REGISTRATIONS_PER_OBJECT, b * REGISTRATIONS_PER_OBJECT));
    });
  const first = Math.min(n, 1000);
  await load(0, first);
  const shapes = await checkShapes(store, oio);
  for (const ix of indexes) await store.query(`DROP INDEX ${ix.indexname}`);
  const chunks: [number, number][] = [];
  for (let a = first; a < n; a += opts.chunk) chunks.push([a, Math.min(n, a + opts.chunk)]);
  let loaded = first;
  let logged = 0;
  await inParallel(opts.parallel, chunks, async ([a, b]) => {
    await load(a, b);
    loaded += b - a;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed - logged >= 30 && loaded < n) {
      logged = elapsed;
      opts.log(`  loaded ${loaded}/${n} objects (${elapsed.toFixed(0)}s)`);
    }
  });
  const t1 = performance.now();
  // The GIN index is the slowest; start it first.
  const ordered = [...indexes].sort((x, y) => Number(/USING gin/i.test(y.indexdef)) - Number(/USING gin/i.test(x.indexdef)));
  await inParallel(opts.parallel, ordered, (ix) =>
    store.transaction(async (tx) => {
      await tx.query(`SET LOCAL maintenance_work_mem = '${opts.maintenanceWorkMem}'`);
      await tx.query(ix.indexdef);
    }),
  );
  const t2 = performance.now();
  await store.query(`VACUUM (ANALYZE) ${TABLES.join(', ')}`);
  const t3 = performance.now();
  const { rows } = await store.query<{ r: string; s: string }>(
    `SELECT (SELECT count(*) FROM oio_registrering)::text AS r, (SELECT count(*) FROM oio_soegeindeks)::text AS s`,
  );
  return {
    objects: n,
    registrations: Number(rows[0]!.r),
    indexRows: Number(rows[0]!.s),
    loadSeconds: (t1 - t0) / 1000,
    indexSeconds: (t2 - t1) / 1000,
    vacuumSeconds: (t3 - t2) / 1000,
    shapes,
  };
}

/** Runs fn over items with at most `width` at a time. */
async function inParallel<T>(width: number, items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
}

type RegRow = { id: string; fra: string; til: string; indhold: Record<string, unknown> };

/**
 * Writes generated objects of every shape again through OioStore (opret, then importer for each
 * later registration, with the same content) and compares the rows the store writes with the
 * generated ones: indhold, livscykluskode, brugerref, note, objekttype and the index rows. Also
 * checks that generated registrations chain in registration time. Removes the copies. Throws on
 * any difference.
 */
export async function checkShapes(store: Store, oio: OioStore): Promise<string> {
  const decl = oio.decl(TYPE);
  const { rows: bad } = await store.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM (SELECT til, lead(fra, 1, 'infinity') OVER (PARTITION BY objekt_uuid ORDER BY fra) AS next FROM oio_registrering) c
     WHERE til <> next`,
  );
  if (bad[0]!.n !== '0') throw new Error(`${bad[0]!.n} generated registrations do not chain in registration time`);
  const shapes = [
    `true`,
    `jsonb_array_length(indhold->'relationer'->'overordnet') = 2`,
    `jsonb_array_length(indhold->'tilstande'->'organisationgyldighed') = 2`,
    `indhold->'relationer'->'tilhoerer'->0 ? 'urn'`,
    `NOT indhold->'relationer' ? 'tilknyttedeenheder'`,
    `jsonb_array_length(indhold->'relationer'->'tilknyttedeenheder') = 3`,
  ];
  const samples = new Set<string>();
  for (const where of shapes) {
    const { rows } = await store.query<{ u: string }>(
      `SELECT objekt_uuid::text AS u FROM oio_registrering WHERE til = 'infinity' AND ${where} ORDER BY id LIMIT 1`,
    );
    if (!rows[0]) throw new Error(`no generated object has the shape ${where}`);
    samples.add(rows[0].u);
  }
  const copies: string[] = [];
  let compared = 0;
  try {
    for (const uuid of samples) {
      const { rows: regs } = await store.query<RegRow>(
        `SELECT id::text AS id, to_json(fra)#>>'{}' AS fra, to_json(til)#>>'{}' AS til, indhold FROM oio_registrering WHERE objekt_uuid = $1 ORDER BY fra`,
        [uuid],
      );
      const copy = randomUUID();
      copies.push(copy);
      for (const [k, reg] of regs.entries()) {
        const content = contentFromWire(decl, reg.indhold);
        if (k === 0) await oio.opret(TYPE, content, { brugerref: BRUGERREF }, copy);
        else await oio.importer(TYPE, copy, content, { brugerref: BRUGERREF });
      }
      // Whole rows are compared (so a column added later is compared too), except the columns
      // that differ by nature: id, uuid, the registration times and the transaction ids. Of those,
      // which are null must still agree.
      const { rows: diff } = await store.query<{
        k: string;
        row_ok: boolean;
        nulls_ok: boolean;
        index_ok: boolean;
        n_gen: string;
        n_copy: string;
      }>(
        `WITH gen AS (SELECT row_number() OVER (ORDER BY fra) AS k, r.id, to_jsonb(r) AS j FROM oio_registrering r WHERE objekt_uuid = $1),
              cop AS (SELECT row_number() OVER (ORDER BY fra) AS k, r.id, to_jsonb(r) AS j FROM oio_registrering r WHERE objekt_uuid = $2),
              ix AS (SELECT registrering_id, string_agg((to_jsonb(s) - 'registrering_id')::text, ' | ' ORDER BY (to_jsonb(s) - 'registrering_id')::text) AS rows
                     FROM oio_soegeindeks s WHERE registrering_id IN (SELECT id FROM gen UNION ALL SELECT id FROM cop) GROUP BY registrering_id)
         SELECT gen.k::text AS k,
           (gen.j - $3::text[]) = (cop.j - $3::text[]) AS row_ok,
           (SELECT jsonb_object_agg(key, jsonb_typeof(value)) FROM jsonb_each(gen.j)) = (SELECT jsonb_object_agg(key, jsonb_typeof(value)) FROM jsonb_each(cop.j)) AS nulls_ok,
           (SELECT rows FROM ix WHERE registrering_id = gen.id) IS NOT DISTINCT FROM (SELECT rows FROM ix WHERE registrering_id = cop.id) AS index_ok,
           (SELECT count(*) FROM gen)::text AS n_gen, (SELECT count(*) FROM cop)::text AS n_copy
         FROM gen FULL JOIN cop USING (k) ORDER BY 1`,
        [uuid, copy, ['id', 'objekt_uuid', 'fra', 'til', 'xid', 'til_xid']],
      );
      for (const d of diff) {
        if (d.n_gen !== d.n_copy || !d.row_ok || !d.nulls_ok || !d.index_ok) {
          throw new Error(
            `generated object ${uuid} registration ${d.k} differs from what OioStore writes (row ${d.row_ok}, nulls ${d.nulls_ok}, index rows ${d.index_ok})`,
          );
        }
      }
      compared += regs.length;
    }
  } finally {
    await store.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM oio_soegeindeks WHERE registrering_id IN (SELECT id FROM oio_registrering WHERE objekt_uuid = ANY($1::uuid[]))`,
        [copies],
      );
      await tx.query(`DELETE FROM oio_registrering WHERE objekt_uuid = ANY($1::uuid[])`, [copies]);
      await tx.query(`DELETE FROM oio_objekt WHERE uuid = ANY($1::uuid[])`, [copies]);
      await tx.query(`DELETE FROM outbox WHERE object_uuid = ANY($1::uuid[])`, [copies]);
    });
  }
  return `ok (${samples.size} objects, ${compared} registrations rewritten through OioStore: identical rows and index rows)`;
}
