/**
 * Names of this machine. A browser resolves `localhost` and `*.localhost` to loopback itself
 * (RFC 6761) and an address literal is not resolved at all, so no DNS answer an attacker controls
 * can put these names on another machine — or another machine's name on them.
 */

const IPV4_LOOPBACK = /^127\.(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){2}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Whether `hostname` — as a URL gives it: lowercase, an IPv6 address in brackets — is a loopback
 * name: `localhost`, a name under `.localhost`, an address in 127.0.0.0/8, or `[::1]`. A single
 * trailing dot (the fully qualified form) is ignored.
 */
export function isLoopbackName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || IPV4_LOOPBACK.test(h) || h === '[::1]';
}
