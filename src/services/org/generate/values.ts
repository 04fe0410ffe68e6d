/**
 * Values many objects have alike (a virkning from a day on, the `tilhoerer` of the organisation,
 * a gyldighed): values are immutable, so identical ones are made once and shared between objects,
 * which keeps a large municipality's memory (and the garbage collector's work) down.
 */
import type { RelationValue, StateValue, Virkning } from '../../../oio/model.ts';

/** The shared values of one municipality. */
export class SharedValues {
  private readonly forevers = new Map<number, Virkning>();
  private readonly orgRels = new Map<number, RelationValue>();
  private readonly aktiv = new Map<Virkning, StateValue>();
  private readonly inaktiv = new Map<Virkning, StateValue>();

  constructor(private readonly orgUuid: string) {}

  /** From `from` (ms) on, without end. */
  forever(from: number): Virkning {
    let v = this.forevers.get(from);
    if (!v) this.forevers.set(from, (v = { from, to: Infinity }));
    return v;
  }

  /** The organisation as a relation value, from `from` (ms) on. */
  orgRel(from: number): RelationValue {
    let v = this.orgRels.get(from);
    if (!v) this.orgRels.set(from, (v = { uuid: this.orgUuid, objekttype: 'organisation', virkning: this.forever(from) }));
    return v;
  }

  /** Aktiv over the life, then Inaktiv from its end when it ends. */
  gyldighed(life: Virkning): StateValue[] {
    return life.to === Infinity
      ? [stateValue(this.aktiv, 'Aktiv', life)]
      : [{ value: 'Aktiv', virkning: life }, stateValue(this.inaktiv, 'Inaktiv', this.forever(life.to))];
  }
}

function stateValue(cache: Map<Virkning, StateValue>, value: string, v: Virkning): StateValue {
  let s = cache.get(v);
  if (!s) cache.set(v, (s = { value, virkning: v }));
  return s;
}
