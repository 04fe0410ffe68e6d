import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../../platform/audit.ts';
import { auditActor } from '../../../platform/auth/caller.ts';
import { callerOf } from '../../../platform/auth/http.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import { parseCertificate, parseJwk, type ParsedCredential } from '../domain/credentials.ts';
import { checkPrivileges } from '../domain/rules.ts';
import { adgError } from '../errors.ts';
import { registry, type CredentialRow } from '../store/registry.ts';
import { ADMIN, ownSystem } from './access.ts';
import { registerAgreementRoutes } from './agreement-routes.ts';
import {
  credentialBody,
  credentialOut,
  credentialSchema,
  errors,
  KOMMUNE,
  LEVERANDOER,
  OPERATOER,
  serviceOut,
  serviceSchema,
  str,
  systemOut,
  systemSchema,
  uuidParams,
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
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
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
    '/adgangsstyring/tjenester',
    {
      config: { access: ADMIN.services },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'The services and their privileges',
        response: { 200: { type: 'array', items: serviceSchema }, ...errors },
      },
    },
    async () => (await registry.services(store)).map(serviceOut),
  );

  app.post(
    '/adgangsstyring/tjenester',
    {
      config: { access: ADMIN.registerService },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Register a service (operator), with the privileges only the operator may grant (operatoerPrivilegier)',
        body: {
          type: 'object',
          properties: {
            navn: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
            entityId: { type: 'string', minLength: 1, maxLength: 500 },
            privilegier: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,59}$' }, minItems: 1 },
            operatoerPrivilegier: { type: 'array', items: str },
          },
          required: ['navn', 'entityId', 'privilegier'],
          additionalProperties: false,
        },
        response: { 201: serviceSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { navn: string; entityId: string; privilegier: string[]; operatoerPrivilegier?: string[] };
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
    '/adgangsstyring/itsystemer',
    {
      config: { access: ADMIN.registerItSystem },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Register an IT system of the caller's (supplier) with its certificates and public keys",
        body: {
          type: 'object',
          properties: {
            navn: { type: 'string', minLength: 1, maxLength: 200 },
            kontakt: { type: 'string', maxLength: 500 },
            certifikater: { type: 'array', items: str, maxItems: 20 },
            noegler: { type: 'array', items: { type: 'object' }, maxItems: 20 },
          },
          required: ['navn'],
          additionalProperties: false,
        },
        response: { 201: systemSchema, ...errors },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const body = req.body as { navn: string; kontakt?: string; certifikater?: string[]; noegler?: unknown[] };
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
    '/adgangsstyring/itsystemer',
    {
      config: { access: ADMIN.itSystems },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "The caller's IT systems (all, for the operator)",
        response: { 200: { type: 'array', items: systemSchema }, ...errors },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const systems = await registry.itSystems(store, caller.privileges.includes(OPERATOER) ? undefined : caller.cvr);
      return Promise.all(systems.map(async (s) => systemOut(s, await registry.credentials(store, s.uuid))));
    },
  );

  app.get(
    '/adgangsstyring/itsystemer/:uuid',
    {
      config: { access: ADMIN.itSystem(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'One IT system with its credentials',
        params: uuidParams,
        response: { 200: systemSchema, ...errors },
      },
    },
    async (req) => {
      const system = await ownSystem(store, callerOf(req), (req.params as { uuid: string }).uuid);
      return systemOut(system, await registry.credentials(store, system.uuid));
    },
  );

  app.post(
    '/adgangsstyring/itsystemer/:uuid/legitimationer',
    {
      config: { access: ADMIN.addCredential(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Register a certificate ({"certifikat": PEM}) or public key ({"noegle": JWK})',
        params: uuidParams,
        body: credentialBody,
        response: { 201: credentialSchema, ...errors },
      },
    },
    async (req, reply) => {
      const system = await ownSystem(store, callerOf(req), (req.params as { uuid: string }).uuid);
      const parsed = await credentialOf(req.body as { certifikat?: string; noegle?: unknown });
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
    '/adgangsstyring/itsystemer/:uuid/legitimationer/:credential',
    {
      config: { access: ADMIN.itSystem(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Revoke a certificate or key: no new token is issued with it',
        params: {
          type: 'object',
          properties: { uuid: { type: 'string', format: 'uuid' }, credential: { type: 'string', format: 'uuid' } },
          required: ['uuid', 'credential'],
        },
        response: { 200: credentialSchema, ...errors },
      },
    },
    async (req) => {
      const params = req.params as { uuid: string; credential: string };
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
