import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../../platform/audit.ts';
import { auditActor } from '../../../platform/auth/caller.ts';
import { callerOf } from '../../../platform/auth/http.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import { parseCertificate, parseJwk, type ParsedCredential } from '../domain/credentials.ts';
import { checkPrivileges } from '../domain/rules.ts';
import { ListOf, Str, typed, UNREADABLE_BODY, Uuid, UuidParams } from '../../../platform/http/schemas.ts';
import { AdgsystemErrors, adgError } from '../errors.ts';
import { registry, type CredentialRow } from '../store/registry.ts';
import { ADMIN, ownSystem } from './access.ts';
import { registerAgreementRoutes } from './agreement-routes.ts';
import {
  BAD_CREDENTIAL,
  CredentialBody,
  credentialOut,
  CredentialSchema,
  errors,
  JsonObject,
  KOMMUNE,
  LEVERANDOER,
  OPERATOER,
  OWN_SYSTEM,
  serviceOut,
  ServiceSchema,
  systemOut,
  SystemSchema,
} from './admin-shapes.ts';

export { KOMMUNE, LEVERANDOER, OPERATOER };

/** Appends the audit record of an administrative change, in its transaction. */
export type RecordChange = (
  q: Queryable,
  req: FastifyRequest,
  action: string,
  objectType: string,
  objectUuid: string,
  details?: Record<string, unknown>,
) => Promise<void>;

async function credentialOf(body: { certifikat?: string; noegle?: unknown }): Promise<ParsedCredential> {
  return body.certifikat !== undefined ? parseCertificate(body.certifikat) : parseJwk(body.noegle);
}

export interface AdminDeps {
  readonly store: Store;
  readonly audit: AuditLog;
  /** Called after an agreement changes state, so this process's verifier forgets its cached answer. */
  readonly onAgreementChange?: (uuid: string) => void;
  /** Called after a credential is revoked or an agreement changes: the token service forgets its lookups. */
  readonly onChange?: () => void;
}

/**
 * The administration of FK Adgangsstyring for Systemer. Every caller is an IT system with a
 * token for the adgsystem service: the operator (`operatoer`) registers services; a supplier
 * (`leverandoer`) registers its IT systems and their credentials and requests agreements for
 * them; a municipality (`kommune`) approves and revokes the agreements for its own CVR. Every
 * change is audited in the transaction that makes it.
 */
