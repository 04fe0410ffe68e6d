/** Data restrictions (dataafgrænsning) of a caller; an empty list restricts nothing. */
export interface DataRestrictions {
  /** KLE numbers, each exact (`27.12.04`) or a prefix wildcard (`27.*`, `27.12.*`). */
  readonly kle: readonly string[];
  /** Organisation unit UUIDs. */
  readonly organisationenheder: readonly string[];
}

/** Who calls, as proven by a verified access token. Domain code reads it from `request.caller`. */
export interface Caller {
  /** The IT system (token `sub`). */
  readonly itSystem: string;
  readonly clientId: string;
  /** The municipality (or supplier, or operator) the IT system acts for. */
  readonly cvr: string;
  readonly privileges: readonly string[];
  readonly restrictions: DataRestrictions;
  /** The service agreement the token was issued under. */
  readonly agreement: string;
  readonly tokenId: string;
  readonly expiresAt: number;
}

/** Whether a KLE number lies inside a caller's KLE restriction (empty: everything). */
export function kleAllowed(restrictions: DataRestrictions, number: string): boolean {
  if (restrictions.kle.length === 0) return true;
  return restrictions.kle.some((pattern) =>
    pattern.endsWith('.*') ? number.startsWith(pattern.slice(0, -1)) || number === pattern.slice(0, -2) : number === pattern,
  );
}

/** Whether an organisation unit lies inside a caller's unit restriction (empty: everything). */
export function unitAllowed(restrictions: DataRestrictions, uuid: string): boolean {
  return restrictions.organisationenheder.length === 0 || restrictions.organisationenheder.includes(uuid.toLowerCase());
}

/** The identity recorded in the audit log for a caller. */
export function auditActor(caller: Caller | undefined): { actor: string; actorCvr?: string } {
  return caller ? { actor: `itsystem:${caller.itSystem}`, actorCvr: caller.cvr } : { actor: 'unauthenticated' };
}
