import type { FastifyRequest } from 'fastify';
import { scope, type RouteAccess } from '../../../platform/auth/access.ts';
import { kleAllowed, type Caller } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import type { OioRouteAccess } from '../../../oio/api/routes.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import { ownership } from '../../org/index.ts';

export const LAES = 'laes';
export const SKRIV = 'skriv';

/**
 * Who may touch what in FK Klassifikation. KLE is national data with no municipality, but a
 * classification, facet or class may have an owner (`ejer`: an organisation or a unit of one),
 * and then only that municipality writes it: the owner of the object a write names and the owner
 * a write's body gives must both be the caller's CVR. Reads are not limited by owner. A caller
 * whose token names KLE numbers reads only the classes they match (by brugervendtnoegle, the KLE
 * number).
 */
export function klaAccess(oio: OioStore) {
  const owners = ownership(oio);
  const uuidOf = (req: FastifyRequest) => (req.params as { uuid: string }).uuid.toLowerCase();
  const checkOwners = async (caller: Caller, refs: string[]) => {
    if (refs.length === 0) return;
    const foreign = (await owners.cvrsOf(refs)).filter((c) => c !== caller.cvr);
    if (foreign.length) throw authError('MUNICIPALITY_NOT_ALLOWED', 'The classification belongs to another municipality');
  };
  const storedOwners = async (type: string, uuid: string) => {
    const [obj] = await oio.list(type, [uuid]);
    return (obj?.registreringer.at(-1)?.content.relationer.ejer ?? []).flatMap((r) => (r.uuid ? [r.uuid] : []));
  };
  const bodyOwners = (req: FastifyRequest) =>
    ((req.body as { relationer?: { ejer?: { uuid?: string }[] } } | undefined)?.relationer?.ejer ?? []).flatMap((r) =>
      r.uuid ? [r.uuid] : [],
    );
  const access = (privilege: string, s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });

  /** The LoRa routes of one type. */
  const oioRoutes = (type: string): OioRouteAccess => ({
    read: access(
      LAES,
      type === 'klasse'
        ? scope(['object'], async (req, caller) => {
            if (!caller.restrictions.kle.length) return;
            const [obj] = await oio.list('klasse', [uuidOf(req)]);
            const numbers = (obj?.registreringer.at(-1)?.content.attributter.klasseegenskaber ?? []).map(
              (v) => v.fields.brugervendtnoegle ?? '',
            );
            if (obj && !numbers.some((n) => kleAllowed(caller.restrictions, n)))
              throw authError('DATA_OUTSIDE_RESTRICTION', 'The class is outside the token’s KLE numbers');
          })
        : scope(['shared']),
    ),
    search: access(LAES, scope(['caller'], undefined, 'kla SearchScope')),
    create: access(SKRIV, scope(['body'], (req, caller) => checkOwners(caller, bodyOwners(req)))),
    write: access(
      SKRIV,
      scope(['object', 'body'], async (req, caller) => checkOwners(caller, [...(await storedOwners(type, uuidOf(req))), ...bodyOwners(req)])),
    ),
    remove: access(
      SKRIV,
      scope(['object'], async (req, caller) => checkOwners(caller, await storedOwners(type, uuidOf(req)))),
    ),
    fields: access(LAES, scope(['shared'])),
  });

  return {
    oioRoutes,
    fritekst: access(LAES, scope(['caller'], undefined, 'kleAllowed over the results')),
    hierarki: access(LAES, scope(['shared'])),
    kleImport: access(SKRIV, scope(['national'], () => {})),
  };
}
