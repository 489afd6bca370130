import { BlockList, isIP } from 'node:net';

/**
 * Where alert webhooks may go. A webhook URL is typed by a project's admin, so without a policy it is a
 * server-side request forgery: a rule could make Operon POST to its own loopback, the private network
 * or a cloud metadata service (169.254.169.254, fd00:ec2::254). Unless `alerts.allowPrivateWebhooks`
 * is set, only public unicast addresses are allowed; the sender checks every address a host name
 * resolves to and connects only to checked ones (webhook-sender.ts), so DNS cannot swap in a private
 * address between the check and the connection.
 *
 * @example
 * refusedAddress('10.1.2.3'); // 'a private address'
 * refusedAddress('93.184.216.34'); // undefined: allowed
 */
const ranges: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local or cloud metadata address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) or cloud metadata address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
];
const rules = ranges.map(([network, prefix, family, reason]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, reason };
});

/** Host names that are never public, whatever they resolve to. */
const PRIVATE_NAMES = /^(localhost|.*\.localhost|.*\.local|.*\.internal|metadata)$/i;

/** Why an IP address is refused as a webhook target, or undefined when it is a public unicast address. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded !== undefined) return refusedAddress(embedded);
  }
  const kind = family === 4 ? 'ipv4' : 'ipv6';
  return rules.find((rule) => rule.family === kind && rule.list.check(address, kind))?.reason;
}

/**
 * Why a URL's host is refused before any lookup (a literal address or a name that is never public), or
 * undefined when only resolving it can tell. `hostname` as `URL.hostname` gives it (IPv6 in brackets).
 */
export function refusedHost(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) !== 0) return refusedAddress(bare);
  if (PRIVATE_NAMES.test(bare.replace(/\.$/, ''))) return 'a local host name';
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const high = groups.slice(0, 6);
  const mapped = high.slice(0, 5).every((group) => group === 0) && high[5] === 0xffff;
  const nat64 = high[0] === 0x64 && high[1] === 0xff9b && high.slice(2).every((group) => group === 0);
  const compatible = high.every((group) => group === 0) && (groups[6] ?? 0) !== 0;
  if (!mapped && !nat64 && !compatible) return undefined;
  const [a = 0, b = 0] = groups.slice(6);
  return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tails included), or undefined. */
function expandIpv6(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...left, ...new Array<string>(missing).fill('0'), ...right].map((group) => Number.parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}
