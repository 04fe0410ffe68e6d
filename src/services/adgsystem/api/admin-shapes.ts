import { errorBodySchema } from '../../../platform/http/server.ts';
import type { AgreementRow, CredentialRow, ItSystemRow, ServiceRow } from '../store/registry.ts';

export { KOMMUNE, LEVERANDOER, OPERATOER } from '../domain/rules.ts';

export const str = { type: 'string' } as const;
export const strings = { type: 'array', items: str } as const;
export const uuidParams = { type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, required: ['uuid'] } as const;
export const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
} as const;

export const serviceSchema = {
  type: 'object',
  properties: { uuid: str, navn: str, entityId: str, privilegier: strings, operatoerPrivilegier: strings },
} as const;
export const credentialSchema = {
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
export const systemSchema = {
  type: 'object',
  properties: { uuid: str, navn: str, leverandoerCvr: str, kontakt: str, legitimationer: { type: 'array', items: credentialSchema } },
} as const;
export const agreementSchema = {
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
    godkendtSom: str,
    tilbagekaldtAf: str,
    tilbagekaldt: str,
  },
} as const;

export const credentialBody = {
  type: 'object',
  properties: { certifikat: str, noegle: { type: 'object' } },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
} as const;

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
  ...(c.subject ? { subject: c.subject, serienummer: c.serial } : {}),
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
