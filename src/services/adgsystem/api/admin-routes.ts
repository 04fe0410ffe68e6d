import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../../platform/audit.ts';
import { auditActor, type Caller } from '../../../platform/auth/caller.ts';
import { callerOf } from '../../../platform/auth/http.ts';
import { errorBodySchema } from '../../../platform/http/server.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import { parseCertificate, parseJwk, type ParsedCredential } from '../domain/credentials.ts';
import { checkCvr, checkKlePatterns, checkPrivileges, checkUnits, transition } from '../domain/rules.ts';
import { adgError } from '../errors.ts';
import { registry, type AgreementRow, type CredentialRow, type ItSystemRow } from '../store/registry.ts';

/** The privileges of the administration (the adgsystem service's own system roles). */
export const OPERATOER = 'operatoer';
export const LEVERANDOER = 'leverandoer';
export const KOMMUNE = 'kommune';

const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;
const uuidParams = { type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, required: ['uuid'] } as const;
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema } as const;

const serviceSchema = { type: 'object', properties: { uuid: str, navn: str, entityId: str, privilegier: strings } } as const;
const credentialSchema = {
  type: 'object',
  properties: {
    uuid: str,
    type: str,
    thumbprint: str,
    kid: str,
    subject: str,
    serienummer: str,
    gyldigFra: str,
    gyldigTil: str,
    tilbagekaldt: str,
  },
} as const;
const systemSchema = {
  type: 'object',
  properties: { uuid: str, navn: str, leverandoerCvr: str, kontakt: str, legitimationer: { type: 'array', items: credentialSchema } },
} as const;
const agreementSchema = {
  type: 'object',
  properties: {
    uuid: str,
    cvr: str,
    itsystem: str,
    tjeneste: str,
    privilegier: strings,
    dataafgraensning: { type: 'object', properties: { kle: strings, organisationenheder: strings } },
    gyldigFra: str,
    gyldigTil: str,
    tilstand: str,
    anmodetAf: str,
    godkendtAf: str,
    godkendt: str,
    tilbagekaldtAf: str,
    tilbagekaldt: str,
  },
} as const;

const credentialBody = {
  type: 'object',
  properties: { certifikat: str, noegle: { type: 'object' } },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
} as const;

const credentialOut = (c: CredentialRow) => ({
  uuid: c.uuid,
  type: c.kind,
  thumbprint: c.thumbprint,
  ...(c.kid ? { kid: c.kid } : {}),
  ...(c.subject ? { subject: c.subject, serienummer: c.serial } : {}),
  ...(c.notBefore ? { gyldigFra: c.notBefore, gyldigTil: c.notAfter } : {}),
  ...(c.revokedAt ? { tilbagekaldt: c.revokedAt } : {}),
});
const systemOut = (s: ItSystemRow, credentials: CredentialRow[]) => ({
  uuid: s.uuid,
  navn: s.name,
  leverandoerCvr: s.supplierCvr,
  ...(s.contact ? { kontakt: s.contact } : {}),
  legitimationer: credentials.map(credentialOut),
});
const agreementOut = (a: AgreementRow) => ({
  uuid: a.uuid,
  cvr: a.cvr,
  itsystem: a.itSystem,
  tjeneste: a.service,
  privilegier: a.privileges,
  dataafgraensning: { kle: a.kle, organisationenheder: a.orgUnits },
  gyldigFra: a.validFrom,
  gyldigTil: a.validTo,
  tilstand: a.state,
  anmodetAf: a.requestedBy,
  ...(a.approvedBy ? { godkendtAf: a.approvedBy, godkendt: a.approvedAt! } : {}),
  ...(a.revokedBy ? { tilbagekaldtAf: a.revokedBy, tilbagekaldt: a.revokedAt! } : {}),
});

async function credentialOf(body: { certifikat?: string; noegle?: unknown }): Promise<ParsedCredential> {
  return body.certifikat !== undefined ? parseCertificate(body.certifikat) : parseJwk(body.noegle);
}

