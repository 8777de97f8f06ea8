// Entry point of the `forge` CLI (bin/forge.mjs and `npm run forge` land here).
import { runCli } from './cli/index.ts';

process.exitCode = await runCli(process.argv.slice(2));
