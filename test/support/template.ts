import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations } from '../../src/platform/store/migrations.ts';

/** Where the migrated template image lives; its name changes whenever a migration does. */
export function templatePath(): string {
  const hash = createHash('sha256')
    .update(
      loadMigrations()
        .map((m) => m.checksum)
        .join(','),
    )
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), `stotte-test-template-${hash}.tar`);
}
