/** What the administration answers: a beskedtype, a dueslag, a subscription, a value list. */
import { Type } from '@sinclair/typebox';
import { AnyObject, Bool, Int, Str } from '../../../platform/http/schemas.ts';

export const Beskedtype = Type.Partial(Type.Object({ uuid: Str, navn: Str, ejer: Str, sensitivitet: Str, oprettet: Str }));

export const Dueslag = Type.Partial(
  Type.Object({
    uuid: Str,
    navn: Str,
    ejer: Str,
    levering: Type.Partial(Type.Object({ type: Str, url: Str })),
    opbevaringSekunder: Int,
    maxLeveringer: Int,
    synlighedSekunder: Int,
    ordnet: Bool,
    oprettet: Str,
    hemmelighed: Str,
  }),
);

export const Abonnement = Type.Partial(
  Type.Object({
    uuid: Str,
    dueslag: Str,
    beskedtype: Str,
    // A stored filter is whatever JSON object was subscribed with.
    filter: Type.Unsafe<unknown>({ ...AnyObject }),
    oprettet: Str,
  }),
);

export const Vaerdiliste = Type.Partial(Type.Object({ uuid: Str, navn: Str, ejer: Str, antal: Int, rettet: Str }));
