import { describe, expect, it } from 'vitest';
import { OwnerCache } from '../src/services/org/api/owner-cache.ts';

describe('the owners reads reuse', () => {
  const P = '00000000-0000-4000-8000-0000000000a1';
  const U = '00000000-0000-4000-8000-0000000000b1';
  const counting = () => {
    let asked = 0;
    return {
      ask: async () => {
        asked++;
        return { found: true, cvrs: ['55133018'] };
      },
      asked: () => asked,
    };
  };

  it('reuses what it found for 5 s, and asks again after', async () => {
    let now = 0;
    const cache = new OwnerCache(() => now);
    const a = counting();
    await cache.ownersOf('bruger', U, a.ask);
    await cache.ownersOf('bruger', U, a.ask);
    expect(a.asked()).toBe(1);
    now = 5_001;
    await cache.ownersOf('bruger', U, a.ask);
    expect(a.asked()).toBe(2);
  });

  it("forgets a person's owners after a write of any object that may point to it, new ones too", async () => {
    const cache = new OwnerCache(() => 0);
    const person = counting();
    const user = counting();
    await cache.ownersOf('person', P, person.ask);
    await cache.ownersOf('bruger', U, user.ask);
    // Another person written: this one's owners stand.
    cache.forget('person', '00000000-0000-4000-8000-0000000000a2');
    await cache.ownersOf('person', P, person.ask);
    expect(person.asked()).toBe(1);
    // A new user (no UUID yet) may point to it: asked again; the stored user's owners stand.
    cache.forget('bruger', undefined);
    await cache.ownersOf('person', P, person.ask);
    await cache.ownersOf('bruger', U, user.ask);
    expect([person.asked(), user.asked()]).toEqual([2, 1]);
    // Many at once go by the same rule.
    cache.forget('organisationenhed', '00000000-0000-4000-8000-0000000000c1');
    await cache.ownersOfAll('person', [P], async () => new Map([[P, { found: true, cvrs: [] }]]));
    expect((await cache.ownersOfAll('person', [P], async () => new Map())).get(P)).toEqual({ found: true, cvrs: [] });
  });
});
