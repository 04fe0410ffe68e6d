/**
 * The synthetic municipality generator: a seeded, invented municipality as OIO Organisation
 * content, for tests, the demo seed and benchmarks (see municipality.ts).
 */
export { demoMunicipality, forImport, generateMunicipality, importRequestBody } from './municipality.ts';
export {
  ADDRESS_ROLES,
  EMPLOYMENT_FUNCTION_NAME,
  EMPLOYMENT_FUNCTION_TYPE,
  SYNTHETIC_ORG_NOTE,
  TASK_ROLES,
  type GeneratedMunicipality,
  type GeneratedObject,
  type GenerateMunicipalityOptions,
  type MunicipalityRef,
  type MunicipalityStats,
} from './model.ts';
/** Invented names, for benchmarks that make people of their own. */
export { FEMALE, MALE, SURNAMES } from './vocabulary.ts';
