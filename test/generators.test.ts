import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEmneplan, generateHandlingsfacetter } from '../src/services/kla/generate/index.ts';
import { demoMunicipality, generateMunicipality, importRequestBody } from '../src/services/org/generate/index.ts';

// The digests are of the generators' output before they were split into steps (issue 13): a seed
// must keep giving the same municipality and the same KLE, byte for byte. A change that means to
// alter the output updates them, and says so.
const digest = (x: unknown) =>
  createHash('sha256')
    .update(typeof x === 'string' ? x : JSON.stringify(x, (_k, v) => (v === Infinity ? 'Infinity' : v)))
    .digest('hex')
    .slice(0, 16);

const AARHUS = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: '55133018' };
const OTHER = { uuid: '11111111-2222-4333-8444-555555555555', bvn: 'odsherred', navn: 'Odsherred Kommune', cvr: '29188645' };
const KLE = Array.from({ length: 300 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('the generators give the same output for a seed', () => {
  it('the synthetic municipality', () => {
    expect({
      demo: digest(demoMunicipality(AARHUS, KLE)),
      seed2: digest(generateMunicipality({ organisation: AARHUS, seed: 2, units: 120, users: 400 })),
      other: digest(
        generateMunicipality({ organisation: OTHER, seed: 4, units: 300, users: 900, years: 10, until: '2031-07-15', kleClasses: KLE }),
      ),
      body: digest(importRequestBody(demoMunicipality(AARHUS), 'note')),
    }).toEqual({ demo: 'd06daa9c4a94e38a', seed2: '7bf70f92a26fbd35', other: 'b71ba9e0016992e9', body: '6d4ac79a46efa294' });
  });

  it('the synthetic KLE, both editions', () => {
    const editions = [
      { seed: 1, scale: 0.25, edition: 1 },
      { seed: 1, scale: 0.25, edition: 2 },
      { seed: 7, scale: 1, edition: 2 },
    ] as const;
    expect(editions.map((o) => [digest(generateEmneplan(o)), digest(generateHandlingsfacetter(o))])).toEqual([
      ['67e23d81688190cc', '43a5c8a84a098702'],
      ['5f1d9c5ee73b1d2f', 'be4ef5cb8c6b2917'],
      ['d922f6f690946be0', '29c1b6d96018bd2d'],
    ]);
  });
});
