/**
 * The one error type of the kernel. Every failure a caller can see — a hostile package, a bad
 * policy, a denied syscall, an unreachable store — is a KernelError with a stable `code`.
 * HTTP statuses and CLI exit codes are derived from the code in exactly one place (below).
 */

/** Stable error codes, grouped by the module that raises them. */
export const ERROR_CODES = {
  // config / boot
  CONFIG_INVALID: { http: 500, exit: 78 },
  CONFIG_MALFORMED: { http: 500, exit: 78 },
  CONFIG_UNSIGNED: { http: 500, exit: 78 },
  CONFIG_SIGNATURE_INVALID: { http: 500, exit: 78 },
  BOOT_SELF_TEST_FAILED: { http: 503, exit: 70 },
  BOOT_FAILED: { http: 503, exit: 70 },
  // packages / trust roots
  PKG_BAD_MAGIC: { http: 400, exit: 126 },
  PKG_UNSUPPORTED_VERSION: { http: 400, exit: 126 },
  PKG_TRUNCATED: { http: 400, exit: 126 },
  PKG_MALFORMED: { http: 400, exit: 126 },
  PKG_MANIFEST_INVALID: { http: 400, exit: 126 },
  PKG_DIGEST_MISMATCH: { http: 400, exit: 126 },
  PKG_SIGNATURE_INVALID: { http: 400, exit: 126 },
  PKG_UNKNOWN_KEY: { http: 403, exit: 126 },
  PKG_KEY_EXPIRED: { http: 403, exit: 126 },
  PKG_KEY_NOT_YET_VALID: { http: 403, exit: 126 },
  PKG_KEY_REVOKED: { http: 403, exit: 126 },
  PKG_SIGNER_NOT_ALLOWED: { http: 403, exit: 126 },
  PKG_THRESHOLD_NOT_MET: { http: 403, exit: 126 },
  PKG_UNSIGNED: { http: 403, exit: 126 },
  PKG_TOO_LARGE: { http: 413, exit: 126 },
  PKG_INVALID_WASM: { http: 400, exit: 126 },
  TRUST_ROOT_INVALID: { http: 400, exit: 126 },
  TRUST_ROOT_EXPIRED: { http: 400, exit: 126 },
  TRUST_ROOT_ROTATION_INVALID: { http: 400, exit: 126 },
  KEY_INVALID: { http: 400, exit: 2 },
  // execution
  WASM_COMPILE_FAILED: { http: 400, exit: 126 },
  WASM_NOT_BUNDLED: { http: 422, exit: 126 },
  /** The module declares more than a static limit allows (src/execution/instrument/limits.ts). */
  WASM_LIMIT_EXCEEDED: { http: 422, exit: 126 },
  WASM_INSTANTIATE_FAILED: { http: 400, exit: 126 },
  WASM_EXPORT_MISSING: { http: 400, exit: 126 },
  WASM_IMPORT_REFUSED: { http: 400, exit: 126 },
  WASM_TRAP: { http: 422, exit: 134 },
  FUEL_EXHAUSTED: { http: 422, exit: 124 },
  TIMEOUT: { http: 422, exit: 124 },
  /** A memory starts above the cap: the module is refused before it starts (like WASM_*), so 126. */
  MEMORY_LIMIT: { http: 422, exit: 126 },
  OUTPUT_LIMIT: { http: 422, exit: 125 },
  KILLED: { http: 422, exit: 137 },
  // trust / policy
  POLICY_INVALID: { http: 400, exit: 126 },
  POLICY_DENIED: { http: 403, exit: 125 },
  RATE_LIMITED: { http: 429, exit: 125 },
  QUARANTINED: { http: 423, exit: 125 },
  // observer
  TRACE_INVALID: { http: 400, exit: 65 },
  TRACE_TAMPERED: { http: 422, exit: 65 },
  TRACE_INCOMPLETE: { http: 422, exit: 65 },
  REPLAY_DIVERGED: { http: 409, exit: 65 },
  REPLAY_INCOMPLETE: { http: 422, exit: 65 },
  // storage
  STORE_UNAVAILABLE: { http: 503, exit: 74 },
  STORE_SCHEMA: { http: 500, exit: 74 },
  NOT_FOUND: { http: 404, exit: 66 },
  // interface
  BAD_REQUEST: { http: 400, exit: 2 },
  UNAUTHORIZED: { http: 401, exit: 77 },
  /** The token lacks the scope or tenant the request needs, or the request came from another origin or Host (src/http/origin.ts). */
  FORBIDDEN: { http: 403, exit: 77 },
  CAPABILITY_UNAVAILABLE: { http: 501, exit: 69 },
  INTERNAL: { http: 500, exit: 70 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KernelError extends Error {
  override readonly name = 'KernelError';
  readonly code: ErrorCode;
  /** Structured facts about the failure (a field path, a key id, an entry number …). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isKernelError(e: unknown, code?: ErrorCode): e is KernelError {
  return e instanceof KernelError && (code === undefined || e.code === code);
}

/** HTTP status for any thrown value: a KernelError's own, otherwise 500. */
export function httpStatusOf(e: unknown): number {
  return e instanceof KernelError ? e.httpStatus : 500;
}

/** CLI exit code for any thrown value: a KernelError's own, otherwise 70 (internal software error). */
export function exitCodeOf(e: unknown): number {
  return e instanceof KernelError ? e.exitCode : 70;
}

/** Wraps an unknown failure (an adapter's exception, a platform error) into a KernelError. */
export function asKernelError(e: unknown, code: ErrorCode, message: string): KernelError {
  if (e instanceof KernelError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new KernelError(code, `${message}: ${why}`, {}, { cause: e });
}
