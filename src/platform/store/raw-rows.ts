/**
 * Rows kept as the bytes the database sent: one buffer for a whole result and the offsets of each
 * value in it. A read that hands large text through unchanged (the organisation hierarchy) copies
 * these bytes to its client without decoding them into strings and encoding them again.
 */
export class RawRows {
  /**
   * @param data    the values' bytes
   * @param offsets for value j of row i, at 2·(i·width + j): its start and end in `data`; start −1 is NULL
   */
  constructor(
    readonly count: number,
    readonly width: number,
    private readonly data: Buffer,
    private readonly offsets: Int32Array,
  ) {}

  /** Where column j of row i has its start in `offsets` (its end follows). */
  private slot(i: number, j: number): number {
    return 2 * (i * this.width + j);
  }

  /** Whether column j of row i is NULL. */
  isNull(i: number, j: number): boolean {
    return this.offsets[this.slot(i, j)]! < 0;
  }

  /** The bytes of column j of row i (a view into the result), or undefined for NULL. */
  bytes(i: number, j: number): Buffer | undefined {
    const k = this.slot(i, j);
    const start = this.offsets[k]!;
    return start < 0 ? undefined : this.data.subarray(start, this.offsets[k + 1]);
  }

  /** Column j of row i as text, or undefined for NULL. */
  text(i: number, j: number): string | undefined {
    const k = this.slot(i, j);
    const start = this.offsets[k]!;
    return start < 0 ? undefined : this.data.toString('utf8', start, this.offsets[k + 1]);
  }

  /** The length in bytes of column j of row i (0 for NULL). */
  byteLength(i: number, j: number): number {
    const k = this.slot(i, j);
    const start = this.offsets[k]!;
    return start < 0 ? 0 : this.offsets[k + 1]! - start;
  }

  /** Copies column j of row i into `target` at `at`; returns the bytes copied (0 for NULL). */
  copy(i: number, j: number, target: Buffer, at: number): number {
    const k = this.slot(i, j);
    const start = this.offsets[k]!;
    return start < 0 ? 0 : this.data.copy(target, at, start, this.offsets[k + 1]);
  }

  /** Rows given as arrays of values (text or bytes, or null); text is encoded as UTF-8. */
  static fromValues(rows: readonly (readonly unknown[])[], width: number): RawRows {
    const parts: Buffer[] = [];
    const offsets = new Int32Array(2 * rows.length * width);
    let at = 0;
    rows.forEach((row, i) => {
      for (let j = 0; j < width; j++) {
        const v = row[j];
        const k = 2 * (i * width + j);
        if (v === null || v === undefined) {
          offsets[k] = -1;
          continue;
        }
        const b = v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(typeof v === 'string' ? v : String(v), 'utf8');
        parts.push(b);
        offsets[k] = at;
        at += b.length;
        offsets[k + 1] = at;
      }
    });
    return new RawRows(rows.length, width, Buffer.concat(parts, at), offsets);
  }
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Reads the output of `COPY … TO STDOUT (FORMAT binary)`: a header, then per row a 16-bit column
 * count and per column a 32-bit length (−1 for NULL) and that many bytes, then a trailer of −1.
 * For text columns the bytes are the text in the client encoding (UTF-8); for bytea, the bytes.
 */
export function parseBinaryCopy(data: Buffer, width: number): RawRows {
  if (data.length < 19 || !data.subarray(0, 11).equals(SIGNATURE)) throw new Error('not the binary COPY format');
  let at = 15; // signature, flags
  at += 4 + data.readInt32BE(at); // header extension
  const offsets: number[] = [];
  let count = 0;
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (fields !== width) throw new Error(`binary COPY: a row of ${fields} columns, expected ${width}`);
    for (let j = 0; j < fields; j++) {
      const len = data.readInt32BE(at);
      at += 4;
      if (len < 0) offsets.push(-1, -1);
      else {
        offsets.push(at, at + len);
        at += len;
      }
    }
    count++;
  }
  return new RawRows(count, width, data, Int32Array.from(offsets));
}

/** A value as an SQL literal, for a statement that cannot take parameters (COPY). */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('a literal number must be finite');
    return String(v);
  }
  if (typeof v === 'string') {
    if (v.includes('\0')) throw new Error('a literal cannot hold NUL');
    // An escape string literal means the same whatever standard_conforming_strings is.
    return `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
  if (Array.isArray(v)) return v.length ? `ARRAY[${v.map(sqlLiteral).join(', ')}]` : `'{}'`;
  throw new Error(`no literal for a ${typeof v}`);
}

/**
 * A parameterised statement with its parameters written in as literals. `$n` must appear only as
 * a placeholder (not inside a string or a dollar-quoted body).
 */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)(?!\d)/g, (_m, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`no parameter $${n}`);
    return sqlLiteral(params[i]);
  });
}
