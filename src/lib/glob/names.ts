/**
 * Package-name globs for per-key signing constraints: `*` matches any run of characters except
 * `/`, `**` matches any run including `/`, `?` matches one character except `/`; everything
 * else is literal. Matching is a dynamic program over (pattern, name) — linear in their
 * product, never the exponential backtracking a glob-to-RegExp translation can hit.
 */
type Token = { kind: 'lit'; ch: string } | { kind: 'star' } | { kind: 'globstar' } | { kind: 'one' };

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      out.push({ kind: 'globstar' });
      while (pattern[i + 1] === '*') i++;
    } else if (ch === '*') out.push({ kind: 'star' });
    else if (ch === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'lit', ch });
  }
  return out;
}

/** Whether `name` matches the glob `pattern`. */
export function globMatch(pattern: string, name: string): boolean {
  const tokens = tokenize(pattern);
  // row[j]: the first i tokens match the first j characters of name
  let row = new Array<boolean>(name.length + 1).fill(false);
  row[0] = true;
  for (const t of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    if (t.kind === 'star' || t.kind === 'globstar') {
      for (let j = 0; j <= name.length; j++) {
        next[j] = row[j]! || (j > 0 && next[j - 1]! && (t.kind === 'globstar' || name[j - 1] !== '/'));
      }
    } else {
      for (let j = 1; j <= name.length; j++) {
        const c = name[j - 1]!;
        next[j] = row[j - 1]! && (t.kind === 'one' ? c !== '/' : c === t.ch);
      }
    }
    row = next;
  }
  return row[name.length]!;
}

/** Whether any of `patterns` matches `name`. */
export function anyGlobMatch(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatch(p, name));
}
