/**
 * Nothing lost: a server process is killed (SIGKILL) in the middle of a stream of sends and
 * receives, restarted on the same data, and the messages are counted. Every message acknowledged
 * to its sender reaches the receiver; a message arrives twice only where the receiver had not
 * had its acknowledgement confirmed. Runs on the embedded database with the store transport; the
 * RabbitMQ and PostgreSQL cases are listed as skipped unless STOTTE_TEST_AMQP_URL and
 * STOTTE_TEST_POSTGRES_URL are set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openPglite, restorePglite } from '../src/platform/store/pglite-adapter.ts';
import { migrate } from '../src/platform/store/migrations.ts';
import { AuditLog } from '../src/platform/audit.ts';
import { provisionServerClient, TEST_CVR } from './support/auth.ts';
import { dropPostgresSchema, openPostgres } from '../src/platform/store/postgres-adapter.ts';
import { templatePath } from './support/template.ts';
import { testbesked } from './support/bfo.ts';
import { AMQP, describeWith, POSTGRES, type Requirement } from './support/requires.ts';

const ROOT = new URL('..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Where the server keeps its data: an embedded data folder, or a PostgreSQL URL. */
type Where = { data: string } | { databaseUrl: string };

function startServer(where: Where, port: number, env: Record<string, string>): ChildProcess {
  const store = 'data' in where ? ['--data', where.data] : ['--database-url', where.databaseUrl];
  return spawn(
    process.execPath,
    [join(ROOT, 'bin/stotte.js'), 'serve', ...store, '--port', String(port), '--host', '127.0.0.1', '--no-seed', '--only', 'bfo,adgsystem'],
    {
      env: { ...process.env, STOTTE_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

interface Case {
  readonly backend: 'embedded database' | 'PostgreSQL';
  readonly transport: 'store' | 'amqp';
  readonly env: Record<string, string>;
  /** The servers the case needs: without them it is listed as skipped, saying which variable to set. */
  readonly needs: readonly Requirement[];
}
const cases: readonly Case[] = [
  { backend: 'embedded database', transport: 'store', env: {}, needs: [] },
  {
    backend: 'embedded database',
    transport: 'amqp',
    env: { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: AMQP.value ?? '' },
    needs: [AMQP],
  },
  { backend: 'PostgreSQL', transport: 'store', env: {}, needs: [POSTGRES] },
];

for (const { backend, transport: transportName, env, needs } of cases) {
  const transport = { name: transportName, env };
  describeWith(...needs)(`FK Beskedfordeler survives SIGKILL (${backend}, ${transport.name} transport)`, () => {
    // Made in the hook, not at collection: a skipped case's hooks never run, and would leave it behind.
    let dir = '';
    const pgUrl = POSTGRES.value!;
    const schema = `t_kill_${randomBytes(5).toString('hex')}`;
    let where: Where = { data: dir };
    let child: ChildProcess | undefined;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'stotte-bfo-kill-'));
      where = { data: dir };
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (backend === 'PostgreSQL') await dropPostgresSchema(pgUrl, schema);
    });

    it('loses no acknowledged message, and duplicates only unacknowledged ones', async () => {
      // The test's IT system, with agreements for every service, is registered before the server starts.
      let client: Awaited<ReturnType<typeof provisionServerClient>>;
      if (backend === 'PostgreSQL') {
        // A schema of its own, first on the server's search path (pg_trgm lives in public).
        const store = await openPostgres({ url: pgUrl, schema, poolSize: 1 });
        await migrate(store);
        client = await provisionServerClient(store, await AuditLog.open(store));
        await store.close();
        const u = new URL(pgUrl);
        u.searchParams.set('options', `-c search_path=${schema},public`);
        where = { databaseUrl: u.toString() };
      } else {
        await restorePglite(dir, new Blob([readFileSync(templatePath())]));
        const store = await openPglite({ dataDir: dir });
        client = await provisionServerClient(store, await AuditLog.open(store));
        await store.close();
      }
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      // Signing keys in the test's folder: the restarted server signs and verifies with the same ones.
      const serverEnv = { ...transport.env, STOTTE_KEYS_DIR: join(dir, 'keys') };
      child = startServer(where, port, serverEnv);
      await waitReady(base, child);
      const auth = { authorization: `Bearer ${await client.token(base, `http://localhost:${port}`, 'bfo')}` };
      const post = (path: string, body: unknown, type = 'application/json') =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': type, ...auth },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
      const type = (
        await (await post('/beskedfordeler/beskedtyper', { navn: 'kill', ejer: client.itSystem, sensitivitet: 'fortrolig' })).json()
      ).uuid;
      const levering = transport.name === 'amqp' ? 'amqp' : 'pull';
      const dueslag = (
        await (
          await post('/beskedfordeler/dueslag', { navn: 'kill', ejer: client.itSystem, levering: { type: levering }, maxLeveringer: 100 })
        ).json()
      ).uuid;
      await post('/beskedfordeler/abonnementer', { dueslag, beskedtype: type });

      const messages = Array.from({ length: 300 }, () => testbesked({ beskedtype: type, cvr: TEST_CVR }));
      const acknowledged = new Set<string>(); // by the server, to the sender
      const received: string[] = []; // every hand-out, duplicates included
      // Per BeskedId, how many hand-outs had been seen when its acknowledgement was confirmed.
      const ackConfirmedAt = new Map<string, number>();
      let stop = false;

      const sender = async () => {
        for (const m of messages) {
          if (stop) return;
          try {
            const r = await post('/beskedfordeler/beskeder', m.xml, 'application/xml');
            if (r.status === 201 || r.status === 200) acknowledged.add(m.beskedId);
          } catch {
            return; // the server is gone
          }
        }
      };
      const receiver = async () => {
        while (!stop) {
          try {
            const r = await fetch(`${base}/beskedfordeler/dueslag/${dueslag}/beskeder?maks=20&vent=1&synlighed=2`, { headers: auth });
            if (!r.ok) continue;
            const got = (await r.json()).beskeder as { beskedId: string; kvittering: string }[];
            for (const g of got) received.push(g.beskedId);
            if (!got.length) continue;
            const a = await post(`/beskedfordeler/dueslag/${dueslag}/kvitteringer`, { kvitteringer: got.map((g) => g.kvittering) });
            const { ukendte } = (await a.json()) as { ukendte: string[] };
            for (const g of got)
              if (!ukendte.includes(g.kvittering) && !ackConfirmedAt.has(g.beskedId)) ackConfirmedAt.set(g.beskedId, received.length);
          } catch {
            return;
          }
        }
      };

      // Kill the server in the middle of the stream.
      const running = Promise.all([sender(), receiver()]);
      while (acknowledged.size < 120) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGKILL');
      await running;
      const beforeKill = new Set(acknowledged);
      expect(beforeKill.size).toBeGreaterThanOrEqual(120);

      // Restart on the same data; the sender sends again what it had no answer for.
      child = startServer(where, port, serverEnv);
      await waitReady(base, child);
      stop = false;
      for (const m of messages) {
        if (acknowledged.has(m.beskedId)) continue;
        const r = await post('/beskedfordeler/beskeder', m.xml, 'application/xml');
        expect([200, 201]).toContain(r.status);
        acknowledged.add(m.beskedId);
      }
      const deadline = Date.now() + 30_000;
      const done = () => [...acknowledged].every((id) => received.includes(id));
      const drain = receiver();
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await drain;

      expect(acknowledged.size).toBe(messages.length);
      const missing = [...acknowledged].filter((id) => !received.includes(id));
      expect(missing).toEqual([]);
      const counts = new Map<string, number>();
      for (const id of received) counts.set(id, (counts.get(id) ?? 0) + 1);
      const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      // A duplicate is a message handed out whose acknowledgement was not confirmed before the kill
      // (or, on RabbitMQ, published again because the kill came between the broker's confirm and the commit).
      const sentBeforeKill = [...beforeKill];
      for (const id of duplicates) expect(sentBeforeKill).toContain(id);
      if (transport.name === 'store') {
        // On the store a confirmed acknowledgement is final: no hand-out after it.
        const late = received.flatMap((id, i) => (ackConfirmedAt.has(id) && i >= ackConfirmedAt.get(id)! ? [id] : []));
        expect(late).toEqual([]);
      }

      if (transport.name === 'amqp') await fetch(`${base}/beskedfordeler/dueslag/${dueslag}`, { method: 'DELETE', headers: auth });
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
      child = undefined;
    }, 120_000);
  });
}
