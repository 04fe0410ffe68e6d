import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ObjectTypeDecl } from '../oio/model.ts';
import type { ContentRules, OioStore } from '../oio/store/oio-store.ts';
import type { AuditLog } from './audit.ts';
import type { Authenticator } from './auth/authenticator.ts';
import type { ClientCertOptions } from './auth/client-cert.ts';
import type { ProtectedService } from './auth/http.ts';
import type { ErrorSpec } from './errors.ts';
import type { KeyProvider } from './keys/key-provider.ts';
import type { Metrics } from './metrics.ts';
import type { OutboxRelay } from './outbox.ts';
import type { Store } from './store/store.ts';

/**
 * One system of the platform, as the composition root (`src/services.ts`) lists it. Everything
 * that names the systems (the object types of the store, the services tokens are issued for,
 * `--only`, the error catalogue's check, the Beskedfordeler's relay of register events, the table
 * of docs/systems/README.md) is derived from these definitions: adding a system is one folder and
 * one line in that list.
 */
export interface ServiceDefinition<R extends RunningService = RunningService, N extends string = string> {
  /** The name `--only` and `stotte token --service` take: `org`, `kla` … */
  readonly name: N;
  /** The system's name, as docs/systems/README.md lists it: `FK Organisation`. */
  readonly title: string;
  /** What tokens it takes: the entity id (`aud`), its routes' prefix, its privileges and the operator's. */
  readonly protected: ProtectedService;
  /** Its object types on the OIO store, and their rules. */
  readonly types?: readonly ObjectTypeDecl[];
  readonly rules?: ContentRules;
  /** Its error catalogues, by the heading of their section in docs/errors.md. */
  readonly errors: Readonly<Record<string, Readonly<Record<string, ErrorSpec>>>>;
  /** The change events it writes to the outbox, and the beskedtype they reach receivers as. */
  readonly events?: RegisterEvents;
  /** Builds the running system on the platform's shared parts. */
  create(ctx: ServiceContext): R | Promise<R>;
}

/** A register's change events: outbox topics `<topicPrefix>.<type>`, sent on as one beskedtype. */
export interface RegisterEvents {
  readonly topicPrefix: string;
  /** The outbox topics it writes: one per object type. */
  readonly topics: readonly string[];
  readonly beskedtype: {
    readonly uuid: string;
    readonly navn: string;
    /** The register as the sender (`urn:stotte:system:org`). */
    readonly ejer: string;
    readonly sensitivitet: 'ikke-fortrolig' | 'fortrolig' | 'foelsom';
  };
}

/** The platform's shared parts a system is built on. */
export interface ServiceContext {
  readonly store: Store;
  readonly oio: OioStore;
  readonly relay: OutboxRelay;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly authenticator: Authenticator;
  readonly keys: KeyProvider;
  /** The token service's issuer and token endpoint. */
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly clientCert: ClientCertOptions;
  /** Every system the platform runs (those `--only` chose), the one being built included. */
  readonly definitions: readonly ServiceDefinition[];
  /** Another running system's public surface, when it runs (a system built before this one). */
  running<T extends RunningService>(name: string): T | undefined;
  /** Failures of background work, for the log (the log exists once the HTTP app does). */
  onError(err: unknown, what: string): void;
  /** Options of this system given to the platform (tests, the CLI's configuration). */
  readonly options: unknown;
}

/** A running system. */
export interface RunningService {
  /** Its routes, registered inside its own plugin under its prefix. */
  routes(app: FastifyInstance): void | Promise<void>;
  /** Open routes outside its prefix (RFC 8414's well-known path of the token service). */
  rootRoutes?(app: FastifyInstance): void | Promise<void>;
  /** Starts its background work (the platform's relay option off: tests drive it by hand). */
  start?(): void;
  /** Seeds its demo data into an empty embedded database. */
  seed?(demo: DemoSeed): Promise<void>;
  /**
   * Stops its background work. Called before the HTTP app closes (so waiting long-polls answer at
   * once instead of holding the shutdown for their wait), and awaited after it has.
   */
  close?(): Promise<void>;
}

/** What a system's demo seed is given. */
export interface DemoSeed {
  readonly log: FastifyBaseLogger;
  /** The embedded database's data folder, where the demo IT system's credentials are written. */
  readonly dataDir: string | undefined;
  /** The demo IT system, when there is one (embedded, not in production): the demo receiver's owner. */
  readonly itSystem: string | undefined;
}