export function registerAdminRoutes(parent: FastifyInstance, deps: AdminDeps): void {
  const app = typed(parent);
  const { store, audit } = deps;
  const record = (
    q: Queryable,
    req: FastifyRequest,
    action: string,
    objectType: string,
    objectUuid: string,
    details?: Record<string, unknown>,
  ) => audit.record(q, [{ ...auditActor(req.caller), action, objectType, objectUuid, requestId: req.id, details }]);

  app.get(
    '/tjenester',
    {
      config: { access: ADMIN.services },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'The services and their privileges',
        response: { 200: ListOf(ServiceSchema), ...errors() },
      },
    },
    async () => ({ resultater: (await registry.services(store)).map(serviceOut) }),
  );

  app.post(
    '/tjenester',
    {
      config: { access: ADMIN.registerService },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Register a service (operator), with the privileges only the operator may grant (operatoerPrivilegier)',
        body: Type.Object(
          {
            navn: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
            entityId: Type.String({ minLength: 1, maxLength: 500 }),
            privilegier: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]{0,59}$' }), { minItems: 1 }),
            operatoerPrivilegier: Type.Optional(Type.Array(Str)),
          },
          { additionalProperties: false },
        ),
        response: {
          201: ServiceSchema,
          ...errors(UNREADABLE_BODY, AdgsystemErrors.PRIVILEGE_NOT_OFFERED, AdgsystemErrors.SERVICE_EXISTS),
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const privileges = [...new Set(body.privilegier)];
      const operatorPrivileges = checkPrivileges(body.operatoerPrivilegier ?? [], privileges);
      const created = await store.transaction(async (tx) => {
        const s = await registry.insertService(
          tx,
          { name: body.navn, entityId: body.entityId, privileges, operatorPrivileges },
          auditActor(req.caller).actor,
        );
        if (!s) throw adgError('SERVICE_EXISTS');
        await record(tx, req, 'tjeneste.opret', 'tjeneste', s.uuid, { entityId: s.entityId, operatorPrivileges });
        return s;
      });
      return reply.status(201).send(serviceOut(created));
    },
  );

  app.post(
    '/itsystemer',
    {
      config: { access: ADMIN.registerItSystem },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Register an IT system of the caller's (supplier) with its certificates and public keys",
        body: Type.Object(
          {
            navn: Type.String({ minLength: 1, maxLength: 200 }),
            kontakt: Type.Optional(Type.String({ maxLength: 500 })),
            certifikater: Type.Optional(Type.Array(Str, { maxItems: 20 })),
            noegler: Type.Optional(Type.Array(JsonObject, { maxItems: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: SystemSchema, ...errors(UNREADABLE_BODY, BAD_CREDENTIAL, AdgsystemErrors.CREDENTIAL_EXISTS) },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const body = req.body;
      const parsed = [...(body.certifikater ?? []).map(parseCertificate), ...(await Promise.all((body.noegler ?? []).map(parseJwk)))];
      const out = await store.transaction(async (tx) => {
        const system = await registry.insertItSystem(
          tx,
          { name: body.navn, supplierCvr: caller.cvr, contact: body.kontakt ?? null },
          auditActor(caller).actor,
        );
        const creds: CredentialRow[] = [];
        for (const p of parsed) {
          const c = await registry.insertCredential(tx, { ...p, itSystem: system.uuid });
          if (!c) throw adgError('CREDENTIAL_EXISTS', undefined, { thumbprint: p.thumbprint });
          creds.push(c);
        }
        await record(tx, req, 'itsystem.opret', 'itsystem', system.uuid, { credentials: creds.map((c) => c.thumbprint) });
        return systemOut(system, creds);
      });
      return reply.status(201).send(out);
    },
  );

  app.get(
    '/itsystemer',
    {
      config: { access: ADMIN.itSystems },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "The caller's IT systems (all, for the operator)",
        response: { 200: ListOf(SystemSchema), ...errors() },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const systems = await registry.itSystems(store, caller.privileges.includes(OPERATOER) ? undefined : caller.cvr);
      return { resultater: await Promise.all(systems.map(async (s) => systemOut(s, await registry.credentials(store, s.uuid)))) };
    },
  );

  app.get(
    '/itsystemer/:uuid',
    {
      config: { access: ADMIN.itSystem(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'One IT system with its credentials',
        params: UuidParams,
        response: { 200: SystemSchema, ...errors(OWN_SYSTEM) },
      },
    },
    async (req) => {
      const system = await ownSystem(store, callerOf(req), req.params.uuid);
      return systemOut(system, await registry.credentials(store, system.uuid));
    },
  );

  app.post(
    '/itsystemer/:uuid/legitimationer',
    {
      config: { access: ADMIN.addCredential(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Register a certificate ({"certifikat": PEM}) or public key ({"noegle": JWK})',
        params: UuidParams,
        body: CredentialBody,
        response: { 201: CredentialSchema, ...errors(UNREADABLE_BODY, OWN_SYSTEM, BAD_CREDENTIAL, AdgsystemErrors.CREDENTIAL_EXISTS) },
      },
    },
    async (req, reply) => {
      const system = await ownSystem(store, callerOf(req), req.params.uuid);
      const parsed = await credentialOf(req.body);
      const c = await store.transaction(async (tx) => {
        const c = await registry.insertCredential(tx, { ...parsed, itSystem: system.uuid });
        if (!c) throw adgError('CREDENTIAL_EXISTS', undefined, { thumbprint: parsed.thumbprint });
        await record(tx, req, 'legitimation.opret', 'itsystem', system.uuid, { credential: c.uuid, thumbprint: c.thumbprint });
        return c;
      });
      return reply.status(201).send(credentialOut(c));
    },
  );

  app.delete(
    '/itsystemer/:uuid/legitimationer/:credential',
    {
      config: { access: ADMIN.itSystem(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Revoke a certificate or key: no new token is issued with it',
        params: Type.Object({ uuid: Uuid, credential: Uuid }),
        response: { 200: CredentialSchema, ...errors(OWN_SYSTEM, AdgsystemErrors.CREDENTIAL_NOT_FOUND) },
      },
    },
    async (req) => {
      const params = req.params;
      const system = await ownSystem(store, callerOf(req), params.uuid);
      return store
        .transaction(async (tx) => {
          const c = await registry.revokeCredential(tx, system.uuid, params.credential);
          if (!c) throw adgError('CREDENTIAL_NOT_FOUND');
          await record(tx, req, 'legitimation.tilbagekald', 'itsystem', system.uuid, { credential: c.uuid });
          return credentialOut(c);
        })
        .finally(() => deps.onChange?.());
    },
  );

  registerAgreementRoutes(app, deps, record);
}
