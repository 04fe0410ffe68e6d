import { describe, it } from 'vitest';

/**
 * What a test needs from outside the checkout (a server, a module, files), and why it is missing
 * here. A test whose needs are not met is still declared, as a skipped test whose title says what to
 * set: a run without the server backends reports how much it left out instead of shrinking
 * silently, and CI (.ci/run) fails on any skipped test.
 */
export interface Requirement {
  /** Undefined when it is met; else what to do to meet it. */
  readonly unavailable?: string | undefined;
}

/** A requirement met when an environment variable is set; `value` is the variable's value. */
export interface EnvRequirement extends Requirement {
  readonly value: string | undefined;
}

function fromEnv(variable: string): EnvRequirement {
  const value = process.env[variable] || undefined;
  return { value, unavailable: value ? undefined : `${variable} is not set` };
}

/** A PostgreSQL server for the tests (CI: postgres://postgres@127.0.0.1:5432/test). */
export const POSTGRES = fromEnv('STOTTE_TEST_POSTGRES_URL');
/** A RabbitMQ broker for the tests (CI: amqp://guest:guest@127.0.0.1:5672). */
export const AMQP = fromEnv('STOTTE_TEST_AMQP_URL');
/** The SoftHSM2 PKCS#11 module (CI: /usr/lib/softhsm/libsofthsm2.so). */
export const SOFTHSM = fromEnv('STOTTE_TEST_SOFTHSM');
/** A shell command that restarts the broker (CI: rabbitmqctl stop_app && rabbitmqctl start_app). */
export const AMQP_RESTART = fromEnv('STOTTE_TEST_AMQP_RESTART');

/** A requirement that holds when `met` is true, and otherwise names what is missing. */
export function requirement(met: boolean, missing: string): Requirement {
  return { unavailable: met ? undefined : missing };
}

/** Every reason the requirements are not met, or undefined when all are. */
function missing(needs: readonly Requirement[]): string | undefined {
  const reasons = needs.map((n) => n.unavailable).filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * `describe` when every requirement is met; otherwise the same suite, skipped, its title ending in
 * what is missing. Its body still runs at collection, so its tests are listed as skipped; its hooks
 * do not run, so nothing in them touches the absent server.
 */
export function describeWith(...needs: readonly Requirement[]): (title: string, body: () => void) => void {
  const reason = missing(needs);
  return reason === undefined
    ? (title, body) => describe(title, body)
    : (title, body) => describe.skip(`${title} (skipped: ${reason})`, body);
}

/** `it` when every requirement is met; otherwise the test, skipped, its title ending in what is missing. */
export function itWith(...needs: readonly Requirement[]): (title: string, body: () => Promise<void> | void, timeout?: number) => void {
  const reason = missing(needs);
  return reason === undefined
    ? (title, body, timeout) => it(title, body, timeout)
    : (title, body, timeout) => it.skip(`${title} (skipped: ${reason})`, body, timeout);
}
