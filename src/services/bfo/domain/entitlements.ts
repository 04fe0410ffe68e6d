/**
 * Who may send and who may receive: the seam between routing and the service agreements.
 *
 * PENDING THE TOKEN SERVICE (issue 5). The platform's Authenticator will verify the caller's token
 * and hand over the caller: its IT system, the municipality (CVR) it acts for, its privileges and
 * its data restrictions (KLE numbers, organisation units). Agreements (which system may send or
 * receive which beskedtype, for which municipalities and KLE subjects) live with FK Adgangsstyring.
 * Until then {@link allowAll} entitles everyone to everything, and routes pass the caller the
 * request carries, if any (see `BfoCallerOf`). A real implementation plugs in here without any
 * change to routing: it gets the same questions and answers them from the agreements.
 */
import type { Haendelsesbesked } from './envelope.ts';

/** The caller of a request, as the token service's Authenticator describes it. */
export interface BfoCaller {
  /** The calling IT system (UUID or URN). */
  readonly system: string;
  /** The municipality the caller acts for: `urn:oio:cvr-nr:NNNNNNNN` or the bare number. */
  readonly cvr?: string;
  readonly privileges: readonly string[];
  /** Data restrictions (dataafgrænsning): KLE numbers and organisation units. */
  readonly restrictions?: { readonly kle?: readonly string[]; readonly organisation?: readonly string[] };
}

export interface BeskedtypeInfo {
  readonly uuid: string;
  readonly ejer: string;
  readonly sensitivitet: 'ikke-fortrolig' | 'fortrolig' | 'foelsom';
}

export interface SendQuestion {
  /** Undefined while requests are not authenticated. */
  readonly caller: BfoCaller | undefined;
  readonly beskedtype: BeskedtypeInfo;
  readonly besked: Haendelsesbesked;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export interface ReceiveQuestion {
  readonly dueslag: { readonly uuid: string; readonly ejer: string };
  readonly beskedtype: BeskedtypeInfo;
  /** The municipalities responsible for the message's objects (ObjektAnsvarligMyndighed). */
  readonly ansvarligMyndighed: readonly string[];
  /** The KLE subjects of the message (OpgaveEmne). */
  readonly opgaveEmne: readonly string[];
  /** The envelope's TilladtModtager as sent. */
  readonly tilladtModtager: readonly string[];
}

/** Allowed, with the receivers the envelope names for this dueslag; or refused. */
export type ReceiveDecision =
  { readonly allowed: true; readonly tilladtModtager: readonly string[] } | { readonly allowed: false; readonly reason: string };

export interface BfoEntitlements {
  /** Whether the sender may send this beskedtype for the object's responsible municipality. */
  maySend(q: SendQuestion): Promise<Decision>;
  /**
   * For each matched dueslag, whether its owner has an approved agreement for the beskedtype,
   * sensitivity, sending municipality and KLE subject, and the municipalities it is entitled for
   * (the envelope's TilladtModtager is rewritten to those). One call per message, for all dueslag.
   */
  mayReceive(questions: readonly ReceiveQuestion[]): Promise<ReceiveDecision[]>;
  /** Whether the caller may administer (read, drain, redrive, replay) a dueslag owned by `ejer`. */
  mayManage(caller: BfoCaller | undefined, ejer: string): Promise<Decision>;
}

/**
 * Everyone may do everything; TilladtModtager is passed on as sent. For development and the demo
 * until the token service and the agreements exist. Do not run it where the data is real.
 */
export const allowAll: BfoEntitlements = Object.freeze({
  async maySend() {
    return { allowed: true } as const;
  },
  async mayReceive(questions: readonly ReceiveQuestion[]) {
    return questions.map((q) => ({ allowed: true, tilladtModtager: q.tilladtModtager }) as const);
  },
  async mayManage() {
    return { allowed: true } as const;
  },
});
