import { defineErrors, errorFactory, registerErrors } from '../platform/errors.ts';

/** Errors of the OIO object store and its REST shape. */
export const OioErrors = defineErrors({
  OBJECT_NOT_FOUND: { status: 404, fk: 44, message: 'No object of this type with that UUID' },
  OBJECT_DELETED: { status: 410, fk: 44, message: 'The object has been deleted' },
  OBJECT_PASSIVATED: { status: 400, fk: 49, message: 'The object is passivated and cannot be updated' },
  OBJECT_TYPE_MISMATCH: { status: 409, fk: 40, message: 'The UUID belongs to an object of another type' },
  ILLEGAL_LIFECYCLE_TRANSITION: { status: 400, fk: 40, message: 'The lifecycle transition is not allowed' },
  INVALID_TIMESTAMP: { status: 400, fk: 40, message: 'Not an ISO 8601 instant with offset, a date, or infinity' },
  INVALID_VIRKNING_INTERVAL: { status: 400, fk: 40, message: 'A virkning must have from before to' },
  UNSUPPORTED_VIRKNING_BOUNDS: { status: 400, fk: 40, message: 'Virkning intervals are [from, to): from_included true, to_included false' },
  OVERLAPPING_VIRKNING: { status: 400, fk: 40, message: 'Two values that may hold only one at a time overlap in virkning' },
  INVALID_RELATION_TARGET: { status: 400, fk: 40, message: 'A relation value needs exactly one of uuid and urn' },
  RELATION_TARGET_TYPE_NOT_ALLOWED: { status: 400, fk: 40, message: 'The relation cannot point to an object of that type' },
  INVALID_STATE_VALUE: { status: 400, fk: 40, message: 'Not a value of this state' },
  MISSING_REQUIRED_FIELD: { status: 400, fk: 40, message: 'A value lacks a field its attribute group requires' },
  EMPTY_REGISTRATION: { status: 400, fk: 40, message: 'An object needs at least one attribute, state or relation value' },
  INVALID_PARAMETER: { status: 400, fk: 40, message: 'A query parameter has a value this operation cannot use' },
  INVALID_CURSOR: { status: 400, fk: 40, message: 'The cursor is malformed or belongs to another query' },
  PAGING_OFFSET_TOO_LARGE: { status: 400, fk: 40, message: 'foersteresultat is limited; page further with the cursor' },
  TOO_MANY_UUIDS: { status: 400, fk: 40, message: 'Too many UUIDs in one list call' },
  TOO_MANY_CRITERIA: { status: 400, fk: 40, message: 'The search has more criteria than one search may have' },
});
export type OioErrorCode = keyof typeof OioErrors;

registerErrors('oio', OioErrors);

/** Throws the catalogue's error `code`, with an optional sharper message and details. */
export const oioError = errorFactory(OioErrors);
