/**
 * How the scanner treats each opcode byte: a class that says which immediates follow and what the
 * instruction does to control flow. 0 (INVALID) is every byte no toolchain emits.
 */
export const C = {
  INVALID: 0, PLAIN: 1, U32: 2, MEMARG: 3, I32: 4, I64: 5, F32: 6, F64: 7,
  UNREACHABLE: 8, FREE: 9, BLOCK: 10, LOOP: 11, IF: 12, ELSE: 13, TRY: 14, CATCH: 15, CATCH_ALL: 16,
  THROW: 17, RETHROW: 18, THROW_REF: 19, END: 20, BR: 21, BR_IF: 22, BR_TABLE: 23, RETURN: 24,
  RETURN_CALL: 25, CALL_INDIRECT: 26, RETURN_CALL_INDIRECT: 27, DELEGATE: 28, SELECT_T: 29,
  TRY_TABLE: 30, REF_NULL: 31, BR_ON_NULL: 32, PREFIX_FC: 33, PREFIX_FD: 34, PREFIX_FE: 35, PREFIX_FB: 36,
  LOCAL: 37, GLOBAL: 38, CALL: 39,
} as const;

function table(): Uint8Array {
  const t = new Uint8Array(256);
  const set = (cls: number, ...ops: number[]) => { for (const op of ops) t[op] = cls; };
  const range = (cls: number, from: number, to: number) => { for (let op = from; op <= to; op++) t[op] = cls; };
  set(C.UNREACHABLE, 0x00);
  set(C.FREE, 0x01);
  set(C.BLOCK, 0x02); set(C.LOOP, 0x03); set(C.IF, 0x04); set(C.ELSE, 0x05);
  set(C.TRY, 0x06); set(C.CATCH, 0x07); set(C.THROW, 0x08); set(C.RETHROW, 0x09); set(C.THROW_REF, 0x0a);
  set(C.END, 0x0b); set(C.BR, 0x0c); set(C.BR_IF, 0x0d); set(C.BR_TABLE, 0x0e); set(C.RETURN, 0x0f);
  set(C.CALL, 0x10, 0x14); // call f, call_ref type
  set(C.RETURN_CALL, 0x12, 0x15); // return_call f, return_call_ref type
  set(C.CALL_INDIRECT, 0x11); set(C.RETURN_CALL_INDIRECT, 0x13);
  set(C.DELEGATE, 0x18); set(C.CATCH_ALL, 0x19);
  set(C.PLAIN, 0x1a, 0x1b); set(C.SELECT_T, 0x1c); set(C.TRY_TABLE, 0x1f);
  // Local and global indices are checked: the scratch locals and the fuel global must stay out of the guest's reach.
  range(C.LOCAL, 0x20, 0x22); set(C.GLOBAL, 0x23, 0x24); set(C.CALL, 0x25, 0x26); // table.get/set
  range(C.MEMARG, 0x28, 0x3e);
  set(C.U32, 0x3f); set(C.CALL, 0x40); // memory.size/grow memidx
  set(C.I32, 0x41); set(C.I64, 0x42); set(C.F32, 0x43); set(C.F64, 0x44);
  range(C.PLAIN, 0x45, 0xc4); // numeric MVP + sign extension
  set(C.REF_NULL, 0xd0); set(C.PLAIN, 0xd1, 0xd3, 0xd4); set(C.CALL, 0xd2); set(C.BR_ON_NULL, 0xd5, 0xd6);
  set(C.PREFIX_FB, 0xfb); set(C.PREFIX_FC, 0xfc); set(C.PREFIX_FD, 0xfd); set(C.PREFIX_FE, 0xfe);
  return t;
}

/** Opcode byte → class. */
export const OPCODE_CLASS = table();

/** SIMD (0xFD) sub-opcode immediates: 0 invalid, 1 none, 2 memarg, 3 16 bytes, 4 lane byte, 5 memarg + lane. */
function simdTable(): Uint8Array {
  const t = new Uint8Array(0x114).fill(1);
  for (let i = 0; i <= 11; i++) t[i] = 2; // v128.load … v128.store
  t[12] = 3; t[13] = 3; // v128.const, i8x16.shuffle
  for (let i = 21; i <= 34; i++) t[i] = 4; // extract/replace_lane
  for (let i = 84; i <= 91; i++) t[i] = 5; // load/store lane
  t[92] = 2; t[93] = 2; // load32_zero, load64_zero
  for (const gap of [154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198, 207, 208, 210, 211, 212, 226, 238]) t[gap] = 0;
  return t;
}

export const SIMD_CLASS = simdTable();
