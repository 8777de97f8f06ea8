/**
 * The src/ purity rule: the core uses web standards only. A file under src/ must not import
 * `node:*` or anything under platform/, nor touch indexedDB, caches, process or Deno.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

const RULES: ReadonlyArray<{ rule: string; pattern: RegExp }> = [
  { rule: 'imports node:*', pattern: /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]node:/ },
  { rule: 'imports a Node builtin by bare name', pattern: /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:fs|path|os|child_process|worker_threads|crypto|url|http|https|net|vm|stream)(?:\/[^'"]*)?['"]/ },
  { rule: 'imports platform/', pattern: /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](?:\.\.\/)+platform\// },
  { rule: 'touches indexedDB', pattern: /\bindexedDB\b/ },
  { rule: 'touches caches', pattern: /\bcaches\s*[.[]/ },
  { rule: 'touches process', pattern: /\bprocess\s*[.[]/ },
  { rule: 'touches Deno', pattern: /\bDeno\s*[.[]/ },
];

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(?:m|c)?[jt]sx?$/.test(name)) yield p;
  }
}

/** Strips // and /* *\/ comments so a comment that names a forbidden thing is not a violation. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function checkPurity(dir: string): Violation[] {
  const out: Violation[] = [];
  for (const file of sourceFiles(dir)) {
    const lines = stripComments(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((text, i) => {
      for (const { rule, pattern } of RULES) {
        if (pattern.test(text)) out.push({ file: relative(dir, file), line: i + 1, rule, text: text.trim() });
      }
    });
  }
  return out;
}
