import { defineErrors, errorFactory, registerErrors } from '../../platform/errors.ts';
import { KleFormatError } from './kle/parse.ts';

/** Errors of FK Klassifikation: the KLE import's format errors, its own routes', and the national data rule. */
export const KlaErrors = defineErrors({
  KLE_MALFORMED_XML: { status: 400, fk: 40, message: 'The KLE file is not well-formed XML (or is truncated)' },
  KLE_WRONG_ROOT: { status: 400, fk: 40, message: 'The file is neither a KLE-Emneplan nor KLE-Handlingsfacetter' },
  KLE_DOCTYPE_FORBIDDEN: { status: 400, fk: 40, message: 'A DOCTYPE is not allowed in a KLE file' },
  KLE_ENTITY_FORBIDDEN: { status: 400, fk: 40, message: 'Entity references other than the XML ones are not allowed' },
  KLE_DUPLICATE_NUMBER: { status: 400, fk: 40, message: 'A KLE number occurs twice' },
  KLE_DUPLICATE_UUID: { status: 400, fk: 40, message: 'A KLE UUID occurs twice' },
  KLE_MISSING_PARENT: { status: 400, fk: 40, message: 'An entry names a parent the file does not have' },
  KLE_BAD_DATE: { status: 400, fk: 40, message: 'A date is not YYYY-MM-DD or not a calendar date' },
  KLE_BAD_NUMBER: { status: 400, fk: 40, message: 'A KLE number has the wrong shape' },
  KLE_MISSING_FIELD: { status: 400, fk: 40, message: 'An entry lacks its number, title or a valid UUID' },
  KLE_EMPTY_UPLOAD: { status: 400, fk: 40, message: 'The upload holds no KLE file' },
  NATIONAL_DATA_OPERATOR_ONLY: {
    status: 403,
    fk: 40,
    message:
      "National data (a classification, facet or class without an owner, such as KLE) is written only with the operator's privilege administrer",
  },
});
export type KlaErrorCode = keyof typeof KlaErrors;

registerErrors('kla', KlaErrors);

export const klaError = errorFactory(KlaErrors);

/** A parser's format error as the catalogue's error, keeping the line it names. */
export function fromFormatError(err: unknown): unknown {
  if (err instanceof KleFormatError)
    return klaError(err.code, err.message, { line: err.line, ...(err.column !== undefined ? { column: err.column } : {}) });
  return err;
}
