/**
 * The crypto module's public API: `.forgepkg` packages (docs/forgepkg.md) and trust roots
 * (docs/trust-root.md). Web standards only; hashing and signing go through a CryptoProvider.
 */
export { parsePackage, FORMAT_VERSION, DEFAULT_MAX_PACKAGE_BYTES, MAGIC, type ParsedPackage } from './format.ts';
export { verifyPackage, type VerifiedPackage, type VerifyOptions } from './verify.ts';
export { packPackage, signPackage, type PackInput, type PackOptions } from './package.ts';
export { validateManifest, manifestSchema, type Manifest, type ManifestInput } from './manifest.ts';
export {
  generateKeyPair, keyPairFromSecret, keyIdOf, parseKeyFile, parsePublicKey, keyFileJson, publicKeyJson,
  type KeyPair, type PublicKey,
} from '../crypto/keys.ts';
export {
  parseTrustRoot, trustRootDocument, ROOT_TYPE,
  type TrustRoot, type TrustRootKey, type RootBody, type KeyRole,
} from './trust-root.ts';
export {
  createTrustRoot, rotateRoot, verifyTrustRoot, verifyRootRotation, verifyRootChain, draftFrom,
  type RootDraft, type RootCheckOptions,
} from './root-signing.ts';
export { withKey, withRevocation, withoutKey, type KeyConstraints } from './root-edit.ts';
export { pae } from './dsse.ts';
export { STATEMENT_PAYLOAD_TYPE, PREDICATE_TYPE } from './statement.ts';
export { nobleCrypto, resolveCrypto } from '../crypto/noble.ts';
export { webCryptoEd25519 } from '../crypto/webcrypto.ts';
