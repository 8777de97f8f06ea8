/**
 * The `.forgepkg` container, format version 1 (docs/forgepkg.md):
 *
 *   header   magic 89 46 50 4B 47 0D 0A 1A ("\x89FPKG\r\n\x1a") · version u16 BE · reserved u16 = 0
 *   sections type u8 · length u32 BE · payload — in this order, each exactly once except files:
 *            1 manifest (UTF-8 JSON) · 2 module (wasm) · 3 file* (u16 BE path length · path · bytes),
 *            strictly ascending by path bytes · 4 signatures (one canonical DSSE envelope), last
 *
 * Parsing is structural and synchronous; nothing here is trusted until verify.ts checks it.
 */
import { KernelError } from '../errors.ts';
import { concatBytes, utf8 } from '../lib/encoding.ts';
import { parseEnvelope, serializeEnvelope, type DsseEnvelope } from './dsse.ts';
import { isGuestPath, parseManifestBytes, type Manifest } from './manifest.ts';
import { checkWasmHeader } from '../lib/wasm-check.ts';

export const MAGIC = Uint8Array.of(0x89, 0x46, 0x50, 0x4b, 0x47, 0x0d, 0x0a, 0x1a);
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 12;
export const SECTION = { manifest: 1, module: 2, file: 3, signatures: 4 } as const;
/** Largest package accepted when the caller sets no `maxBytes` (matches config.packages.maxBytes). */
export const DEFAULT_MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
/** Fixed caps that bound the parser's work whatever `maxBytes` is. */
export const SECTION_LIMITS = { manifestBytes: 64 * 1024, signatureBytes: 512 * 1024, files: 1024 } as const;

export interface ParsedPackage {
  readonly formatVersion: number;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  readonly module: Uint8Array;
  /** Mounted files by guest path, in ascending order. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly envelope: DsseEnvelope;
  /** Offset of the signature section: the bytes before it are what co-signing leaves untouched. */
  readonly contentLength: number;
  readonly size: number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function section(type: number, payload: Uint8Array): Uint8Array {
  const head = new Uint8Array(5);
  head[0] = type;
  new DataView(head.buffer).setUint32(1, payload.length);
  return concatBytes(head, payload);
}

/** Encodes a package; the caller has validated the parts. Files must be sorted by path bytes. */
export function encodePackage(parts: { manifestBytes: Uint8Array; module: Uint8Array; files: ReadonlyMap<string, Uint8Array>; envelope: DsseEnvelope }): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC);
  new DataView(header.buffer).setUint16(8, FORMAT_VERSION);
  const files = [...parts.files].map(([path, data]) => {
    const p = utf8.encode(path);
    const len = new Uint8Array(2);
    new DataView(len.buffer).setUint16(0, p.length);
    return section(SECTION.file, concatBytes(len, p, data));
  });
  return concatBytes(header, section(SECTION.manifest, parts.manifestBytes), section(SECTION.module, parts.module), ...files,
    section(SECTION.signatures, utf8.encode(serializeEnvelope(parts.envelope))));
}

/** Orders guest paths the way the format requires: by their UTF-8 bytes. */
export function sortPaths(paths: Iterable<string>): string[] {
  return [...paths].sort((a, b) => compareBytes(utf8.encode(a), utf8.encode(b)));
}

/**
 * Parses the structure of a package: header, sections, manifest schema, module header, envelope.
 * Checks no digest and no signature (verifyPackage does). The returned views alias `bytes`.
 * @throws KernelError PKG_TOO_LARGE, PKG_BAD_MAGIC, PKG_UNSUPPORTED_VERSION, PKG_TRUNCATED,
 *   PKG_MALFORMED, PKG_MANIFEST_INVALID, PKG_INVALID_WASM
 */
