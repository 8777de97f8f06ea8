/**
 * Builds the fuel C programs (test/fixtures/c/fuel-*.c) in several clang configurations, for the
 * instrumentation tests and the fuel benchmark. Outputs are cached in .cache/instrument by a hash of
 * the source and flags. Node-only test support.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ensureClang } from '../fixtures/build.ts';

export const C_PROGRAMS = ['fuel-sha', 'fuel-sort', 'fuel-nbody'] as const;
export type CProgram = (typeof C_PROGRAMS)[number];

/** The pure entry point of each program, and the argument its tests use. */
export const C_ENTRY: Record<CProgram, { name: string; arg: number }> = {
  'fuel-sha': { name: 'sha_bench', arg: 40 },
  'fuel-sort': { name: 'sort_bench', arg: 5000 },
  'fuel-nbody': { name: 'nbody_bench', arg: 2000 },
};

/** clang configurations: the plain MVP builds and one that turns on every feature clang 14 has. */
export const C_VARIANTS: Record<string, readonly string[]> = {
  O0: ['-O0'],
  O2: ['-O2'],
  'O3-features': ['-O3', '-msimd128', '-mbulk-memory', '-msign-ext', '-mnontrapping-fptoint', '-mtail-call', '-mmutable-globals', '-mreference-types'],
};

const OUT = join(ROOT, '.cache/instrument');

/**
 * Compiles `program` with `flags`: `pure` gives exported functions with no imports at all
 * (no main, no start files); otherwise a WASI command with wasi-libc's startup code.
 */
export function buildC(program: CProgram, flags: readonly string[], pure: boolean): Uint8Array {
  ensureClang();
  mkdirSync(OUT, { recursive: true });
  const src = join(ROOT, 'test/fixtures/c', `${program}.c`);
  const args = ['--target=wasm32-wasi', ...flags, '-Wall', ...(pure ? ['-DFUEL_NO_MAIN', '-nostartfiles', '-Wl,--no-entry'] : [])];
  const key = createHash('sha256').update(readFileSync(src)).update(JSON.stringify(args)).digest('hex').slice(0, 16);
  const out = join(OUT, `${program}-${key}.wasm`);
  if (!existsSync(out)) {
    // Test files run in parallel: build under a private name, then rename into place.
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('clang', [...args, '-o', tmp, src, '-lm'], { stdio: 'inherit' });
    renameSync(tmp, out);
  }
  return new Uint8Array(readFileSync(out));
}
