import { defineErrors, errorFactory, registerErrors } from '../../platform/errors.ts';

/** Errors of FK Organisation: its own rules over writes, and the anonymiser. */
export const OrgErrors = defineErrors({
  TILHOERER_REQUIRED: {
    status: 400,
    fk: 40,
    message: 'A unit or user must belong to exactly one organisation (tilhoerer) at every instant it exists',
  },
  USER_ATTACHED_DIRECTLY: {
    status: 400,
    fk: 40,
    message: 'Users are attached to units through organisation functions, never directly',
  },
  UNIT_CYCLE: { status: 400, fk: 40, message: 'The parent (overordnet) of a unit would make the unit tree a cycle' },
  INVALID_CPR: { status: 400, fk: 40, message: 'Not a CPR number: ten digits (optionally a dash after six) of a possible date' },
  IMPORT_FOREIGN_OBJECT: {
    status: 400,
    fk: 40,
    message: 'An object of an organisation import belongs to another organisation',
  },
  PERSON_NOT_FOUND: { status: 404, fk: 44, message: 'No person with that UUID or CPR number' },
  OWNER_REQUIRED: {
    status: 400,
    fk: 40,
    message:
      "A write by a municipality's token must name its organisation as the owner (tilhoerer, tilknyttedeorganisationer, or its CVR in virksomhed)",
  },
});
export type OrgErrorCode = keyof typeof OrgErrors;

registerErrors('org', OrgErrors);

/** Throws-ready error from FK Organisation's catalogue. */
export const orgError = errorFactory(OrgErrors);
