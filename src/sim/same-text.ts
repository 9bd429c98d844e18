import { timingSafeEqual } from 'node:crypto';

/** Compares a computed signature with a received one in constant time (for equal lengths). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
