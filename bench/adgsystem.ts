/**
 * FK Adgangsstyring for Systemer: tokens issued per second (client authenticated by its
 * certificate, as over mTLS: the credential, service and agreement looked up, the token signed,
 * the issue audited) and tokens verified per second by the platform's Authenticator (header
 * checks, signature, claims, certificate binding, the agreement's state from its short cache),
 * each beside raw `jose` doing only the cryptography on the same claims in the same run (SignJWT
 * with a key of the same algorithm; jwtVerify of the very same token). ES256 and PS256. Verifying
 * is measured with the signature checked every time; `adg.verify.cached` is the served default,
 * where a token seen before skips the signature (not the checks of time, binding and agreement).
 * Goals: issuing ≥ 50 % of raw signing, verifying ≥ 70 % of raw verifying.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { AuditLog } from '../src/platform/audit.ts';
import { Authenticator } from '../src/platform/auth/authenticator.ts';
import { FileKeyProvider } from '../src/platform/keys/file-provider.ts';
import type { SigningAlg } from '../src/platform/keys/key-provider.ts';
import { certificateThumbprint, selfSignedCertificate } from '../src/platform/keys/self-signed.ts';
import type { Store } from '../src/platform/store/store.ts';
import { PROTECTED_SERVICES } from '../src/app.ts';
import {
  agreementInForce,
  parseCertificate,
  provisionItSystem,
  registerPlatformServices,
  TokenService,
} from '../src/services/adgsystem/index.ts';
import { orgService } from '../src/services/org/index.ts';
import { errorNote, ms, perSecond, ratio, runAlternating, summarize } from './stats.ts';

export interface AdgBenchOptions {
  readonly backend: 'postgres' | 'pglite';
  readonly store: Store;
  readonly seconds: number;
  readonly concurrency: number;
  readonly print: (line: string) => void;
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const CVR = '55133018';

export async function benchAdgsystem(opts: AdgBenchOptions): Promise<void> {
  const { store, backend, print } = opts;
  const audit = await AuditLog.open(store);
  await registerPlatformServices(store, PROTECTED_SERVICES);
  const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const cert = new X509Certificate(selfSignedCertificate(clientKey, { commonName: 'bench client' }));
  const presented = { cert, thumbprint: certificateThumbprint(cert) };
  await provisionItSystem(store, audit, {
    name: 'Bench-anvendersystem',
    supplierCvr: CVR,
    credentials: [parseCertificate(cert.toString())],
    agreements: [{ cvr: CVR, service: 'org' }],
    by: 'bench',
  });
  const limits = { concurrency: opts.concurrency, maxOps: 200_000, maxSeconds: opts.seconds };
  // A token endpoint serves many clients at once; its audit rows are written in groups, so its
  // rate depends on how many requests are in flight. Issuing is measured at both concurrencies.
  const concurrencies = [...new Set([opts.concurrency, opts.concurrency * 4])];

  for (const alg of ['ES256', 'PS256'] as SigningAlg[]) {
    const keys = FileKeyProvider.ephemeral({ alg, policy: { publishLeadMs: 300_000, maxTokenLifetimeMs: 3_600_000 } });
    const issuer = 'https://bench.invalid/adgangsstyring';
    const tokens = new TokenService({ store, audit, keys, issuer, tokenEndpoint: `${issuer}/oauth2/token`, lifetimeSeconds: 3600 });
    // The goal figure verifies the signature every time (no memory of tokens verified before); the
    // served default remembers them, which is the `cached` line.
    const authenticator = new Authenticator({ issuer, keys, agreementInForce: agreementInForce(store), verifiedTokens: 0 });
    const remembering = new Authenticator({ issuer, keys, agreementInForce: agreementInForce(store) });
    const request = { grantType: 'client_credentials', resource: orgService.entityId, cvr: CVR, certificate: presented };

    const sample = (await tokens.issue(request)).access_token;
    const claims = JSON.parse(Buffer.from(sample.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const rawKey =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwk = keys.publishedKeys()[0]!;
    const publicKey = await importJWK(jwk, alg);

    for (const concurrency of concurrencies) {
      const [issued, signed] = await runAlternating({ ...limits, concurrency }, 4, [
        () => tokens.issue(request),
        () => new SignJWT(claims).setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt' }).sign(rawKey),
      ]);
      const i = summarize(issued!);
      const s = summarize(signed!);
      print(
        `adg.issue ${backend} alg=${alg} auth=mtls concurrency=${concurrency} rate=${perSecond(i.rate)} p50=${ms(i.p50)} p99=${ms(i.p99)}${errorNote(issued!)} ` +
          `raw_sign=${perSecond(s.rate)} ratio=${ratio(i.rate, s.rate)} goal=>=0.50 ${verdict(i.rate >= 0.5 * s.rate)}`,
      );
    }

    const [verified, raw] = await runAlternating(limits, 4, [
      () => authenticator.verify(sample, orgService.entityId, presented.thumbprint),
      () => jwtVerify(sample, publicKey, { algorithms: [alg], issuer, audience: orgService.entityId, typ: 'at+jwt' }),
    ]);
    const v = summarize(verified!);
    const r = summarize(raw!);
    print(
      `adg.verify ${backend} alg=${alg} cnf=x5t#S256 rate=${perSecond(v.rate)} p50=${ms(v.p50)} p99=${ms(v.p99)}${errorNote(verified!)} ` +
        `raw_verify=${perSecond(r.rate)} ratio=${ratio(v.rate, r.rate)} goal=>=0.70 ${verdict(v.rate >= 0.7 * r.rate)}`,
    );
    const [again] = await runAlternating(limits, 1, [() => remembering.verify(sample, orgService.entityId, presented.thumbprint)]);
    const a = summarize(again!);
    print(
      `adg.verify.cached ${backend} alg=${alg} rate=${perSecond(a.rate)} p50=${ms(a.p50)} p99=${ms(a.p99)}${errorNote(again!)} ` +
        `(the same token again: time, certificate binding and agreement checked, the signature remembered) ratio_to_raw=${ratio(a.rate, r.rate)}`,
    );
  }
}
