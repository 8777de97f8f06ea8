/**
 * What an evidence file holds beside the trace, kept for the most recent runs of this app:
 * the package manifest, the policy the run was decided by, and the linear-memory snapshot of a
 * run that trapped or was stopped. The trace store keeps traces only, so after a restart (or
 * for older runs) an evidence file holds the trace, its checkpoints and the signed attestation —
 * which is what proves the run; these are the context around it.
 */
export interface RunArtifacts {
  readonly manifest?: unknown;
  readonly policy: unknown;
  readonly memory?: Uint8Array;
}

export interface ArtifactCache {
  put(runId: string, a: RunArtifacts): void;
  get(runId: string): RunArtifacts | undefined;
}

/** A bounded cache: at most `maxRuns` runs and `maxMemoryBytes` of snapshots, oldest out first. */
export function artifactCache(maxRuns = 32, maxMemoryBytes = 64 * 1024 * 1024): ArtifactCache {
  const runs = new Map<string, RunArtifacts>();
  let memoryBytes = 0;
  const drop = (id: string) => {
    memoryBytes -= runs.get(id)?.memory?.length ?? 0;
    runs.delete(id);
  };
  return {
    put(runId, a) {
      drop(runId);
      // a snapshot larger than the whole budget is not kept at all (the summary still states its digest)
      const kept = a.memory && a.memory.length > maxMemoryBytes ? { manifest: a.manifest, policy: a.policy } : a;
      runs.set(runId, kept);
      memoryBytes += kept.memory?.length ?? 0;
      while (runs.size > maxRuns || memoryBytes > maxMemoryBytes) drop(runs.keys().next().value!);
    },
    get: (runId) => runs.get(runId),
  };
}
