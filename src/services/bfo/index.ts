/**
 * FK Beskedfordeler: the public surface. `createBfo` wires the service on the platform's store,
 * outbox relay and audit log, with a message transport (the store, or RabbitMQ) and the
 * entitlements (the service agreements, see domain/entitlements.ts; `allowAll` for tests of routing).
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerBfoMetrics } from './metrics.ts';
import type { AuditLog } from '../../platform/audit.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import type { RunningService, ServiceDefinition } from '../../platform/service.ts';
import { agreementsInForce } from '../adgsystem/index.ts';
import { organisationCvrsOf } from '../org/index.ts';
import type { OutboxRelay } from '../../platform/outbox.ts';
import type { Queryable, Store } from '../../platform/store/store.ts';
import { isUuid } from '../../oio/domain/validate.ts';
import { registerAdminRoutes } from './api/admin-routes.ts';
import { ADMINISTRER, MODTAG, SEND } from './api/access.ts';
import { bfoCaller, requestCaller, type BfoCallerOf } from './api/common.ts';
import type { Caller } from '../../platform/auth/caller.ts';
import { authError } from '../../platform/auth/errors.ts';
import { registerReceiveRoutes } from './api/receive-routes.ts';
import { registerSendRoutes } from './api/send-routes.ts';
import { agreementEntitlements, allowAll, type BfoEntitlements } from './domain/entitlements.ts';
import { besked, type Registers } from './events.ts';
import { BfoErrors, bfoError } from './errors.ts';
import { envelopeFromXml } from './domain/xml.ts';
import { AppError } from '../../platform/errors.ts';
import type { BfoCaller } from './domain/entitlements.ts';
import { Beskedfordeler } from './service.ts';
import * as admin from './store/admin.ts';
import { PushDelivery, type PushOptions } from './transport/push.ts';
import { StoreTransport } from './transport/store-transport.ts';
import { WorkerLoop } from '../../platform/worker.ts';
import type { AuditDeliveries, BfoTransport } from './transport/transport.ts';

export type {
  BfoCaller,
  BfoEntitlements,
  ReceiveQuestion,
  ReceiveDecision,
  SendQuestion,
  SendDecision,
  Decision,
} from './domain/entitlements.ts';
export type { BfoCallerOf } from './api/common.ts';
export type { Haendelsesbesked } from './domain/envelope.ts';
export type { BfoTransport, Delivery, DueslagStats } from './transport/transport.ts';
export type { SendResult } from './service.ts';
export { agreementEntitlements, allowAll, type ReceiverAgreement } from './domain/entitlements.ts';
export type { MatchExplanation } from './explain.ts';
export { envelopeFromJson } from './domain/envelope.ts';
export { envelopeFromXml, envelopeToXml } from './domain/xml.ts';
export { fromCloudEvent, toCloudEvent } from './domain/cloudevent.ts';
export { compileFilter, explain, filterData, FILTER_FIELDS } from './domain/filter.ts';
export { SubscriptionIndex } from './domain/matcher.ts';
export { signPush, pushBody } from './transport/push.ts';
export { PUSH_RETRY_DELAYS_MS } from './domain/route.ts';
export type { Registers } from './events.ts';
export { BfoErrors };
export { Beskedfordeler };

/**
 * RabbitMQ as the transport. amqplib is loaded only when this is used, and only by the adapter.
 */
export function amqpTransport(options: {
  url: string;
  batchSize?: number;
  pollMs?: number;
  republishAfterMs?: number;
  onError?: (err: unknown) => void;
  senders?: { exchange?: string; queue?: string } | false;
}): TransportFactory {
  return async (store, audit, onError) => {
    const { AmqpTransport } = await import('./transport/amqp-transport.ts');
    return new AmqpTransport(store, audit, { ...options, onError: options.onError ?? ((err) => onError(err, 'RabbitMQ transport')) });
  };
}

/** The name under which the Beskedfordeler consumes the platform outbox. */
export const BFO_OUTBOX_CONSUMER = 'bfo';

/**
 * FK Beskedfordeler as a protected service: sending, and registering the beskedtyper a sender
 * owns, need `send`; receiving, and managing the receiver's own dueslag, subscriptions and value
 * lists, need `modtag`. `administrer` is the operator's only: it manages what every IT system owns
 * (api/access.ts declares each route).
 */
export const bfoService: ProtectedService = {
  name: 'bfo',
  entityId: 'http://stoettesystemerne.dk/service/beskedfordeler/1',
  prefix: '/beskedfordeler',
  privileges: [SEND, MODTAG, ADMINISTRER],
  operatorPrivileges: [ADMINISTRER],
};

/** The transport to build: the store (default), or one made elsewhere (RabbitMQ). */
export type TransportFactory = (
  store: Store,
  audit: AuditDeliveries,
  onError: (err: unknown, what: string) => void,
) => BfoTransport | Promise<BfoTransport>;

