import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, KernelError, asKernelError, exitCodeOf, httpStatusOf, type ErrorCode } from '../src/errors.ts';

test('every error code maps to an HTTP status and a CLI exit code', () => {
  for (const [code, m] of Object.entries(ERROR_CODES)) {
    assert.ok(m.http >= 400 && m.http < 600, `${code} http ${m.http}`);
    assert.ok(Number.isInteger(m.exit) && m.exit > 0 && m.exit < 256, `${code} exit ${m.exit}`);
    const e = new KernelError(code as ErrorCode, 'x');
    assert.equal(httpStatusOf(e), m.http);
    assert.equal(exitCodeOf(e), m.exit);
  }
});

test('the forge run exit conventions: 124 limits, 125 policy, 126 refused before start', () => {
  assert.equal(exitCodeOf(new KernelError('FUEL_EXHAUSTED', 'x')), 124);
  assert.equal(exitCodeOf(new KernelError('TIMEOUT', 'x')), 124);
  assert.equal(exitCodeOf(new KernelError('QUARANTINED', 'x')), 125);
  assert.equal(exitCodeOf(new KernelError('POLICY_DENIED', 'x')), 125);
  assert.equal(exitCodeOf(new KernelError('PKG_SIGNATURE_INVALID', 'x')), 126);
});

test('foreign errors become 500 / 70, and asKernelError keeps the cause', () => {
  assert.equal(httpStatusOf(new TypeError('x')), 500);
  assert.equal(exitCodeOf('boom'), 70);
  const cause = new Error('disk on fire');
  const k = asKernelError(cause, 'STORE_UNAVAILABLE', 'the trace store failed');
  assert.equal(k.code, 'STORE_UNAVAILABLE');
  assert.equal(k.message, 'the trace store failed: disk on fire');
  assert.equal(k.cause, cause);
  assert.equal(asKernelError(k, 'INTERNAL', 'ignored'), k);
  assert.deepEqual(JSON.parse(JSON.stringify(k)), { code: 'STORE_UNAVAILABLE', message: 'the trace store failed: disk on fire', details: {} });
});
