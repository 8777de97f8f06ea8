import type { z } from 'zod';

/**
 * The one place a failed zod parse becomes words: a field path and a sentence. Every parser of
 * untrusted input builds its error message from these, so paths read the same everywhere.
 */

export interface IssuePathStyle {
  /** What the document itself is called when the issue has no path: `(root)` unless given. */
  readonly root?: string;
  /** `files.0.access` (zod's own join) instead of `files[0].access`, where messages were always written so. */
  readonly dotted?: boolean;
}

/** `capabilities.files[0].access` for the path of a zod issue; `(root)` for the document itself. */
export function formatIssuePath(path: readonly PropertyKey[], style: IssuePathStyle = {}): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number' && !style.dotted) out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? style.root ?? '(root)' : out;
}

/** The first issue of a failed parse, as a field path and a sentence. */
export function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: formatIssuePath(prefix), message: 'invalid' };
  // An unknown key (often a typo) is reported at the key itself, not at the object holding it.
  const path = [...prefix, ...issue.path, ...(issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [issue.keys[0]] : [])];
  return { path: formatIssuePath(path), message: issue.message };
}

/** `path: message` for one issue (its path under `prefix`), or `invalid` when there is none. */
export function issueText(issue: z.core.$ZodIssue | undefined, style: IssuePathStyle = {}, prefix: readonly PropertyKey[] = []): string {
  return issue ? `${formatIssuePath([...prefix, ...issue.path], style)}: ${issue.message}` : 'invalid';
}
