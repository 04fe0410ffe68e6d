/**
 * The registers' change events as Haendelsesbeskeder. The platform outbox hands every event of
 * FK Organisation and FK Klassifikation to the Beskedfordeler (consumer `bfo`), inside the relay's
 * transaction: the message and its deliveries commit with the outbox acknowledgement, exactly once.
 * The BeskedId is derived from the outbox row, so a repeated hand-over is recognised as the same.
 */
import { createHash } from 'node:crypto';
import type { OutboxMessage } from '../../platform/outbox.ts';
import type { Haendelsesbesked } from './domain/envelope.ts';
import type { NewBeskedtype } from './store/admin.ts';

/** The beskedtyper of the registers' own events. */
export const REGISTER_BESKEDTYPER = {
  organisation: {
    uuid: 'b1f0a000-0000-4000-8000-000000000001',
    navn: 'FK Organisation: ændring af objekt',
    ejer: 'urn:stotte:system:org',
    sensitivitet: 'fortrolig',
  },
  klassifikation: {
    uuid: 'b1f0a000-0000-4000-8000-000000000002',
    navn: 'FK Klassifikation: ændring af objekt',
    ejer: 'urn:stotte:system:kla',
    sensitivitet: 'ikke-fortrolig',
  },
} as const satisfies Record<string, NewBeskedtype & { uuid: string }>;

export type RegisterService = keyof typeof REGISTER_BESKEDTYPER;

/** A name-based UUID (version 5 layout over SHA-256) of the outbox row: stable across hand-overs. */
function beskedIdOf(outboxId: string, scope: string): string {
  const h = createHash('sha256').update(`stotte-outbox:${scope}:${outboxId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The service whose beskedtype an outbox topic belongs to, if any. */
export function serviceOfTopic(topic: string): RegisterService | undefined {
  const service = topic.split('.')[0];
  return service === 'organisation' || service === 'klassifikation' ? service : undefined;
}

/**
 * An outbox event as a Haendelsesbesked. Filter data: ObjektType = the topic
 * (`organisation.organisationenhed`), ObjektHandling = the action (`opret`, `ret`, `passiver`,
 * `slet`, `importer`), ObjektId = the object's UUID, ObjektAnsvarligMyndighed = the responsible
 * municipality (`ansvarlig`: the CVR URN of the responsible organisation, where it has one; else
 * the organisation's UUID). The payload is the event as JSON.
 */
export function besked(m: OutboxMessage, scope: string, ansvarlig = m.responsible): Haendelsesbesked | undefined {
  const service = serviceOfTopic(m.topic);
  if (!service) return undefined;
  const type = REGISTER_BESKEDTYPER[service];
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
    beskeddata: [{ json: { topic: m.topic, action: m.action, objectUuid: m.objectUuid ?? null, payload: m.payload ?? {} } }],
  };
}
