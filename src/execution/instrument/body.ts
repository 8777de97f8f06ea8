/**
 * One function body, in one pass: decode every instruction (all immediates), divide the code into
 * charge segments, then write it back with a fuel charge at the head of each segment and a length
 * charge before each bulk memory/table operation. Nothing is allocated per instruction: the control
 * stack and the segment lists are typed arrays reused across bodies.
 *
 * Segments (the fuel model, docs/limits.md): a new segment starts at the function entry and after
 * each `loop` (roots: executed once per iteration), at each `if`/`else`/`catch` arm, after each
 * conditional branch, and after the `end` of a construct that a branch reaches or leaves. Code after
 * an `end` that only falls through is charged to the segment before the construct. So a charge
 * site dominates every instruction charged to it, each site runs at most once per iteration of its
 * loop, and every back edge passes a charge of at least one unit. Small non-root segments (at most
 * FOLD units) are folded into their dominating parent: fewer counters, a bounded over-charge.
 *
 * Hostile bodies cost at most their size: locals and control nesting are held to their static
 * limits as they are read (limits.ts), so the control stack never grows past the nesting limit.
 * What the body will cost the engine to compile is counted too (`work`: locals × control points,
 * docs/limits.md "Compile work"), and held to the compileWork limit once instrumented.
 */
import { KernelError } from '../../errors.ts';
import { uintLength, type ByteReader, type ByteWriter } from '../../lib/bytes.ts';
import { bulkChargeLen, chargeLen, writeBulkCharge, writeCharge } from './encode.ts';
import { MODULE_LIMITS, checkLimit, overLimit } from './limits.ts';
import { C, OPCODE_CLASS, SIMD_CLASS } from './opcodes.ts';
import { count, invalid, valType, wasmReader } from './reader.ts';

/** Non-root segments costing at most this many units are charged with their parent instead. */
export const FOLD = 4;

const ROOT = 1;
const DEAD = 2;
/** Skipped only when control leaves the innermost loop: folding it over-charges once per loop run. */
const EXIT = 4;
const K_FUNC = 0, K_BLOCK = 1, K_LOOP = 2, K_IF = 3, K_TRY = 4;
const MAX_NESTING = MODULE_LIMITS.nesting.max;
const MAX_BODY = MODULE_LIMITS.bodyBytes.max;

function grow<T extends Int32Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need < a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need + 1, a.length * 2));
  next.set(a);
  return next;
}

export class BodyRewriter {
  private readonly r: ByteReader;
  private readonly tables64: readonly boolean[];
  private readonly memories64: readonly boolean[];
  // Control stack: kind, the segment active before the construct, the outermost control index a
  // branch from inside it reached, and whether a branch targets its label.
  private cKind = new Uint8Array(64);
  private cSaved = new Int32Array(64);
  private cEsc = new Int32Array(64);
  private cTargeted = new Uint8Array(64);
  private cLoop = new Int32Array(64); // control index of the innermost enclosing loop (0: none)
  // Segments: where the charge goes (offset in the input), its cost, parent, flags.
  private segPos = new Int32Array(256);
  private segCost = new Float64Array(256);
  private segParent = new Int32Array(256);
  private segFlags = new Uint8Array(256);
  private nSeg = 0;
  // Bulk operations: offset of the opcode, and whether the length operand is an i64.
  private bulkPos = new Int32Array(16);
  private bulkWide = new Uint8Array(16);
  private nBulk = 0;
  private narrowBulk = false;
  private locals = 0;
  /** Control points of the body so far (entry, branches, loops, arms, calls…): see `work`. */
  private points = 0;
  /** The compile work of the body last emitted: its locals (scratch included) × its control points (charges included). */
  work = 0;
  // The body being rewritten: the function (for messages), its range, its local groups, where its
  // code starts, and the scan's state between two calls of `scan` (control depth, segment, units).
  private func = 0;
  private start = 0;
  private end = 0;
  private groups = 0;
  private groupsStart = 0;
  private codeStart = 0;
  private top = 0;
  private cur = 0;
  private acc = 0;
  private readonly globals: number;

  /** `globals`: imported + defined; the fuel global comes next and no guest code may name it. */
  constructor(bytes: Uint8Array, tables64: readonly boolean[], memories64: readonly boolean[], globals: number) {
    this.r = wasmReader(bytes, 0, 0);
    this.globals = globals;
    this.tables64 = tables64;
    this.memories64 = memories64;
  }

