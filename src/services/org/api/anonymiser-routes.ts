import { Type } from '@sinclair/typebox';
import type { RouteAccess } from '../../../platform/auth/access.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActor } from '../../../platform/auth/caller.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import type { AuditEntry, AuditLog } from '../../../platform/audit.ts';
import {
  errorResponses,
  INVALID_INPUT,
  Int,
  SCOPE_REFUSED,
  TOKEN_REFUSED,
  pathUuid,
  typed,
  UNREADABLE_BODY,
  Uuid,
} from '../../../platform/http/schemas.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { parseCpr } from '../domain/cpr.ts';
import { OrgErrors } from '../errors.ts';
import { anonymise } from '../store/anonymiser.ts';
import { ownersOfMany } from '../store/owners.ts';

/** The persons among these that belong to the municipality of `cvr`, and to no other. */
async function ownedPersons(tx: Queryable, persons: readonly string[], cvr: string): Promise<string[]> {
  const owners = await ownersOfMany(tx, persons, 'person');
  return persons.filter((p) => {
    const cvrs = owners.get(p)?.cvrs ?? [];
    return cvrs.length > 0 && cvrs.every((c) => c === cvr);
  });
}

/** Who makes a request, for the audit log. */
export interface RequestIdentity {
  readonly actor: string;
  readonly actorCvr?: string | undefined;
  readonly purpose?: string | undefined;
}

/** Tells who makes a request: by default the IT system and CVR of its verified token. */
export type Identify = (req: FastifyRequest) => RequestIdentity;

const fromToken: Identify = (req) => auditActor(req.caller);

const PERSON_PATH = '/organisation/person';

const AnonymiseBody = Type.Partial(Type.Object({ uuid: Uuid, cpr: Type.String({ description: 'DDMMYYSSSS or DDMMYY-SSSS' }) }), {
  description: 'The person to anonymise: its UUID, or a CPR number (every person holding it, in any registration).',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
});

const AnonymiseAnswer = Type.Object({ uuid: Uuid, uuids: Type.Array(Uuid), registreringer: Int });

/**
 * `POST /organisation/person/anonymiser` with `{"uuid": …}` or `{"cpr": …}`: removes the person's
 * CPR number and name from every registration (see {@link anonymise}). Answers 200 with the
 * person's UUID (`uuids` when a CPR number named several) and how many registrations were
 * rewritten; 400 INVALID_CPR, 404 PERSON_NOT_FOUND.
 */
export function registerAnonymiserRoutes(
  parent: FastifyInstance,
  deps: {
    readonly oio: OioStore;
    readonly audit: AuditLog;
    readonly access: RouteAccess;
    readonly identify?: Identify;
  },
): void {
  const app = typed(parent);
  const identify = deps.identify ?? fromToken;
  app.post(
    '/person/anonymiser',
    {
      config: { access: deps.access },
      schema: {
        tags: ['organisation/person'],
        summary: "Anonymiser: remove a person's CPR number and name from every registration, keeping the structure",
        body: AnonymiseBody,
        response: {
          200: AnonymiseAnswer,
          ...errorResponses(
            INVALID_INPUT,
            UNREADABLE_BODY,
            TOKEN_REFUSED,
            SCOPE_REFUSED,
            OrgErrors.INVALID_CPR,
            OrgErrors.PERSON_NOT_FOUND,
          ),
        },
      },
    },
    async (req) => {
      const body = req.body;
      const who = identify(req);
      const caller = req.caller;
      const result = await anonymise(
        deps.oio,
        deps.audit,
        body,
        { actor: who.actor, actorCvr: who.actorCvr, purpose: who.purpose, requestId: req.id },
        caller ? async (tx, persons) => ownedPersons(tx, persons, caller.cvr) : undefined,
      );
      return { uuid: result.uuids[0]!, uuids: [...result.uuids], registreringer: result.registreringer };
    },
  );
}

