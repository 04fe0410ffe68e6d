/**
 * Who may send and who may receive: the seam between routing and the service agreements.
 *
 * The platform's Authenticator verifies the caller's token and hands over the caller: its IT
 * system, the municipality (CVR) it acts for, its privileges and its data restrictions (KLE
 * numbers, organisation units). Agreements (which system may receive for which municipalities and
 * KLE subjects) live with FK Adgangsstyring for Systemer; {@link agreementEntitlements} answers
 * from them, {@link allowAll} entitles everyone (for tests of routing mechanics).
 */
import type { Queryable } from '../../../platform/store/store.ts';
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

/**
 * Allowed, or refused. An allowed message that named no municipality may be given the one it is
 * about: it is then routed (and delivered) with that as its TilladtModtager.
 */
export type SendDecision =
  { readonly allowed: true; readonly tilladtModtager?: readonly string[] } | { readonly allowed: false; readonly reason: string };

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
  /** Whether the sender may send this beskedtype for the municipalities the message names. */
  maySend(q: SendQuestion): Promise<SendDecision>;
  /**
   * For each matched dueslag, whether its owner has an approved agreement for the beskedtype,
   * sensitivity, sending municipality and KLE subject, and the municipalities it is entitled for
   * (the envelope's TilladtModtager is rewritten to those). One call per message, for all dueslag.
   * `db` is where to read: the routing's own transaction when it runs in one (on a single-connection
   * store a read elsewhere would wait for that transaction, and it for the read).
   */
  mayReceive(questions: readonly ReceiveQuestion[], db: Queryable): Promise<ReceiveDecision[]>;
  /**
   * Whether the caller may administer (read, drain, redrive, replay, delete) what `ejer` owns: its
   * dueslag, their subscriptions, its value lists and beskedtyper. Lists are limited in their SQL
   * by {@link managedOwner}, which must agree with this.
   */
  mayManage(caller: BfoCaller | undefined, ejer: string): Promise<Decision>;
}

/**
 * Everyone may do everything; TilladtModtager is passed on as sent. For tests of routing
 * mechanics. Do not run it where the data is real.
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

/** The Beskedfordeler's operator privilege: it manages what every IT system owns. */
export const OPERATOR_PRIVILEGE = 'administrer';

/** Whether the caller is the operator (or requests are not authenticated: tests of routing). */
export function isOperator(caller: BfoCaller | undefined): boolean {
  return caller === undefined || caller.privileges.includes(OPERATOR_PRIVILEGE);
}

/**
 * The owner whose dueslag, subscriptions and value lists a caller's lists are limited to, inside
 * their SQL: its own IT system; null (every owner) for the operator.
 */
export function managedOwner(caller: BfoCaller | undefined): string | null {
  return isOperator(caller) ? null : caller!.system;
}

/** An approved agreement in force of a receiving IT system for FK Beskedfordeler. */
export interface ReceiverAgreement {
  readonly itSystem: string;
  readonly cvr: string;
  readonly privileges: readonly string[];
  /** KLE numbers or prefix wildcards (`27.*`); empty: every subject. */
  readonly kle: readonly string[];
}

/** The CVR number of `urn:oio:cvr-nr:NNNNNNNN` or a bare number; undefined for anything else. */
export function cvrOf(raw: string): string | undefined {
  const m = /^(?:urn:oio:cvr-nr:)?(\d{8})$/i.exec(raw.trim());
  return m ? m[1] : undefined;
}

function kleMatches(patterns: readonly string[], subject: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith('.*') ? subject === p.slice(0, -2) || subject.startsWith(p.slice(0, -1)) : subject === p));
}

