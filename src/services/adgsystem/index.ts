import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../../platform/audit.ts';
import type { ClientCertOptions } from '../../platform/auth/client-cert.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import type { KeyProvider } from '../../platform/keys/key-provider.ts';
import type { Queryable, Store } from '../../platform/store/store.ts';
import { KOMMUNE, LEVERANDOER, OPERATOER, registerAdminRoutes } from './api/admin-routes.ts';
import { JWKS_PATH, registerTokenRoutes, registerWellKnownMetadata, TOKEN_PATH } from './api/token-routes.ts';
import { registry } from './store/registry.ts';
import { isUuid } from '../../oio/domain/validate.ts';
import { TokenService } from './token-service.ts';
import { AdgsystemErrors } from './errors.ts';
import { seedDemoClient } from './seed.ts';
import type { RunningService, ServiceDefinition } from '../../platform/service.ts';

export { TokenService, CLIENT_ASSERTION_TYPE, type TokenRequest, type TokenResponse } from './token-service.ts';
export { grantablePrivileges, registerPlatformServices, type GrantablePrivileges } from './store/platform-services.ts';
export { provisionItSystem, reprovisionAgreements, type Provision, type ProvisionedAgreement } from './store/provision.ts';
export { parseCertificate, parseJwk, type ParsedCredential } from './domain/credentials.ts';
export { AdgsystemErrors };
export { DEMO_IT_SYSTEM, DEMO_OPERATOR_CVR, demoClientDir, seedDemoClient, type DemoClient } from './seed.ts';
export { bootstrapAdministrator, type BootstrapOptions } from './bootstrap.ts';
export { TOKEN_PATH, JWKS_PATH, OPERATOER, LEVERANDOER, KOMMUNE };

/** FK Adgangsstyring for Systemer as a protected service: its administration needs its own tokens. */
export const adgsystemService: ProtectedService = {
  name: 'adgsystem',
  entityId: 'http://stoettesystemerne.dk/service/adgangsstyring/1',
  prefix: '/adgangsstyring',
  privileges: [OPERATOER, LEVERANDOER, KOMMUNE],
  operatorPrivileges: [OPERATOER],
};

/** Whether a service agreement is approved and in force now (the Authenticator's revocation check). */
export function agreementInForce(store: Store): (agreement: string) => Promise<boolean> {
  return (agreement) => registry.isInForce(store, agreement);
}

/** An approved agreement in force, as another service asks about it: for which CVR, which privileges, which KLE numbers. */
export interface AgreementInForce {
  readonly itSystem: string;
  readonly cvr: string;
  readonly privileges: readonly string[];
  /** KLE numbers or prefix wildcards; empty: no restriction. */
  readonly kle: readonly string[];
}

/**
 * The agreements in force now of some IT systems for one service (FK Beskedfordeler asks this of
 * each receiving system). Names that are not UUIDs are IT systems nobody registered: none.
 */
export function agreementsInForce(service: string): (db: Queryable, itSystems: readonly string[]) => Promise<AgreementInForce[]> {
  return (db, itSystems) =>
    registry.inForceFor(
      db,
      itSystems.filter((s) => isUuid(s)),
      service,
    );
}

/** What FK Adgangsstyring for Systemer is given besides the platform's shared parts. */
export interface AdgsystemOptions {
  /** The platform's token service: the issuer of every token, whether this system is mounted or not. */
  readonly tokens: TokenService;
  readonly algorithms: readonly string[];
  /** Called after an agreement changes state, so this process's verifier forgets its cached answer. */
  readonly onAgreementChange?: (uuid: string) => void;
}

/** FK Adgangsstyring for Systemer: the token endpoint, JWKS and metadata (open), and the administration. */
export const adgsystemDefinition: ServiceDefinition<RunningService, 'adgsystem'> = {
  name: 'adgsystem',
  title: 'FK Adgangsstyring for Systemer',
  protected: adgsystemService,
  errors: { adgsystem: AdgsystemErrors },
  create(ctx) {
    const o = ctx.options as AdgsystemOptions;
    const deps = { ...ctx, ...o, keys: ctx.keys, onChange: () => o.tokens.forget() };
    return {
      routes(app: FastifyInstance) {
        registerTokenRoutes(app, deps);
        registerAdminRoutes(app, deps);
      },
      rootRoutes: (app: FastifyInstance) => registerWellKnownMetadata(app, deps),
      async seed(demo) {
        // The demo IT system: on the embedded database only, its credentials in the data folder.
        if (demo.dataDir)
          await seedDemoClient(
            ctx.store,
            ctx.audit,
            demo.dataDir,
            ctx.definitions.map((d) => d.name),
            demo.log,
          );
      },
    };
  },
};