export interface BfoDeps {
  readonly store: Store;
  readonly relay: OutboxRelay;
  readonly audit: AuditLog;
  readonly transport?: TransportFactory;
  readonly entitlements?: BfoEntitlements;
  readonly callerOf?: BfoCallerOf;
  /**
   * Verifies the `token` header of an AMQP send for this service (the platform's Authenticator).
   * Absent: AMQP senders are not checked (tests of routing mechanics only).
   */
  readonly verifyToken?: (token: string) => Promise<Caller>;
  /**
   * The CVR numbers of organisations, by UUID (FK Organisation's): the registers' events name the
   * responsible municipality by CVR, so they reach only receivers entitled for it. Absent: by UUID.
   */
  readonly municipalitiesOf?: (db: Queryable, organisations: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>;
  /** Largest message accepted, in bytes (default 1 MiB). */
  readonly maxMessageBytes?: number;
  readonly push?: PushOptions;
  /** Where the per-dueslag gauges are registered (the platform's /metrics). */
  readonly registry?: Registry;
  /** Failures of background work (push, purge, the broker connection), for the log. */
  readonly onError?: (err: unknown, what: string) => void;
  /** The registers whose change events it relays (the services whose definition declares events). */
  readonly registers?: Registers;
}

/** A wired Beskedfordeler. */
export interface Bfo extends RunningService {
  readonly service: Beskedfordeler;
  readonly transport: BfoTransport;
  readonly push: PushDelivery;
  /** Starts the background work: push delivery and retention purge. */
  start(): void;
  /** Runs one round of the background work (tests drive it by hand). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export async function createBfo(deps: BfoDeps): Promise<Bfo> {
  const { store } = deps;
  const auditDeliveries: AuditDeliveries = (tx, records) =>
    deps.audit.record(
      tx,
      records.map((r) => ({
        actor: r.ejer,
        action: 'bfo.lever',
        objectType: 'haendelsesbesked',
        objectUuid: r.beskedId,
        purpose: 'levering af hændelsesbesked',
        details: { dueslag: r.dueslag, forsoeg: r.forsoeg, via: r.via },
      })),
    );
  const registers = deps.registers ?? [];
  await admin.ensureBeskedtyper(
    store,
    registers.map((r) => r.beskedtype),
  );
  const onError = deps.onError ?? (() => {});
  const transport: BfoTransport = deps.transport
    ? await deps.transport(store, auditDeliveries, onError)
    : new StoreTransport(store, auditDeliveries);
  await transport.start(await admin.listDueslag(store));
  const service = new Beskedfordeler(store, transport, deps.entitlements ?? allowAll);
  const push = new PushDelivery(store, auditDeliveries, deps.push);
  if (deps.registry) registerBfoMetrics(deps.registry, store, transport);
  const callerOf = deps.callerOf ?? requestCaller;

  // The registers' change events, inside the relay's transaction.
  const scope = 'stotte';
  await deps.relay.register(BFO_OUTBOX_CONSUMER, async (messages, tx) => {
    const responsible = [...new Set(messages.flatMap((m) => (m.responsible && isUuid(m.responsible) ? [m.responsible] : [])))];
    const cvrs = deps.municipalitiesOf && responsible.length ? await deps.municipalitiesOf(tx, responsible) : new Map();
    for (const m of messages) {
      const cvr = m.responsible ? cvrs.get(m.responsible)?.[0] : undefined;
      const b = besked(registers, m, scope, cvr ? `urn:oio:cvr-nr:${cvr}` : m.responsible);
      if (!b) continue;
      await service.ingestIn(tx, b);
    }
  });

  // Today's AMQP senders (RabbitMQ transport): the same path as POST /beskedfordeler/beskeder.
  const maxMessageBytes = deps.maxMessageBytes ?? 1024 * 1024;
  await transport.serveSenders?.(async (body, token) => {
    try {
      if (Buffer.byteLength(body) > maxMessageBytes) throw bfoError('BFO_MESSAGE_TOO_LARGE', `The limit is ${maxMessageBytes} bytes`);
      const sender = deps.verifyToken ? await amqpSender(deps.verifyToken, token) : undefined;
      await service.send(envelopeFromXml(body, { maxBytes: maxMessageBytes }), sender);
      return { statusKode: 20 };
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        // Today's senders know one status of their own: 41, the token has expired.
        const statusKode = err.code === 'TOKEN_EXPIRED' ? 41 : err.fk;
        return { statusKode, fejlbeskedTekst: `${err.code}: ${err.message}` };
      }
      throw err;
    }
  });

  let lastPurge = 0;
  const tick = async () => {
    while ((await push.round()) > 0) {
      /* until nothing is due */
    }
    if (Date.now() - lastPurge > 10 * 60_000) {
      lastPurge = Date.now();
      await service.purge();
    }
  };
  // Push delivery and retention: every second, and at once when a send makes a push due.
  const background = new WorkerLoop({
    round: tick,
    intervalMs: 1000,
    onError: (err) => onError(err, 'Beskedfordeler background work (push, retention)'),
  });
  service.onPushDue = () => background.wake();

  return {
    service,
    transport,
    push,
    routes(app: FastifyInstance) {
      registerSendRoutes(app, { bfo: service, store, callerOf, maxMessageBytes });
      registerReceiveRoutes(app, { bfo: service, store, callerOf });
      registerAdminRoutes(app, { store, bfo: service, callerOf, registers });
    },

    start: () => background.start(),
    tick,
    async close() {
      await background.stop();
      await transport.close();
    },
  };
}