  // One body is rewritten in three steps — `begin`, `scan` (in as many calls as the caller likes,
  // so a large body need not be decoded in one go), `emit` — with the scan's state in fields.

  /**
   * Starts on the body of function `func` at `[start, end)` (after its size): reads its locals.
   * @throws KernelError PKG_INVALID_WASM, WASM_LIMIT_EXCEEDED for too many locals
   */
  begin(start: number, end: number, params: number, func: number): void {
    const r = this.r;
    r.pos = start;
    r.end = end;
    this.func = func;
    this.start = start;
    this.end = end;
    const groups = count(r, 'local group');
    const groupsStart = r.pos;
    // Summed one group at a time: a count that claims 2^32 locals is refused before it is added.
    let locals = params;
    for (let i = 0; i < groups; i++) {
      const at = r.pos;
      locals += r.u32();
      checkLimit('locals', locals, at, `function ${func}`);
      valType(r);
    }
    this.groups = groups;
    this.groupsStart = groupsStart;
    this.codeStart = r.pos;
    this.locals = locals;
    this.nSeg = 0; this.nBulk = 0; this.narrowBulk = false;
    this.points = 1;
    this.top = 0;
    this.push(0, K_FUNC, -1, this.codeStart);
    this.cur = this.newSeg(this.codeStart, -1, ROOT);
    this.acc = 0;
  }

  /** Where `scan` stopped: the input offset of the next instruction. */
  get position(): number {
    return this.r.pos;
  }

  /**
   * Writes the scanned body into `w`, size included, with its charges.
   * @throws KernelError WASM_LIMIT_EXCEEDED when the charges take it over the body size limit
   */
  emit(w: ByteWriter, fuelGlobal: number): void {
    const r = this.r;
    const { start, end, groups, groupsStart, codeStart, locals, func } = this;
    // Fold small conditional segments into their parents, innermost (latest) first.
    const cost = this.segCost, parent = this.segParent, flags = this.segFlags;
    let sites = 0;
    for (let i = this.nSeg - 1; i >= 0; i--) {
      if (flags[i]! & DEAD) cost[i] = 0;
      else if (flags[i]! & EXIT || (!(flags[i]! & ROOT) && cost[i]! <= FOLD)) { cost[parent[i]!]! += cost[i]!; cost[i] = 0; }
      if (cost[i]! > 0) sites++;
    }
    // What the engine's baseline compiler costs (limits.ts, compileWork): every local at every control point.
    const scratch = sites === 0 && this.nBulk === 0 ? 0 : this.narrowBulk ? 2 : 1;
    this.work = (locals + scratch) * (this.points + sites + this.nBulk);
    checkLimit('compileWork', this.work, start, `function ${func}${scratch === 0 ? '' : ' once instrumented'}`);
    if (sites === 0 && this.nBulk === 0) {
      w.uint(end - start);
      w.copy(r.buf, start, end);
      return;
    }
    const tmp64 = locals, tmp32 = locals + 1;
    const gLen = uintLength(fuelGlobal), tLen = uintLength(tmp64), nLen = uintLength(tmp32);
    const newGroups = groups + (this.narrowBulk ? 2 : 1);
    let size = uintLength(newGroups) + (codeStart - groupsStart) + (this.narrowBulk ? 4 : 2) + (end - codeStart);
    for (let i = 0; i < this.nSeg; i++) if (cost[i]! > 0) size += chargeLen(cost[i]!, gLen, tLen);
    for (let j = 0; j < this.nBulk; j++) size += this.bulkWide[j] ? bulkChargeLen(true, gLen, tLen, tLen) : bulkChargeLen(false, gLen, tLen, nLen);
    // The engine compiles the output: refuse here what it would refuse, with the reason.
    if (size > MAX_BODY) overLimit('bodyBytes', size, start, `function ${func} once instrumented (${end - start} bytes before)`);

    w.uint(size);
    const bodyAt = w.pos;
    w.uint(newGroups);
    w.copy(r.buf, groupsStart, codeStart);
    w.u8(1); w.u8(0x7e);
    if (this.narrowBulk) { w.u8(1); w.u8(0x7f); }
    let p = codeStart, i = 0, j = 0;
    for (;;) {
      while (i < this.nSeg && cost[i] === 0) i++;
      const sp = i < this.nSeg ? this.segPos[i]! : Infinity;
      const bp = j < this.nBulk ? this.bulkPos[j]! : Infinity;
      if (sp === Infinity && bp === Infinity) break;
      const at = sp <= bp ? sp : bp;
      w.copy(r.buf, p, at);
      p = at;
      if (sp <= bp) { writeCharge(w, cost[i]!, fuelGlobal, tmp64); i++; }
      else { const wide = this.bulkWide[j] === 1; writeBulkCharge(w, wide, fuelGlobal, tmp64, wide ? tmp64 : tmp32); j++; }
    }
    w.copy(r.buf, p, end);
    if (w.pos - bodyAt !== size) throw new KernelError('INTERNAL', `instrumentation wrote ${w.pos - bodyAt} bytes for a body sized ${size}`);
  }

