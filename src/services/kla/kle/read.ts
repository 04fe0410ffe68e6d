import { fromFormatError } from '../errors.ts';
import { parseKle, type KleDocument } from './parse.ts';

/** Reads one KLE file from a stream, turning format errors into the catalogue's errors. */
export async function readKle(input: AsyncIterable<string | Buffer | Uint8Array>, onEntry?: () => void): Promise<KleDocument> {
  try {
    return await parseKle(input, onEntry);
  } catch (err) {
    throw fromFormatError(err);
  }
}
