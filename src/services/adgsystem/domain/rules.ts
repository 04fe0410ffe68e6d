import { adgError } from '../errors.ts';

export type AgreementState = 'requested' | 'approved' | 'revoked';

const KLE_PATTERN = /^\d{2}(\.\d{2}){0,2}$|^\d{2}(\.\d{2})?\.\*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** KLE restrictions: exact numbers (27, 27.12, 27.12.04) or prefix wildcards (27.*, 27.12.*). */
export function checkKlePatterns(patterns: readonly string[]): string[] {
  for (const p of patterns)
    if (!KLE_PATTERN.test(p)) throw adgError('INVALID_KLE_PATTERN', `"${p}" is not a KLE number or wildcard`, { value: p });
  return [...new Set(patterns)];
}

export function checkUnits(uuids: readonly string[]): string[] {
  for (const u of uuids) if (!UUID.test(u)) throw adgError('INVALID_KLE_PATTERN', `"${u}" is not an organisation unit UUID`, { value: u });
  return [...new Set(uuids.map((u) => u.toLowerCase()))];
}

export function checkCvr(cvr: string): string {
  if (!/^\d{8}$/.test(cvr)) throw adgError('INVALID_CVR', `"${cvr}" is not a CVR number`, { value: cvr });
  return cvr;
}

export function checkPrivileges(asked: readonly string[], offered: readonly string[]): string[] {
  const missing = asked.filter((p) => !offered.includes(p));
  if (missing.length)
    throw adgError('PRIVILEGE_NOT_OFFERED', `The service does not offer ${missing.join(', ')}`, { privileges: missing, offered });
  return [...new Set(asked)];
}

const TRANSITIONS: Record<'approve' | 'revoke', readonly AgreementState[]> = {
  approve: ['requested'],
  revoke: ['requested', 'approved'],
};

/** The state an agreement moves to; throws AGREEMENT_STATE_CONFLICT for a transition not allowed. */
export function transition(from: AgreementState, action: 'approve' | 'revoke'): AgreementState {
  if (!TRANSITIONS[action].includes(from))
    throw adgError('AGREEMENT_STATE_CONFLICT', `A ${from} agreement cannot be ${action === 'approve' ? 'approved' : 'revoked'}`, {
      state: from,
    });
  return action === 'approve' ? 'approved' : 'revoked';
}

/** The longest a client assertion may reach ahead (RFC 7523 assertions are meant to be short-lived). */
export const MAX_ASSERTION_LIFETIME_S = 300;

/** A token lives for the configured lifetime, but never past the end of its agreement. */
export function tokenExpiry(nowS: number, lifetimeS: number, agreementValidToMs: number): number {
  return Math.min(nowS + lifetimeS, Math.floor(agreementValidToMs / 1000));
}
