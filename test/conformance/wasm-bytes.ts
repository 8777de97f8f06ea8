/**
 * A minimal module writer for attack cases: a module with chosen imports, an empty `_start` and a
 * memory, as bytes. Web standards only (it runs in every conformance host, where workerd cannot
 * compile WAT at run time — the kernel must refuse these before compiling anyway).
 */
const VAL = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, externref: 0x6f, funcref: 0x70 } as const;
export type Val = keyof typeof VAL;

export type ImportSpec =
  | { readonly module: string; readonly name: string; readonly kind?: 'function'; readonly params?: readonly Val[]; readonly results?: readonly Val[] }
  | { readonly module: string; readonly name: string; readonly kind: 'memory' | 'global' };

const enc = new TextEncoder();

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const name = (s: string) => { const b = [...enc.encode(s)]; return [...leb(b.length), ...b]; };
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

/** A module importing `imports` and exporting `_start` (empty) and `memory`. */
export function moduleWithImports(imports: readonly ImportSpec[]): Uint8Array {
  const types: number[][] = [[0x60, 0, 0]]; // type 0: () -> ()
  const importEntries: number[][] = [];
  let funcs = 0;
  let importsMemory = false;
  for (const imp of imports) {
    if (imp.kind === 'memory') {
      importEntries.push([...name(imp.module), ...name(imp.name), 0x02, 0x00, 0x01]);
      importsMemory = true;
    } else if (imp.kind === 'global') {
      importEntries.push([...name(imp.module), ...name(imp.name), 0x03, VAL.i32, 0x00]);
    } else if (imp.kind === undefined || imp.kind === 'function') {
      const t = types.length;
      types.push([0x60, ...vec((imp.params ?? []).map((v) => [VAL[v]])), ...vec((imp.results ?? []).map((v) => [VAL[v]]))]);
      importEntries.push([...name(imp.module), ...name(imp.name), 0x00, ...leb(t)]);
      funcs++;
    }
  }
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(importEntries.length > 0 ? section(2, vec(importEntries)) : []),
    ...section(3, vec([[0]])),
    ...(importsMemory ? [] : section(5, vec([[0x00, 0x01]]))),
    ...section(7, vec([[...name('_start'), 0x00, ...leb(funcs)], [...name('memory'), 0x02, 0x00]])),
    ...section(10, vec([[0x02, 0x00, 0x0b]])),
  ];
  return new Uint8Array(bytes);
}

/** A module whose one function (exported as `_start`) has `body` as its code and `locals` local declarations ([count, type] pairs). */
export function moduleWithBody(body: Uint8Array, locals: ReadonlyArray<readonly [number, Val]> = []): Uint8Array {
  const decls = vec(locals.map(([n, t]) => [...leb(n), VAL[t]]));
  const codeLength = decls.length + body.length;
  const parts = [
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vec([[0x60, 0, 0]])),
    section(3, vec([[0]])),
    section(7, vec([[...name('_start'), 0x00, 0]])),
  ];
  // the code section is built around the body bytes without spreading them (they may be megabytes)
  const content = [...leb(1), ...leb(codeLength)];
  const sectionHead = [10, ...leb(content.length + codeLength), ...content];
  const head = parts.flat();
  const out = new Uint8Array(head.length + sectionHead.length + decls.length + body.length);
  out.set(head, 0);
  out.set(sectionHead, head.length);
  out.set(decls, head.length + sectionHead.length);
  out.set(body, head.length + sectionHead.length + decls.length);
  return out;
}

/** `depth` nested empty blocks: `block … end` × depth, then the function's `end`. */
export function nestedBlocks(depth: number): Uint8Array {
  const b = new Uint8Array(depth * 3 + 1);
  for (let i = 0; i < depth; i++) { b[2 * i] = 0x02; b[2 * i + 1] = 0x40; }
  b.fill(0x0b, depth * 2);
  return b;
}
