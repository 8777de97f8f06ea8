/**
 * Untrusted strings — guest-chosen paths, variable names, a package's name and version, rule ids
 * and reasons that echo them — made safe to show a person on a terminal or in plain text. Such a
 * string must not break the line it sits in (a forged line of a report), drive the terminal
 * (escape sequences), reorder what is displayed (bidi controls) or make two different names look
 * the same. JSON output needs none of this: its own escaping is already unambiguous.
 */

// C0 and C1 controls and DEL; line and paragraph separators (line breaks to many viewers); the
// bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible bidi
// marks (U+061C, U+200E, U+200F), which reorder the text around them; the backslash, so that every
// backslash shown starts an escape; and lone UTF-16 surrogates, which have no character to show.
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const ANY_UNSAFE = new RegExp(UNSAFE.source);

const SHORT: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function shown(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * `s` with every unsafe character shown as an escape (`\n`, `\x1b`, `\u202e`, `\\`): the result
 * holds no control, separator or bidi character and no lone surrogate, and distinct inputs give
 * distinct results. Throws nothing.
 */
export function escapeText(s: string): string {
  return ANY_UNSAFE.test(s) ? s.replace(UNSAFE, shown) : s;
}

// Everything a terminal obeys but line breaks and tabs: what no printed line should carry raw.
const TERMINAL_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Output text (lines, or JSON from JSON.stringify) with every control character but `\n` and `\t`,
 * every bidi control and line separator, and every lone surrogate written as `\uXXXX`: the last
 * line of defence of the CLI's printer, valid inside JSON strings. Text that holds strings from a
 * guest or an author is escaped with `escapeText` first, which also makes it unambiguous. Throws nothing.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
