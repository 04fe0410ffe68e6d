import { oioError } from '../errors.ts';
import type { Livscykluskode } from '../model.ts';

/** The transitions the OIO standard allows; any other is refused. */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<Livscykluskode, readonly Livscykluskode[]>> = Object.freeze({
  Opstaaet: ['Passiveret', 'Slettet', 'Rettet'],
  Importeret: ['Passiveret', 'Slettet', 'Rettet'],
  Rettet: ['Passiveret', 'Slettet', 'Rettet'],
  Passiveret: ['Importeret', 'Slettet'],
  Slettet: ['Importeret'],
});

/** Throws the specific error for a transition from `current` to `next` that is not allowed. */
export function assertTransition(current: Livscykluskode, next: Livscykluskode): void {
  if (LIFECYCLE_TRANSITIONS[current].includes(next)) return;
  if (current === 'Slettet') throw oioError('OBJECT_DELETED');
  if (current === 'Passiveret' && next === 'Rettet') throw oioError('OBJECT_PASSIVATED');
  throw oioError('ILLEGAL_LIFECYCLE_TRANSITION', `The lifecycle transition ${current} → ${next} is not allowed`, {
    from: current,
    to: next,
  });
}

/**
 * What an import (PUT) becomes: a new or passivated or deleted object is imported; an active one
 * is overwritten in full, which the standard records as a correction.
 */
export function importTransition(current: Livscykluskode | undefined): Livscykluskode {
  if (current === undefined || current === 'Passiveret' || current === 'Slettet') return 'Importeret';
  return 'Rettet';
}
