import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../src/platform/keys/self-signed.ts';

const CLI = join(import.meta.dirname, '..', 'bin', 'stotte.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stotte-cli-'));
  dirs.push(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
}

describe('the stotte CLI', () => {
  it('prints its help', () => {
    const res = run(['--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/stotte serve \[options\]/);
    expect(res.stdout).toMatch(/--database-url URL/);
  });

  it('stops on a bad value with a message naming it', () => {
    const res = run(['serve', '--port', 'x']);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/bad configuration: --port: expected a whole number, got "x"/);
    const only = run(['serve', '--only', 'org,nope']);
    expect(only.status).toBe(1);
    expect(only.stderr).toMatch(/--only: unknown service "nope"/);
  });

  it('refuses an unknown flag and an unknown command', () => {
    expect(run(['serve', '--colour']).stderr).toMatch(/Unknown option '--colour'/);
    const res = run(['fly']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown command "fly"/);
  });

  it('backs up a stopped embedded database and restores it into a new folder', () => {
    const data = tempDir();
    expect(run(['migrate', '--data', data]).stdout).toMatch(/applied: 0001_platform/);
    const image = join(tempDir(), 'backup.tgz');
    expect(run(['backup', '--data', data, '--out', image]).status).toBe(0);
    const restored = join(tempDir(), 'restored');
    expect(run(['restore', '--data', restored, '--from', image]).status).toBe(0);
    expect(run(['migrate', '--data', restored]).stdout).toBe('nothing to apply\n');
    const again = run(['restore', '--data', restored, '--from', image]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds a database/);
  });

  it('generates a synthetic KLE and imports both editions, reporting what changed', () => {
    const dir = tempDir();
    const gen = run(['kle', 'generate', '--out', dir]);
    expect(gen.status).toBe(0);
    expect(gen.stdout).toMatch(/emneplan-1\.xml/);
    const data = tempDir();
    const first = run([
      'kle',
      'import',
      '--emneplan',
      join(dir, 'emneplan-1.xml'),
      '--handlingsfacetter',
      join(dir, 'handlingsfacetter-1.xml'),
      '--data',
      data,
    ]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^KLE import: \d{4} added, 0 changed, 0 retired, 0 unchanged$/m);
    const second = run(['kle', 'import', '--emneplan', join(dir, 'emneplan-2.xml'), '--data', data]);
    expect(second.stdout).toMatch(/^KLE import: 15 added, 25 changed, 10 retired, \d+ unchanged$/m);
    const bad = run(['kle', 'import', '--emneplan', join(dir, 'missing.xml'), '--data', data]);
    expect(bad.status).toBe(1);
  }, 240_000);

  it('refuses a broken KLE file with its line, exit code non-zero', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.xml');
    writeFileSync(file, '<?xml version="1.0"?>\n<KLE-Emneplan>\n<Hovedgruppe><HovedgruppeNr>27</HovedgruppeNr>\n');
    const res = run(['kle', 'import', '--emneplan', file, '--data', tempDir()]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/KLE_MALFORMED_XML: KLE line \d+/);
  });

  it('rotates the token-signing keys in the data folder', () => {
    const data = tempDir();
    const first = run(['keys', 'rotate', '--data', data]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^new key [0-9a-f-]{36} \(ES256\) published now, signing from \d{4}-/);
    expect(run(['keys', 'rotate', '--data', data]).status).toBe(0);
    const ring = JSON.parse(readFileSync(join(data, 'keys', 'keyring.json'), 'utf8')) as {
      keys: { kid: string; activeFrom: number; unpublishAt?: number }[];
    };
    expect(ring.keys).toHaveLength(3);
    expect(ring.keys[2]!.activeFrom).toBeGreaterThan(ring.keys[1]!.activeFrom);
    expect(ring.keys[0]!.unpublishAt).toBeDefined();
    expect(run(['keys', 'spin', '--data', data]).stderr).toMatch(/unknown subcommand "spin"/);
  });

  it('bootstraps the first administrator IT system, and refuses its certificate twice', () => {
    const data = tempDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = join(tempDir(), 'drift.crt');
    writeFileSync(cert, selfSignedCertificate(privateKey, { commonName: 'drift' }));
    const args = ['adgsystem', 'bootstrap', '--name', 'Drift', '--cvr', '11111111', '--certificate', cert, '--data', data];
    const first = run(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^registered IT system [0-9a-f-]{36} with an approved agreement on adgsystem for 11111111/);
    const again = run(args);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/CREDENTIAL_EXISTS/);
    const bad = run(['adgsystem', 'bootstrap', '--name', 'Drift', '--cvr', '42', '--certificate', cert, '--data', data]);
    expect(bad.stderr).toMatch(/--cvr: must be a CVR number/);
  });

  /** Starts `stotte serve` on a free port and waits until it is ready. */
  async function serve(data: string, env: Record<string, string>, extra: string[] = []) {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', data, ...extra], {
      env: { ...process.env, STOTTE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stderr: '' };
    child.stderr.on('data', (d) => (out.stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let ready: Response | undefined;
    for (let i = 0; i < 240 && !ready?.ok; i++) {
      await new Promise((r) => setTimeout(r, 250));
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
    }
    expect(ready?.status, out.stderr).toBe(200);
    return { port, child, exited, out };
  }

  it('serves the platform on the embedded database with a demo IT system, prints tokens, and drains on SIGTERM', async () => {
    const data = tempDir();
    const { port, child, exited } = await serve(data, { STOTTE_DEMO_SEED: 'true' });
    expect(existsSync(join(data, 'stotte.lock'))).toBe(true);
    expect(existsSync(join(data, 'demo-client', 'client.key'))).toBe(true);
    expect(existsSync(join(data, 'keys', 'keyring.json'))).toBe(true);

    // A second process on the same folder is refused rather than corrupting it.
    const second = run(['migrate', '--data', data]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/in use by process/);

    const url = `http://127.0.0.1:${port}`;
    const anonymous = await fetch(`${url}/organisation/organisation?bvn=kommune-%25`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('TOKEN_MISSING');

    const token = run(['token', '--service', 'org', '--cvr', '55133018', '--data', data, '--url', url]);
    expect(token.status, token.stderr).toBe(0);
    const search = await fetch(`${url}/organisation/organisation?bvn=kommune-%25`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    // The token is Aarhus's: København's organisation is not found.
    expect((await search.json()).results[0]).toEqual(['3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751']);
    const unknown = run(['token', '--service', 'nope', '--cvr', '55133018', '--data', data, '--url', url]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/--service: names no service/);
    const noAgreement = run(['token', '--service', 'org', '--cvr', '12345678', '--data', data, '--url', url]);
    expect(noAgreement.status).toBe(1);
    expect(noAgreement.stderr).toMatch(/NO_AGREEMENT/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(data, 'stotte.lock'))).toBe(false);
  });

  it('warns in production on the embedded database, and has no demo IT system there', async () => {
    const data = tempDir();
    const { port, child, exited, out } = await serve(data, { NODE_ENV: 'production', STOTTE_DEMO_SEED: 'false' });
    expect(out.stderr).toMatch(/WARNING: NODE_ENV=production on the EMBEDDED database/);
    expect(existsSync(join(data, 'demo-client'))).toBe(false);
    const res = await fetch(`http://127.0.0.1:${port}/organisation/organisation?bvn=x`);
    expect((await res.json()).error.code).toBe('TOKEN_MISSING');
    const token = run(['token', '--service', 'org', '--cvr', '55133018', '--data', data], { NODE_ENV: 'production' });
    expect(token.status).toBe(1);
    expect(token.stderr).toMatch(/production does not have/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
