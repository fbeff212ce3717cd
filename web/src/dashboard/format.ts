const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** Enum values whose words are not simply lower-case. */
const spelled: Record<string, string> = {
  PHONE_OTP: 'Phone code',
  DATABASE_NAME_MATCH: 'Name match',
  SMS: 'SMS',
  WHATSAPP: 'WhatsApp',
};

/** `NEEDS_REVIEW` → `Needs review`. */
export function humanize(value: string): string {
  const known = spelled[value];
  if (known) return known;
  const words = value.replace(/[._-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function formatScore(score: number | null | undefined, digits = 2): string {
  return score === null || score === undefined ? '—' : score.toFixed(digits);
}

export function formatPercent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)} %`;
}

/** An assessment's rules with the ones that fired first, each group in the engine's evaluation order. */
export function rulesFiredFirst<T extends { fired: boolean }>(rules: readonly T[]): T[] {
  return [...rules.filter((rule) => rule.fired), ...rules.filter((rule) => !rule.fired)];
}

const usd = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });

export function formatUsd(amount: number): string {
  return usd.format(amount);
}
