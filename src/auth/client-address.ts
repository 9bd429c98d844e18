import { BlockList, isIP } from 'node:net';

/** Parses comma-separated CIDRs (or single addresses) into a BlockList; throws TypeError naming a bad entry. */
export function cidrList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new TypeError(`'${entry}' is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
        throw new TypeError(`'${entry}' has an invalid prefix length`);
      list.addSubnet(address, prefix, type);
    }
  }
  return list;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so IPv4 rules apply to IPv4 peers on dual-stack sockets. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function contains(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: the socket peer, or — only when the peer is a trusted proxy — the nearest address in
 * `X-Forwarded-For` that is not itself a trusted proxy (walking from the right, where the proxies appended).
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | undefined,
  trustedProxies: BlockList | undefined,
): string {
  let client = normalizeAddress(peer);
  if (trustedProxies === undefined || forwardedFor === undefined || !contains(trustedProxies, client))
    return client;
  const hops = forwardedFor.split(',').map((hop) => normalizeAddress(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) break;
    client = hop;
    if (!contains(trustedProxies, hop)) break;
  }
  return client;
}
