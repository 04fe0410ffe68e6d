import type { Content, OioObject } from '../../../oio/model.ts';
import type { OioStore, Pin } from '../../../oio/store/oio-store.ts';
import { oioError } from '../../../oio/errors.ts';
import type { SearchCriterion } from '../../../oio/store/search-sql.ts';
import type { KleScope } from '../domain/access-rules.ts';

export interface KlasseNode {
  uuid: string;
  brugervendtnoegle: string;
  titel: string;
  publiceret?: string;
  /** Set when the parent is not in this response (it is on an earlier page). */
  overordnetklasse?: string;
  underklasser: KlasseNode[];
}

export interface FacetTree {
  uuid: string;
  brugervendtnoegle: string;
  titel: string;
  klasser: KlasseNode[];
  /** More classes of this facet follow: ask again with this as `efter` and the facet's UUID. */
  naeste?: string;
}

export interface Hierarchy {
  uuid: string;
  brugervendtnoegle: string;
  titel: string;
  registreringstid: string;
  facetter: FacetTree[];
}

const CHUNK = 1000;

/** The attribute and state values of an object's current registration that hold at instant t. */
function at(obj: OioObject, t: number) {
  const content: Content = obj.registreringer[obj.registreringer.length - 1]!.content;
  const holds = (v: { virkning: { from: number; to: number } }) => v.virkning.from <= t && t < v.virkning.to;
  const attrs = content.attributter[`${obj.objekttype}egenskaber`]?.find(holds)?.fields ?? {};
  const state = content.tilstande[`${obj.objekttype}publiceret`]?.find(holds)?.value;
  const rel = (name: string) => content.relationer[name]?.find(holds)?.uuid;
  return { attrs, state, rel };
}

async function listAll(oio: OioStore, type: string, uuids: string[], pin: Pin): Promise<OioObject[]> {
  const out: OioObject[] = [];
  for (let i = 0; i < uuids.length; i += CHUNK) {
    out.push(...(await oio.list(type, uuids.slice(i, i + CHUNK), { at: pin.registreringstid, snapshot: pin.snapshot })));
  }
  return out;
}

async function related(
  oio: OioStore,
  type: string,
  relation: string,
  target: string,
  t: number,
  pin: Pin,
  limits: readonly SearchCriterion[] = [],
): Promise<string[]> {
  const found: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await oio.soeg(type, {
      criteria: [{ kind: 'relation', name: relation, uuid: target }, ...limits],
      virkning: { at: t },
      registreringstid: pin.registreringstid,
      snapshot: pin.snapshot,
      limit: 10_000,
      after,
    });
    found.push(...page);
    if (page.length < 10_000) return found;
    after = page[page.length - 1];
  }
}

/**
 * A classification with its facets and each facet's class tree, as of (t, pin), all read from one
 * snapshot. `limit` caps the classes per facet; a facet with more says where to continue. With a
 * KLE restriction (`within`) the search for each facet's classes finds only those whose number at
 * t lies inside it, so the pages and `naeste` count only them; a class whose parent is outside
 * stands at the top and names the parent in `overordnetklasse`.
 */
export async function readHierarchy(
  oio: OioStore,
  uuid: string,
  t: number,
  pin: Pin,
  options: { facet?: string; efter?: string; limit: number; within?: KleScope | undefined },
): Promise<Hierarchy> {
  const [root] = await oio.list('klassifikation', [uuid], { at: pin.registreringstid, snapshot: pin.snapshot });
  if (!root) throw oioError('OBJECT_NOT_FOUND');
  const rootNow = at(root, t);
  let facetUuids = await related(oio, 'facet', 'facettilhoerer', uuid, t, pin);
  if (options.facet) facetUuids = facetUuids.filter((f) => f === options.facet);
  const facets = await listAll(oio, 'facet', facetUuids, pin);

  const limits: SearchCriterion[] = options.within
    ? [{ kind: 'attributeAny', field: 'brugervendtnoegle', patterns: options.within.lora }]
    : [];
  const trees: FacetTree[] = [];
  for (const facet of facets) {
    const facetNow = at(facet, t);
    const classes = (await listAll(oio, 'klasse', await related(oio, 'klasse', 'facet', facet.uuid, t, pin, limits), pin))
      .map((c) => ({ c, now: at(c, t) }))
      .filter((x) => x.now.attrs.brugervendtnoegle !== undefined)
      .sort((a, b) => a.now.attrs.brugervendtnoegle!.localeCompare(b.now.attrs.brugervendtnoegle!));
    const start = options.efter ? classes.findIndex((x) => x.now.attrs.brugervendtnoegle! > options.efter!) : 0;
    const page = start < 0 ? [] : classes.slice(start, start + options.limit);
    const nodes = new Map<string, KlasseNode>();
    for (const { c, now } of page) {
      nodes.set(c.uuid, {
        uuid: c.uuid,
        brugervendtnoegle: now.attrs.brugervendtnoegle!,
        titel: now.attrs.titel ?? '',
        ...(now.state ? { publiceret: now.state } : {}),
        underklasser: [],
      });
    }
    const top: KlasseNode[] = [];
    for (const { c, now } of page) {
      const node = nodes.get(c.uuid)!;
      const parent = now.rel('overordnetklasse');
      const parentNode = parent ? nodes.get(parent) : undefined;
      if (parentNode) parentNode.underklasser.push(node);
      else {
        if (parent) node.overordnetklasse = parent;
        top.push(node);
      }
    }
    const more = start >= 0 && page.length > 0 && start + options.limit < classes.length;
    trees.push({
      uuid: facet.uuid,
      brugervendtnoegle: facetNow.attrs.brugervendtnoegle ?? '',
      titel: facetNow.attrs.titel ?? '',
      klasser: top,
      ...(more ? { naeste: page[page.length - 1]!.now.attrs.brugervendtnoegle! } : {}),
    });
  }
  return {
    uuid,
    brugervendtnoegle: rootNow.attrs.brugervendtnoegle ?? '',
    titel: rootNow.attrs.titel ?? '',
    registreringstid: pin.registreringstid,
    facetter: trees.sort((a, b) => a.brugervendtnoegle.localeCompare(b.brugervendtnoegle)),
  };
}
