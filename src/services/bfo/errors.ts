import { defineErrors, errorFactory, registerErrors } from '../../platform/errors.ts';

/** Errors of FK Beskedfordeler: envelopes, filters, administration, sending and receiving. */
export const BfoErrors = defineErrors({
  BFO_MALFORMED_XML: { status: 400, fk: 40, message: 'The message is not well-formed XML' },
  BFO_DOCTYPE_FORBIDDEN: { status: 400, fk: 40, message: 'A DOCTYPE is not allowed in a message' },
  BFO_ENTITY_FORBIDDEN: { status: 400, fk: 40, message: 'Entity references other than the XML ones are not allowed' },
  BFO_WRONG_ROOT: { status: 400, fk: 40, message: 'The document is not a Haendelsesbesked' },
  BFO_INVALID_ENVELOPE: { status: 400, fk: 40, message: 'The envelope lacks a required element or has a malformed one' },
  BFO_INVALID_CLOUDEVENT: { status: 400, fk: 40, message: 'The CloudEvent lacks a required attribute or has a malformed one' },
  BFO_MESSAGE_TOO_LARGE: { status: 413, fk: 40, message: 'The message is larger than the Beskedfordeler accepts' },
  BFO_UNKNOWN_BESKEDTYPE: { status: 400, fk: 40, message: 'The message names a beskedtype that is not registered' },
  BFO_SENDER_NOT_ENTITLED: { status: 403, fk: 40, message: 'The sender has no agreement to send this beskedtype for this municipality' },
  BFO_NOT_OWNER: { status: 403, fk: 40, message: 'The caller may not administer what this owner owns' },
  BFO_INVALID_FILTER: { status: 400, fk: 40, message: 'The subscription filter is not valid' },
  BFO_UNKNOWN_VAERDILISTE: { status: 400, fk: 40, message: 'The filter refers to a value list that does not exist' },
  BFO_BESKEDTYPE_NOT_FOUND: { status: 404, fk: 44, message: 'No beskedtype with that UUID' },
  BFO_DUESLAG_NOT_FOUND: { status: 404, fk: 44, message: 'No dueslag with that UUID' },
  BFO_ABONNEMENT_NOT_FOUND: { status: 404, fk: 44, message: 'No abonnement with that UUID' },
  BFO_VAERDILISTE_NOT_FOUND: { status: 404, fk: 44, message: 'No value list with that UUID' },
  BFO_BESKED_NOT_FOUND: { status: 404, fk: 44, message: 'No message with that BeskedId within retention' },
  BFO_ALREADY_EXISTS: { status: 409, fk: 40, message: 'An object with that UUID exists already' },
  BFO_IN_USE: { status: 409, fk: 40, message: 'The object is referred to and cannot be deleted' },
  BFO_INVALID_DELIVERY: { status: 400, fk: 40, message: 'The delivery settings of the dueslag are not valid' },
  BFO_WRONG_DELIVERY_MODE: { status: 409, fk: 40, message: 'The dueslag is not delivered this way' },
  BFO_INVALID_RECEIPT: { status: 400, fk: 40, message: 'A receipt is malformed' },
  BFO_REPLAY_OUT_OF_RETENTION: { status: 400, fk: 40, message: 'The replay starts before the retention of the dueslag' },
  BFO_TRANSPORT_UNAVAILABLE: { status: 503, fk: 40, message: 'The message transport is unavailable; retry later' },
});
export type BfoErrorCode = keyof typeof BfoErrors;

registerErrors('bfo', BfoErrors);

export const bfoError = errorFactory(BfoErrors);
