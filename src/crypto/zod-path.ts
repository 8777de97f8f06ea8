import type { z } from 'zod';

/** `capabilities.files[0].access` for the path of a zod issue; `(root)` for the document itself. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The first issue of a failed parse, as a field path and a sentence. */
export function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: formatIssuePath(prefix), message: 'invalid' };
  // An unknown key (often a typo) is reported at the key itself, not at the object holding it.
  const path = [...prefix, ...issue.path, ...(issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [issue.keys[0]] : [])];
  return { path: formatIssuePath(path), message: issue.message };
}
