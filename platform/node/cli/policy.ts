import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KernelError } from '../../../src/errors.ts';
import { ACTION_GROUPS, DEFAULT_GROUP, WASI_SYSCALLS, type ActionGroup, type SyscallName } from '../../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../../src/ports/gate-hooks.ts';
import {
  builtinPolicy, compilePolicy, decide, describeTables, parsePolicyText, policyJsonSchema, validatePolicyGraph,
  type BuiltinName, type CompiledPolicy, type PolicyDocument, type Subject,
} from '../../../src/trust/index.ts';
import { describeLimit } from '../../../src/trust/rate-limit.ts';

/**
 * `forge policy check|explain|schema`. A policy graph is given as its layers in order, platform
 * first: each a JSON file, or the name of a built-in (baseline, permissive, strict).
 */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('validate, compile and explain policy graphs (docs/policy.md)');

  policy.command('check')
    .description('validate a policy graph (layers in order, platform first) and print its compiled tables; exit 126 when invalid')
    .argument('<layers...>', 'policy files, or built-in names (baseline, permissive, strict)')
    .option('--json', 'print the tables as JSON')
    .action((files: string[], opts: { json?: boolean }) => {
      const layers = loadLayers(files);
      const issues = validatePolicyGraph(layers);
      for (const i of issues) process.stderr.write(`${i.severity} ${i.code} at ${i.path}: ${i.message}\n`);
      const compiled = compilePolicy(layers);
      process.stdout.write(opts.json ? `${JSON.stringify({ digest: compiled.digest, warnings: compiled.warnings, tables: describeTables(compiled) }, null, 2)}\n` : formatTables(compiled));
    });

  policy.command('explain')
    .description('decide one syscall under a policy graph and print the decision, its rules and the reason')
    .argument('<layers...>', 'policy files, or built-in names')
    .requiredOption('--syscall <name>', 'WASI syscall name, e.g. path_open')
    .option('--group <group>', 'the action group the sandbox labels the call with (default: the syscall\'s own)')
    .option('--path <path>', 'guest path the call names')
    .option('--path2 <path>', 'second guest path (rename, link)')
    .option('--access <mode>', 'path_open access: read, write or readwrite')
    .option('--env <name>', 'environment variable name')
    .option('--fd <n>', 'file descriptor', toInt('--fd'))
    .option('--bytes <n>', 'bytes the call moves', toInt('--bytes'))
    .option('--package <name>', 'subject: package name')
    .option('--digest <digest>', 'subject: package digest')
    .option('--tenant <tenant>', 'subject: tenant')
    .option('--signer <keyId>', 'subject: signer key id (implies signed)')
    .option('--signed', 'subject: the package is signed')
    .option('--label <k=v>', 'subject: a label (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print the decision as JSON')
    .action((files: string[], o: ExplainOptions) => {
      const compiled = compilePolicy(loadLayers(files));
      const request = requestOf(o);
      const decision = decide(compiled, request, subjectOf(o));
      // Limits depend on the run's history, so explain names those that would count the call.
      const limits = compiled.tables.get(request.syscall, request.group)?.limits.map((l) => `${l.id} (${describeLimit(l)}${l.monitor ? ', monitor' : ''})`) ?? [];
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...decision, limits }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`decision: ${decision.effect}${decision.monitored ? ' (monitored)' : ''}\n`
        + `rules:    ${decision.rules.length > 0 ? decision.rules.join(', ') : '(none: default deny)'}\n`
        + `reason:   ${decision.reason}\n`
        + (limits.length > 0 && decision.effect === 'allow' ? `limits:   ${limits.join('; ')} would count this call\n` : ''));
    });

  policy.command('schema')
    .description('print the JSON Schema of a policy layer document')
    .action(() => { process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`); });
}

interface ExplainOptions {
  syscall: string; group?: string; path?: string; path2?: string; access?: string; env?: string; fd?: number; bytes?: number;
  package?: string; digest?: string; tenant?: string; signer?: string; signed?: boolean; label: string[]; json?: boolean;
}

const BUILTINS: readonly string[] = ['baseline', 'permissive', 'strict'];

/** Reads each layer: a file, or a built-in name when no such file exists. @throws KernelError POLICY_INVALID, NOT_FOUND */
export function loadLayers(files: readonly string[]): PolicyDocument[] {
  return files.map((f) => {
    if (!existsSync(f) && BUILTINS.includes(f)) return builtinPolicy(f as BuiltinName);
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new KernelError('NOT_FOUND', `cannot read policy file ${f}: ${(e as Error).message}`, { file: f });
    }
    try {
      return parsePolicyText(text, f);
    } catch (e) {
      if (e instanceof KernelError) throw new KernelError(e.code, `${f}: ${e.message}`, e.details, { cause: e });
      throw e;
    }
  });
}

function toInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new KernelError('BAD_REQUEST', `${flag} takes a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
}

function requestOf(o: ExplainOptions): SyscallRequest {
  if (!(WASI_SYSCALLS as readonly string[]).includes(o.syscall)) {
    throw new KernelError('BAD_REQUEST', `--syscall ${o.syscall} is not a WASI preview1 syscall (e.g. path_open, fd_write, environ_get)`);
  }
  const syscall = o.syscall as SyscallName;
  const group = (o.group ?? DEFAULT_GROUP[syscall]) as ActionGroup;
  if (!(ACTION_GROUPS as readonly string[]).includes(group)) throw new KernelError('BAD_REQUEST', `--group ${group} is not one of ${ACTION_GROUPS.join(', ')}`);
  if (o.access !== undefined && !['read', 'write', 'readwrite'].includes(o.access)) throw new KernelError('BAD_REQUEST', '--access is read, write or readwrite');
  return {
    syscall, group,
    ...(o.path === undefined ? {} : { path: o.path }),
    ...(o.path2 === undefined ? {} : { path2: o.path2 }),
    ...(o.access === undefined ? {} : { access: o.access as 'read' | 'write' | 'readwrite' }),
    ...(o.env === undefined ? {} : { env: o.env }),
    ...(o.fd === undefined ? {} : { fd: o.fd }),
    ...(o.bytes === undefined ? {} : { bytes: o.bytes }),
  };
}

function subjectOf(o: ExplainOptions): Subject {
  const labels: Record<string, string> = {};
  for (const l of o.label) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new KernelError('BAD_REQUEST', `--label takes KEY=VALUE, got ${JSON.stringify(l)}`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return {
    signed: o.signed === true || o.signer !== undefined,
    ...(o.package === undefined ? {} : { packageName: o.package }),
    ...(o.digest === undefined ? {} : { packageDigest: o.digest }),
    ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
    ...(o.signer === undefined ? {} : { signer: o.signer }),
    ...(o.label.length > 0 ? { labels } : {}),
  };
}

/** The compiled tables for a person: one line per syscall, one column per layer. */
export function formatTables(c: CompiledPolicy): string {
  const rows = describeTables(c);
  const cell = (l: (typeof rows)[number]['layers'][number]) => {
    const parts = [...(l.allow.length ? [`allow ${l.allow.join(',')}`] : []), ...(l.deny.length ? [`deny ${l.deny.join(',')}`] : [])];
    if (parts.length === 0) return l.unlisted === 'inherit' ? '(inherit)' : '(default deny)';
    return parts.join('; ');
  };
  const head = [`policy OK: ${c.layers.length} layer(s), ${c.rules.length} rule(s), ${c.limits.length} limit(s), ${c.escalation.length} escalation rule(s); digest ${c.digest}`];
  for (const l of c.layers) head.push(`layer ${l.id} (${l.level}, ${l.mode}, unlisted: ${l.unlisted})`);
  const width = c.layers.map((_, i) => Math.max(12, ...rows.map((r) => cell(r.layers[i]!).length)));
  const lines = rows.map((r) => `${r.syscall.padEnd(24)} ${r.group.padEnd(9)} ${r.layers.map((l, i) => cell(l).padEnd(width[i]!)).join('  ')}${r.limits.length ? `  limits: ${r.limits.join('; ')}` : ''}`.trimEnd());
  const esc = c.escalation.map((e) => `escalation: below ${e.below} → ${e.apply !== undefined ? `apply ${e.apply}` : 'quarantine'} (layer ${e.layerId}${e.monitor ? ', monitor' : ''})`);
  return `${[...head, '', `${'syscall'.padEnd(24)} ${'group'.padEnd(9)} ${c.layers.map((l, i) => l.id.padEnd(width[i]!)).join('  ')}`.trimEnd(), ...lines, ...(esc.length ? ['', ...esc] : [])].join('\n')}\n`;
}
