import type { Content, OioObject } from '../../../oio/model.ts';
import type { OioStore, OioWriter } from '../../../oio/store/oio-store.ts';
import { parseInstant } from '../../../oio/domain/time.ts';
import type { KleDocument, KleEntry } from '../kle/parse.ts';
import { changeKind, desiredKlasse, entryUuid, KLE_FACET_EMNER, KLE_FACET_HANDLINGER, KLE_KLASSIFIKATION } from '../domain/kle-mapping.ts';
import { klaError } from '../errors.ts';
import { ownerClaim } from '../domain/access-rules.ts';

export interface KleImportSummary {
  added: number;
  changed: number;
  retired: number;
  unchanged: number;
  /** Per document: its kind, edition date and number of entries. */
  documents: { kind: KleDocument['kind']; udgivelsesdato?: string | undefined; entries: number }[];
}

const isCurrent = (e: KleEntry) => !e.udgaaet && !e.flyttet;

export type ImportProgress = (done: number, total: number) => void;

const since = { from: -Infinity, to: Infinity };
const CTX = { note: 'KLE-import' };

function root(): Content {
  return {
    attributter: {
      klassifikationegenskaber: [
        { fields: { brugervendtnoegle: 'KLE', titel: 'KL Emnesystematik', kaldenavn: 'KLE', ophavsret: 'KL' }, virkning: since },
      ],
    },
    tilstande: { klassifikationpubliceret: [{ value: 'Publiceret', virkning: since }] },
    relationer: {},
  };
}

function facet(bvn: string, titel: string): Content {
  return {
    attributter: { facetegenskaber: [{ fields: { brugervendtnoegle: bvn, titel, opbygning: 'Hierarkisk' }, virkning: since }] },
    tilstande: { facetpubliceret: [{ value: 'Publiceret', virkning: since }] },
    relationer: { facettilhoerer: [{ uuid: KLE_KLASSIFIKATION, virkning: since }] },
  };
}

/**
 * KLE is national data: no municipality owns any of it. An object stored under one of KLE's UUIDs
 * with an owner (a municipality wrote it there first, perhaps to take the class over when KL
 * publishes it) is written anew as KLE's, without the owner.
 */
const isKle = (o: OioObject | undefined) => o !== undefined && ownerClaim(o.registreringer.at(-1)!.content.relationer.ejer).national;

function withoutOwner(content: Content): Content {
  if (ownerClaim(content.relationer.ejer).national) return content;
  const { ejer: _owner, ...relationer } = content.relationer;
  return { ...content, relationer };
}

async function ensureStructure(w: OioWriter): Promise<void> {
  const [have] = await w.list('klassifikation', [KLE_KLASSIFIKATION]);
  if (!isKle(have)) await w.importer('klassifikation', KLE_KLASSIFIKATION, root(), CTX);
  const facets = new Map((await w.list('facet', [KLE_FACET_EMNER, KLE_FACET_HANDLINGER])).map((o) => [o.uuid, o]));
  if (!isKle(facets.get(KLE_FACET_EMNER))) await w.importer('facet', KLE_FACET_EMNER, facet('KLE-emner', 'KLE emneplan'), CTX);
  if (!isKle(facets.get(KLE_FACET_HANDLINGER))) {
    await w.importer('facet', KLE_FACET_HANDLINGER, facet('KLE-handlingsfacetter', 'KLE handlingsfacetter'), CTX);
  }
}

/**
 * Imports parsed KLE documents (an emneplan and/or the action facets) in one transaction: either
 * everything is written or nothing. Creates the KLE classification and its two facets when
 * missing, keeps KLE's UUIDs as class UUIDs, and writes a new registration only for a class the
 * edition changes.
 */
export async function importKle(oio: OioStore, documents: readonly KleDocument[], onProgress?: ImportProgress): Promise<KleImportSummary> {
  const summary: KleImportSummary = { added: 0, changed: 0, retired: 0, unchanged: 0, documents: [] };
  const total = documents.reduce((n, d) => n + d.entries.length, 0);
  await oio.inTransaction(async (w) => {
    await w.lock('kle-import');
    await ensureStructure(w);
    let done = 0;
    for (const doc of documents) {
      summary.documents.push({ kind: doc.kind, udgivelsesdato: doc.udgivelsesdato, entries: doc.entries.length });
      const editionDate = doc.udgivelsesdato ? parseInstant(doc.udgivelsesdato) : Date.now();
      // A number may stand twice (a retired or moved entry beside the current one): the current one wins.
      const uuidByNumber = new Map<string, string>();
      for (const e of [...doc.entries].sort((a, b) => Number(isCurrent(a)) - Number(isCurrent(b)))) {
        uuidByNumber.set(`${e.kind === 'handlingsfacet' || e.kind === 'kategori' ? 'h' : 'e'}:${e.nummer}`, entryUuid(e));
      }
      const parentUuid = (e: KleEntry) => {
        if (!e.parent) return undefined;
        const space = e.kind === 'handlingsfacet' ? 'h' : 'e';
        const uuid = uuidByNumber.get(`${space}:${e.parent}`);
        if (!uuid)
          throw klaError('KLE_MISSING_PARENT', `line ${e.line}: ${e.nummer} names parent ${e.parent}, which the file does not have`);
        return uuid;
      };
      // Moved numbers name their successor; the successor's class records what it replaces.
      const replaces = new Map<string, string[]>();
      for (const e of doc.entries) {
        const successor = e.flyttet?.afloestAf;
        const target = successor
          ? uuidByNumber.get(`${e.kind === 'handlingsfacet' || e.kind === 'kategori' ? 'h' : 'e'}:${successor}`)
          : undefined;
        if (target && target !== entryUuid(e)) replaces.set(target, [...(replaces.get(target) ?? []), entryUuid(e)]);
      }
      const current = new Map<string, Content>();
      const uuids = doc.entries.map(entryUuid);
      for (let i = 0; i < uuids.length; i += 1000) {
        for (const o of await w.list('klasse', uuids.slice(i, i + 1000))) {
          current.set(o.uuid, o.registreringer[o.registreringer.length - 1]!.content);
        }
      }
      for (const e of doc.entries) {
        const uuid = entryUuid(e);
        const now = current.get(uuid);
        const desired = withoutOwner(desiredKlasse(e, parentUuid(e), now, editionDate, replaces.get(uuid)));
        const kind = changeKind(e, now, desired);
        summary[kind]++;
        if (kind !== 'unchanged') await w.importer('klasse', uuid, desired, CTX);
        onProgress?.(++done, total);
      }
    }
  });
  if (summary.added + summary.changed + summary.retired > 100) await oio.analyze();
  return summary;
}
