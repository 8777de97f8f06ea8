#!/usr/bin/env node
// The `forge` launcher. The CLI is TypeScript run by Node >= 24 (type stripping, JSPI). Started by
// an older Node, it re-runs itself on the project's own Node 24 (the `node` devDependency), or
// says exactly what it needs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REQUIRED_MAJOR = 24;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major >= REQUIRED_MAJOR) {
  await import(pathToFileURL(join(root, 'platform/node/main.ts')).href);
} else {
  const candidates = [
    join(root, 'node_modules/node/bin/node'),
    join(root, 'node_modules/.bin/node'),
  ];
  const projectNode = candidates.find((p) => existsSync(p));
  if (!projectNode) {
    process.stderr.write(
      `forge needs Node.js ${REQUIRED_MAJOR} or newer; this is ${process.version}.\n` +
        `Run \`npm install\` in ${root} (it installs the project's Node ${REQUIRED_MAJOR}), or install Node.js ${REQUIRED_MAJOR}.\n`,
    );
    process.exit(69);
  }
  const r = spawnSync(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`forge could not start ${projectNode}: ${r.error.message}\n`);
    process.exit(69);
  }
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 70);
}
