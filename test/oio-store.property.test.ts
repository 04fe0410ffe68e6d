/**
 * Property test of the bitemporal OIO object store against a small, independent reference model.
 *
 * The model knows nothing of merge.ts: virkning bounds come from a fixed grid (−∞, 2010…2016, +∞),
 * so every value is constant on each of the 8 grid cells, and an object's content is simply "what
 * holds in each cell". A write is applied cell by cell; reads at (virkning T, registration R) are
 * compared with the store's answer, filtered to the values whose [from, to) contains T.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeValue, Content, Livscykluskode, RelationValue, StateValue } from '../src/oio/model.ts';
import { OioStore } from '../src/oio/store/oio-store.ts';
import { AppError } from '../src/platform/errors.ts';
import type { Store } from '../src/platform/store/store.ts';
import { organisation } from '../src/services/org/types/organisation.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';

const TYPE = organisation.name;
const ATTR = 'organisationegenskaber';
const STATE = 'organisationgyldighed';
const REL1 = 'overordnet'; // 0..1
const RELN = 'tilknyttedeenheder'; // 0..n
const FIELDS = ['brugervendtnoegle', 'organisationsnavn'] as const;

const year = (y: number, m = 0) => Date.UTC(y, m, 1);
/** Bound indices 0..8: −∞, 2010 … 2016, +∞. Cell c is [BOUNDS[c], BOUNDS[c+1]). */
const BOUNDS = [-Infinity, 2010, 2011, 2012, 2013, 2014, 2015, 2016, Infinity].map((b) => (Number.isFinite(b) ? year(b) : b));
const CELLS = BOUNDS.length - 1;
/** The cell holding instant t (half-open cells). */
const cellOf = (t: number): number => BOUNDS.slice(1, -1).filter((b) => b <= t).length;
/** Virkning instants to read at: far outside, just before each grid point, on it, and between. */
const PROBES = [year(1990), ...[2010, 2011, 2012, 2013, 2014, 2015, 2016].flatMap((y) => [year(y) - 1, year(y), year(y, 6)]), year(2040)];

// ---------------------------------------------------------------------------------------------
// Generated operations (bounds as indices into BOUNDS, so counterexamples read easily)

type Span = readonly [number, number];
type Fields = Partial<Record<(typeof FIELDS)[number], string>>;
interface AttrSpec {
  readonly span: Span;
  readonly fields: Fields;
}
interface StateSpec {
  readonly span: Span;
  readonly value: string;
}
interface RelSpec {
  readonly span: Span;
  readonly urn: string;
}
/** A group that is undefined is omitted; an empty list clears it. */
interface ContentSpec {
  readonly attr: readonly AttrSpec[] | undefined;
  readonly state: readonly StateSpec[] | undefined;
  readonly rel1: readonly RelSpec[] | undefined;
  readonly reln: readonly RelSpec[] | undefined;
}
type Op =
  | { readonly kind: 'opret' | 'importer' | 'ret'; readonly obj: number; readonly content: ContentSpec }
  | { readonly kind: 'passiver' | 'slet'; readonly obj: number };

const idx = fc.integer({ min: 0, max: CELLS });
/** A valid span: from before to. */
const spanArb: fc.Arbitrary<Span> = fc.uniqueArray(idx, { minLength: 2, maxLength: 2 }).map(([a, b]) => (a! < b! ? [a!, b!] : [b!, a!]));
/** Any pair of bounds: may be empty or reversed (an invalid virkning). */
const rawSpanArb: fc.Arbitrary<Span> = fc.tuple(idx, idx);
/** 1–3 pairwise disjoint spans, possibly adjacent (sharing a bound) or with gaps. */
const disjointSpansArb: fc.Arbitrary<Span[]> = fc
  .uniqueArray(idx, { minLength: 2, maxLength: 4 })
  .map((pts) => [...pts].sort((a, b) => a - b))
  .chain((pts) =>
    fc.subarray(
      pts.slice(1).map((p, i): Span => [pts[i]!, p]),
      { minLength: 1 },
    ),
  );

