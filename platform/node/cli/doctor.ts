import type { Command } from 'commander';
import { failedBootHealth, kernelHealth, type HealthDocument } from '../../../src/diagnostics/health.ts';
import { ERROR_CODES, KernelError } from '../../../src/errors.ts';
import { bootNodeKernel } from '../boot.ts';
import { createNodePlatform } from '../index.ts';
import { addBootOptions, nodeBootOptions, type BootCliOptions } from './boot-options.ts';

/**
 * `forge doctor`: boots the kernel exactly as `forge serve` would and prints the boot and
 * self-test report — `--json` prints the document `GET /health` answers. Exits non-zero when any
 * boot step or self-test fails (the failing step's error code decides the status).
 */
export function registerDoctor(program: Command): void {
  addBootOptions(program.command('doctor').description('boot the kernel, run its self-tests and print the report'))
    .option('--json', 'print the report as JSON (the same document GET /health answers)')
    .action(async (opts: BootCliOptions & { json?: boolean }) => {
      const platform = createNodePlatform();
      const print = (doc: HealthDocument) => process.stdout.write(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : formatHealth(doc));
      let doc: HealthDocument;
      try {
        const kernel = await bootNodeKernel({ ...nodeBootOptions(opts), platform });
        try {
          doc = await kernelHealth(kernel, kernel.boot.selfTests ?? undefined);
        } finally {
          await kernel.close();
        }
      } catch (e) {
        if (e instanceof KernelError) print(failedBootHealth(platform, e));
        throw e;
      }
      print(doc);
      if (doc.status !== 'ok') process.exitCode = ERROR_CODES.BOOT_SELF_TEST_FAILED.exit;
    });
}

/** The report for a person: one line per boot step and per self-test. */
export function formatHealth(doc: HealthDocument): string {
  const mark = (ok: boolean | null) => (ok === null ? '-' : ok ? '✓' : '✗');
  const lines = [`forge doctor: ${doc.status}  kernel ${doc.kernelId ?? '?'} on ${doc.platform}, config ${doc.configDigest?.slice(0, 16) ?? '(not loaded)'}`];
  if (doc.boot) {
    lines.push('boot:');
    for (const s of doc.boot.steps) lines.push(`  ${mark(s.status === 'ok')} ${s.step.padEnd(12)} ${fmtMs(s.ms)}  ${s.detail}`);
  }
  if (doc.selfTests) {
    lines.push('self-tests:');
    for (const t of doc.selfTests.tests) {
      lines.push(`  ${mark(t.status === 'skip' ? null : t.status === 'pass')} ${t.name.padEnd(24)} ${fmtMs(t.ms)}  ${t.status}${t.message ? `: ${t.message}` : ''}`);
    }
  }
  if (doc.error) lines.push(`failed: ${doc.error.code}: ${doc.error.message}`);
  return `${lines.join('\n')}\n`;
}

function fmtMs(ms: number): string {
  return `${ms.toFixed(1).padStart(8)} ms`;
}
