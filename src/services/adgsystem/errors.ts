import { defineErrors, errorFactory, registerErrors } from '../../platform/errors.ts';

/** Errors of FK Adgangsstyring for Systemer: the token endpoint and the administration. */
export const AdgsystemErrors = defineErrors({
  UNSUPPORTED_GRANT_TYPE: { status: 400, fk: 40, message: 'The token endpoint grants client_credentials only' },
  INVALID_TOKEN_REQUEST: {
    status: 400,
    fk: 40,
    message: 'The token request lacks a parameter or has one twice or malformed (resource, cvr)',
  },
  CLIENT_AUTH_MISSING: {
    status: 401,
    fk: 40,
    message: 'The client authenticated neither with a certificate (mTLS) nor with a client assertion',
  },
  CLIENT_ASSERTION_INVALID: {
    status: 401,
    fk: 40,
    message: 'The client assertion is malformed, signed with an unaccepted algorithm or by no key registered for the client',
  },
  CLIENT_ASSERTION_AUDIENCE_INVALID: { status: 401, fk: 40, message: 'The client assertion is not addressed to this token endpoint' },
  CLIENT_ASSERTION_EXPIRED: { status: 401, fk: 40, message: 'The client assertion has expired' },
  CLIENT_ASSERTION_EXPIRY_TOO_FAR: { status: 401, fk: 40, message: 'The client assertion expires too far ahead (at most 5 minutes)' },
  CLIENT_ASSERTION_REPLAYED: { status: 401, fk: 40, message: 'The client assertion (its jti) has been used before' },
  CLIENT_UNKNOWN: { status: 401, fk: 40, message: 'No IT system is registered under that client id' },
  CLIENT_CERT_UNKNOWN: { status: 401, fk: 40, message: 'The client certificate is not registered for any IT system' },
  CLIENT_CERT_EXPIRED: { status: 401, fk: 40, message: 'The client certificate is outside its validity period' },
  CLIENT_CREDENTIAL_REVOKED: { status: 401, fk: 40, message: 'The client certificate or key has been revoked' },
  RESOURCE_UNKNOWN: { status: 400, fk: 40, message: 'No service has that entity id (resource)' },
  NO_AGREEMENT: {
    status: 403,
    fk: 40,
    message: 'No approved service agreement in force grants this IT system the service for that municipality',
  },
  SERVICE_NOT_FOUND: { status: 404, fk: 44, message: 'No service with that UUID' },
  SERVICE_EXISTS: { status: 409, fk: 40, message: 'A service with that name or entity id is registered already' },
  IT_SYSTEM_NOT_FOUND: { status: 404, fk: 44, message: 'No IT system with that UUID' },
  CREDENTIAL_NOT_FOUND: { status: 404, fk: 44, message: 'No credential with that UUID on this IT system' },
  CREDENTIAL_EXISTS: { status: 409, fk: 40, message: 'That certificate or key is registered already' },
  INVALID_CERTIFICATE: { status: 400, fk: 40, message: 'Not a PEM X.509 certificate' },
  INVALID_JWK: { status: 400, fk: 40, message: 'Not a public EC P-256 or RSA (2048 bits or more) JWK' },
  AGREEMENT_NOT_FOUND: { status: 404, fk: 44, message: 'No service agreement with that UUID' },
  AGREEMENT_STATE_CONFLICT: {
    status: 409,
    fk: 40,
    message: 'The agreement is not in a state that allows this transition (requested → approved → revoked)',
  },
  PRIVILEGE_NOT_OFFERED: { status: 400, fk: 40, message: 'The service does not offer that privilege' },
  INVALID_KLE_PATTERN: { status: 400, fk: 40, message: 'Not a KLE number or a prefix wildcard (27, 27.12, 27.12.04, 27.*, 27.12.*)' },
  INVALID_CVR: { status: 400, fk: 40, message: 'Not a CVR number: eight digits' },
  INVALID_PERIOD: { status: 400, fk: 40, message: 'The validity period must have gyldigFra before gyldigTil' },
  NOT_OWN_IT_SYSTEM: { status: 403, fk: 40, message: "The IT system belongs to another supplier than the caller's" },
  NOT_OWN_MUNICIPALITY: { status: 403, fk: 40, message: "The agreement is for another municipality than the caller's" },
  PRIVILEGE_OPERATOR_ONLY: {
    status: 403,
    fk: 40,
    message: 'The agreement names a privilege only the platform operator may grant: only the operator approves it',
  },
});
export type AdgsystemErrorCode = keyof typeof AdgsystemErrors;

registerErrors('adgsystem', AdgsystemErrors);

export const adgError = errorFactory(AdgsystemErrors);