const fieldsArb: fc.Arbitrary<Fields> = fc
  .record({ brugervendtnoegle: fc.constantFrom('a', 'b', 'c'), organisationsnavn: fc.constantFrom('a', 'b', 'c') }, { requiredKeys: [] })
  .filter((f) => Object.keys(f).length > 0);
const gyldighedArb = fc.constantFrom('Aktiv', 'Inaktiv');
const urn1Arb = fc.constantFrom('urn:x:1', 'urn:x:2', 'urn:x:3');
const urnNArb = fc.constantFrom('urn:e:1', 'urn:e:2', 'urn:e:3');

function valuesOn<T>(spans: fc.Arbitrary<Span[]>, value: fc.Arbitrary<T>): fc.Arbitrary<(T & { span: Span })[]> {
  return spans.chain((ss) => fc.tuple(...ss.map((span) => value.map((v) => ({ ...v, span })))));
}

/** One group of an update: omitted, cleared, valid values, or (rarely) values that may be invalid. */
function groupArb<T>(
  value: fc.Arbitrary<T>,
  opts: { omitted: number; rawValue?: fc.Arbitrary<T>; disjoint?: boolean },
): fc.Arbitrary<(T & { span: Span })[] | undefined> {
  const valid = opts.disjoint === false ? fc.array(spanArb, { minLength: 1, maxLength: 3 }) : disjointSpansArb;
  return fc.oneof(
    { weight: 4 * opts.omitted, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constant<(T & { span: Span })[]>([]) },
    { weight: 24, arbitrary: valuesOn(valid, value) },
    { weight: 1, arbitrary: valuesOn(fc.array(rawSpanArb, { minLength: 1, maxLength: 2 }), opts.rawValue ?? value) },
  );
}

function contentSpecArb(omitted: number): fc.Arbitrary<ContentSpec> {
  return fc.record({
    attr: groupArb(
      fieldsArb.map((fields) => ({ fields })),
      { omitted },
    ),
    state: groupArb(
      gyldighedArb.map((value) => ({ value })),
      {
        omitted,
        rawValue: fc.constantFrom('Aktiv', 'Inaktiv', 'Ukendt').map((value) => ({ value })),
      },
    ),
    rel1: groupArb(
      urn1Arb.map((urn) => ({ urn })),
      { omitted },
    ),
    reln: groupArb(
      urnNArb.map((urn) => ({ urn })),
      { omitted, disjoint: false },
    ),
  });
}

const objArb = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('opret' as const), obj: objArb, content: contentSpecArb(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('importer' as const), obj: objArb, content: contentSpecArb(2) }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('ret' as const), obj: objArb, content: contentSpecArb(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('passiver' as const), obj: objArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slet' as const), obj: objArb }) },
);
/** 3–8 operations on 1–2 objects; the first creates object 0. */
const scenarioArb = fc.record({
  objects: fc.integer({ min: 1, max: 2 }),
  ops: fc
    .tuple(
      fc.record({ kind: fc.constantFrom('opret' as const, 'importer' as const), obj: fc.constant(0), content: contentSpecArb(1) }),
      fc.array(opArb, { minLength: 2, maxLength: 7 }),
    )
    .map(([first, rest]): Op[] => [first, ...rest]),
});

/** The store's input for a spec. */
function toContent(spec: ContentSpec): Content {
  const v = (s: Span) => ({ from: BOUNDS[s[0]]!, to: BOUNDS[s[1]]! });
  const attributter: Record<string, AttributeValue[]> = {};
  const tilstande: Record<string, StateValue[]> = {};
  const relationer: Record<string, RelationValue[]> = {};
  if (spec.attr) attributter[ATTR] = spec.attr.map((a) => ({ virkning: v(a.span), fields: { ...a.fields } as Record<string, string> }));
  if (spec.state) tilstande[STATE] = spec.state.map((s) => ({ virkning: v(s.span), value: s.value }));
  if (spec.rel1) relationer[REL1] = spec.rel1.map((r) => ({ virkning: v(r.span), urn: r.urn }));
  if (spec.reln) relationer[RELN] = spec.reln.map((r) => ({ virkning: v(r.span), urn: r.urn }));
  return { attributter, tilstande, relationer };
}

