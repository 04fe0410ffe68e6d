/** What routing does to an envelope for one receiver: its own TilladtModtager and a Leverancerute. */
import type { Haendelsesbesked } from './envelope.ts';

/** The Beskedfordeler's own id as a distribution system (Fordelingssystem) in a Leverancerute. */
export const FORDELINGSSYSTEM = 'urn:stotte:beskedfordeler';

export interface DeliveryFacts {
  /** Rewritten receivers; undefined keeps the envelope's. */
  readonly tilladtModtager?: readonly string[] | undefined;
  readonly abonnement: string;
  readonly modtaget: string;
  readonly leveret: string;
  readonly forsoeg: number;
  readonly modtagetFraSystem?: string | undefined;
}

/** The envelope as one receiver gets it. */
export function forReceiver(b: Haendelsesbesked, d: DeliveryFacts): Haendelsesbesked {
  const f = b.beskedkuvert.filtreringsdata;
  const l = b.beskedkuvert.leveranceinformation;
  return {
    ...b,
    beskedkuvert: {
      ...b.beskedkuvert,
      filtreringsdata: { ...f, tilladtModtager: d.tilladtModtager ? [...d.tilladtModtager] : f.tilladtModtager },
      leveranceinformation: {
        ...l,
        leveranceruter: [
          ...l.leveranceruter,
          {
            fordelingssystem: FORDELINGSSYSTEM,
            modtagelsesTidspunkt: d.modtaget,
            leveranceTidspunkt: d.leveret,
            ...(d.modtagetFraSystem ? { modtagetFraSystem: d.modtagetFraSystem } : {}),
            erLeveretIHenholdTil: d.abonnement,
            antalLeveranceforsoeg: d.forsoeg,
          },
        ],
      },
    },
  };
}

/** The push schedule: delays before retry 1, 2, … (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); then failed. */
export const PUSH_RETRY_DELAYS_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** The delay before the next push attempt after `attempts` failed ones, or undefined when it has failed for good. */
export function pushRetryDelay(attempts: number): number | undefined {
  return PUSH_RETRY_DELAYS_MS[attempts - 1];
}
