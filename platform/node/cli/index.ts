import { Command, CommanderError } from 'commander';
import { KernelError, exitCodeOf } from '../../../src/errors.ts';
import { escapeText } from '../../../src/lib/escape.ts';
import { registerConfig } from './config.ts';
import { registerDoctor } from './doctor.ts';
import { registerPolicy } from './policy.ts';
import { registerQuarantine } from './quarantine.ts';
import { registerServe } from './serve.ts';
import { registerKeygen } from './keygen.ts';
import { registerTrust } from './trust.ts';
import { registerPack } from './pack.ts';
import { registerSign } from './sign.ts';
import { registerVerify } from './verify.ts';
import { registerInspect } from './inspect.ts';
import { registerRun } from './run.ts';
import { registerTrace } from './trace.ts';
import { registerReplay } from './replay.ts';

/** Every command module registers itself on the program; the order is the help's order. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerServe, registerDoctor, registerConfig, registerPolicy, registerQuarantine,
  registerKeygen, registerTrust, registerPack, registerSign, registerVerify, registerInspect, registerRun, registerTrace, registerReplay,
];

export function buildProgram(): Command {
  const program = new Command('forge')
    .description('ForgeOne — run untrusted WebAssembly as sandboxed, audited containers')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false);
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI and returns the process exit code; every failure is printed as `error CODE: message`. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors exit 2 (commander already printed the message)
      return e.exitCode === 0 ? 0 : 2;
    }
    // Messages quote what traces, packages, proofs and guests hold: shown escaped (src/lib/escape.ts).
    if (e instanceof KernelError) {
      process.stderr.write(`error ${e.code}: ${escapeText(e.message)}\n`);
    } else {
      const text = e instanceof Error ? e.stack ?? e.message : String(e);
      process.stderr.write(`error INTERNAL: ${text.split('\n').map(escapeText).join('\n')}\n`);
    }
    return exitCodeOf(e);
  }
}
