/**
 * Allow and block lists: an account's entries by phone number, prefix, IP/CIDR and country, and the
 * one entry that decides for a send (docs/fraud.md "Lists").
 */
export const listKinds = ['ALLOW', 'BLOCK'] as const;
export type ListKind = (typeof listKinds)[number];
export const listMatches = ['PHONE_NUMBER', 'PREFIX', 'IP', 'COUNTRY'] as const;
export type ListMatch = (typeof listMatches)[number];

/** An entry as the rules read it: numbers by keyed hash, the rest in clear (normalised). */
export interface ListEntry {
  id: string;
  kind: ListKind;
  match: ListMatch;
  /** PHONE_NUMBER: the number's keyed hash; PREFIX: `+` and digits; IP: an address or CIDR; COUNTRY: alpha-2. */
  value: string;
}

/** What the send is matched against. */
export interface ListSubject {
  phoneHash: string;
  e164: string;
  ip: string | null;
  countryCode: string | null;
}

/** How specific a match is: the most specific matching entry decides, BLOCK winning a tie. */
const specificity: Record<ListMatch, number> = { PHONE_NUMBER: 4, PREFIX: 3, IP: 2, COUNTRY: 1 };

export interface ListVerdict {
  entry: ListEntry;
  /** For PREFIX and IP entries, a longer prefix or mask is more specific. */
  length: number;
}

/** The deciding entry for a send, or null when none matches. */
export function listVerdict(entries: readonly ListEntry[], subject: ListSubject): ListEntry | null {
  let best: ListVerdict | null = null;
  for (const entry of entries) {
    const length = matchLength(entry, subject);
    if (length === null) continue;
    if (best === null || better({ entry, length }, best)) best = { entry, length };
  }
  return best?.entry ?? null;
}

function better(a: ListVerdict, b: ListVerdict): boolean {
  const bySpecificity = specificity[a.entry.match] - specificity[b.entry.match];
  if (bySpecificity !== 0) return bySpecificity > 0;
  if (a.length !== b.length) return a.length > b.length;
  return a.entry.kind === 'BLOCK' && b.entry.kind === 'ALLOW';
}

/** null when the entry does not match; else how long its match is (more is more specific). */
function matchLength(entry: ListEntry, subject: ListSubject): number | null {
  switch (entry.match) {
    case 'PHONE_NUMBER':
      return entry.value === subject.phoneHash ? 1 : null;
    case 'PREFIX':
      return subject.e164.startsWith(entry.value) ? entry.value.length : null;
    case 'COUNTRY':
      return entry.value === subject.countryCode ? 1 : null;
    case 'IP': {
      if (subject.ip === null) return null;
      const range = parseCidr(entry.value);
      const address = parseIp(subject.ip);
      if (range === null || address === null || range.version !== address.version) return null;
      return inRange(address.bits, range) ? range.maskBits : null;
    }
  }
}

interface ParsedIp {
  version: 4 | 6;
  bits: bigint;
}

/** An IPv4 or IPv6 address as a number (IPv4-mapped IPv6 read as IPv4), or null. */
export function parseIp(text: string): ParsedIp | null {
  const value = text.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  if (mapped?.[1]) return parseIp(mapped[1]);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) {
    const parts = value.split('.').map(Number);
    if (parts.some((part) => part > 255 || !Number.isInteger(part))) return null;
    return { version: 4, bits: parts.reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  }
  if (!/^[0-9a-f:]+$/.test(value) || !value.includes(':')) return null;
  const halves = value.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((group) => group.length === 0 || group.length > 4)) return null;
  return { version: 6, bits: groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) };
}

interface ParsedCidr extends ParsedIp {
  maskBits: number;
}

/** `203.0.113.0/24`, `2001:db8::/32`, or a single address (a full mask), or null. */
export function parseCidr(text: string): ParsedCidr | null {
  const [address, mask, ...rest] = text.trim().split('/');
  if (address === undefined || rest.length > 0) return null;
  const ip = parseIp(address);
  if (ip === null) return null;
  const width = ip.version === 4 ? 32 : 128;
  const maskBits = mask === undefined ? width : /^\d{1,3}$/.test(mask) ? Number(mask) : Number.NaN;
  if (!Number.isInteger(maskBits) || maskBits < 0 || maskBits > width) return null;
  return { ...ip, maskBits };
}

function inRange(address: bigint, range: ParsedCidr): boolean {
  const width = range.version === 4 ? 32 : 128;
  const shift = BigInt(width - range.maskBits);
  return address >> shift === range.bits >> shift;
}

/** The canonical text of a CIDR entry (network address, explicit mask), or null when it is not one. */
export function normalizeCidr(text: string): string | null {
  const range = parseCidr(text);
  if (range === null) return null;
  const width = range.version === 4 ? 32 : 128;
  const shift = BigInt(width - range.maskBits);
  const network = (range.bits >> shift) << shift;
  return `${formatIp(network, range.version)}/${range.maskBits}`;
}

/** One text per address (`::ffff:203.0.113.7` → `203.0.113.7`, IPv6 groups in full), or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip.bits, ip.version);
}

function formatIp(bits: bigint, version: 4 | 6): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((bits >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