/** An IT system the caller may administer: its supplier's, or any for the operator. */
async function ownSystem(q: Queryable, caller: Caller, uuid: string): Promise<ItSystemRow> {
  const system = await registry.itSystem(q, uuid);
  if (!system) throw adgError('IT_SYSTEM_NOT_FOUND');
  if (!caller.privileges.includes(OPERATOER) && system.supplierCvr !== caller.cvr) throw adgError('NOT_OWN_IT_SYSTEM');
  return system;
}

/** Whether a caller may see an agreement: the municipality's, the supplier's, or the operator. */
async function mayRead(q: Queryable, caller: Caller, a: AgreementRow): Promise<boolean> {
  if (caller.privileges.includes(OPERATOER)) return true;
  if (caller.privileges.includes(KOMMUNE) && a.cvr === caller.cvr) return true;
  if (caller.privileges.includes(LEVERANDOER)) return (await registry.itSystem(q, a.itSystem))?.supplierCvr === caller.cvr;
  return false;
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
      config: { privilege: [OPERATOER, LEVERANDOER, KOMMUNE] },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'The services and their privileges',
        response: { 200: { type: 'array', items: serviceSchema }, ...errors },
      },
    },
    async () =>
      (await registry.services(store)).map((s) => ({ uuid: s.uuid, navn: s.name, entityId: s.entityId, privilegier: s.privileges })),
  );

  app.post(
    '/adgangsstyring/tjenester',
    {
      config: { privilege: OPERATOER },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'Register a service (operator)',
        body: {
          type: 'object',
          properties: {
            navn: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
            entityId: { type: 'string', minLength: 1, maxLength: 500 },
            privilegier: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,59}$' }, minItems: 1 },
          },
          required: ['navn', 'entityId', 'privilegier'],
          additionalProperties: false,
        },
        response: { 201: serviceSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { navn: string; entityId: string; privilegier: string[] };
      const created = await store.transaction(async (tx) => {
        const s = await registry.insertService(
          tx,
          { name: body.navn, entityId: body.entityId, privileges: [...new Set(body.privilegier)] },
          auditActor(req.caller).actor,
        );
        if (!s) throw adgError('SERVICE_EXISTS');
        await record(tx, req, 'tjeneste.opret', 'tjeneste', s.uuid, { entityId: s.entityId });
        return s;
      });
      return reply
        .status(201)
        .send({ uuid: created.uuid, navn: created.name, entityId: created.entityId, privilegier: created.privileges });
    },
  );

  app.post(
    '/adgangsstyring/itsystemer',
    {
      config: { privilege: LEVERANDOER },
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
      config: { privilege: [OPERATOER, LEVERANDOER] },
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
      config: { privilege: [OPERATOER, LEVERANDOER] },
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
      config: { privilege: LEVERANDOER },
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
      config: { privilege: [OPERATOER, LEVERANDOER] },
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

  app.post(
    '/adgangsstyring/serviceaftaler',
    {
      config: { privilege: LEVERANDOER },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Request a service agreement for one of the caller's IT systems (supplier); the municipality approves it",
        body: {
          type: 'object',
          properties: {
            cvr: str,
            itsystem: { type: 'string', format: 'uuid' },
            tjeneste: { type: 'string', description: 'The service entity id' },
            privilegier: { type: 'array', items: str, minItems: 1 },
            dataafgraensning: {
              type: 'object',
              properties: { kle: { type: 'array', items: str }, organisationenheder: { type: 'array', items: str } },
              additionalProperties: false,
            },
            gyldigFra: str,
            gyldigTil: str,
          },
          required: ['cvr', 'itsystem', 'tjeneste', 'privilegier'],
          additionalProperties: false,
        },
        response: { 201: agreementSchema, ...errors },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const body = req.body as {
        cvr: string;
        itsystem: string;
        tjeneste: string;
        privilegier: string[];
        dataafgraensning?: { kle?: string[]; organisationenheder?: string[] };
        gyldigFra?: string;
        gyldigTil?: string;
      };
      const cvr = checkCvr(body.cvr);
      const system = await ownSystem(store, caller, body.itsystem);
      const service = await registry.serviceBy(store, 'entity_id', body.tjeneste);
      if (!service) throw adgError('SERVICE_NOT_FOUND', `No service has entity id ${body.tjeneste}`);
      const privileges = checkPrivileges(body.privilegier, service.privileges);
      const kle = checkKlePatterns(body.dataafgraensning?.kle ?? []);
      const orgUnits = checkUnits(body.dataafgraensning?.organisationenheder ?? []);
      const from = body.gyldigFra ?? new Date().toISOString();
      const to = body.gyldigTil ?? 'infinity';
      const fromMs = Date.parse(from);
      const toMs = to === 'infinity' ? Infinity : Date.parse(to);
      if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs) throw adgError('INVALID_PERIOD');
      const a = await store.transaction(async (tx) => {
        const a = await registry.insertAgreement(tx, {
          cvr,
          itSystem: system.uuid,
          service: service.uuid,
          privileges,
          kle,
          orgUnits,
          validFrom: new Date(fromMs).toISOString(),
          validTo: to === 'infinity' ? 'infinity' : new Date(toMs).toISOString(),
          state: 'requested',
          requestedBy: auditActor(caller).actor,
        });
        await record(tx, req, 'serviceaftale.anmod', 'serviceaftale', a.uuid, {
          cvr,
          itsystem: system.uuid,
          tjeneste: service.entityId,
          privileges,
        });
        return a;
      });
      return reply.status(201).send(agreementOut(a));
    },
  );

  app.get(
    '/adgangsstyring/serviceaftaler',
    {
      config: { privilege: [OPERATOER, LEVERANDOER, KOMMUNE] },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Agreements: the municipality's own, the supplier's systems', or all (operator)",
        response: { 200: { type: 'array', items: agreementSchema }, ...errors },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      if (caller.privileges.includes(OPERATOER)) return (await registry.agreements(store, {})).map(agreementOut);
      const own = caller.privileges.includes(KOMMUNE) ? await registry.agreements(store, { cvr: caller.cvr }) : [];
      const supplied = caller.privileges.includes(LEVERANDOER) ? await registry.agreements(store, { supplierCvr: caller.cvr }) : [];
      const seen = new Set<string>();
      return [...own, ...supplied].filter((a) => !seen.has(a.uuid) && seen.add(a.uuid)).map(agreementOut);
    },
  );

  app.get(
    '/adgangsstyring/serviceaftaler/:uuid',
    {
      config: { privilege: [OPERATOER, LEVERANDOER, KOMMUNE] },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'One agreement',
        params: uuidParams,
        response: { 200: agreementSchema, ...errors },
      },
    },
    async (req) => {
      const a = await registry.agreement(store, (req.params as { uuid: string }).uuid);
      if (!a || !(await mayRead(store, callerOf(req), a))) throw adgError('AGREEMENT_NOT_FOUND');
      return agreementOut(a);
    },
  );

  for (const [path, action, verb] of [
    ['godkend', 'approve', 'Approve'],
    ['tilbagekald', 'revoke', 'Revoke'],
  ] as const) {
    app.post(
      `/adgangsstyring/serviceaftaler/:uuid/${path}`,
      {
        config: { privilege: KOMMUNE },
        schema: {
          tags: ['adgangsstyring/admin'],
          summary: `${verb} an agreement for the caller's own municipality`,
          params: uuidParams,
          response: { 200: agreementSchema, ...errors },
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const uuid = (req.params as { uuid: string }).uuid;
        const changed = await store.transaction(async (tx) => {
          const a = await registry.agreement(tx, uuid, true);
          if (!a) throw adgError('AGREEMENT_NOT_FOUND');
          if (a.cvr !== caller.cvr) throw adgError('NOT_OWN_MUNICIPALITY', undefined, { cvr: a.cvr });
          const next = await registry.setAgreementState(tx, a.uuid, transition(a.state, action), auditActor(caller).actor);
          await record(tx, req, `serviceaftale.${path}`, 'serviceaftale', a.uuid, { from: a.state, to: next.state });
          return next;
        });
        deps.onAgreementChange?.(changed.uuid);
        deps.onChange?.();
        return agreementOut(changed);
      },
    );
  }
}
