import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The broker restart test restarts RabbitMQ under every other test that uses it, so it never runs
 * beside them: without STOTTE_TEST_AMQP_RESTART it is not collected at all (the README's `npm test`
 * runs without a skip on CI), and with it it is the only file collected (.ci/run's second step).
 */
const RESTART_TEST = 'test/bfo-amqp-restart.test.ts';
const restartRun = !!process.env.STOTTE_TEST_AMQP_RESTART;

export default defineConfig({
  test: {
    include: restartRun ? [RESTART_TEST] : ['test/**/*.test.ts'],
    exclude: restartRun ? configDefaults.exclude : [...configDefaults.exclude, RESTART_TEST],
    reporters: ['default', './test/support/summary-reporter.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
