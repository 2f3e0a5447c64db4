import { isIPv4, isIPv6 } from 'node:net';

/**
 * Truncates an IP to its network: IPv4 to /24 ("203.0.113.0"), IPv6 to /48 ("2001:db8:85a3::").
 * An IPv4-mapped IPv6 address is treated as IPv4. Anything unparsable becomes null: keeping a
 * value we cannot minimise would defeat the rule.
 */
export function truncateIp(ip: string | null): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped ? mapped[1] : ip;
  if (v4 && isIPv4(v4)) {
    const parts = v4.split('.');
    return `${parts[0]}.${parts[1]}.${parts[2]}.0`;
  }
  const bare = ip.split('%')[0] ?? '';
  if (!isIPv6(bare)) return null;
  const groups = expandIpv6(bare);
  return `${groups.slice(0, 3).join(':')}::`;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups; only the first three groups are kept anyway.
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right];
  return groups.map((g) => (g.includes('.') ? g : (parseInt(g, 16) || 0).toString(16)));
}
