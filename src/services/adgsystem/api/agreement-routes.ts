import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { auditActor } from '../../../platform/auth/caller.ts';
import { callerOf } from '../../../platform/auth/http.ts';
import { checkCvr, checkKlePatterns, checkPrivileges, checkUnits, decideAs, transition } from '../domain/rules.ts';
import { ListOf, Str, typed, UNREADABLE_BODY, Uuid, UuidParams } from '../../../platform/http/schemas.ts';
import { AdgsystemErrors, adgError } from '../errors.ts';
import { registry } from '../store/registry.ts';
import { ADMIN, decisionFacts, mayRead, ownSystem } from './access.ts';
import type { AdminDeps, RecordChange } from './admin-routes.ts';
import { agreementOut, AgreementSchema, errors, KOMMUNE, LEVERANDOER, OPERATOER, OWN_SYSTEM } from './admin-shapes.ts';

const E = AdgsystemErrors;
const optional = Type.Optional;

/**
 * Service agreements: a supplier requests one for its IT system; the municipality it names
 * approves or revokes it, except that an agreement naming a privilege the service keeps for the
 * operator is approved by the operator only; each party (and the operator) reads it. A supplier
 * may request such an agreement: the request grants nothing, and it waits for the operator.
 */
export function registerAgreementRoutes(parent: FastifyInstance, deps: AdminDeps, record: RecordChange): void {
  const app = typed(parent);
  const { store } = deps;
  app.post(
    '/serviceaftaler',
    {
      config: { access: ADMIN.requestAgreement(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Request a service agreement for one of the caller's IT systems (supplier); the municipality approves it",
        body: Type.Object(
          {
            cvr: Str,
            itsystem: Uuid,
            tjeneste: Type.String({ description: 'The service entity id' }),
            privilegier: Type.Array(Str, { minItems: 1 }),
            dataafgraensning: optional(
              Type.Object(
                { kle: optional(Type.Array(Str)), organisationenheder: optional(Type.Array(Str)) },
                { additionalProperties: false },
              ),
            ),
            gyldigFra: optional(Str),
            gyldigTil: optional(Str),
          },
          { additionalProperties: false },
        ),
        response: {
          201: AgreementSchema,
          ...errors(UNREADABLE_BODY, OWN_SYSTEM, [
            E.INVALID_CVR,
            E.SERVICE_NOT_FOUND,
            E.PRIVILEGE_NOT_OFFERED,
            E.INVALID_KLE_PATTERN,
            E.INVALID_PERIOD,
          ]),
        },
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const body = req.body;
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
    '/serviceaftaler',
    {
      config: { access: ADMIN.agreements },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: "Agreements: the municipality's own, the supplier's systems', or all (operator)",
        response: { 200: ListOf(AgreementSchema), ...errors() },
      },
    },
    async (req) => {
      const caller = callerOf(req);
      if (caller.privileges.includes(OPERATOER)) return { resultater: (await registry.agreements(store, {})).map(agreementOut) };
      const own = caller.privileges.includes(KOMMUNE) ? await registry.agreements(store, { cvr: caller.cvr }) : [];
      const supplied = caller.privileges.includes(LEVERANDOER) ? await registry.agreements(store, { supplierCvr: caller.cvr }) : [];
      const seen = new Set<string>();
      return { resultater: [...own, ...supplied].filter((a) => !seen.has(a.uuid) && seen.add(a.uuid)).map(agreementOut) };
    },
  );

  app.get(
    '/serviceaftaler/:uuid',
    {
      config: { access: ADMIN.agreement(store) },
      schema: {
        tags: ['adgangsstyring/admin'],
        summary: 'One agreement',
        params: UuidParams,
        response: { 200: AgreementSchema, ...errors(E.AGREEMENT_NOT_FOUND) },
      },
    },
    async (req) => {
      const a = await registry.agreement(store, req.params.uuid);
      if (!a || !(await mayRead(store, callerOf(req), a))) throw adgError('AGREEMENT_NOT_FOUND');
      return agreementOut(a);
    },
  );

  for (const [path, action, verb] of [
    ['godkend', 'approve', 'Approve'],
    ['tilbagekald', 'revoke', 'Revoke'],
  ] as const) {
    app.post(
      `/serviceaftaler/:uuid/${path}`,
      {
        config: { access: ADMIN.decideAgreement(store, action) },
        schema: {
          tags: ['adgangsstyring/admin'],
          summary: `${verb} an agreement for the caller's own municipality (one naming an operator-only privilege: the operator)`,
          params: UuidParams,
          response: {
            200: AgreementSchema,
            ...errors(E.AGREEMENT_NOT_FOUND, E.NOT_OWN_MUNICIPALITY, E.PRIVILEGE_OPERATOR_ONLY, E.AGREEMENT_STATE_CONFLICT),
          },
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const uuid = req.params.uuid;
        const changed = await store.transaction(async (tx) => {
          const [a, operatorPrivileges] = await decisionFacts(tx, uuid, true);
          const as = decideAs(caller, a, operatorPrivileges, action);
          const next = await registry.setAgreementState(
            tx,
            a.uuid,
            transition(a.state, action),
            auditActor(caller).actor,
            action === 'approve' ? as : undefined,
          );
          await record(tx, req, `serviceaftale.${path}`, 'serviceaftale', a.uuid, {
            from: a.state,
            to: next.state,
            ...(action === 'approve' ? { as } : {}),
          });
          return next;
        });
        deps.onAgreementChange?.(changed.uuid);
        deps.onChange?.();
        return agreementOut(changed);
      },
    );
  }
}
