/**
 * Hashing and signatures. The core ships a provider over @noble (synchronous, the same bytes in
 * every host); a platform may supply faster asynchronous verification through WebCrypto.
 */
export interface CryptoProvider {
  /** SHA-256, synchronous: the syscall path and the trace chain need it without awaiting. */
  sha256(data: Uint8Array): Uint8Array;
  /** Ed25519 verification, asynchronous so WebCrypto can serve it. Never throws on bad input: false. */
  verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
  /**
   * Ed25519 signing (RFC 8032, deterministic: every provider gives the same bytes) with a 32-byte
   * secret seed. @throws KernelError KEY_INVALID (rejects) when the seed is not 32 bytes
   */
  signEd25519(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>;
  /**
   * The same, synchronous: trace checkpoints are signed while a guest runs without yielding.
   * @throws KernelError KEY_INVALID when the seed is not 32 bytes
   */
  signEd25519Sync(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
}
