import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineParams, parseBinaryCopy, RawRows, sqlLiteral } from '../src/platform/store/raw-rows.ts';
import { Histogram } from 'prom-client';
import { instrumentStore } from '../src/platform/store/instrumented.ts';
import { queryRaw, sqlState, type Store } from '../src/platform/store/store.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';

/** The binary COPY format, written by hand: header, rows of (length, bytes) or −1, trailer. */
function binaryCopy(rows: (string | null)[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const v of row) {
      const len = Buffer.alloc(4);
      const bytes = v === null ? Buffer.alloc(0) : Buffer.from(v, 'utf8');
      len.writeInt32BE(v === null ? -1 : bytes.length);
      parts.push(len, bytes);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

const TRICKY = ['plain', '', 'it\'s "quoted" \\ and \\\\', 'Ærø ✓ 𝄞', '$1 is not a parameter here', "'); DROP TABLE audit_log; --"];

describe('raw rows', () => {
  it('reads the binary COPY format: values, empty text and NULL, in order', () => {
    const rows = parseBinaryCopy(
      binaryCopy([
        ['a', null, 'Ærø'],
        ['', 'x', null],
      ]),
      3,
    );
    expect(rows.count).toBe(2);
    const all = [0, 1].map((i) => [0, 1, 2].map((j) => rows.text(i, j)));
    expect(all).toEqual([
      ['a', undefined, 'Ærø'],
      ['', 'x', undefined],
    ]);
    expect(rows.isNull(0, 1)).toBe(true);
    expect(rows.byteLength(0, 2)).toBe(Buffer.byteLength('Ærø'));
    const target = Buffer.alloc(8);
    expect(rows.copy(0, 2, target, 1)).toBe(5);
    expect(target.subarray(1, 6).toString('utf8')).toBe('Ærø');
  });

  it('refuses what is not the binary COPY format, or rows of another width', () => {
    expect(() => parseBinaryCopy(Buffer.from('a\tb\n'), 2)).toThrow('not the binary COPY format');
    expect(() => parseBinaryCopy(binaryCopy([['a', 'b']]), 3)).toThrow('a row of 2 columns, expected 3');
  });

  it('holds values given as text or bytes', () => {
    const rows = RawRows.fromValues([['x', new Uint8Array([0xc3, 0x86]), null]], 3);
    expect([rows.text(0, 0), rows.text(0, 1), rows.text(0, 2)]).toEqual(['x', 'Æ', undefined]);
  });

  it('writes parameters as literals that mean exactly the value', () => {
    expect(sqlLiteral("it's \\")).toBe("E'it''s \\\\'");
    expect(sqlLiteral(['a', 'b'])).toBe("ARRAY[E'a', E'b']");
    expect(sqlLiteral([])).toBe("'{}'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(42)).toBe('42');
    expect(() => sqlLiteral(Number.NaN)).toThrow('finite');
    expect(() => sqlLiteral('a\0b')).toThrow('NUL');
    expect(() => sqlLiteral({})).toThrow('no literal');
    expect(inlineParams('SELECT $1, $10, $2', ['a', 'b', 3, 4, 5, 6, 7, 8, 9, 'ten'])).toBe("SELECT E'a', E'ten', E'b'");
    expect(() => inlineParams('SELECT $2', ['a'])).toThrow('no parameter $2');
  });
});

for (const backend of allBackends) {
  describeWith(backend)(`raw rows on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => store?.close());

    it('gives the bytes of the values a query gives, parameters taken literally', async () => {
      const sql = `SELECT v AS tekst, textsend(v) AS bytes, CASE WHEN v = '' THEN NULL ELSE upper(v) END AS stor
        FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n`;
      const rows = await queryRaw(store, sql, [TRICKY], 3);
      expect(rows.count).toBe(TRICKY.length);
      const { rows: expected } = await store.query<{ tekst: string; stor: string | null }>(sql, [TRICKY]);
      for (let i = 0; i < rows.count; i++) {
        expect(rows.text(i, 0)).toBe(expected[i]!.tekst);
        expect(rows.bytes(i, 1)!.equals(Buffer.from(TRICKY[i]!, 'utf8'))).toBe(true);
        expect(rows.text(i, 2)).toBe(expected[i]!.stor ?? undefined);
      }
      // Nothing was run but the statement: the table named in a value is still there.
      expect((await store.query('SELECT count(*) AS n FROM audit_log')).rows).toHaveLength(1);
    });

    it('rejects a failing statement with the database error, and the store goes on', async () => {
      const err = await queryRaw(store, 'SELECT $1::uuid::text AS u', ['not a uuid'], 1).catch((e: unknown) => e);
      expect(sqlState(err)).toBe('22P02');
      const rows = await queryRaw(store, 'SELECT $1::uuid::text AS u', ['6A0C1B7E-3D5F-4E21-9C8A-2B4D6F8E0A13'], 1);
      expect(rows.text(0, 0)).toBe('6a0c1b7e-3d5f-4e21-9c8a-2b4d6f8e0a13');
    });

    // A connection to end from another one exists only on a server backend. The PostgreSQL suite
    // is declared on every run, so without STOTTE_TEST_POSTGRES_URL this case is listed as skipped.
    if (backend.name === 'postgres') {
      it('fails a statement whose connection is lost, and the next one gets a working connection (PostgreSQL only: a pool of connections)', async () => {
        const reading = queryRaw(store, "SELECT (pg_sleep(5) IS NULL)::text AS slow, 'raw-rows-lost' AS tag", [], 2).catch(
          (e: unknown) => e,
        );
        // Wait until the statement runs, then end its connection from another one.
        let ended = false;
        for (let i = 0; i < 50 && !ended; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const { rows } = await store.query<{ ok: boolean }>(
            `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT (pg_sleep(5)%raw-rows-lost%' AND pid <> pg_backend_pid()`,
          );
          ended = rows.some((r) => r.ok);
        }
        expect(ended).toBe(true);
        const err = await reading;
        // The server's notice that it ends the connection, or the connection's end itself.
        expect(sqlState(err) === '57P01' || /Connection terminated/.test((err as Error).message)).toBe(true);
        const again = await Promise.all([1, 2, 3].map((n) => queryRaw(store, 'SELECT $1::text AS n', [n], 1)));
        expect(again.map((r) => r.text(0, 0))).toEqual(['1', '2', '3']);
      });
    }

    it('reads an empty result, and many rows', async () => {
      expect((await queryRaw(store, 'SELECT x::text AS x FROM generate_series(1, 0) x', [], 1)).count).toBe(0);
      const many = await queryRaw(store, "SELECT x::text AS x, repeat('ø', x) AS y FROM generate_series(1, $1::int) x", [3000], 2);
      expect(many.count).toBe(3000);
      expect([many.text(2999, 0), many.byteLength(2999, 1)]).toEqual(['3000', 6000]);
    });

    it('goes through the metrics wrapper, timed like any statement', async () => {
      const histogram = new Histogram({
        name: 'raw_rows_test_seconds',
        help: 'test',
        labelNames: ['backend', 'statement', 'outcome'],
        registers: [],
      });
      const timed = instrumentStore(store, histogram);
      // The PostgreSQL adapter's COPY path survives the wrapping (and the test store's own).
      expect(typeof timed.rawRows).toBe(backend.name === 'postgres' ? 'function' : 'undefined');
      expect((await queryRaw(timed, 'SELECT $1::text AS x', ['ø'], 1)).text(0, 0)).toBe('ø');
      const counted = (await histogram.get()).values.find((v) => v.metricName === 'raw_rows_test_seconds_count');
      expect(counted).toMatchObject({ labels: { backend: backend.name, statement: 'SELECT', outcome: 'ok' }, value: 1 });
    });
  });
}
