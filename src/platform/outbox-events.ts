/**
 * The events the registers write to the outbox, as one map from topic to payload. A publisher that
 * names a topic of the map must give that topic's payload, and a consumer that narrows a message to
 * the map gets the payload typed: the two are checked against the same declaration. The registers
 * write one topic per object type, `<service>.<type>`, with the write's action; a test checks that
 * the map lists exactly the types the registers declare, and that what the object store writes has
 * the map's shape.
 */
import { LIFECYCLE_CODES, type Livscykluskode } from '../oio/model.ts';
import type { Action } from '../oio/store/oio-writer.ts';
import type { OutboxEvent, OutboxMessage } from './outbox.ts';

/** The write an event reports: `opret`, `importer`, `ret`, `passiver`, `slet`. */
export type RegisterAction = Action;

/**
 * The payload of a register's change event: the lifecycle code the write left the object in.
 * (A type, not an interface, so it is a JSON object to code that takes any payload.)
 */
export type RegisterChange = {
  readonly livscykluskode: Livscykluskode;
};

/** Every outbox topic of the map, and the payload its events carry. */
export interface OutboxEventMap {
  'organisation.organisation': RegisterChange;
  'organisation.organisationenhed': RegisterChange;
  'organisation.organisationfunktion': RegisterChange;
  'organisation.bruger': RegisterChange;
  'organisation.person': RegisterChange;
  'organisation.adresse': RegisterChange;
  'organisation.itsystem': RegisterChange;
  'organisation.interessefaellesskab': RegisterChange;
  'klassifikation.klassifikation': RegisterChange;
  'klassifikation.facet': RegisterChange;
  'klassifikation.klasse': RegisterChange;
}

/** A topic of the map. */
export type OutboxTopic = keyof OutboxEventMap;

// A Record over the map's keys: the compiler refuses a topic missing here or one not in the map.
const TOPICS: Record<OutboxTopic, true> = {
  'organisation.organisation': true,
  'organisation.organisationenhed': true,
  'organisation.organisationfunktion': true,
  'organisation.bruger': true,
  'organisation.person': true,
  'organisation.adresse': true,
  'organisation.itsystem': true,
  'organisation.interessefaellesskab': true,
  'klassifikation.klassifikation': true,
  'klassifikation.facet': true,
  'klassifikation.klasse': true,
};

/** The map's topics, at run time. */
export const OUTBOX_TOPICS = Object.freeze(Object.keys(TOPICS) as OutboxTopic[]);

/** Whether a topic is one of the map's. */
export function isOutboxTopic(topic: string): topic is OutboxTopic {
  return Object.hasOwn(TOPICS, topic);
}

/** An event of the map, as a publisher records it: one member per topic, each with its payload. */
export type RegisterEvent<T extends OutboxTopic = OutboxTopic> = T extends OutboxTopic
  ? OutboxEvent<T> & { readonly action: RegisterAction }
  : never;

/** An event of the map, as a consumer receives it: narrowing the topic narrows the payload. */
export type RegisterMessage<T extends OutboxTopic = OutboxTopic> = T extends OutboxTopic
  ? OutboxMessage<T> & { readonly action: RegisterAction }
  : never;

const ACTIONS: ReadonlySet<string> = new Set<RegisterAction>(['opret', 'importer', 'ret', 'passiver', 'slet']);
const CODES: ReadonlySet<string> = new Set(LIFECYCLE_CODES);

/**
 * Whether a message received from the outbox is an event of the map, with the action and payload
 * the map gives its topic. The payload is checked, not trusted: rows are JSON a statement wrote.
 */
export function isRegisterMessage(m: OutboxMessage): m is RegisterMessage {
  const payload = m.payload as { livscykluskode?: unknown } | undefined;
  return (
    isOutboxTopic(m.topic) && ACTIONS.has(m.action) && typeof payload?.livscykluskode === 'string' && CODES.has(payload.livscykluskode)
  );
}
