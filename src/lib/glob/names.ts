/**
 * Package-name globs for per-key signing constraints: `*` matches any run of characters except
 * `/`, `**` matches any run including `/`, `?` matches one character except `/`; everything
 * else is literal. A character is a UTF-16 code unit. Matching is a dynamic program over
 * (pattern, name) — linear in their product, never the exponential backtracking a glob-to-RegExp
 * translation can hit. (Two kinds of star rule out the one-backtrack-point algorithm paths.ts uses.)
 */
import { GLOBSTAR, QMARK, STAR, tokenize, type Alphabet } from './tokens.ts';

const NAMES: Alphabet = { codePoints: false, globstar: true };
const SLASH = 0x2f;

/** Whether `name` matches the glob `pattern`. Never throws. */
export function globMatch(pattern: string, name: string): boolean {
  const tokens = tokenize(pattern, NAMES);
  // row[j]: the first i tokens match the first j characters of name
  let row = new Array<boolean>(name.length + 1).fill(false);
  row[0] = true;
  for (const t of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    if (t === STAR || t === GLOBSTAR) {
      for (let j = 0; j <= name.length; j++) {
        next[j] = row[j]! || (j > 0 && next[j - 1]! && (t === GLOBSTAR || name.charCodeAt(j - 1) !== SLASH));
      }
    } else {
      for (let j = 1; j <= name.length; j++) {
        const c = name.charCodeAt(j - 1);
        next[j] = row[j - 1]! && (t === QMARK ? c !== SLASH : c === t);
      }
    }
    row = next;
  }
  return row[name.length]!;
}

/** Whether any of `patterns` matches `name`. Never throws. */
export function anyGlobMatch(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatch(p, name));
}
