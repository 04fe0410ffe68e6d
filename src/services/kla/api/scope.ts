import type { FastifyInstance } from 'fastify';
import { kleAllowed } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import { ownership } from '../../org/index.ts';

const WRITE_ROUTE = /^\/klassifikation\/(klassifikation|facet|klasse)(\/:uuid)?$/;

/**
 * Who may touch what in FK Klassifikation. KLE is national data with no municipality, but a
 * classification, facet or class may have an owner (`ejer`: an organisation or a unit of one),
 * and then only that municipality writes it: the owner of the object a write names and the owner
 * a write's body gives must both be the caller's CVR. Reads are not limited by owner. A caller
 * whose token names KLE numbers reads only the classes they match (by brugervendtnoegle, the KLE
 * number).
 */
export function registerKlaScope(app: FastifyInstance, oio: OioStore): void {
  const owners = ownership(oio);
  app.addHook('preHandler', async (req) => {
    const caller = req.caller;
    if (!caller) return;
    const url = req.routeOptions.url ?? '';
    if (req.method === 'GET' && url === '/klassifikation/klasse/:uuid' && caller.restrictions.kle.length) {
      const [obj] = await oio.list('klasse', [(req.params as { uuid: string }).uuid.toLowerCase()]);
      const numbers = (obj?.registreringer.at(-1)?.content.attributter.klasseegenskaber ?? []).map((v) => v.fields.brugervendtnoegle ?? '');
      if (obj && !numbers.some((n) => kleAllowed(caller.restrictions, n)))
        throw authError('DATA_OUTSIDE_RESTRICTION', 'The class is outside the token’s KLE numbers', { brugervendtnoegle: numbers });
      return;
    }
    const m = WRITE_ROUTE.exec(url);
    if (!m || req.method === 'GET') return;
    const refs: string[] = [];
    const uuid = (req.params as { uuid?: string }).uuid;
    if (uuid) {
      const [obj] = await oio.list(m[1]!, [uuid.toLowerCase()]);
      for (const r of obj?.registreringer.at(-1)?.content.relationer.ejer ?? []) if (r.uuid) refs.push(r.uuid);
    }
    const body = req.body as { relationer?: { ejer?: { uuid?: string }[] } } | undefined;
    for (const r of body?.relationer?.ejer ?? []) if (r.uuid) refs.push(r.uuid);
    if (refs.length === 0) return;
    const foreign = (await owners.cvrsOf(refs)).filter((c) => c !== caller.cvr);
    if (foreign.length)
      throw authError('MUNICIPALITY_NOT_ALLOWED', 'The classification belongs to another municipality', { cvr: [...new Set(foreign)] });
  });
}
