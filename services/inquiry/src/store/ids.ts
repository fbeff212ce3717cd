import { uuidv7 } from '@attestor/contracts';

let last = '';

/**
 * A uuid v7 that is strictly greater than the previous one this process made: within one millisecond
 * uuidv7's random tail would order ids arbitrarily, and pages are ordered by id ("newest first").
 */
export function newId(now: number = Date.now()): string {
  let id = uuidv7(now);
  if (id <= last) id = successor(last);
  last = id;
  return id;
}

function successor(id: string): string {
  const hex = (BigInt(`0x${id.replace(/-/g, '')}`) + 1n).toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
