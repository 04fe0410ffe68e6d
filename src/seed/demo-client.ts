import { createPrivateKey, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../platform/config.ts';
import { CLIENT_ASSERTION_TYPE, demoClientDir, type DemoClient } from '../services/adgsystem/index.ts';

export { DEMO_IT_SYSTEM, DEMO_OPERATOR_CVR, demoClientDir, seedDemoClient, type DemoClient } from '../services/adgsystem/index.ts';

/**
 * Asks a running platform for a token with the demo IT system's key (private_key_jwt): reads the
 * issuer's metadata for the token endpoint (the assertion's `aud`), then posts the request.
 */
export async function demoToken(dataDir: string, url: string, entityId: string, cvr: string): Promise<string> {
  const dir = demoClientDir(dataDir);
  if (!existsSync(join(dir, 'client.json')))
    throw new ConfigError(
      '--data',
      `no demo IT system in ${dir}: it is created by the demo seed on the embedded database (not in production)`,
    );
  const client = JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8')) as DemoClient;
  const key = createPrivateKey(readFileSync(join(dir, 'client.key')));
  const base = url.replace(/\/+$/, '');
  const meta = await fetch(`${base}/adgangsstyring/.well-known/oauth-authorization-server`).catch((err: Error & { cause?: Error }) => {
    // A self-signed server certificate: NODE_EXTRA_CA_CERTS=that.crt makes Node trust it.
    throw new ConfigError('--url', `${base} does not answer (${err.cause?.message ?? err.message}): is stotte running there?`);
  });
  if (!meta.ok) throw new ConfigError('--url', `${base} answers ${meta.status} for its metadata: is stotte running there?`);
  const { token_endpoint: audience } = (await meta.json()) as { token_endpoint: string };
  const { SignJWT } = await import('jose');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: client.kid })
    .setIssuer(client.itSystem)
    .setSubject(client.itSystem)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key);
  const res = await fetch(`${base}/adgangsstyring/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: entityId,
      cvr,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  });
  const body = (await res.json()) as { access_token?: string; error?: { code: string; message: string } };
  if (!res.ok || !body.access_token)
    throw new ConfigError('--url', `the token endpoint answers ${body.error?.code ?? res.status}: ${body.error?.message ?? ''}`);
  return body.access_token;
}
