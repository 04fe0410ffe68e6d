import type { RelationDecl, StateDecl } from './model.ts';

/** Shorthands for type declarations: a 0..1 relation, a 0..n relation, a publication-like state. */
export const zeroOrOne = (name: string, targets?: readonly string[]): RelationDecl => ({
  name,
  cardinality: '0..1',
  ...(targets ? { targets } : {}),
});

export const zeroOrMany = (name: string, targets?: readonly string[], qualified = false): RelationDecl => ({
  name,
  cardinality: '0..n',
  ...(targets ? { targets } : {}),
  ...(qualified ? { qualified } : {}),
});

export const state = (name: string, field: string, values: readonly string[]): StateDecl => ({ name, field, values });