  private newSeg(pos: number, parentSeg: number, flag: number): number {
    const n = this.nSeg++;
    if (n >= this.segPos.length) {
      this.segPos = grow(this.segPos, n); this.segCost = grow(this.segCost, n);
      this.segParent = grow(this.segParent, n); this.segFlags = grow(this.segFlags, n);
    }
    this.segPos[n] = pos; this.segCost[n] = 0; this.segParent[n] = parentSeg; this.segFlags[n] = flag;
    return n;
  }

  private charge(seg: number, units: number): void {
    this.segCost[seg] = this.segCost[seg]! + units;
  }

  private bulk(pos: number, wide: boolean): void {
    const n = this.nBulk++;
    if (n >= this.bulkPos.length) { this.bulkPos = grow(this.bulkPos, n); this.bulkWide = grow(this.bulkWide, n); }
    this.bulkPos[n] = pos;
    this.bulkWide[n] = wide ? 1 : 0;
    if (!wide) this.narrowBulk = true;
  }

  /** Opens a construct at control depth `top` (its opcode at `at`). @throws KernelError WASM_LIMIT_EXCEEDED past the nesting limit */
  private push(top: number, kind: number, saved: number, at: number): void {
    if (top > MAX_NESTING) overLimit('nesting', top, at, `function ${this.func}`);
    if (top >= this.cKind.length) {
      this.cKind = grow(this.cKind, top); this.cSaved = grow(this.cSaved, top);
      this.cEsc = grow(this.cEsc, top); this.cTargeted = grow(this.cTargeted, top); this.cLoop = grow(this.cLoop, top);
    }
    this.cKind[top] = kind; this.cSaved[top] = saved; this.cEsc[top] = top; this.cTargeted[top] = 0;
    this.cLoop[top] = kind === K_LOOP ? top : top === 0 ? 0 : this.cLoop[top - 1]!;
  }

  private index(i: number, of: readonly boolean[], what: string, at: number): boolean {
    if (i >= of.length) invalid(`${what} index ${i} out of range (${of.length} defined)`, at);
    return of[i]!;
  }

  private blockType(): void {
    const r = this.r;
    const t = r.u8();
    if (t === 0x63 || t === 0x64) r.skipLeb(5);
    else if (t >= 0x80) { r.pos--; r.skipLeb(5); }
  }

  private memarg(): void {
    const r = this.r;
    if (r.u32() & 0x40) r.u32();
    r.skipLeb(10);
  }

