/** What a conformance runner hands back to the orchestrator: one runtime's results. */
import type { CaseResult, RuntimeName } from '../conformance/harness.ts';

export interface RuntimeReport {
  readonly runtime: RuntimeName;
  readonly results: readonly CaseResult[];
  /** Set when the runtime could not run the suite at all (the reason is the failure). */
  readonly error?: string;
}

export function counts(results: readonly CaseResult[]): { passed: number; failed: number; skipped: number } {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of results) {
    if (r.status === 'pass') passed++;
    else if (r.status === 'fail') failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

/** Prints one runtime's results: failures and skips in full, passes as a count. */
export function printReport(report: RuntimeReport, out: (line: string) => void): void {
  const c = counts(report.results);
  out(`\n── conformance in ${report.runtime}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${report.results.length} cases)`);
  if (report.error) out(`   ✗ runtime failed: ${report.error}`);
  for (const r of report.results) {
    if (r.status === 'fail') out(`   ✗ ${r.name}\n       ${r.message}`);
    else if (r.status === 'skip') out(`   - ${r.name} (skipped: ${r.message})`);
  }
}
