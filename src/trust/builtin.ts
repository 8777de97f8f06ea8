/**
 * The built-in policies (`forge run --policy baseline|permissive|strict`), written in the policy
 * language itself and parsed like any other document. Each is a complete layer (`unlisted: deny`)
 * so it can also be stacked under a running graph as an escalation tier.
 */
import { KernelError } from '../errors.ts';
import { WASI_SYSCALLS } from '../ports/syscalls.ts';
import { isNormalizedPath } from '../lib/glob/index.ts';
import { parsePolicy } from './parse.ts';
import type { PolicyDocument, PolicyDocumentInput } from './schema.ts';

export type BuiltinName = 'baseline' | 'permissive' | 'strict';

export interface BuiltinGrants {
  /** Directories the guest sees, at absolute guest paths. */
  readonly dirs?: readonly { readonly guest: string; readonly readonly: boolean }[];
  /** Environment variable names (or env globs) the guest may read. */
  readonly env?: readonly string[];
}

/** A guest that keeps probing denied paths loses trust: below 60 it is narrowed to strict, below 30 quarantined. */
export const DEFAULT_ESCALATION = [{ below: 60, apply: 'strict' }, { below: 30, action: 'quarantine' }] as const;

type Rule = NonNullable<PolicyDocumentInput['rules']>[number];

const STDIO_FD_CALLS = ['fd_read', 'fd_write', 'fd_fdstat_get', 'fd_filestat_get'];
const FD_READ_CALLS = ['fd_advise', 'fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_filestat_get', 'fd_pread', 'fd_read',
  'fd_readdir', 'fd_renumber', 'fd_seek', 'fd_tell'];
const FD_WRITE_CALLS = ['fd_allocate', 'fd_datasync', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pwrite', 'fd_sync', 'fd_write',
  'fd_fdstat_set_rights'];
const PATH_CALLS = WASI_SYSCALLS.filter((s) => s.startsWith('path_'));

function stdioRules(prefix: string, covered: readonly string[] = []): Rule[] {
  const fdCalls = STDIO_FD_CALLS.filter((c) => !covered.includes(c));
  return [
    { id: `${prefix}.stdio`, effect: 'allow', actions: ['stdio'], description: 'standard input, output and error' },
    ...(fdCalls.length > 0 ? [{ id: `${prefix}.stdio-fds`, effect: 'allow' as const, actions: fdCalls, resources: { fds: [0, 1, 2] },
      description: 'the same, where a call on fd 0–2 is not labelled stdio' }] : []),
  ];
}

function baselineRules(prefix: string, covered: readonly string[] = []): Rule[] {
  return [
    ...stdioRules(prefix, covered),
    { id: `${prefix}.args`, effect: 'allow', actions: ['args_get', 'args_sizes_get'] },
    { id: `${prefix}.clock`, effect: 'allow', actions: ['clock'] },
    { id: `${prefix}.random`, effect: 'allow', actions: ['random'] },
    { id: `${prefix}.proc`, effect: 'allow', actions: ['proc_exit', 'sched_yield'] },
    { id: `${prefix}.preopens`, effect: 'allow', actions: ['fd_prestat_get', 'fd_prestat_dir_name'],
      description: 'preopen discovery at start-up (wasi-libc exits if it is refused); it only lists what the sandbox mounted' },
    { id: `${prefix}.environ-calls`, effect: 'allow', actions: ['environ_get', 'environ_sizes_get'],
      description: 'the calls themselves; a named variable needs a rule naming it, so the environment is empty' },
  ];
}

function dirRules(i: number, guest: string, readonly: boolean): Rule[] {
  if (!isNormalizedPath(guest)) {
    throw new KernelError('POLICY_INVALID', `granted directory ${JSON.stringify(guest)} is not a normalized absolute guest path (e.g. "/data")`, { path: `dirs[${i}].guest` });
  }
  const paths = guest === '/' ? ['/**'] : [guest, `${guest}/**`];
  if (!readonly) return [{ id: `permissive.dir${i}`, effect: 'allow', actions: PATH_CALLS, resources: { paths }, description: `read-write ${guest}` }];
  return [
    { id: `permissive.dir${i}.open`, effect: 'allow', actions: ['path_open'], resources: { paths }, conditions: { access: ['read'] }, description: `read-only ${guest}` },
    { id: `permissive.dir${i}.inspect`, effect: 'allow', actions: ['path_filestat_get', 'path_readlink'], resources: { paths } },
  ];
}

function document(name: BuiltinName, rules: Rule[], escalation: boolean, description: string): PolicyDocument {
  return parsePolicy({
    version: 1, id: `builtin:${name}`, layer: 'platform', mode: 'enforce', unlisted: 'deny', description, rules,
    escalation: escalation ? DEFAULT_ESCALATION.map((e) => ({ ...e })) : [],
  } satisfies PolicyDocumentInput);
}

/**
 * A built-in policy as a platform layer: baseline (stdio, args, clocks, random; no files, no env),
 * permissive (baseline plus the given directories and env names), strict (stdio and proc_exit only).
 * @throws KernelError POLICY_INVALID for a granted directory that is not a normalized absolute guest path
 */
export function builtinPolicy(name: BuiltinName, grants: BuiltinGrants = {}): PolicyDocument {
  if (name === 'strict') {
    return document('strict', [...stdioRules('strict'), { id: 'strict.exit', effect: 'allow', actions: ['proc_exit'] }], false,
      'stdio only (and proc_exit, so a guest can end)');
  }
  if (name === 'baseline') return document('baseline', baselineRules('baseline'), true, 'stdio, args, clocks, random; no files, no env');
  const dirs = grants.dirs ?? [];
  const fdCalls = dirs.length === 0 ? [] : [...FD_READ_CALLS, ...(dirs.some((d) => !d.readonly) ? FD_WRITE_CALLS : [])];
  const rules: Rule[] = [
    ...baselineRules('permissive', fdCalls),
    ...dirs.flatMap((d, i) => dirRules(i, d.guest, d.readonly)),
    ...(fdCalls.length > 0 ? [{ id: 'permissive.fd', effect: 'allow' as const, actions: fdCalls,
      description: 'calls on descriptors the guest opened: the path was decided at path_open' }] : []),
    ...((grants.env?.length ?? 0) > 0 ? [{ id: 'permissive.env', effect: 'allow' as const, actions: ['environ_get', 'environ_sizes_get'], resources: { env: [...grants.env!] } }] : []),
  ];
  return document('permissive', rules, true, 'baseline plus the granted directories and environment variables');
}
