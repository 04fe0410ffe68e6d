import { parseArgs } from 'node:util';
import { createPlatform, OIO_RULES, OIO_TYPES, PROTECTED_SERVICES } from './app.ts';
import { openKeyProvider } from './platform/keys/open-keys.ts';
import { DEMO_IT_SYSTEM, demoToken } from './seed/demo-client.ts';
import { bootstrapAdministrator } from './services/adgsystem/index.ts';
import { OioStore } from './oio/store/oio-store.ts';
import { ConfigError, loadConfig, type Config } from './platform/config.ts';
import { configHelp } from './platform/config-docs.ts';
import { SERVICE_NAMES } from './services.ts';
import { AppError } from './platform/errors.ts';
import { migrate } from './platform/store/migrations.ts';
import { openStore } from './platform/store/open-store.ts';
import { backupPglite, restorePglite, tunePglite } from './platform/store/pglite-adapter.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Store } from './platform/store/store.ts';
import { amqpTransport } from './services/bfo/index.ts';
import { runKleImport, writeSyntheticKle } from './services/kla/index.ts';

const HELP = `stotte — the support systems of the Danish common-municipal infrastructure

Usage:
  stotte serve [options]     run the platform (HTTP on one port)
  stotte migrate [options]   apply pending database migrations and exit
  stotte kle import --emneplan FILE [--handlingsfacetter FILE] [--data DIR | --database-url URL]
                             import KLE into FK Klassifikation (atomic; only changes are written)
  stotte kle generate --out DIR
                             write a synthetic KLE (invented titles, published format; two editions)
  stotte token --service NAME --cvr CVR [--data DIR] [--url URL]
                             a token from a running platform, signed with the demo IT system's key
                             (services: ${PROTECTED_SERVICES.map((s) => s.name).join(', ')}; default ./data, http://localhost:8080)
  stotte adgsystem bootstrap --name NAME --cvr CVR (--certificate PEM | --jwk FILE) [--privileges LIST]
                             register the first administrator IT system (default privilege operatoer)
  stotte keys rotate [--data DIR]
                             a new token-signing key: published now, signing in 5 minutes; running
                             instances pick it up from the keys folder (or HSM) by themselves
  stotte backup --data DIR --out FILE
                             image of a stopped embedded database (gzip tarball)
  stotte restore --data DIR --from FILE
                             restore such an image into a new, empty data folder
  stotte --help              this text

${configHelp(SERVICE_NAMES)}`;

/** A new key is published this long before it signs: the JWKS's cache lifetime (max-age 300). */
const KEY_PUBLISH_LEAD_MS = 5 * 60_000;

function warnEmbeddedInProduction(config: Config): void {
  if (!config.production || config.store.backend !== 'pglite') return;
  const line = '!'.repeat(78);
  process.stderr.write(
    `${line}\n!! WARNING: NODE_ENV=production on the EMBEDDED database (PGlite in ${config.store.dataDir}).\n` +
      `!! It is one process, does not fsync (a power cut can lose data) and cannot scale out.\n` +
      `!! Production MUST run on PostgreSQL: --database-url postgres://…\n${line}\n`,
  );
}