// ---------------------------------------------------------------------------------------------
// The reference model

/** What holds in each grid cell; the 0..n relation is kept as given (it is replaced in full). */
interface ModelContent {
  readonly attr: readonly (Readonly<Record<string, string>> | undefined)[];
  readonly state: readonly (string | undefined)[];
  readonly rel1: readonly (string | undefined)[];
  readonly reln: readonly RelSpec[];
}
interface ModelObject {
  readonly code: Livscykluskode;
  readonly content: ModelContent;
  /** The registration time the store gave this registration. */
  readonly fra: string;
}

const emptyModel = (): ModelContent => ({
  attr: Array(CELLS).fill(undefined),
  state: Array(CELLS).fill(undefined),
  rel1: Array(CELLS).fill(undefined),
  reln: [],
});

const covers = (s: Span, cell: number) => s[0] <= cell && cell < s[1];

/** Applies an update with the LoRa rules, cell by cell. */
function applyUpdate(cur: ModelContent, spec: ContentSpec): ModelContent {
  let { attr, state, rel1, reln } = cur;
  if (spec.attr) {
    const incoming = spec.attr;
    attr =
      incoming.length === 0
        ? Array(CELLS).fill(undefined)
        : attr.map((old, c) => {
            const inc = incoming.find((a) => covers(a.span, c));
            return inc ? { ...(old ?? {}), ...inc.fields } : old;
          });
  }
  const replace = <T>(old: readonly (T | undefined)[], incoming: readonly { span: Span }[] | undefined, pick: (v: { span: Span }) => T) =>
    incoming === undefined
      ? old
      : incoming.length === 0
        ? Array<T | undefined>(CELLS).fill(undefined)
        : old.map((o, c) => {
            const inc = incoming.find((v) => covers(v.span, c));
            return inc ? pick(inc) : o;
          });
  state = replace(state, spec.state, (v) => (v as StateSpec).value);
  rel1 = replace(rel1, spec.rel1, (v) => (v as RelSpec).urn);
  if (spec.reln) reln = [...spec.reln];
  return { attr, state, rel1, reln };
}

/** The validation errors a spec deserves (the store must throw one of them, and only then). */
function validationErrors(spec: ContentSpec): Set<string> {
  const errors = new Set<string>();
  const check = (values: readonly { span: Span }[] | undefined, single: boolean) => {
    const valid: Span[] = [];
    for (const { span } of values ?? []) {
      if (BOUNDS[span[0]]! < BOUNDS[span[1]]!) valid.push(span);
      else errors.add('INVALID_VIRKNING_INTERVAL');
    }
    if (!single) return;
    for (let i = 0; i < valid.length; i++) {
      for (let j = i + 1; j < valid.length; j++) {
        if (valid[i]![0] < valid[j]![1] && valid[j]![0] < valid[i]![1]) errors.add('OVERLAPPING_VIRKNING');
      }
    }
  };
  check(spec.attr, true);
  check(spec.state, true);
  check(spec.rel1, true);
  check(spec.reln, false);
  if (spec.state?.some((s) => s.value !== 'Aktiv' && s.value !== 'Inaktiv')) errors.add('INVALID_STATE_VALUE');
  return errors;
}

const isEmpty = (spec: ContentSpec) => [spec.attr, spec.state, spec.rel1, spec.reln].every((g) => !g || g.length === 0);

const ACTIVE: readonly Livscykluskode[] = ['Opstaaet', 'Importeret', 'Rettet'];

type Prediction = { errors: Set<string> } | { code: Livscykluskode; content: ModelContent };

