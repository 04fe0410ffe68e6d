/**
 * A synthetic plan written in the published KLE XML format: the same elements, nesting and field
 * shapes as the files a municipality downloads, with a comment saying that it is synthetic.
 */
import type { KleKind } from '../kle/parse.ts';
import { buildEmneplan } from './emneplan.ts';
import { buildHandlingsfacetter } from './handlingsfacetter.ts';
import { SYNTHETIC_KLE_NOTE, type GenerateOptions, type SynthEntry, type SynthPlan } from './plan.ts';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The element name prefix of each kind of entry. */
const PREFIX: Record<KleKind, string> = {
  hovedgruppe: 'Hovedgruppe',
  gruppe: 'Gruppe',
  emne: 'Emne',
  kategori: 'HandlingsfacetKategori',
  handlingsfacet: 'Handlingsfacet',
};

function writeEntry(out: string[], e: SynthEntry, depth: number): void {
  const i = '  '.repeat(depth);
  const P = PREFIX[e.kind];
  out.push(`${i}<${P}>`);
  out.push(`${i}  <${P}Nr>${esc(e.nummer)}</${P}Nr>`);
  out.push(`${i}  <${P}Titel>${esc(e.titel)}</${P}Titel>`);
  if (e.kind === 'handlingsfacet' && e.bevaring) out.push(`${i}  <BevaringJaevnfoerArkivloven>${e.bevaring}</BevaringJaevnfoerArkivloven>`);
  if (e.vejledning) {
    out.push(`${i}  <${P}Vejledning>`, `${i}    <VejledningTekst>`);
    for (const v of e.vejledning) {
      const list = v.li ? `<ul>${v.li.map((li) => `<li>${esc(li)}</li>`).join('')}</ul>` : '';
      out.push(`${i}      <p>${esc(v.p)}${list}</p>`);
    }
    out.push(`${i}    </VejledningTekst>`, `${i}  </${P}Vejledning>`);
  }
  if (e.retskilde) {
    out.push(
      `${i}  <${P}RetskildeReference>`,
      `${i}    <RetskildeTitel>${esc(e.retskilde.titel)}</RetskildeTitel>`,
      `${i}    <ParagrafEllerKapitel>${esc(e.retskilde.paragraf)}</ParagrafEllerKapitel>`,
      `${i}    <RetsinfoAccessionsNr>${e.retskilde.accessionsNr}</RetsinfoAccessionsNr>`,
      `${i}  </${P}RetskildeReference>`,
    );
  }
  if (!e.noAdmin) {
    out.push(`${i}  <${P}AdministrativInfo>`);
    out.push(`${i}    <OprettetDato>${e.oprettet}</OprettetDato>`);
    for (const d of e.rettet) out.push(`${i}    <RettetDato>${d}</RettetDato>`);
    if (e.udgaaet) out.push(`${i}    <Historisk>`, `${i}      <UdgaaetDato>${e.udgaaet}</UdgaaetDato>`, `${i}    </Historisk>`);
    out.push(`${i}  </${P}AdministrativInfo>`);
  }
  if (e.kind === 'emne') {
    if (e.bevaring) out.push(`${i}  <BevaringJaevnfoerArkivloven>${e.bevaring}</BevaringJaevnfoerArkivloven>`);
    if (e.sletning) out.push(`${i}  <SletningJaevnfoerPersondataloven>${e.sletning}</SletningJaevnfoerPersondataloven>`);
  }
  out.push(`${i}  <UUID>${e.uuid}</UUID>`);
  for (const s of e.stikord) {
    if (s.handlingsfacet) {
      out.push(
        `${i}  <${P}OgHandlingsfacetStikord>`,
        `${i}    <Tekst>${esc(s.tekst)}</Tekst>`,
        `${i}    <HandlingsfacetNr>${esc(s.handlingsfacet)}</HandlingsfacetNr>`,
        `${i}  </${P}OgHandlingsfacetStikord>`,
      );
    } else {
      out.push(`${i}  <${P}Stikord>`, `${i}    <Tekst>${esc(s.tekst)}</Tekst>`, `${i}  </${P}Stikord>`);
    }
  }
  for (const c of e.children) writeEntry(out, c, depth + 1);
  out.push(`${i}</${P}>`);
}

/** A plan as the published XML. */
export function planToXml(plan: SynthPlan): string {
  const root = plan.kind === 'emneplan' ? 'KLE-Emneplan' : 'KLE-Handlingsfacetter';
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<!-- ${SYNTHETIC_KLE_NOTE} (seed ${plan.seed}, udgave ${plan.edition}) -->`);
  out.push(
    plan.kind === 'emneplan'
      ? `<${root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://skemaer.kle-online.dk/rest/KLE-REST-Emneplan-fuld-version-1-2.xsd">`
      : `<${root}>`,
  );
  out.push(`  <UdgivelsesDato>${plan.udgivelsesdato}</UdgivelsesDato>`);
  for (const e of plan.roots) writeEntry(out, e, 1);
  out.push(`</${root}>`, '');
  return out.join('\n');
}

/** The synthetic subject plan as XML. */
export function generateEmneplan(opts: GenerateOptions = {}): string {
  return planToXml(buildEmneplan(opts));
}

/** The synthetic action facets as XML. */
export function generateHandlingsfacetter(opts: GenerateOptions = {}): string {
  return planToXml(buildHandlingsfacetter(opts));
}
