import { defineErrors, errorFactory, registerErrors } from '../errors.ts';

/** Errors of the platform's Authenticator: why a request's token or caller was refused. */
export const AuthErrors = defineErrors({
  TOKEN_MISSING: { status: 401, fk: 40, message: 'The request carries no bearer token' },
  TOKEN_MALFORMED: { status: 401, fk: 40, message: 'The bearer token is not a signed JWT' },
  TOKEN_ALG_NOT_ALLOWED: { status: 401, fk: 40, message: 'The token is signed with an algorithm the platform does not accept' },
  TOKEN_HEADER_NOT_ALLOWED: {
    status: 401,
    fk: 40,
    message: 'The token header names a key source the platform never uses (jku, x5u, jwk, x5c) or a critical extension',
  },
  TOKEN_KEY_UNKNOWN: { status: 401, fk: 40, message: 'The token names no key the token service publishes' },
  TOKEN_SIGNATURE_INVALID: { status: 401, fk: 40, message: 'The token signature does not verify' },
  TOKEN_TYPE_INVALID: { status: 401, fk: 40, message: 'The token is not an access token (typ at+jwt)' },
  TOKEN_ISSUER_INVALID: { status: 401, fk: 40, message: 'The token was not issued by this platform' },
  TOKEN_AUDIENCE_INVALID: { status: 401, fk: 40, message: 'The token is for another service' },
  TOKEN_EXPIRED: { status: 401, fk: 40, message: 'The token has expired' },
  TOKEN_NOT_YET_VALID: { status: 401, fk: 40, message: 'The token is not valid yet' },
  TOKEN_CLAIMS_INVALID: { status: 401, fk: 40, message: 'The token lacks a claim or has one of the wrong shape' },
  TOKEN_CERT_REQUIRED: { status: 401, fk: 40, message: 'The token is bound to a client certificate the request does not present' },
  TOKEN_CERT_MISMATCH: { status: 401, fk: 40, message: 'The token is bound to another client certificate than the one presented' },
  AGREEMENT_REVOKED: { status: 401, fk: 40, message: 'The service agreement the token was issued under is no longer in force' },
  PRIVILEGE_MISSING: { status: 403, fk: 40, message: 'The token does not carry the privilege this operation needs' },
  MUNICIPALITY_NOT_ALLOWED: { status: 403, fk: 40, message: "The data belongs to another municipality than the token's" },
  DATA_OUTSIDE_RESTRICTION: { status: 403, fk: 40, message: "The data lies outside the token's data restrictions (dataafgrænsning)" },
  CLIENT_CERT_HEADER_INVALID: { status: 400, fk: 40, message: 'The client certificate forwarded by the proxy is not a certificate' },
});
export type AuthErrorCode = keyof typeof AuthErrors;

registerErrors('auth', AuthErrors);

export const authError = errorFactory(AuthErrors);
