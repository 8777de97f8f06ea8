/**
 * The closed import surface. `WebAssembly.instantiate` looks imports up as ordinary property reads,
 * so an ordinary object would also hand the guest what every JS object inherits
 * (`wasi_snapshot_preview1.constructor` is `Object`, a module named `constructor` offers
 * `assign`, `getPrototypeOf`, `Function`…), all running in the kernel's realm outside the gate.
 * So: every import a module declares is checked against the kernel's table — module, name, kind
 * and signature — before it is instantiated, and the import objects have no prototype and are
 * frozen, so even a check that missed something would find nothing to take.
 */
import { KernelError } from '../errors.ts';
import type { ImportDecl } from './instrument/module.ts';
import { WASI_SIGNATURES } from './wasi/signatures.ts';

/** The kernel's table: module → import name → function signature (`i32,i64->i32`). */
export type ImportTable = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A frozen object with no prototype holding exactly `entries`. */
export function closedRecord<T>(entries: Iterable<readonly [string, T]>): Readonly<Record<string, T>> {
  const o = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) o[k] = v;
  return Object.freeze(o);
}

/** The table of a WASI preview1 command: `wasi_snapshot_preview1` and nothing else. */
export const WASI_IMPORT_TABLE: ImportTable = new Map([['wasi_snapshot_preview1', new Map(Object.entries(WASI_SIGNATURES))]]);

/** The table of `kernel.invoke`: a pure function imports nothing. */
export const NO_IMPORTS: ImportTable = new Map();

const show = (s: string) => JSON.stringify(s);

/**
 * Checks every import the module declares (read from its bytes, with signatures) against `table`.
 * @throws KernelError WASM_IMPORT_REFUSED naming the first import the kernel does not offer
 */
export function checkImports(imports: readonly ImportDecl[], table: ImportTable): void {
  for (const imp of imports) {
    const where = `${show(imp.module)}.${show(imp.name)}`;
    const fields = table.get(imp.module);
    const wanted = fields?.get(imp.name);
    let why: string | undefined;
    if (fields === undefined) why = table.size === 0 ? 'this call takes a module with no imports' : `the kernel offers no import module ${show(imp.module)} (only ${[...table.keys()].map(show).join(', ')})`;
    else if (wanted === undefined) why = `${show(imp.module)} has no function ${show(imp.name)}`;
    else if (imp.kind !== 'function') why = `it is imported as a ${imp.kind}, but the kernel offers a function`;
    else if (imp.signature !== wanted) why = `its signature is (${imp.signature}) but the kernel's is (${wanted})`;
    if (why !== undefined) {
      throw new KernelError('WASM_IMPORT_REFUSED', `the module imports ${where}, which the kernel refuses: ${why}`, {
        module: imp.module, name: imp.name, kind: imp.kind, offset: imp.offset,
      });
    }
  }
}

/**
 * The same check on a compiled module, by names and kinds (engines report no signatures): it holds
 * for modules that reached the loader some other way (a bundled module found by digest).
 * @throws KernelError WASM_IMPORT_REFUSED
 */
export function checkCompiledImports(module: WebAssembly.Module, table: ImportTable): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    const known = table.get(imp.module)?.has(imp.name) === true;
    if (!known || imp.kind !== 'function') {
      throw new KernelError('WASM_IMPORT_REFUSED', `the module imports ${show(imp.module)}.${show(imp.name)} (${imp.kind}), which the kernel does not offer`, {
        module: imp.module, name: imp.name, kind: imp.kind,
      });
    }
  }
}
