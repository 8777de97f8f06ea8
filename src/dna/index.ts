/**
 * Execution DNA (docs/dna.md): the tamper-evident trace of every run — record, verify, prove,
 * attest, explain, export and replay. Web standards only.
 */
export {
  createDnaRecorder, DEFAULT_MAX_BUFFERED, type DnaRecorder, type DnaRecorderOptions, type RecordFacts, type TraceSink, type AsyncTraceSink, type SyncTraceSink,
} from './record/recorder.ts';
export { verifyTrace, reportOf, type TraceReport, type TraceStatus, type VerifyOptions } from './verify/verify.ts';
export { traceReportError } from './verify/trace-error.ts';
export { analyzeTrace, analyzeInput, type Analysis, type Fault, type TraceInput } from './inspect/analyze.ts';
export { verifyStoredTraces, type StoredTraceReport, type StoredTraceStatus, type StoredTraceOptions } from './verify/stored.ts';
export {
  inclusionProof, verifyInclusion, consistencyProof, verifyConsistency, INCLUSION_FORMAT, CONSISTENCY_FORMAT,
  type InclusionProof, type ConsistencyProof, type ProofCheck, type ProofOptions,
} from './verify/proofs.ts';
export { MerkleTree, verifyInclusionPath, verifyConsistencyPath } from './hash/merkle.ts';
export { explainTrace, FLAG_MEANING, type ExplainJson, type Denial } from './inspect/explain.ts';
export { exportEvidence, readEvidence, EVIDENCE_FORMAT, type EvidenceInput, type EvidenceIndex } from './inspect/evidence.ts';
export { replayFeed, createReplayChecker, NONDETERMINISTIC_SYSCALLS, type ReplayChecker, type ReplayReport } from './inspect/replay.ts';
export { outcomeFromError } from './record/outcome.ts';
export { DNA_PREDICATE_TYPE, checkpointBody, type DnaSummary, type SignedSummary } from './verify/attestation.ts';
export { RISK_FLAGS, scoreRun, type RiskFlag, type Score, type Deduction } from './inspect/score.ts';
export {
  TRACE_FORMAT, RUN_STATUSES,
  type GenesisInfo, type PackageInfo, type RedactionRules, type RunOutcome, type RunStatus, type TraceEntry,
  type CallEntry, type DropEntry, type GenesisEntry, type SummaryOutcome,
} from './format.ts';