/** The objects a person read answered with, and the CPR numbers each held. */
function disclosed(payload: unknown): { uuid: string; cprs: string[] }[] {
  const out: { uuid: string; cprs: string[] }[] = [];
  const visit = (obj: unknown) => {
    if (typeof obj === 'string') {
      out.push({ uuid: obj, cprs: [] });
      return;
    }
    const o = obj as { id?: unknown; registreringer?: unknown } | null;
    if (!o || typeof o.id !== 'string') return;
    const cprs = new Set<string>();
    for (const reg of Array.isArray(o.registreringer) ? o.registreringer : []) {
      const values = (reg as { attributter?: { personegenskaber?: unknown } })?.attributter?.personegenskaber;
      for (const v of Array.isArray(values) ? values : []) {
        const cpr = (v as { cpr_nummer?: unknown })?.cpr_nummer;
        if (typeof cpr === 'string' && cpr !== '') cprs.add(cpr);
      }
    }
    out.push({ uuid: o.id, cprs: [...cprs] });
  };
  const body = payload as { results?: unknown } | null;
  if (body && Array.isArray(body.results)) {
    for (const page of body.results) for (const item of Array.isArray(page) ? page : []) visit(item);
  } else if (body && typeof body === 'object') {
    for (const list of Object.values(body)) for (const item of Array.isArray(list) ? list : []) visit(item);
  }
  return out;
}

/** CPR numbers a query names in any parameter (a search by cpr_nummer, vilkaarligattr, bvn …). */
function searchedCprs(query: unknown): string[] {
  const found = new Set<string>();
  for (const value of typeof query === 'object' && query !== null ? Object.values(query) : []) {
    for (const v of Array.isArray(value) ? value : [value]) {
      const digits = typeof v === 'string' ? parseCpr(v)?.digits : undefined;
      if (digits) found.add(digits);
    }
  }
  return [...found];
}

/**
 * Writes an audit record for every successful read about persons (`GET /organisation/person…`):
 * action `laes` for reading one or listing by UUID, `soeg` for a search; one record per person
 * the answer names (with its object UUID, and its CPR number, hashed by the audit log, as the
 * answer or the query holds it), or one for an empty search. The record is written before the
 * answer leaves: when it cannot be written the caller gets an error, not the data.
 * Register it on the instance that holds the person routes, before they are ready.
 */
export function registerPersonReadAudit(app: FastifyInstance, audit: AuditLog, store: Queryable, identify: Identify = fromToken): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const route = req.routeOptions.url;
    if (req.method !== 'GET' || reply.statusCode >= 300 || route === undefined) return payload;
    if (route !== PERSON_PATH && route !== `${PERSON_PATH}/:uuid`) return payload;
    let body: unknown;
    try {
      body = typeof payload === 'string' ? JSON.parse(payload) : undefined;
    } catch {
      body = undefined;
    }
    const asked = searchedCprs(req.query);
    const isSearch = route === PERSON_PATH && Object.keys(req.query ?? {}).some((k) => !isListParameter(k));
    const who = identify(req);
    const base = {
      actor: who.actor,
      actorCvr: who.actorCvr,
      action: isSearch ? 'soeg' : 'laes',
      objectType: 'person',
      purpose: who.purpose,
      requestId: req.id,
    };
    const entries: AuditEntry[] = [];
    const objects = disclosed(body);
    for (const o of objects) {
      const cprs = o.cprs.length > 0 ? o.cprs : asked;
      if (cprs.length === 0) entries.push({ ...base, objectUuid: o.uuid });
      for (const cpr of cprs) entries.push({ ...base, objectUuid: o.uuid, personCpr: cpr });
    }
    if (objects.length === 0) {
      const uuid = route === PERSON_PATH ? undefined : pathUuid(req);
      if (asked.length === 0) entries.push({ ...base, objectUuid: uuid });
      for (const cpr of asked) entries.push({ ...base, objectUuid: uuid, personCpr: cpr });
    }
    await audit.record(store, entries);
    return payload;
  });
}

/** Parameters of a list by UUID (not a search): the UUIDs and the time parameters. */
function isListParameter(name: string): boolean {
  return name === 'uuid' || name.startsWith('virkning') || name.startsWith('registre');
}