/** The demo receiving system and its dueslag, subscribed to every register's changes. */
export const DEMO_MODTAGER = {
  system: 'urn:stotte:system:demo-modtager',
  dueslag: 'd0e51a90-0000-4000-8000-000000000001',
} as const;

/** The demo dueslag's subscription to a register's beskedtype: a UUID of its own, stable across starts. */
function demoSubscription(beskedtype: string): string {
  return `d0e51a90-0000-4000-8000-0000000000${beskedtype.slice(-2)}`;
}

/** Seeds the demo receiver when missing, subscribed to every register's beskedtype. Returns whether it did. */
export async function seedBfoDemo(bfo: Bfo, store: Store, registers: Registers, ejer: string = DEMO_MODTAGER.system): Promise<boolean> {
  if (await admin.dueslagExists(store, DEMO_MODTAGER.dueslag)) return false;
  await store.transaction(async (tx) => {
    const { dueslag } = await admin.createDueslag(tx, {
      uuid: DEMO_MODTAGER.dueslag,
      navn: 'Demo: ændringer i registrene',
      ejer,
      levering: { type: 'pull' },
    });
    for (const r of registers)
      await admin.createAbonnement(tx, { uuid: demoSubscription(r.beskedtype.uuid), dueslag: dueslag.uuid, beskedtype: r.beskedtype.uuid });
  });
  await bfo.transport.declare(await admin.getDueslag(store, DEMO_MODTAGER.dueslag));
  return true;
}

/** What FK Beskedfordeler may be given besides the platform's shared parts (tests, the CLI's transport). */
export type BfoOptions = Omit<BfoDeps, 'store' | 'relay' | 'audit' | 'registry' | 'onError' | 'registers'>;

/** FK Beskedfordeler: business events from senders to subscribed, entitled receivers. */
export const bfoDefinition: ServiceDefinition<Bfo, 'bfo'> = {
  name: 'bfo',
  title: 'FK Beskedfordeler',
  protected: bfoService,
  errors: { bfo: BfoErrors },
  async create(ctx) {
    const registers = ctx.definitions.flatMap((d) => (d.events ? [d.events] : []));
    const bfo = await createBfo({
      store: ctx.store,
      relay: ctx.relay,
      audit: ctx.audit,
      registry: ctx.metrics.registry,
      onError: (err, what) => ctx.onError(err, what),
      registers,
      // Who may send and receive: the service agreements (a test may put its own in the options).
      entitlements: agreementEntitlements(agreementsInForce(bfoService.name)),
      // Today's AMQP senders carry their token in a header: verified as a request's would be.
      verifyToken: (token) => ctx.authenticator.verify(token, bfoService.entityId),
      // The registers' events name the responsible municipality by its CVR.
      municipalitiesOf: organisationCvrsOf,
      ...((ctx.options ?? {}) as BfoOptions),
    });
    return {
      ...bfo,
      async seed(demo) {
        // The seed's own change events go through the Beskedfordeler first, so the demo receiver's
        // dueslag starts empty and shows only the changes made from now on.
        await ctx.relay.drain();
        if (await seedBfoDemo(bfo, ctx.store, registers, demo.itSystem))
          demo.log.info({ dueslag: DEMO_MODTAGER.dueslag }, "seeded a demo receiver: a dueslag subscribed to the registers' changes");
      },
    };
  },
};

/**
 * The sender of an AMQP send, from its `token` header (the token alone, or after a scheme such as
 * `Bearer`): verified for this service, and holding the privilege to send, as the HTTP route asks.
 */
async function amqpSender(verify: (token: string) => Promise<Caller>, header: string | undefined): Promise<BfoCaller> {
  const token = header?.trim().split(/\s+/).pop();
  if (!token) throw authError('TOKEN_MISSING');
  const caller = await verify(token);
  if (!caller.privileges.includes(SEND)) throw authError('PRIVILEGE_MISSING', `Sending needs the privilege ${SEND}`);
  return bfoCaller(caller);
}