  /**
   * Decodes the code of the body begun, filling the segment and bulk lists, until its final `end`
   * (true) or until it has passed input offset `until` (false: call again to go on).
   * @throws KernelError PKG_INVALID_WASM on malformed code or an unknown opcode, WASM_LIMIT_EXCEEDED past the nesting limit
   */
  scan(until: number): boolean {
    const r = this.r;
    const bytes = r.buf;
    const end = this.end;
    let top = this.top, cur = this.cur;
    let acc = this.acc; // units not yet added to segCost[cur]
    const locals = this.locals, globals = this.globals;
    for (;;) {
      if (r.pos >= until) { this.top = top; this.cur = cur; this.acc = acc; return false; }
      // Fast path over straight-line code whose immediates are one-byte LEBs (most of any body);
      // anything else, including every error, takes the general decoder below.
      let p = r.pos;
      while (p + 2 < end) {
        const cls = OPCODE_CLASS[bytes[p]!];
        if (cls === C.PLAIN) { p++; acc++; continue; }
        const imm = bytes[p + 1]!;
        if ((cls === C.LOCAL && imm < locals) || (cls === C.GLOBAL && imm < globals) || cls === C.I32 || cls === C.U32) {
          if (imm >= 0x80) break;
          p += 2; acc++; continue;
        }
        if (cls === C.CALL && imm < 0x80) { p += 2; acc++; this.points++; continue; }
        if (cls === C.MEMARG && imm < 0x40 && bytes[p + 2]! < 0x80) { p += 3; acc++; continue; }
        break;
      }
      r.pos = p;
      if (r.pos >= end) invalid('the function body ends before its final `end`', r.pos);
      const at = r.pos;
      const op = bytes[r.pos++]!;
      switch (OPCODE_CLASS[op]) {
        case C.PLAIN: acc++; break;
        case C.U32: r.u32(); acc++; break;
        case C.CALL: r.u32(); acc++; this.points++; break;
        case C.LOCAL: if (r.u32() >= this.locals) invalid(`local index out of range (${this.locals} locals)`, at); acc++; break;
        case C.GLOBAL: if (r.u32() >= this.globals) invalid(`global index out of range (${this.globals} globals)`, at); acc++; break;
        case C.MEMARG: this.memarg(); acc++; break;
        case C.I32: r.skipLeb(5); acc++; break;
        case C.I64: r.skipLeb(10); acc++; break;
        case C.F32: r.skip(4); acc++; break;
        case C.F64: r.skip(8); acc++; break;
        case C.FREE: break;
        case C.BLOCK: case C.TRY:
          this.blockType();
          if (op !== 0x02) this.points++;
          this.push(++top, op === 0x02 ? K_BLOCK : K_TRY, cur, at);
          break;
        case C.LOOP:
          this.blockType();
          this.points++;
          this.charge(cur, acc); acc = 0;
          this.push(++top, K_LOOP, cur, at);
          cur = this.newSeg(r.pos, -1, ROOT);
          break;
        case C.IF:
          this.blockType();
          this.points++;
          this.charge(cur, acc + 1); acc = 0;
          this.push(++top, K_IF, cur, at);
          cur = this.newSeg(r.pos, cur, 0);
          break;
        case C.ELSE: case C.CATCH: case C.CATCH_ALL:
          if (this.cKind[top] !== (op === 0x05 ? K_IF : K_TRY)) invalid(`opcode 0x${op.toString(16)} outside its ${op === 0x05 ? 'if' : 'try'}`, at);
          if (op === 0x07) r.u32();
          this.points++;
          this.charge(cur, acc); acc = 0;
          cur = this.newSeg(r.pos, this.cSaved[top]!, 0);
          break;
        case C.END: case C.DELEGATE: {
          if (op === 0x18) {
            if (this.cKind[top] !== K_TRY) invalid('delegate outside a try', at);
            r.u32();
            this.points++;
          }
          this.charge(cur, acc); acc = 0;
          if (top === 0) {
            if (r.pos !== end) invalid(`${end - r.pos} bytes follow the function's final \`end\``, r.pos);
            return true;
          }
          const kind = this.cKind[top]!, saved = this.cSaved[top]!, esc = this.cEsc[top]!, targeted = this.cTargeted[top]!;
          top--;
          if (esc < this.cEsc[top]!) this.cEsc[top] = esc;
          // A loop's label is its head, so only an escape makes the code after its end conditional.
          const join = esc <= top || (kind !== K_LOOP && targeted === 1);
          cur = join ? this.newSeg(r.pos, saved, 0) : saved;
          break;
        }
        case C.BR: case C.BR_IF: case C.BR_ON_NULL: {
          const d = r.u32();
          if (d > top) invalid(`branch depth ${d} exceeds the ${top} enclosing blocks`, at);
          this.points++;
          this.cTargeted[top - d] = 1;
          if (top - d < this.cEsc[top]!) this.cEsc[top] = top - d;
          this.charge(cur, acc + 1); acc = 0;
          cur = this.newSeg(r.pos, cur, op === 0x0c ? DEAD : top - d < this.cLoop[top]! ? EXIT : 0);
          break;
        }
        case C.BR_TABLE: {
          const n = count(r, 'br_table target');
          this.points += n + 1;
          let min = this.cEsc[top]!;
          for (let k = 0; k <= n; k++) {
            const d = r.u32();
            if (d > top) invalid(`br_table depth ${d} exceeds the ${top} enclosing blocks`, at);
            this.cTargeted[top - d] = 1;
            if (top - d < min) min = top - d;
          }
          this.cEsc[top] = min;
          this.charge(cur, acc + 1); acc = 0;
          cur = this.newSeg(r.pos, cur, DEAD);
          break;
        }
        case C.UNREACHABLE: case C.RETURN: case C.THROW: case C.RETHROW: case C.THROW_REF:
        case C.RETURN_CALL: case C.RETURN_CALL_INDIRECT:
          if (op === 0x08 || op === 0x09 || op === 0x12 || op === 0x15) r.u32();
          else if (op === 0x13) { r.u32(); r.u32(); }
          if (op !== 0x00) this.cEsc[top] = 0;
          this.points++;
          this.charge(cur, acc + 1); acc = 0;
          cur = this.newSeg(r.pos, cur, DEAD);
          break;
        case C.CALL_INDIRECT: r.u32(); r.u32(); acc++; this.points++; break;
        case C.SELECT_T: for (let n = count(r, 'select type'); n > 0; n--) valType(r); acc++; break;
        case C.REF_NULL: r.skipLeb(5); acc++; break;
        case C.TRY_TABLE: {
          this.blockType();
          let min = top + 1;
          this.points++;
          for (let n = count(r, 'catch clause'); n > 0; n--) {
            this.points++;
            const ck = r.u8();
            if (ck > 3) invalid(`unknown catch clause kind ${ck}`, r.pos - 1);
            if (ck < 2) r.u32();
            const d = r.u32();
            if (d > top) invalid(`catch label ${d} exceeds the ${top} enclosing blocks`, at);
            this.cTargeted[top - d] = 1;
            if (top - d < min) min = top - d;
          }
          this.push(++top, K_BLOCK, cur, at);
          this.cEsc[top] = Math.min(top, min);
          break;
        }
        case C.PREFIX_FC: acc++; this.prefixFC(at); break;
        case C.PREFIX_FD: {
          const sub = r.u32();
          const cls = sub < SIMD_CLASS.length ? SIMD_CLASS[sub]! : 0;
          if (cls === 0) invalid(`unknown SIMD opcode 0xfd ${sub}`, at);
          if (cls === 2 || cls === 5) this.memarg();
          if (cls === 3) r.skip(16);
          if (cls === 4 || cls === 5) r.u8();
          acc++;
          break;
        }
        case C.PREFIX_FE: {
          const sub = r.u32();
          if (sub === 3) r.u8();
          else if (sub <= 2) { this.memarg(); this.points++; } // notify and waits call into the engine
          else if (sub >= 0x10 && sub <= 0x4e) this.memarg();
          else invalid(`unknown atomic opcode 0xfe ${sub}`, at);
          acc++;
          break;
        }
        case C.PREFIX_FB: invalid('garbage-collection (0xfb) instructions are not supported', at);
        default: invalid(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
      }
    }
  }

  /** 0xFC: saturating truncation, bulk memory and table operations. */
  private prefixFC(at: number): void {
    const r = this.r;
    const sub = r.u32();
    if (sub <= 7) return;
    this.points++; // bulk memory and table operations call into the engine
    switch (sub) {
      case 8: r.u32(); this.index(r.u32(), this.memories64, 'memory', at); this.bulk(at, false); return; // memory.init
      case 9: case 13: case 15: case 16: r.u32(); return; // data.drop, elem.drop, table.grow, table.size
      case 10: { // memory.copy: the length is i64 only when both memories are 64-bit
        const d = this.index(r.u32(), this.memories64, 'memory', at);
        const s = this.index(r.u32(), this.memories64, 'memory', at);
        this.bulk(at, d && s);
        return;
      }
      case 11: this.bulk(at, this.index(r.u32(), this.memories64, 'memory', at)); return; // memory.fill
      case 12: r.u32(); this.index(r.u32(), this.tables64, 'table', at); this.bulk(at, false); return; // table.init
      case 14: { // table.copy
        const d = this.index(r.u32(), this.tables64, 'table', at);
        const s = this.index(r.u32(), this.tables64, 'table', at);
        this.bulk(at, d && s);
        return;
      }
      case 17: this.bulk(at, this.index(r.u32(), this.tables64, 'table', at)); return; // table.fill
      default: invalid(`unknown opcode 0xfc ${sub}`, at);
    }
  }
}