export function parsePackage(bytes: Uint8Array, opts: { maxBytes?: number } = {}): ParsedPackage {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES;
  if (bytes.length > maxBytes) throw new KernelError('PKG_TOO_LARGE', `the package is ${bytes.length} bytes; the maximum is ${maxBytes}`, { size: bytes.length, maxBytes });
  const magicSeen = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < magicSeen; i++) {
    if (bytes[i] !== MAGIC[i]) throw new KernelError('PKG_BAD_MAGIC', 'not a .forgepkg file (bad magic bytes)');
  }
  if (bytes.length < HEADER_BYTES) throw new KernelError('PKG_TRUNCATED', `the package ends inside its ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const formatVersion = view.getUint16(8);
  if (formatVersion !== FORMAT_VERSION) {
    throw new KernelError('PKG_UNSUPPORTED_VERSION', `format version ${formatVersion} is not supported (this kernel reads version ${FORMAT_VERSION})`, { formatVersion });
  }
  if (view.getUint16(10) !== 0) throw new KernelError('PKG_MALFORMED', 'the reserved header field is not zero');

  let at = HEADER_BYTES;
  const next = (expected: string): { type: number; payload: Uint8Array; start: number } => {
    if (at === bytes.length) throw new KernelError('PKG_TRUNCATED', `the package ends where its ${expected} section should be`);
    if (bytes.length - at < 5) throw new KernelError('PKG_TRUNCATED', `the package ends inside a section header at offset ${at}`);
    const type = view.getUint8(at);
    const length = view.getUint32(at + 1);
    if (length > bytes.length - at - 5) throw new KernelError('PKG_TRUNCATED', `the section at offset ${at} declares ${length} bytes but only ${bytes.length - at - 5} remain`);
    const start = at;
    at += 5 + length;
    return { type, payload: bytes.subarray(start + 5, at), start };
  };
  const expect = (s: { type: number }, type: number, name: string) => {
    if (s.type !== type) throw new KernelError('PKG_MALFORMED', `expected the ${name} section (type ${type}), found type ${s.type}`);
  };

  const m = next('manifest');
  expect(m, SECTION.manifest, 'manifest');
  if (m.payload.length > SECTION_LIMITS.manifestBytes) throw new KernelError('PKG_TOO_LARGE', `the manifest is ${m.payload.length} bytes; at most ${SECTION_LIMITS.manifestBytes}`);
  const manifest = parseManifestBytes(m.payload);
  const mod = next('module');
  expect(mod, SECTION.module, 'module');
  checkWasmHeader(mod.payload);

  const files = new Map<string, Uint8Array>();
  let prevPath: Uint8Array | undefined;
  let s = next('signatures');
  while (s.type === SECTION.file) {
    if (files.size === SECTION_LIMITS.files) throw new KernelError('PKG_TOO_LARGE', `more than ${SECTION_LIMITS.files} mounted files`);
    if (s.payload.length < 2) throw new KernelError('PKG_MALFORMED', `the file section at offset ${s.start} is shorter than its path length field`);
    const pathLen = (s.payload[0]! << 8) | s.payload[1]!;
    if (pathLen > s.payload.length - 2) throw new KernelError('PKG_MALFORMED', `the file section at offset ${s.start} declares a ${pathLen}-byte path longer than the section`);
    const pathBytes = s.payload.subarray(2, 2 + pathLen);
    let path: string;
    try {
      path = strictUtf8.decode(pathBytes);
    } catch {
      throw new KernelError('PKG_MALFORMED', `the file section at offset ${s.start} has a path that is not UTF-8`);
    }
    if (!isGuestPath(path) || path === '/') throw new KernelError('PKG_MALFORMED', `mounted file path ${JSON.stringify(path)} is not an absolute guest file path`, { path });
    if (prevPath && compareBytes(prevPath, pathBytes) >= 0) throw new KernelError('PKG_MALFORMED', `mounted file ${JSON.stringify(path)} is out of order or repeated (paths must strictly ascend)`, { path });
    prevPath = pathBytes;
    files.set(path, s.payload.subarray(2 + pathLen));
    s = next('signatures');
  }
  expect(s, SECTION.signatures, 'signatures');
  if (s.payload.length > SECTION_LIMITS.signatureBytes) throw new KernelError('PKG_TOO_LARGE', `the signature section is ${s.payload.length} bytes; at most ${SECTION_LIMITS.signatureBytes}`);
  let text: string;
  try {
    text = strictUtf8.decode(s.payload);
  } catch {
    throw new KernelError('PKG_MALFORMED', 'the signature section is not UTF-8');
  }
  const envelope = parseEnvelope(text);
  if (at !== bytes.length) throw new KernelError('PKG_MALFORMED', `${bytes.length - at} bytes follow the signature section`);
  return { formatVersion, manifest, manifestBytes: m.payload, module: mod.payload, files, envelope, contentLength: s.start, size: bytes.length };
}
