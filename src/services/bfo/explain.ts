/**
 * "Why (not)?": whether a message matches a subscription, condition by condition with the values
 * the message had, and whether the subscription's owner is entitled to it.
 *
 * A stored message is explained only to a caller who may see it: the operator; or the owner of
 * the subscription (the caller, by the route's scope) when the message was delivered to one of its
 * dueslag, or when its agreements entitle it to receive the message (the municipality the message
 * is about, and its KLE subjects). Anything else is answered as not found, so neither the message's
 * filter data nor its existence reaches a caller who could not have received it. (The store does
 * not record which IT system sent a message, only the BeskedAnsvarligAktoer the sender wrote, so
 * "the caller sent it" is not a ground.)
 */
import type { Queryable } from '../../platform/store/store.ts';
import { isOperator, type BfoCaller, type BfoEntitlements, type ReceiveDecision } from './domain/entitlements.ts';
import type { Haendelsesbesked } from './domain/envelope.ts';
import { compileFilter, explain, filterData, listsOf, type Explanation } from './domain/filter.ts';
import { bfoError } from './errors.ts';
import { getAbonnement, getBeskedtype, getDueslag, type Abonnement, type Dueslag } from './store/admin.ts';
import { memberships } from './store/memberships.ts';

export interface MatchExplanation {
  readonly matched: boolean;
  readonly beskedtype: { readonly expected: string; readonly actual: string; readonly matched: boolean };
  readonly filter: Explanation;
  readonly entitled: boolean;
  readonly entitlementReason?: string;
}

interface Subject {
  readonly abonnement: Abonnement;
  readonly dueslag: Dueslag;
}

async function subjectOf(db: Queryable, abonnementUuid: string): Promise<Subject> {
  const abonnement = await getAbonnement(db, abonnementUuid);
  return { abonnement, dueslag: await getDueslag(db, abonnement.dueslag) };
}

async function receiveDecision(
  db: Queryable,
  entitlements: BfoEntitlements,
  s: Subject,
  besked: Haendelsesbesked,
): Promise<ReceiveDecision> {
  const f = besked.beskedkuvert.filtreringsdata;
  const [decision] = await entitlements.mayReceive(
    [
      {
        dueslag: { uuid: s.dueslag.uuid, ejer: s.dueslag.ejer },
        beskedtype: await getBeskedtype(db, s.abonnement.beskedtype),
        ansvarligMyndighed: f.objektRegistrering.flatMap((r) => r.objektAnsvarligMyndighed ?? []),
        opgaveEmne: f.objektRegistrering.flatMap((r) => r.opgaveEmne ?? []),
        tilladtModtager: f.tilladtModtager,
      },
    ],
    db,
  );
  return decision ?? { allowed: false, reason: 'The entitlements gave no answer' };
}

async function explainWith(db: Queryable, s: Subject, besked: Haendelsesbesked, decision: ReceiveDecision): Promise<MatchExplanation> {
  const compiled = compileFilter(s.abonnement.filter);
  const data = filterData(besked);
  const filter = explain(compiled, data, await memberships(db, listsOf(compiled), data));
  const actual = besked.beskedkuvert.filtreringsdata.beskedtype;
  const typeMatches = actual === s.abonnement.beskedtype;
  return {
    matched: typeMatches && filter.matched && decision.allowed,
    beskedtype: { expected: s.abonnement.beskedtype, actual, matched: typeMatches },
    filter,
    entitled: decision.allowed,
    ...(decision.allowed ? {} : { entitlementReason: decision.reason }),
  };
}

/** Would this message (given by the caller) match this subscription, and why (not)? */
export async function explainMessage(
  db: Queryable,
  entitlements: BfoEntitlements,
  abonnementUuid: string,
  besked: Haendelsesbesked,
): Promise<MatchExplanation> {
  const s = await subjectOf(db, abonnementUuid);
  return explainWith(db, s, besked, await receiveDecision(db, entitlements, s, besked));
}

/**
 * Did a stored message match this subscription, and why (not)? Only for a caller who may see the
 * message (see the module's comment); otherwise BFO_BESKED_NOT_FOUND, as for one never received.
 */
export async function explainStored(
  db: Queryable,
  entitlements: BfoEntitlements,
  abonnementUuid: string,
  beskedId: string,
  caller: BfoCaller | undefined,
): Promise<MatchExplanation> {
  const s = await subjectOf(db, abonnementUuid);
  const { rows } = await db.query<{ kuvert: Haendelsesbesked; leveret: boolean }>(
    `SELECT b.kuvert,
            EXISTS (SELECT 1 FROM bfo_levering l JOIN bfo_dueslag d ON d.uuid = l.dueslag
                     WHERE l.besked_seq = b.seq AND d.ejer = $2)
         OR EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(b.leveringer, '[]'::jsonb)) e
                     JOIN bfo_dueslag d ON d.uuid::text = e->>'dueslag' WHERE d.ejer = $2) AS leveret
     FROM bfo_besked b WHERE b.besked_id = $1`,
    [beskedId, s.dueslag.ejer],
  );
  const notFound = () => bfoError('BFO_BESKED_NOT_FOUND', `No message ${beskedId} within retention`);
  const row = rows[0];
  if (!row) throw notFound();
  const decision = await receiveDecision(db, entitlements, s, row.kuvert);
  if (!isOperator(caller) && !row.leveret && !decision.allowed) throw notFound();
  return explainWith(db, s, row.kuvert, decision);
}
