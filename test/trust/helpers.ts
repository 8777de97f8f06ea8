/** Small builders shared by the trust tests. */
import { DEFAULT_GROUP, type SyscallName } from '../../src/ports/syscalls.ts';
import type { SyscallRequest } from '../../src/ports/gate-hooks.ts';
import { parsePolicy, type PolicyDocument, type PolicyDocumentInput, type Subject } from '../../src/trust/index.ts';

type Rule = NonNullable<PolicyDocumentInput['rules']>[number];

/** A layer document from its level, id and rules (plus any other field). */
export function layer(level: PolicyDocumentInput['layer'], id: string, rules: Rule[], extra: Partial<PolicyDocumentInput> = {}): PolicyDocument {
  return parsePolicy({ version: 1, id, layer: level, rules, ...extra });
}

export const allow = (id: string, actions: string[], more: Partial<Rule> = {}): Rule => ({ id, effect: 'allow', actions, ...more });
export const deny = (id: string, actions: string[], more: Partial<Rule> = {}): Rule => ({ id, effect: 'deny', actions, ...more });

/** A request with the syscall's default group unless one is given. */
export function req(syscall: SyscallName, more: Partial<SyscallRequest> = {}): SyscallRequest {
  return { syscall, group: DEFAULT_GROUP[syscall], ...more };
}

export const anon: Subject = { signed: false };
