import type { InquiryRowFragment, InquiryStatus } from '../graphql/generated.js';

export interface ListFilter {
  status: InquiryStatus | null;
  referenceId: string | null;
}

export function matchesFilter(row: InquiryRowFragment, filter: ListFilter): boolean {
  return (
    (filter.status === null || row.status === filter.status) &&
    (filter.referenceId === null || row.referenceId === filter.referenceId)
  );
}

/**
 * The list as the page shows it: the rows the query returned, each replaced by its newest live
 * message, inquiries the query has not seen yet (new ones) in front, and rows that no longer match the
 * filter left out. Newest first, as the API lists them.
 */
export function liveRows(
  fetched: readonly InquiryRowFragment[],
  updates: ReadonlyMap<string, InquiryRowFragment>,
  filter: ListFilter,
): InquiryRowFragment[] {
  const rows = fetched.map((row) => updates.get(row.id) ?? row);
  const known = new Set(fetched.map((row) => row.id));
  const arrived = [...updates.values()].filter((row) => !known.has(row.id));
  return [...arrived, ...rows]
    .filter((row) => matchesFilter(row, filter))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
