import { humanize } from './format.js';

/** A status as a word (never by colour alone), tinted by how it ended. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase().replace(/_/g, '-')}`}>{humanize(status)}</span>;
}
