/**
 * The no-cycles rule: no module of src/, platform/, web/ or workers/ reaches itself through its
 * imports — type-only imports and re-exports included, since a cycle of types is still two
 * contracts that cannot be read apart. dpdm builds the graph; its own TypeScript parser reads the
 * `.ts` specifiers as written, and `import type` counts because nothing is transformed first.
 */
import { parseCircular, parseDependencyTree } from 'dpdm';

/** The trees the rule holds for (globs relative to the root). */
export const CYCLE_ROOTS = ['src/**/*.{ts,js,mjs}', 'platform/**/*.{ts,js,mjs}', 'web/**/*.{ts,js,mjs}', 'workers/**/*.{ts,js,mjs}'] as const;

export interface CycleReport {
  /** Modules of the project the graph holds (outside node_modules). */
  readonly files: number;
  /** Each cycle found, as the modules along it (relative to the root); at least one while any exists. */
  readonly cycles: readonly (readonly string[])[];
  /**
   * Relative imports the tool could not resolve: an edge it cannot see could close a cycle, so
   * these fail the check too (e.g. a dpdm that stopped reading explicit `.ts` extensions).
   */
  readonly unresolved: readonly string[];
}

/** Builds the import graph of `patterns` under `root` and reports its cycles. */
export async function findCycles(root: string, patterns: readonly string[] = CYCLE_ROOTS): Promise<CycleReport> {
  const tree = await parseDependencyTree([...patterns], { cwd: root, context: root, transform: false, skipDynamicImports: false });
  // ids are relative to `context`; builtins keep their names (`node:fs`)
  const own = Object.entries(tree).filter(([id, deps]) => deps !== null && !/^[\w-]+:/.test(id) && !id.split('/').includes('node_modules'));
  const unresolved = own.flatMap(([, deps]) => deps!.filter((d) => d.id === null && d.request.startsWith('.')).map((d) => `${d.issuer} → ${d.request}`));
  const cycles = parseCircular(tree, false);
  return { files: own.length, cycles, unresolved };
}
