import type { Reporter, TestModule } from 'vitest/node';

/** The reason a skipped test's title, or one of its suites' titles, ends in (test/support/requires.ts). */
const REASON = /\(skipped: ([^]*?)\)(?: > |$)/;

/**
 * Ends the run with one plain line, `N passed, N failed, N skipped`, that any CI can read
 * whatever the test runner's own formatting (.ci/run fails on a skip). Before it, when tests were
 * skipped, one line per reason with how many it skipped, so a short run says what it left out.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const reason = REASON.exec(test.fullName)?.[1] ?? 'no reason in its name';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    const lines = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `skipped ${n}: ${reason}\n`);
    process.stdout.write(`\n${lines.join('')}${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
