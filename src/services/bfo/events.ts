/**
 * The registers' change events as Haendelsesbeskeder. The platform outbox hands every event of
 * the registers (the services whose definition declares `events`) to the Beskedfordeler (consumer `bfo`), inside the relay's
 * transaction: the message and its deliveries commit with the outbox acknowledgement, exactly once.
 * The BeskedId is derived from the outbox row, so a repeated hand-over is recognised as the same.
 */
import { createHash } from 'node:crypto';
import type { OutboxMessage } from '../../platform/outbox.ts';
import { isRegisterMessage, type RegisterMessage } from '../../platform/outbox-events.ts';
import type { Haendelsesbesked } from './domain/envelope.ts';
import type { RegisterEvents } from '../../platform/service.ts';

/** The registers whose change events the Beskedfordeler relays: from the table of services. */
export type Registers = readonly RegisterEvents[];

/** A name-based UUID (version 5 layout over SHA-256) of the outbox row: stable across hand-overs. */
function beskedIdOf(outboxId: string, scope: string): string {
  const h = createHash('sha256').update(`stotte-outbox:${scope}:${outboxId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The register an outbox topic belongs to, if any. */
export function registerOfTopic(registers: Registers, topic: string): RegisterEvents | undefined {
  return registers.find((r) => r.topics.includes(topic));
}

/**
 * An outbox event as a Haendelsesbesked. Filter data: ObjektType = the topic
 * (`organisation.organisationenhed`), ObjektHandling = the action (`opret`, `ret`, `passiver`,
 * `slet`, `importer`), ObjektId = the object's UUID, ObjektAnsvarligMyndighed = the responsible
 * municipality (`ansvarlig`: the CVR URN of the responsible organisation, where it has one; else
 * the organisation's UUID). The payload is the event as JSON.
 */
export function besked(registers: Registers, m: OutboxMessage, scope: string, ansvarlig = m.responsible): Haendelsesbesked | undefined {
  const type = registerOfTopic(registers, m.topic)?.beskedtype;
  if (!type) return undefined;
  // A register's event that is not what the event map says is a publisher's mistake: it fails
  // loudly (the relay retries it and records the error), rather than reaching receivers half-read.
  if (!isRegisterMessage(m)) throw new Error(`Outbox event ${m.id} (${m.topic}) does not match the event map (platform/outbox-events.ts)`);
  const id = beskedIdOf(m.id, scope);
  return {
    beskedId: id,
    beskedVersion: '1.0',
    beskedkuvert: {
      filtreringsdata: {
        beskedtype: type.uuid,
        beskedAnsvarligAktoer: type.ejer,
        tilladtModtager: [],
        relateretObjekt: [],
        objektRegistrering: [
          {
            objektRegistreringId: id,
            registreringsAktoer: type.ejer,
            registreringstidspunkt: m.recordedAt,
            ...(ansvarlig ? { objektAnsvarligMyndighed: ansvarlig } : {}),
            ...(m.objectUuid ? { objektId: m.objectUuid } : {}),
            objektType: m.topic,
            objektHandling: m.action,
          },
        ],
        tvaergaaendeProces: [],
      },
      leveranceinformation: {
        dannelsestidspunkt: m.recordedAt,
        transaktionsId: id,
        kildesystem: type.ejer,
        leveranceruter: [],
      },
    },
    beskeddata: [{ json: registerBeskeddata(m) }],
  };
}

/** The message data of a register's event: the event itself, typed by the event map. */
export interface RegisterBeskeddata {
  readonly topic: RegisterMessage['topic'];
  readonly action: RegisterMessage['action'];
  readonly objectUuid: string | null;
  readonly payload: RegisterMessage['payload'];
}

function registerBeskeddata(m: RegisterMessage): RegisterBeskeddata {
  return { topic: m.topic, action: m.action, objectUuid: m.objectUuid ?? null, payload: m.payload };
}