/** What the model says an operation does to an object (undefined: it does not exist). */
function predict(cur: ModelObject | undefined, op: Op): Prediction {
  const fail = (...codes: string[]) => ({ errors: new Set(codes) });
  if (op.kind === 'opret' || op.kind === 'importer' || op.kind === 'ret') {
    const invalid = validationErrors(op.content);
    if (invalid.size > 0) return { errors: invalid };
  }
  switch (op.kind) {
    case 'opret':
      if (isEmpty(op.content)) return fail('EMPTY_REGISTRATION');
      if (cur) return fail('OBJECT_TYPE_MISMATCH');
      return { code: 'Opstaaet', content: applyUpdate(emptyModel(), op.content) };
    case 'importer':
      if (isEmpty(op.content)) return fail('EMPTY_REGISTRATION');
      return { code: cur && ACTIVE.includes(cur.code) ? 'Rettet' : 'Importeret', content: applyUpdate(emptyModel(), op.content) };
    case 'ret':
      if (!cur) return fail('OBJECT_NOT_FOUND');
      if (cur.code === 'Slettet') return fail('OBJECT_DELETED');
      if (cur.code === 'Passiveret') return fail('OBJECT_PASSIVATED');
      return { code: 'Rettet', content: applyUpdate(cur.content, op.content) };
    case 'passiver':
      if (!cur) return fail('OBJECT_NOT_FOUND');
      if (cur.code === 'Slettet') return fail('OBJECT_DELETED');
      if (cur.code === 'Passiveret') return fail('ILLEGAL_LIFECYCLE_TRANSITION');
      return { code: 'Passiveret', content: cur.content };
    case 'slet':
      if (!cur) return fail('OBJECT_NOT_FOUND');
      if (cur.code === 'Slettet') return fail('OBJECT_DELETED');
      return { code: 'Slettet', content: cur.content };
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing at an instant

interface AtInstant {
  attr: string[];
  state: string[];
  rel1: string[];
  reln: string[];
}

const canonical = (fields: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))));

function modelAt(content: ModelContent, t: number): AtInstant {
  const c = cellOf(t);
  const one = <T>(v: T | undefined) => (v === undefined ? [] : [v]);
  return {
    attr: one(content.attr[c]).map(canonical),
    state: one(content.state[c]),
    rel1: one(content.rel1[c]),
    reln: content.reln
      .filter((r) => covers(r.span, c))
      .map((r) => r.urn)
      .sort(),
  };
}

function storeAt(content: Content, t: number): AtInstant {
  const holds = (v: { virkning: { from: number; to: number } }) => v.virkning.from <= t && t < v.virkning.to;
  return {
    attr: (content.attributter[ATTR] ?? [])
      .filter(holds)
      .map((v) => canonical(v.fields))
      .sort(),
    state: (content.tilstande[STATE] ?? [])
      .filter(holds)
      .map((v) => v.value)
      .sort(),
    rel1: (content.relationer[REL1] ?? [])
      .filter(holds)
      .map((v) => v.urn ?? `uuid:${v.uuid}`)
      .sort(),
    reln: (content.relationer[RELN] ?? [])
      .filter(holds)
      .map((v) => v.urn ?? `uuid:${v.uuid}`)
      .sort(),
  };
}

const probeName = (t: number) => new Date(t).toISOString();
const allProbes = (f: (t: number) => AtInstant) => Object.fromEntries(PROBES.map((t) => [probeName(t), f(t)]));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// One scenario: apply to both, then read back at every (T, R)

