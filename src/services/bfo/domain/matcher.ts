/**
 * Finds the subscriptions a message matches without testing every subscription.
 *
 * Subscriptions are grouped by beskedtype. Within a group each subscription gets anchors: the
 * conditions that must hold for it to match at all (an `equals`, `prefix` or `inList` that every
 * match needs). A message's field values are looked up in the anchor maps, and only the
 * subscriptions found there, plus those that have no anchor, are evaluated in full. A filter
 * over the object's municipality, KLE subject, action or a value list (the usual ones) is
 * therefore found by a few map look-ups, whatever the number of subscriptions.
 */
import { evaluate, type Compiled, type FilterData, type FilterField, type Memberships } from './filter.ts';

export interface Subscription {
  readonly uuid: string;
  readonly dueslag: string;
  readonly beskedtype: string;
  readonly filter: Compiled;
}

type Anchor =
  | { kind: 'eq'; field: FilterField; value: string }
  | { kind: 'prefix'; field: FilterField; prefix: string }
  | { kind: 'list'; list: string };

/** Anchors of a filter: a set of which at least one must hold for the filter to match; undefined when none can be said. */
function anchorsOf(c: Compiled): Anchor[] | undefined {
  switch (c.kind) {
    case 'equals':
      return [...c.values].map((value) => ({ kind: 'eq', field: c.field, value }));
    case 'prefix':
      return c.prefixes.map((prefix) => ({ kind: 'prefix', field: c.field, prefix }));
    case 'inList':
      return [{ kind: 'list', list: c.list }];
    case 'and': {
      // Any one child's anchors will do; prefer the narrowest (equality over prefix).
      let best: Anchor[] | undefined;
      for (const child of c.all) {
        const a = anchorsOf(child);
        if (!a) continue;
        const score = (x: Anchor[]) => x.length + (x.some((y) => y.kind === 'prefix') ? 1000 : 0);
        if (!best || score(a) < score(best)) best = a;
      }
      return best;
    }
    case 'or': {
      const all: Anchor[] = [];
      for (const child of c.any) {
        const a = anchorsOf(child);
        if (!a) return undefined;
        all.push(...a);
      }
      return all;
    }
    default:
      return undefined;
  }
}

interface Group {
  unanchored: Subscription[];
  eq: Map<string, Subscription[]>;
  prefix: Map<string, Subscription[]>;
  /** Per field, the prefix lengths registered, so a value is looked up only at those lengths. */
  prefixLengths: Map<FilterField, Set<number>>;
  lists: Map<string, Subscription[]>;
}

const key = (field: string, value: string) => `${field}\u0000${value}`;

function push<K>(m: Map<K, Subscription[]>, k: K, s: Subscription) {
  const list = m.get(k);
  if (list) list.push(s);
  else m.set(k, [s]);
}

export class SubscriptionIndex {
  private readonly groups = new Map<string, Group>();
  readonly size: number;

  constructor(subscriptions: readonly Subscription[]) {
    for (const s of subscriptions) {
      let g = this.groups.get(s.beskedtype);
      if (!g) {
        g = { unanchored: [], eq: new Map(), prefix: new Map(), prefixLengths: new Map(), lists: new Map() };
        this.groups.set(s.beskedtype, g);
      }
      const anchors = anchorsOf(s.filter);
      if (!anchors || anchors.length === 0) {
        g.unanchored.push(s);
        continue;
      }
      for (const a of new Map(anchors.map((a) => [JSON.stringify(a), a])).values()) {
        if (a.kind === 'eq') push(g.eq, key(a.field, a.value), s);
        else if (a.kind === 'list') push(g.lists, a.list, s);
        else {
          push(g.prefix, key(a.field, a.prefix), s);
          let lengths = g.prefixLengths.get(a.field);
          if (!lengths) g.prefixLengths.set(a.field, (lengths = new Set()));
          lengths.add(a.prefix.length);
        }
      }
    }
    this.size = subscriptions.length;
  }

  /** The subscriptions that might match: found through the anchors, never by a scan of all. */
  candidates(beskedtype: string, data: FilterData, lists: Memberships): Subscription[] {
    const g = this.groups.get(beskedtype);
    if (!g) return [];
    const found = new Set<Subscription>(g.unanchored);
    for (const [field, values] of data) {
      const lengths = g.prefixLengths.get(field);
      for (const v of values) {
        for (const s of g.eq.get(key(field, v)) ?? []) found.add(s);
        if (lengths)
          for (const n of lengths) if (v.length >= n) for (const s of g.prefix.get(key(field, v.slice(0, n))) ?? []) found.add(s);
      }
    }
    for (const list of lists.keys()) for (const s of g.lists.get(list) ?? []) found.add(s);
    return [...found];
  }

  /** The matching subscriptions of a message, in subscription order of discovery. */
  match(beskedtype: string, data: FilterData, lists: Memberships): Subscription[] {
    return this.candidates(beskedtype, data, lists).filter((s) => evaluate(s.filter, data, lists));
  }
}
