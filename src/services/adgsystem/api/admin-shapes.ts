import { Type } from '@sinclair/typebox';
import type { ErrorSpec } from '../../../platform/errors.ts';
import { errorResponses, INVALID_INPUT, Str, TOKEN_REFUSED, type ErrorResponses } from '../../../platform/http/schemas.ts';
import { AdgsystemErrors } from '../errors.ts';
import type { AgreementRow, CredentialRow, ItSystemRow, ServiceRow } from '../store/registry.ts';

export { KOMMUNE, LEVERANDOER, OPERATOER } from '../domain/rules.ts';

export const Strings = Type.Array(Str);
/** A JWK: its members are read by parseJwk, which names what is wrong. */
export const JsonObject = Type.Unsafe<object>({ type: 'object' });

/** The failure answers of an administration route: bad input, a refused token, and the errors it names. */
export function errors(...specs: readonly (ErrorSpec | readonly ErrorSpec[])[]): ErrorResponses {
  return errorResponses(INVALID_INPUT, TOKEN_REFUSED, ...specs);
}

/** What a request about a named IT system may answer besides its own errors. */
export const OWN_SYSTEM: readonly ErrorSpec[] = [AdgsystemErrors.IT_SYSTEM_NOT_FOUND, AdgsystemErrors.NOT_OWN_IT_SYSTEM];
/** A certificate or public key that cannot be read. */
export const BAD_CREDENTIAL: readonly ErrorSpec[] = [AdgsystemErrors.INVALID_CERTIFICATE, AdgsystemErrors.INVALID_JWK];

export const ServiceSchema = Type.Partial(
  Type.Object({ uuid: Str, navn: Str, entityId: Str, privilegier: Strings, operatoerPrivilegier: Strings }),
);
export const CredentialSchema = Type.Partial(
  Type.Object({
    uuid: Str,
    type: Str,
    thumbprint: Str,
    kid: Str,
    subject: Str,
    serienummer: Str,
    gyldigFra: Str,
    gyldigTil: Str,
    tilbagekaldt: Str,
  }),
);
export const SystemSchema = Type.Partial(
  Type.Object({ uuid: Str, navn: Str, leverandoerCvr: Str, kontakt: Str, legitimationer: Type.Array(CredentialSchema) }),
);
export const AgreementSchema = Type.Partial(
  Type.Object({
    uuid: Str,
    cvr: Str,
    itsystem: Str,
    tjeneste: Str,
    privilegier: Strings,
    dataafgraensning: Type.Partial(Type.Object({ kle: Strings, organisationenheder: Strings })),
    gyldigFra: Str,
    gyldigTil: Str,
    tilstand: Str,
    anmodetAf: Str,
    godkendtAf: Str,
    godkendt: Str,
    godkendtSom: Str,
    tilbagekaldtAf: Str,
    tilbagekaldt: Str,
  }),
);

export const CredentialBody = Type.Partial(Type.Object({ certifikat: Str, noegle: JsonObject }), {
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
});

/** An instant as PostgreSQL prints it (`2026-11-29 18:01:12.895+00`), as ISO 8601; infinity stays. */
export function iso(pg: string): string {
  if (pg === 'infinity' || pg === '-infinity') return pg;
  const ms = Date.parse(pg.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(ms) ? pg : new Date(ms).toISOString();
}

export const serviceOut = (s: ServiceRow) => ({
  uuid: s.uuid,
  navn: s.name,
  entityId: s.entityId,
  privilegier: s.privileges,
  operatoerPrivilegier: s.operatorPrivileges,
});
export const credentialOut = (c: CredentialRow) => ({
  uuid: c.uuid,
  type: c.kind,
  thumbprint: c.thumbprint,
  ...(c.kid ? { kid: c.kid } : {}),
  // A certificate without a serial number has always answered "" (the serialiser's string for null).
  ...(c.subject ? { subject: c.subject, serienummer: c.serial ?? '' } : {}),
  ...(c.notBefore ? { gyldigFra: iso(c.notBefore), gyldigTil: iso(c.notAfter!) } : {}),
  ...(c.revokedAt ? { tilbagekaldt: iso(c.revokedAt) } : {}),
});
export const systemOut = (s: ItSystemRow, credentials: CredentialRow[]) => ({
  uuid: s.uuid,
  navn: s.name,
  leverandoerCvr: s.supplierCvr,
  ...(s.contact ? { kontakt: s.contact } : {}),
  legitimationer: credentials.map(credentialOut),
});
export const agreementOut = (a: AgreementRow) => ({
  uuid: a.uuid,
  cvr: a.cvr,
  itsystem: a.itSystem,
  tjeneste: a.serviceEntityId,
  privilegier: a.privileges,
  dataafgraensning: { kle: a.kle, organisationenheder: a.orgUnits },
  gyldigFra: iso(a.validFrom),
  gyldigTil: iso(a.validTo),
  tilstand: a.state,
  anmodetAf: a.requestedBy,
  ...(a.approvedBy ? { godkendtAf: a.approvedBy, godkendt: iso(a.approvedAt!) } : {}),
  ...(a.approvedAs ? { godkendtSom: a.approvedAs } : {}),
  ...(a.revokedBy ? { tilbagekaldtAf: a.revokedBy, tilbagekaldt: iso(a.revokedAt!) } : {}),
});