async function runScenario(oio: OioStore, scenario: { objects: number; ops: Op[] }): Promise<void> {
  const uuids = Array.from({ length: scenario.objects }, () => randomUUID());
  const models: (ModelObject | undefined)[] = uuids.map(() => undefined);
  // The database's time now, once its clock has moved past it: a write that follows is registered
  // later (PGlite's clock may give the same millisecond twice).
  const instantBeforeNextWrite = async () => {
    const at = await oio.now();
    while ((await oio.now()) === at) await new Promise((r) => setTimeout(r, 1));
    return at;
  };
  /** Registration times to read at, each with what the model says holds then. */
  const checkpoints: { at: string; after: string; objects: (ModelObject | undefined)[] }[] = [
    { at: await instantBeforeNextWrite(), after: 'before any write', objects: [...models] },
  ];

  for (const [n, op] of scenario.ops.entries()) {
    const i = op.obj % scenario.objects;
    const uuid = uuids[i]!;
    const label = `op ${n} ${JSON.stringify(op)}`;
    const predicted = predict(models[i], op);
    const run =
      op.kind === 'opret'
        ? oio.opret(TYPE, toContent(op.content), {}, uuid)
        : op.kind === 'importer'
          ? oio.importer(TYPE, uuid, toContent(op.content))
          : op.kind === 'ret'
            ? oio.ret(TYPE, uuid, toContent(op.content))
            : op.kind === 'passiver'
              ? oio.passiver(TYPE, uuid)
              : oio.slet(TYPE, uuid);
    const code = await codeOf(run);
    if ('errors' in predicted) {
      expect(code, `${label}: the model expects one of ${[...predicted.errors].join(', ')}`).toBeDefined();
      expect([...predicted.errors], `${label}: the store threw ${code}`).toContain(code);
      checkpoints.push({ at: await instantBeforeNextWrite(), after: `${label} (failed)`, objects: [...models] });
      continue;
    }
    expect(code, `${label}: the model expects success`).toBeUndefined();
    const [obj] = await oio.list(TYPE, [uuid], {});
    expect(obj?.registreringer, label).toHaveLength(1);
    const reg = obj!.registreringer[0]!;
    expect(reg.livscykluskode, label).toBe(predicted.code);
    models[i] = { code: predicted.code, content: predicted.content, fra: reg.fra };
    checkpoints.push({ at: reg.fra, after: label, objects: [...models] });
  }

  const check = async (uuid: string, expected: ModelObject | undefined, at: string | undefined, where: string) => {
    const sel = at === undefined ? {} : { at };
    const code = await codeOf(oio.laes(TYPE, uuid, sel));
    expect(code, `${where}: laes`).toBe(!expected ? 'OBJECT_NOT_FOUND' : expected.code === 'Slettet' ? 'OBJECT_DELETED' : undefined);
    const found = await oio.list(TYPE, [uuid], sel);
    if (!expected) {
      expect(found, where).toEqual([]);
      return;
    }
    expect(found[0]?.registreringer, where).toHaveLength(1);
    const reg = found[0]!.registreringer[0]!;
    expect({ fra: reg.fra, livscykluskode: reg.livscykluskode }, where).toEqual({ fra: expected.fra, livscykluskode: expected.code });
    expect(
      allProbes((t) => storeAt(reg.content, t)),
      where,
    ).toEqual(allProbes((t) => modelAt(expected.content, t)));
  };

  for (const cp of checkpoints) {
    for (const [i, uuid] of uuids.entries()) {
      await check(uuid, cp.objects[i], cp.at, `object ${i} at registration time ${cp.at} (after ${cp.after})`);
    }
  }
  for (const [i, uuid] of uuids.entries()) await check(uuid, models[i], undefined, `object ${i} now`);
}

// ---------------------------------------------------------------------------------------------

const V = (from: number, to: number) => ({ from, to });

