import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOT_STEPS, bootReportSchema, type BootReport } from '../../src/boot-report.ts';
import { failedBootHealth, healthDocumentSchema } from '../../src/diagnostics/health.ts';
import { KernelError } from '../../src/errors.ts';
import { createNodePlatform } from '../../platform/node/index.ts';

/** A report whose steps are exactly the given names, each ok. */
function reportWith(steps: readonly string[]): BootReport {
  return {
    at: '2026-12-01T00:00:00.000Z', kernelId: 'k1', ms: 1, configDigest: null, config: null,
    policies: [], trustRoots: [], selfTests: null, stores: null, storedTraces: null,
    steps: steps.map((step) => ({ step, status: 'ok', ms: 0, detail: '' })),
  } as BootReport;
}

describe('the boot report schema is the one source of the boot steps', () => {
  it('the health document lists exactly BOOT_STEPS, in order', () => {
    const steps = healthDocumentSchema.shape.boot.unwrap().shape.steps.element.shape.step.options;
    assert.deepEqual(steps, [...BOOT_STEPS]);
    assert.equal(healthDocumentSchema.shape.boot.unwrap(), bootReportSchema);
  });

  it('a report of every step validates, and a step outside BOOT_STEPS does not', () => {
    assert.deepEqual(bootReportSchema.parse(reportWith(BOOT_STEPS)).steps.map((s) => s.step), [...BOOT_STEPS]);
    assert.equal(bootReportSchema.safeParse(reportWith([...BOOT_STEPS, 'not-a-step'])).success, false);
  });

  it('the health of a failed boot carries its report, checked against the schema', () => {
    const platform = createNodePlatform();
    const report = reportWith(BOOT_STEPS);
    const doc = failedBootHealth(platform, new KernelError('BOOT_FAILED', 'boot step "ready" failed', { step: 'ready', report }));
    assert.deepEqual(doc.boot?.steps.map((s) => s.step), [...BOOT_STEPS]);
    assert.equal(doc.kernelId, 'k1');
    assert.equal(failedBootHealth(platform, new KernelError('BOOT_FAILED', 'no report')).boot, null);
    assert.throws(
      () => failedBootHealth(platform, new KernelError('BOOT_FAILED', 'x', { report: reportWith(['not-a-step']) })),
      (e: unknown) => e instanceof KernelError && e.code === 'INTERNAL' && e.message.startsWith('the health document does not match its schema: boot.steps.0.step: '),
    );
  });
});
