/**
 * The synthetic KLE generator: a seeded KLE in the published XML format, for tests, the demo and
 * benchmarks. KL's terms do not let the project ship the real plan, so every title, number
 * assignment, keyword, guidance text and UUID is invented from word lists and a seed; the same
 * seed always gives the same bytes.
 *
 * Two editions share a seed: edition 2 is edition 1 plus a later publication date, some renamed
 * subjects (same number and UUID, new title, a RettetDato), some newly retired subjects, some new
 * subjects, and some subjects moved to another group (same UUID, a new number under the new group;
 * the old number is gone).
 */
export { buildEmneplan } from './emneplan.ts';
export { buildHandlingsfacetter } from './handlingsfacetter.ts';
export {
  allEntries as synthEntries,
  planStats,
  syntheticUuid,
  SYNTHETIC_KLE_NOTE,
  type GenerateOptions,
  type SynthChanges,
  type SynthEntry,
  type SynthPlan,
  type SynthVejledning,
} from './plan.ts';
export { generateEmneplan, generateHandlingsfacetter, planToXml } from './xml.ts';