async function openMigrated(config: Config): Promise<Store> {
  const store = await openStore(config.store);
  try {
    await migrate(store);
    if (config.store.backend === 'pglite') await tunePglite(store);
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function serve(config: Config): Promise<void> {
  warnEmbeddedInProduction(config);
  const store = await openMigrated(config);
  const keys = await openKeyProvider(config.auth.keys, {
    publishLeadMs: KEY_PUBLISH_LEAD_MS,
    maxTokenLifetimeMs: config.auth.tokenLifetimeSeconds * 1000,
  });
  const platform = await createPlatform(store, {
    services: config.services,
    logLevel: config.logLevel,
    relay: config.relay,
    auth: {
      keys,
      publicUrl: config.auth.publicUrl,
      tokenLifetimeSeconds: config.auth.tokenLifetimeSeconds,
      clockSkewSeconds: config.auth.clockSkewSeconds,
      revocationCheckMs: config.auth.revocationCheckMs,
      lookupCacheMs: config.auth.lookupCacheMs,
      clientCert: { header: config.auth.clientCertHeader, trustedProxies: config.auth.trustedProxies },
    },
    ...(config.tls
      ? { tls: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key), requestCert: config.tls.clientCert } }
      : {}),
    ...(config.bfoTransport.kind === 'amqp'
      ? {
          bfo: {
            transport: amqpTransport({ url: config.bfoTransport.url, republishAfterMs: config.bfoTransport.republishAfterMs }),
          },
        }
      : {}),
  });
  if (config.demoSeed) {
    // Every running system's demo data, in the table's order. The demo IT system (its credentials
    // in the data folder) only on the embedded default, never in production.
    const demoClient = config.store.backend === 'pglite' && !config.production;
    await platform.seed({
      log: platform.http.log,
      dataDir: demoClient && config.store.backend === 'pglite' ? config.store.dataDir : undefined,
      itSystem: demoClient ? DEMO_IT_SYSTEM : undefined,
    });
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    platform.http.log.info({ signal }, 'draining in-flight requests, then closing the store');
    const force = setTimeout(() => {
      platform.http.log.error('shutdown grace period passed; exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    force.unref();
    try {
      await platform.close();
      await store.close();
      await keys.close();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await platform.http.listen({ port: config.port, host: config.host });
  platform.http.log.info(
    { services: config.services, store: config.store.backend },
    `stotte serving on ${config.tls ? 'https' : 'http'}://localhost:${config.port} (API docs at /docs; token issuer ${config.auth.publicUrl}/adgangsstyring)`,
  );
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      only: { type: 'string' },
      'no-seed': { type: 'boolean' },
      out: { type: 'string' },
      emneplan: { type: 'string' },
      handlingsfacetter: { type: 'string' },
      from: { type: 'string' },
      service: { type: 'string' },
      cvr: { type: 'string' },
      url: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      name: { type: 'string' },
      certificate: { type: 'string' },
      jwk: { type: 'string' },
      privileges: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return values.help || command === 'help' ? 0 : 2;
  }
  const config = loadConfig(
    {
      port: values.port,
      host: values.host,
      data: values.data,
      databaseUrl: values['database-url'],
      only: values.only,
      noSeed: values['no-seed'],
      tlsCert: values['tls-cert'],
      tlsKey: values['tls-key'],
    },
    process.env,
    { services: SERVICE_NAMES },
  );
  switch (command) {
    case 'serve':
      await serve(config);
      return -1;
    case 'token': {
      if (config.production) throw new ConfigError('NODE_ENV', 'stotte token uses the demo IT system, which production does not have');
      const service = PROTECTED_SERVICES.find((s) => s.name === values.service);
      if (!service) throw new ConfigError('--service', `names no service (known: ${PROTECTED_SERVICES.map((s) => s.name).join(', ')})`);
      if (!values.cvr || !/^\d{8}$/.test(values.cvr)) throw new ConfigError('--cvr', 'must be a CVR number (eight digits)');
      if (config.store.backend !== 'pglite')
        throw new ConfigError('--database-url', 'stotte token reads the demo credentials from --data DIR');
      process.stdout.write(
        (await demoToken(config.store.dataDir, values.url ?? 'http://localhost:8080', service.entityId, values.cvr)) + '\n',
      );
      return 0;
    }
    case 'adgsystem': {
      if (positionals[1] !== 'bootstrap')
        throw new ConfigError('adgsystem', `unknown subcommand "${positionals[1] ?? ''}" (known: bootstrap)`);
      if (!values.name) throw new ConfigError('--name', 'names no IT system');
      if (!values.cvr || !/^\d{8}$/.test(values.cvr)) throw new ConfigError('--cvr', 'must be a CVR number (eight digits)');
      const store = await openMigrated(config);
      try {
        const uuid = await bootstrapAdministrator(store, PROTECTED_SERVICES, {
          name: values.name,
          cvr: values.cvr,
          certificate: values.certificate,
          jwk: values.jwk,
          privileges: (values.privileges ?? 'operatoer').split(',').map((p) => p.trim()),
        });
        process.stdout.write(`registered IT system ${uuid} with an approved agreement on adgsystem for ${values.cvr}\n`);
      } finally {
        await store.close();
      }
      return 0;
    }
    case 'keys': {
      if (positionals[1] !== 'rotate') throw new ConfigError('keys', `unknown subcommand "${positionals[1] ?? ''}" (known: rotate)`);
      const keys = await openKeyProvider(config.auth.keys, {
        publishLeadMs: KEY_PUBLISH_LEAD_MS,
        maxTokenLifetimeMs: config.auth.tokenLifetimeSeconds * 1000,
      });
      try {
        const jwk = await keys.rotate();
        process.stdout.write(
          `new key ${jwk.kid} (${jwk.alg}) published now, signing from ${new Date(Date.now() + KEY_PUBLISH_LEAD_MS).toISOString()}\n`,
        );
      } finally {
        await keys.close();
      }
      return 0;
    }
    case 'migrate': {
      const store = await openStore(config.store);
      try {
        const applied = await migrate(store);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
      } finally {
        await store.close();
      }
      return 0;
    }
    case 'kle': {
      if (positionals[1] === 'generate') {
        if (!values.out) throw new ConfigError('--out', 'names no folder');
        process.stdout.write(writeSyntheticKle(values.out).join('\n') + '\n');
        return 0;
      }
      if (positionals[1] !== 'import')
        throw new ConfigError('kle', `unknown subcommand "${positionals[1] ?? ''}" (known: import, generate)`);
      if (!values.emneplan && !values.handlingsfacetter)
        throw new ConfigError('--emneplan', 'names no file (and no --handlingsfacetter either)');
      const store = await openMigrated(config);
      try {
        const oio = new OioStore(store, OIO_TYPES, undefined, OIO_RULES);
        const summary = await runKleImport(
          oio,
          [values.emneplan, values.handlingsfacetter].filter((f): f is string => !!f),
        );
        process.stdout.write(
          `KLE import: ${summary.added} added, ${summary.changed} changed, ${summary.retired} retired, ${summary.unchanged} unchanged\n`,
        );
      } finally {
        await store.close();
      }
      return 0;
    }
    case 'backup':
    case 'restore': {
      if (config.store.backend !== 'pglite')
        throw new ConfigError('--database-url', `${command} is for the embedded database; use pg_dump/pg_restore for PostgreSQL`);
      const file = command === 'backup' ? values.out : values.from;
      if (!file) throw new ConfigError(command === 'backup' ? '--out' : '--from', 'names no file');
      if (command === 'backup') {
        const image = await backupPglite(config.store.dataDir);
        writeFileSync(file, Buffer.from(await image.arrayBuffer()));
        process.stdout.write(`wrote ${file} (${image.size} bytes)\n`);
      } else {
        await restorePglite(config.store.dataDir, new Blob([readFileSync(file)]));
        process.stdout.write(`restored ${file} into ${config.store.dataDir}\n`);
      }
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"; see stotte --help\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`stotte: bad configuration: ${err.message}\n`);
    else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(`stotte: ${(err as Error).message}; see stotte --help\n`);
    else if (err instanceof AppError) process.stderr.write(`stotte: ${err.code}: ${err.message}\n`);
    else if ((err as NodeJS.ErrnoException).code === 'ENOENT') process.stderr.write(`stotte: ${(err as Error).message}\n`);
    else if (err instanceof Error && /in use by process|already holds a database/.test(err.message))
      process.stderr.write(`stotte: ${err.message}\n`);
    else process.stderr.write(`stotte: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
