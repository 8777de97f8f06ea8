/**
 * The wildcard alphabet every glob dialect shares (src/lib/glob/index.ts): `*`, `?`, and — in the
 * dialect that has it — `**`; every other character is literal. No escaping and no character
 * class, on purpose: the policy validator's subset test stays exact enough to prove narrowing.
 *
 * A pattern becomes an array of numbers: a literal is its character (≥ 0), a wildcard is negative,
 * so matchers compare tokens with `charCodeAt`/`codePointAt` and allocate nothing per step. What a
 * "character" is belongs to the dialect: a UTF-16 code unit, or a code point (a surrogate pair is
 * one; a lone half is itself).
 */

/** `*`. */
export const STAR = -1;
/** `?`. */
export const QMARK = -2;
/** `**` (a run of two or more `*`), in a dialect with a globstar. */
export const GLOBSTAR = -4;
export type Token = number;

export interface Alphabet {
  /** Literals are code points rather than UTF-16 code units. */
  readonly codePoints: boolean;
  /** A run of two or more `*` is one GLOBSTAR rather than as many STARs. */
  readonly globstar: boolean;
}

/** The tokens of `pattern` in alphabet `a`. Never throws. */
export function tokenize(pattern: string, a: Alphabet): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = a.codePoints ? pattern.codePointAt(i)! : pattern.charCodeAt(i);
    if (c > 0xffff) i++;
    if (c === 0x2a) {
      if (a.globstar && pattern.charCodeAt(i + 1) === 0x2a) {
        out.push(GLOBSTAR);
        while (pattern.charCodeAt(i + 1) === 0x2a) i++;
      } else out.push(STAR);
    } else out.push(c === 0x3f ? QMARK : c);
  }
  return out;
}