for (const backend of allBackends) {
  describeWith(backend)(`OioStore against a reference model (${backend.name})`, () => {
    let store: Store;
    let oio: OioStore;

    beforeAll(async () => {
      store = await backend.open();
      oio = new OioStore(store, [organisation]);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('agrees with the model on random write sequences, at every (virkning, registration) time', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, (scenario) => runScenario(oio, scenario)),
        { numRuns: Number(process.env.OIO_PROPERTY_RUNS ?? 40) },
      );
    });

    const sortedValues = <T extends { virkning: { from: number; to: number } }>(values: readonly T[] | undefined) =>
      [...(values ?? [])].sort((a, b) => a.virkning.from - b.virkning.from);

    it('replaces a state in a middle period, leaving three values', async () => {
      const uuid = await oio.opret(TYPE, {
        attributter: {},
        tilstande: { [STATE]: [{ value: 'Aktiv', virkning: V(year(2010), Infinity) }] },
        relationer: {},
      });
      await oio.ret(TYPE, uuid, {
        attributter: {},
        tilstande: { [STATE]: [{ value: 'Inaktiv', virkning: V(year(2012), year(2014)) }] },
        relationer: {},
      });
      const reg = (await oio.laes(TYPE, uuid)).registreringer[0]!;
      expect(reg.livscykluskode).toBe('Rettet');
      expect(sortedValues(reg.content.tilstande[STATE]).map((v) => [v.value, v.virkning.from, v.virkning.to])).toEqual([
        ['Aktiv', year(2010), year(2012)],
        ['Inaktiv', year(2012), year(2014)],
        ['Aktiv', year(2014), Infinity],
      ]);
    });

    it('replaces a 0..1 relation in a middle period and a 0..n relation in full; omitted groups stay, empty lists clear', async () => {
      const uuid = await oio.opret(TYPE, {
        attributter: { [ATTR]: [{ fields: { brugervendtnoegle: 'x' }, virkning: V(-Infinity, Infinity) }] },
        tilstande: { [STATE]: [{ value: 'Aktiv', virkning: V(-Infinity, Infinity) }] },
        relationer: {
          [REL1]: [{ urn: 'urn:x:1', virkning: V(-Infinity, Infinity) }],
          [RELN]: [
            { urn: 'urn:e:1', virkning: V(year(2010), year(2012)) },
            { urn: 'urn:e:2', virkning: V(year(2011), Infinity) },
          ],
        },
      });
      await oio.ret(TYPE, uuid, {
        attributter: {},
        tilstande: { [STATE]: [] },
        relationer: {
          [REL1]: [{ urn: 'urn:x:2', virkning: V(year(2012), year(2014)) }],
          [RELN]: [{ urn: 'urn:e:3', virkning: V(year(2013), year(2015)) }],
        },
      });
      const content = (await oio.laes(TYPE, uuid)).registreringer[0]!.content;
      expect(sortedValues(content.relationer[REL1]).map((v) => [v.urn, v.virkning.from, v.virkning.to])).toEqual([
        ['urn:x:1', -Infinity, year(2012)],
        ['urn:x:2', year(2012), year(2014)],
        ['urn:x:1', year(2014), Infinity],
      ]);
      expect(sortedValues(content.relationer[RELN]).map((v) => [v.urn, v.virkning.from, v.virkning.to])).toEqual([
        ['urn:e:3', year(2013), year(2015)],
      ]);
      expect(content.tilstande[STATE] ?? []).toEqual([]);
      expect(content.attributter[ATTR]?.map((v) => v.fields)).toEqual([{ brugervendtnoegle: 'x' }]);
    });

    it('merges an attribute update of one field in a middle period, keeping the other fields', async () => {
      const uuid = await oio.opret(TYPE, {
        attributter: { [ATTR]: [{ fields: { brugervendtnoegle: 'a', organisationsnavn: 'A' }, virkning: V(year(2010), Infinity) }] },
        tilstande: {},
        relationer: {},
      });
      await oio.ret(TYPE, uuid, {
        attributter: { [ATTR]: [{ fields: { organisationsnavn: 'B' }, virkning: V(year(2012), year(2014)) }] },
        tilstande: {},
        relationer: {},
      });
      // Where no value held before (2008–2010), the incoming fields stand alone.
      await oio.ret(TYPE, uuid, {
        attributter: { [ATTR]: [{ fields: { organisationsnavn: 'C' }, virkning: V(year(2008), year(2011)) }] },
        tilstande: {},
        relationer: {},
      });
      const content = (await oio.laes(TYPE, uuid)).registreringer[0]!.content;
      expect(sortedValues(content.attributter[ATTR]).map((v) => [v.fields, v.virkning.from, v.virkning.to])).toEqual([
        [{ organisationsnavn: 'C' }, year(2008), year(2010)],
        [{ brugervendtnoegle: 'a', organisationsnavn: 'C' }, year(2010), year(2011)],
        [{ brugervendtnoegle: 'a', organisationsnavn: 'A' }, year(2011), year(2012)],
        [{ brugervendtnoegle: 'a', organisationsnavn: 'B' }, year(2012), year(2014)],
        [{ brugervendtnoegle: 'a', organisationsnavn: 'A' }, year(2014), Infinity],
      ]);
    });
  });
}