/**
 * Entitlements from the service agreements of FK Adgangsstyring for Systemer:
 * - **send**: a caller (its token already carries the `send` privilege of FK Beskedfordeler for
 *   its CVR) may send only about its own municipality: every ObjektAnsvarligMyndighed and every
 *   TilladtModtager the message names must be the token's CVR. A message naming neither is about
 *   the sender's municipality: it gets that as its TilladtModtager, so it reaches only receivers
 *   entitled for it. The platform's own register events (no caller) are sent on the registers'
 *   behalf.
 * - **receive**: a dueslag gets a message only when its owner (an IT system) has an approved
 *   agreement in force for FK Beskedfordeler with the privilege `modtag`, for a municipality the
 *   message is about, whose KLE restriction (if any) covers every KLE subject of the message.
 *   TilladtModtager is rewritten to the municipalities the owner is entitled for (of those the
 *   message named, or of the municipalities it is about when it named none). A message naming no
 *   responsible authority goes to owners entitled for any municipality; one naming authorities
 *   none of which is a CVR number (an organisation without one) goes to nobody.
 * - **manage**: a dueslag, subscription, value list or beskedtype is administered by its owner's
 *   IT system, or by a caller with the `administrer` privilege (the operator's).
 */
export function agreementEntitlements(
  agreementsOf: (db: Queryable, itSystems: readonly string[]) => Promise<readonly ReceiverAgreement[]>,
): BfoEntitlements {
  return {
    async maySend({ caller, besked }) {
      if (!caller) return { allowed: true };
      const own = caller.cvr !== undefined ? cvrOf(caller.cvr) : undefined;
      if (own === undefined) return { allowed: false, reason: 'The token acts for no municipality; a sender sends about its own' };
      const f = besked.beskedkuvert.filtreringsdata;
      const authorities = f.objektRegistrering.flatMap((r) => (r.objektAnsvarligMyndighed ? [r.objektAnsvarligMyndighed] : []));
      // The refusal names no other municipality: only the token's own.
      if ([...authorities, ...f.tilladtModtager].some((m) => cvrOf(m) !== own))
        return {
          allowed: false,
          reason: `The token acts for CVR ${own}; every ObjektAnsvarligMyndighed and TilladtModtager of the message must be it`,
        };
      if (authorities.length === 0 && f.tilladtModtager.length === 0) return { allowed: true, tilladtModtager: [`urn:oio:cvr-nr:${own}`] };
      return { allowed: true };
    },
    async mayReceive(questions, db) {
      const owners = [...new Set(questions.map((q) => q.dueslag.ejer))];
      const all = await agreementsOf(db, owners);
      return questions.map((q) => {
        const subjects = q.opgaveEmne;
        const entitled = new Set(
          all
            .filter((a) => a.itSystem === q.dueslag.ejer && a.privileges.includes('modtag') && subjects.every((s) => kleMatches(a.kle, s)))
            .map((a) => a.cvr),
        );
        const about = q.ansvarligMyndighed.flatMap((m) => {
          const c = cvrOf(m);
          return c ? [c] : [];
        });
        // Named as the envelope names municipalities (CVR URNs) when the message named none.
        const wanted = q.tilladtModtager.length ? q.tilladtModtager : about.map((c) => `urn:oio:cvr-nr:${c}`);
        const kept = wanted.filter((m) => {
          const c = cvrOf(m);
          return c !== undefined && entitled.has(c);
        });
        // A message that names no responsible authority at all goes to a receiver entitled for
        // any municipality. One that names only authorities that are not municipalities by CVR
        // (an organisation without one) goes to nobody: no agreement can be shown to cover it.
        const namesNone = q.ansvarligMyndighed.length === 0 && q.tilladtModtager.length === 0;
        if (namesNone && entitled.size) return { allowed: true, tilladtModtager: [] };
        if (kept.length === 0)
          return {
            allowed: false,
            reason: wanted.length
              ? `${q.dueslag.ejer} has no agreement to receive this message for ${wanted.join(', ')}`
              : namesNone
                ? `${q.dueslag.ejer} has no agreement to receive this message for any municipality`
                : `The message names no municipality by CVR (${q.ansvarligMyndighed.join(', ')}); no agreement covers it`,
          };
        return { allowed: true, tilladtModtager: kept };
      });
    },
    async mayManage(caller, ejer) {
      if (isOperator(caller) || caller!.system === ejer) return { allowed: true };
      return { allowed: false, reason: "Only the owner's IT system (or the operator) administers this" };
    },
  };
}
