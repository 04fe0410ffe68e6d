import { authError } from '../../../platform/auth/errors.ts';
import { adgError } from '../errors.ts';

export type AgreementState = 'requested' | 'approved' | 'revoked';

/**
 * Whose approval an agreement carries: the municipality it names, the platform operator, or the
 * operator's own tools that insert it approved (bootstrap, demo seed, tests).
 */
export type ApprovedAs = 'municipality' | 'operator' | 'provisioned';

/** The administration's roles on the adgsystem service (its privileges). */
export const OPERATOER = 'operatoer';
export const LEVERANDOER = 'leverandoer';
export const KOMMUNE = 'kommune';

/** Of an agreement's privileges, those its service keeps for the operator to grant. */
export function operatorOnly(privileges: readonly string[], operatorPrivileges: readonly string[]): string[] {
  return privileges.filter((p) => operatorPrivileges.includes(p));
}

/** Whether an agreement's approval may carry the operator-only privileges it names. */
export function grantValid(privileges: readonly string[], operatorPrivileges: readonly string[], as: ApprovedAs | null): boolean {
  return operatorOnly(privileges, operatorPrivileges).length === 0 || as === 'operator' || as === 'provisioned';
}

/** The side of an approval or revocation: the caller's CVR and adgsystem privileges. */
export interface Decider {
  readonly cvr: string;
  readonly privileges: readonly string[];
}

/**
 * Who may approve or revoke an agreement, and as whom. An agreement naming a privilege its service
 * keeps for the operator is approved by the operator only (PRIVILEGE_OPERATOR_ONLY otherwise, also
 * for the municipality it names): such a privilege reaches every municipality's data. Every other
 * agreement is approved by the municipality it names, and by no one else. A municipality may
 * always revoke an agreement for its own CVR; the operator may revoke one it had to approve.
 * Errors never name the agreement's CVR.
 */
export function decideAs(
  caller: Decider,
  agreement: { readonly cvr: string; readonly privileges: readonly string[] },
  operatorPrivileges: readonly string[],
  action: 'approve' | 'revoke',
): ApprovedAs {
  const reserved = operatorOnly(agreement.privileges, operatorPrivileges);
  const operator = caller.privileges.includes(OPERATOER);
  const ownMunicipality = caller.privileges.includes(KOMMUNE) && agreement.cvr === caller.cvr;
  if (reserved.length) {
    if (operator) return 'operator';
    if (action === 'revoke' && ownMunicipality) return 'municipality';
    throw adgError('PRIVILEGE_OPERATOR_ONLY', `Only the platform operator may grant ${reserved.join(', ')}`, { privileges: reserved });
  }
  if (!caller.privileges.includes(KOMMUNE))
    throw authError('PRIVILEGE_MISSING', 'Only the municipality the agreement names may approve or revoke it', { privilege: [KOMMUNE] });
  if (!ownMunicipality) throw adgError('NOT_OWN_MUNICIPALITY');
  return 'municipality';
}

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
