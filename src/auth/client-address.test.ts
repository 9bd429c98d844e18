import { describe, expect, it } from 'vitest';
import { cidrList, clientAddress, contains } from './client-address.js';

describe('client addresses', () => {
  const proxies = cidrList(['10.0.0.0/8', '::1']);

  it('matches IPv4 and IPv6 CIDRs, and IPv4-mapped peers', () => {
    const list = cidrList(['203.0.113.0/24', '2001:db8::/32']);
    expect(contains(list, '203.0.113.9')).toBe(true);
    expect(contains(list, '203.0.114.9')).toBe(false);
    expect(contains(list, '2001:db8::1')).toBe(true);
    expect(clientAddress('::ffff:203.0.113.9', undefined, undefined)).toBe('203.0.113.9');
  });

  it('refuses bad entries with the entry in the message', () => {
    expect(() => cidrList(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/);
    expect(() => cidrList(['not-an-ip'])).toThrow(/not-an-ip/);
  });

  it('honours X-Forwarded-For only from a trusted proxy', () => {
    expect(clientAddress('198.51.100.7', '203.0.113.9', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.1.2.3', '203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '203.0.113.9, 10.9.9.9', proxies)).toBe('203.0.113.9');
    // A client cannot smuggle an address in front of the one the proxy appended.
    expect(clientAddress('10.1.2.3', '127.0.0.1, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.1.2.3', 'garbage', proxies)).toBe('10.1.2.3');
  });
});
