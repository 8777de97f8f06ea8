/**
 * Real C programs from clang (test/fixtures/c/fuel-*.c) at -O0, -O2 and -O3 with every wasm
 * feature clang 14 offers: as pure exports (no imports) they compute the same results metered as
 * unmetered, for the same fuel on every run; as WASI commands (wasi-libc's startup code, printf,
 * malloc) they print the same stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrument } from '../../src/execution/instrument/index.ts';
import { INSTRUMENT_VARIANTS } from '../conformance/instrument.ts';
import { C_ENTRY, C_PROGRAMS, C_VARIANTS, buildC } from './c-build.ts';
import { call, callPlain, fixture, instantiate, runCommand } from './helpers.ts';

const EXPECTED_STDOUT: Record<string, string> = {
  'fuel-sha': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n',
  'fuel-nbody': '-0.169075164\n-0.169087605\n',
};

for (const program of C_PROGRAMS) {
  for (const [variant, flags] of Object.entries(C_VARIANTS)) {
    test(`${program} clang ${variant}, pure exports: same result metered, same fuel every run`, async () => {
      const original = buildC(program, flags, true);
      const { name, arg } = C_ENTRY[program];
      const want = callPlain((await instantiate(original)).exports, name, [arg]);
      assert.equal(want.trap, undefined);
      for (const options of INSTRUMENT_VARIANTS) {
        const out = instrument(original, options);
        assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>), `validates with ${JSON.stringify(options)}`);
        const first = call(await instantiate(out.bytes), name, [arg]);
        const second = call(await instantiate(out.bytes), name, [arg]);
        assert.deepEqual(first.value, want.value, `${name}(${arg})`);
        assert.ok(first.used > 100_000n, `a compute-heavy run is charged (${first.used})`);
        assert.equal(second.used, first.used, 'the same fuel on another instance');
        const starved = call(await instantiate(out.bytes), name, [arg], first.used / 2n);
        assert.ok(starved.trap !== undefined && starved.remaining < 0n, 'half the fuel stops it');
      }
      if (program === 'fuel-sha') {
        assert.equal(call(await instantiate(instrument(original).bytes), 'sha_abc').value, 0xba7816bf | 0, 'SHA-256("abc") still right');
      }
    });
  }

  for (const variant of ['O0', 'O2'] as const) {
    test(`${program} clang ${variant}, WASI command with wasi-libc startup: same stdout metered`, async () => {
      const original = variant === 'O2' ? await fixture(program) : buildC(program, C_VARIANTS[variant]!, false);
      const plain = runCommand(new WebAssembly.Module(original as Uint8Array<ArrayBuffer>));
      assert.equal(plain.exitCode, 0);
      if (EXPECTED_STDOUT[program]) assert.ok(plain.stdout.startsWith(EXPECTED_STDOUT[program]!), `stdout: ${plain.stdout}`);
      for (const options of INSTRUMENT_VARIANTS) {
        const out = instrument(original, options);
        assert.ok(WebAssembly.validate(out.bytes as Uint8Array<ArrayBuffer>), `validates with ${JSON.stringify(options)}`);
        const module = new WebAssembly.Module(out.bytes as Uint8Array<ArrayBuffer>);
        const used: bigint[] = [];
        for (let run = 0; run < 2; run++) {
          let fuel: WebAssembly.Global | undefined;
          const r = runCommand(module, (e) => { fuel = e['__forge_fuel'] as WebAssembly.Global; fuel.value = 10n ** 15n; });
          assert.equal(r.stdout, plain.stdout);
          assert.equal(r.exitCode, 0);
          used.push(10n ** 15n - (fuel!.value as bigint));
        }
        assert.equal(used[0], used[1], 'the same fuel on every run');
      }
    });
  }
}
