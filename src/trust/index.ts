/**
 * The trust module: the zero-trust policy graph (language, validation, compilation, decisions),
 * rate limits and quotas, the trust vector with anomaly detection and escalation, and quarantine.
 * The language is documented in docs/policy.md. Web standards only.
 */
export {
  policyDocumentSchema, policyJsonSchema, POLICY_LEVELS, ESCALATION_TIERS,
  type PolicyDocument, type PolicyDocumentInput, type PolicyRule, type PolicyLimit, type EscalationRule, type PolicyLevel,
  type Subject, type SubjectMatch,
} from './schema.ts';
export { parsePolicy, parsePolicyText } from './parse.ts';
export { validatePolicyGraph, VALIDATION_BUDGET, type ValidationIssue, type ValidationMeter } from './validate.ts';
export { builtinPolicy, DEFAULT_ESCALATION, type BuiltinName, type BuiltinGrants } from './builtin.ts';
export { compilePolicy, describeTables, policyDigest, type CompiledPolicy, type CompiledLayer, type CompiledEscalation, type TableRow } from './compile.ts';
export { decide } from './decide.ts';
export { createTrustGate, type TrustGate, type TrustGateOptions, type EscalationEvent } from './gate.ts';
export { TRUST_WEIGHTS, TRUST_PENALTIES, provenanceScore, type TrustVector, type BehaviourCounters } from './trust-vector.ts';
export { AnomalyDetector, isSecretPath, isSecretEnv, type AnomalyOptions, type AnomalySnapshot } from './anomaly.ts';
export { identityOf, assertLaunchAllowed, quarantine, quarantineState } from './quarantine.ts';
export { releaseQuarantine, releaseStatementBytes, signRelease, RELEASE_TYPE, RELEASE_PAYLOAD_TYPE, type ReleaseStatement, type ReleaseOptions } from './release.ts';
