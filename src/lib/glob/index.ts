/**
 * Globs, in the kernel's dialects side by side. One wildcard alphabet (tokens.ts: `*`, `?`, `**`,
 * everything else literal, no escaping), and each dialect its own meaning and its own matcher —
 * both linear in pattern × subject, neither a RegExp:
 *
 * | dialect | used for | `*` | `?` | `**` | a character is |
 * |---|---|---|---|---|---|
 * | package names (names.ts) | per-key signing constraints | a run without `/` | one, not `/` | any run | a UTF-16 code unit |
 * | guest paths (paths.ts) | policy `paths`, redaction | within a segment | one, within a segment | a whole segment: zero or more segments | a code point |
 * | env names (paths.ts) | policy `env`, redaction | any run | one | (two `*`) | a code point |
 *
 * Paths and env names also have a subset test (subset.ts) for the policy validator.
 */
export { anyGlobMatch, globMatch } from './names.ts';
export {
  envGlobProblem, isNormalizedPath, matchEnv, matchPath, matchPathOrBelow, parseEnvGlob, parsePathGlob, pathCuts, pathGlobProblem,
  type EnvGlob, type MatchMeter, type PathGlob,
} from './paths.ts';
export { charge, envGlobSubset, pathGlobSubset, subsetBudget, type SubsetBudget } from './subset.ts';
