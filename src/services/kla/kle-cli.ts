import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEmneplan, generateHandlingsfacetter } from './generate/index.ts';
import type { OioStore } from '../../oio/store/oio-store.ts';
import { readKle } from './kle/read.ts';
import { importKle, type KleImportSummary } from './store/kle-import.ts';
import type { KleDocument } from './kle/parse.ts';

/** Progress on a terminal only: a line rewritten in place, nothing in logs or pipes. */
function progress(label: string): (done: number, total?: number) => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    process.stderr.write(`\r${label}: ${done}${total ? ` / ${total}` : ''}   `);
    if (done === total) process.stderr.write('\n');
  };
}

/** `stotte kle import`: reads the files streaming, then imports them in one transaction. */
export async function runKleImport(oio: OioStore, files: readonly string[]): Promise<KleImportSummary> {
  const documents: KleDocument[] = [];
  for (const file of files) {
    statSync(file);
    const show = progress(`reading ${file}`);
    let n = 0;
    const doc = await readKle(createReadStream(file), () => show(++n));
    show(n, n);
    documents.push(doc);
  }
  return importKle(oio, documents, progress('importing'));
}

/** `stotte kle generate`: both editions of the synthetic plan and action facets, as files. */
export function writeSyntheticKle(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const edition of [1, 2] as const) {
    for (const [name, xml] of [
      [`emneplan-${edition}.xml`, generateEmneplan({ edition })],
      [`handlingsfacetter-${edition}.xml`, generateHandlingsfacetter({ edition })],
    ] as const) {
      writeFileSync(join(dir, name), xml);
      written.push(join(dir, name));
    }
  }
  return written;
}
