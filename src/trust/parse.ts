import type { z } from 'zod';
import { KernelError } from '../errors.ts';
import { formatIssuePath } from '../lib/zod-issues.ts';
import { policyDocumentSchema, type PolicyDocument } from './schema.ts';

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if ((issue.code === 'invalid_value' || issue.code === 'invalid_type') && issue.input !== undefined) {
    const got = JSON.stringify(issue.input) ?? String(issue.input);
    return `${issue.message}, got ${got.length > 80 ? `${got.slice(0, 77)}...` : got}`;
  }
  return issue.message;
}

/**
 * Parses one policy layer document (already JSON-decoded) into a typed, defaulted value.
 * @throws KernelError POLICY_INVALID naming the first bad field in the message and in details.path
 */
export function parsePolicy(json: unknown): PolicyDocument {
  const result = policyDocumentSchema.safeParse(json, { reportInput: true });
  if (result.success) return result.data;
  // An unknown field first: a typo ("action") also makes the real field look missing.
  const sorted = [...result.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const issues = sorted.map((i) => ({ path: formatIssuePath(i.path, { root: '(document)' }), message: describeIssue(i) }));
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new KernelError('POLICY_INVALID', `policy field ${first.path}: ${first.message}${more}`, { path: first.path, issues });
}

/**
 * Parses policy text (a file's contents).
 * @throws KernelError POLICY_INVALID when the text is not JSON or the document does not validate
 */
export function parsePolicyText(text: string, source = 'policy'): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KernelError('POLICY_INVALID', `${source} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { path: '(document)', source });
  }
  return parsePolicy(json);
}
