/**
 * Folds text for searching: lower case, the Danish letters spelled out (æ→ae, ø→oe, å→aa, as
 * Danes type them without the letters), other accents removed. "Børn", "BOERN" and "boern" fold
 * alike.
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}
