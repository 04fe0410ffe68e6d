/**
 * The Haendelsesbesked as a CloudEvent (structured JSON mode, spec 1.0), losslessly:
 * id = BeskedId, type = Beskedtype, source = the sending system, subject = the (first) object id,
 * time = Dannelsestidspunkt, the payload as data, and the filter data as extensions. The whole
 * envelope travels in the extension `bfokuvert` (a JSON string, as extensions are scalars), so a
 * CloudEvent made here reads back into exactly the envelope it came from; the flat extensions
 * (`bfoobjekthandling`, `bfoansvarligmyndighed`, `bfoopgaveemne`, …) serve CloudEvents routers.
 */
import { AppError } from '../../../platform/errors.ts';
import { parseJson } from '../../../platform/http/json.ts';
import { bfoError } from '../errors.ts';
import { envelopeFromJson, instantOf, type Beskedkuvert, type Haendelsesbesked } from './envelope.ts';

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data?: unknown;
  data_base64?: string;
  [extension: string]: unknown;
}

function fail(attribute: string, what: string): never {
  throw bfoError('BFO_INVALID_CLOUDEVENT', `${attribute} ${what}`, { field: attribute });
}

/** The envelope as a CloudEvent. */
export function toCloudEvent(b: Haendelsesbesked): CloudEvent {
  const f = b.beskedkuvert.filtreringsdata;
  const reg = f.objektRegistrering[0];
  const dannet = b.beskedkuvert.leveranceinformation.dannelsestidspunkt;
  const when = dannet ? instantOf(dannet) : undefined;
  const ce: CloudEvent = {
    specversion: '1.0',
    id: b.beskedId,
    type: f.beskedtype,
    source: f.beskedAnsvarligAktoer ?? 'urn:stotte:bfo:ukendt-afsender',
    ...(reg?.objektId ? { subject: reg.objektId } : {}),
    ...(when !== undefined ? { time: new Date(when).toISOString() } : {}),
    bfobeskedversion: b.beskedVersion,
    bfokuvert: JSON.stringify(b.beskedkuvert),
  };
  const flat: Record<string, string[]> = {
    bfoobjekthandling: f.objektRegistrering.flatMap((r) => r.objektHandling ?? []),
    bfoansvarligmyndighed: f.objektRegistrering.flatMap((r) => r.objektAnsvarligMyndighed ?? []),
    bfoopgaveemne: f.objektRegistrering.flatMap((r) => r.opgaveEmne ?? []),
    bfoobjekttype: f.objektRegistrering.flatMap((r) => r.objektType ?? []),
    bfotilladtmodtager: f.tilladtModtager,
  };
  for (const [k, v] of Object.entries(flat)) if (v.length) ce[k] = v.join(' ');
  if (b.beskeddata.length === 1) {
    const d = b.beskeddata[0]!;
    if ('xml' in d) Object.assign(ce, { datacontenttype: 'application/xml', data: d.xml });
    else if ('base64' in d) Object.assign(ce, { datacontenttype: 'application/octet-stream', data_base64: d.base64 });
    else Object.assign(ce, { datacontenttype: 'application/json', data: d.json });
  } else if (b.beskeddata.length > 1) {
    ce.datacontenttype = 'application/json';
    ce.data = { beskeddata: b.beskeddata };
    ce.bfoflerebeskeddata = true;
  }
  return ce;
}

const str = (ce: Record<string, unknown>, k: string, required = false): string | undefined => {
  const v = ce[k];
  if (v === undefined) {
    if (required) fail(k, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v === '') fail(k, 'must be a non-empty string');
  return v;
};

/** Reads a CloudEvent (structured JSON) into the envelope. */
export function fromCloudEvent(body: unknown): Haendelsesbesked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('event', 'must be a JSON object');
  const ce = body as Record<string, unknown>;
  if (ce.specversion !== '1.0') fail('specversion', 'must be "1.0"');
  const id = str(ce, 'id', true)!;
  const type = str(ce, 'type', true)!;
  const source = str(ce, 'source', true)!;
  const subject = str(ce, 'subject');
  const time = str(ce, 'time');
  if (time !== undefined && instantOf(time) === undefined) fail('time', 'is not an RFC 3339 time');
  const contentType = str(ce, 'datacontenttype');
  let kuvert: Beskedkuvert;
  const rawKuvert = str(ce, 'bfokuvert');
  if (rawKuvert !== undefined) {
    try {
      // JSON inside a string escapes the body's depth check: it gets its own.
      kuvert = parseJson(rawKuvert) as Beskedkuvert;
    } catch (err) {
      if (err instanceof AppError && err.code === 'MALFORMED_JSON') fail('bfokuvert', 'is not JSON');
      throw err;
    }
  } else {
    kuvert = {
      filtreringsdata: {
        beskedtype: type,
        beskedAnsvarligAktoer: source,
        tilladtModtager: (str(ce, 'bfotilladtmodtager') ?? '').split(' ').filter(Boolean),
        relateretObjekt: [],
        objektRegistrering: subject
          ? [
              {
                objektId: subject,
                ...(str(ce, 'bfoobjekthandling') ? { objektHandling: str(ce, 'bfoobjekthandling') } : {}),
                ...(str(ce, 'bfoansvarligmyndighed') ? { objektAnsvarligMyndighed: str(ce, 'bfoansvarligmyndighed') } : {}),
                ...(str(ce, 'bfoopgaveemne') ? { opgaveEmne: str(ce, 'bfoopgaveemne') } : {}),
                ...(str(ce, 'bfoobjekttype') ? { objektType: str(ce, 'bfoobjekttype') } : {}),
              },
            ]
          : [],
        tvaergaaendeProces: [],
      },
      leveranceinformation: { ...(time ? { dannelsestidspunkt: time } : {}), leveranceruter: [] },
    };
  }
  let beskeddata: unknown[] = [];
  if (ce.bfoflerebeskeddata === true) beskeddata = ((ce.data ?? {}) as { beskeddata?: unknown[] }).beskeddata ?? [];
  else if (ce.data_base64 !== undefined) beskeddata = [{ base64: str(ce, 'data_base64') }];
  else if (ce.data !== undefined) {
    const xml = contentType !== undefined && /xml/i.test(contentType);
    if (xml && typeof ce.data !== 'string') fail('data', 'must be a string when datacontenttype is XML');
    beskeddata = [xml ? { xml: ce.data } : { json: ce.data }];
  }
  const b = envelopeFromJson({ beskedId: id, beskedVersion: str(ce, 'bfobeskedversion') ?? '1.0', beskedkuvert: kuvert, beskeddata });
  if (b.beskedkuvert.filtreringsdata.beskedtype !== type.toLowerCase()) fail('type', 'differs from the beskedtype in bfokuvert');
  return b;
}
