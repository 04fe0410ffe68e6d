import { createHmac } from 'node:crypto';
import type { Queryable } from '../../src/platform/store/store.ts';

/**
 * The audit log's reference for a CPR number as docs/architecture.md states it: HMAC-SHA-256 of
 * the number's ten digits under the 32-byte key kept in `platform_setting` ('audit.person_key',
 * hex). Computed here from the stored key, not by AuditLog, so a test compares what the log wrote
 * with the documented rule rather than with the code that wrote it.
 */
export async function documentedPersonRef(db: Queryable, digits: string): Promise<string> {
  if (!/^\d{10}$/.test(digits)) throw new Error(`a CPR number's ten digits, not ${digits}`);
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM platform_setting WHERE name = 'audit.person_key'`);
  const key = Buffer.from(rows[0]!.value, 'hex');
  if (key.length !== 32) throw new Error(`audit.person_key holds ${key.length} bytes, not 32`);
  return createHmac('sha256', key).update(digits).digest('hex');
}
