import { createPublicKey, createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

// A minimal DER writer: just enough ASN.1 to make a self-signed certificate for the demo IT
// system and the tests, so no certificate library is needed at run time.
function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
function integer(value: Buffer): Buffer {
  const v = value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value;
  return tlv(0x02, v);
}
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const year = Number(iso.slice(0, 4));
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}
const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));

export interface SelfSignedOptions {
  readonly commonName: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/**
 * A self-signed X.509 v3 certificate (PEM) for an EC P-256 or RSA key pair. The platform pins
 * registered certificates by thumbprint, so a self-signed certificate is as good as a CA's.
 */
export function selfSignedCertificate(privateKey: KeyObject, options: SelfSignedOptions): string {
  const now = Date.now();
  const ec = privateKey.asymmetricKeyType === 'ec';
  const sigAlg = ec ? seq(oid('1.2.840.10045.4.3.2')) : seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const serial = randomBytes(16);
  // Positive and minimal: high bit clear (no sign byte) and the first byte never zero (DER forbids
  // a leading zero byte before one whose high bit is clear).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    sigAlg,
    name(options.commonName),
    seq(time(options.notBefore ?? now - 60_000), time(options.notAfter ?? now + 365 * 86_400_000)),
    name(options.commonName),
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** RFC 8705's `x5t#S256`: the base64url SHA-256 of the certificate's DER. */
export function certificateThumbprint(cert: X509Certificate | Buffer): string {
  const der = Buffer.isBuffer(cert) ? cert : cert.raw;
  return createHash('sha256').update(der).digest('base64url');
}
