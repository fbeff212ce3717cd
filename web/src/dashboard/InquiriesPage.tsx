import { useId, useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useQuery, useSubscription } from 'urql';
import {
  InquiriesDocument,
  InquiriesUpdatedDocument,
  type InquiriesUpdatedSubscription,
  type InquiryRowFragment,
  type InquiryStatus,
} from '../graphql/generated.js';
import { Notice, PageTitle, TableRegion } from '../ui/ui.js';
import { formatTime, humanize } from './format.js';
import { liveRows, type ListFilter } from './live.js';
import { StatusBadge } from './StatusBadge.js';

const statuses: InquiryStatus[] = [
  'CREATED',
  'PENDING',
  'COMPLETED',
  'NEEDS_REVIEW',
  'APPROVED',
  'DECLINED',
  'FAILED',
  'EXPIRED',
];
const PAGE = 25;

type Updates = Map<string, InquiryRowFragment>;
const collect = (known: Updates | undefined, message: InquiriesUpdatedSubscription): Updates =>
  new Map(known).set(message.inquiriesUpdated.id, message.inquiriesUpdated);

/** Every inquiry of the account, newest first, filtered by status or reference id, kept live. */
export function InquiriesPage() {
  const id = useId();
  const [filter, setFilter] = useState<ListFilter>({ status: null, referenceId: null });
  const [search, setSearch] = useState('');
  const [first, setFirst] = useState(PAGE);
  const variables = useMemo(() => ({ first, ...filter }), [first, filter]);
  const [list] = useQuery({ query: InquiriesDocument, variables });
  const [live] = useSubscription({ query: InquiriesUpdatedDocument }, collect);
  const rows = useMemo(
    () =>
      liveRows(
        list.data?.inquiries.edges.map((edge) => edge.node) ?? [],
        live.data ?? new Map<string, InquiryRowFragment>(),
        filter,
      ),
    [list.data, live.data, filter],
  );

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setFirst(PAGE);
    setFilter((current) => ({ ...current, referenceId: search.trim() === '' ? null : search.trim() }));
  };

  return (
    <section aria-labelledby={`${id}-title`}>
      <PageTitle id={`${id}-title`}>Inquiries</PageTitle>
      <div className="toolbar">
        <fieldset className="status-filter">
          <legend>Status</legend>
          {[null, ...statuses].map((status) => (
            <label key={status ?? 'all'} className="chip">
              <input
                type="radio"
                name={`${id}-status`}
                checked={filter.status === status}
                onChange={() => {
                  setFirst(PAGE);
                  setFilter((current) => ({ ...current, status }));
                }}
              />
              <span>{status === null ? 'All' : humanize(status)}</span>
            </label>
          ))}
        </fieldset>
        <form className="search" role="search" onSubmit={onSearch}>
          <label htmlFor={`${id}-reference`}>Reference id</label>
          <input
            id={`${id}-reference`}
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <button type="submit">Search</button>
        </form>
      </div>
      <p className="live-note">
        {live.error ? 'Live updates are paused (reload to retry).' : 'Updates appear here as they happen.'}
      </p>
      {list.error && <Notice tone="error">{list.error.message}</Notice>}
      <TableRegion label="Inquiries">
        <table className="inquiries">
          <caption className="visually-hidden">Inquiries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Status</th>
              <th scope="col">Template</th>
              <th scope="col">Created</th>
              <th scope="col">Decided</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-inquiry-id={row.id}>
                <td>
                  <Link to={`/dashboard/inquiries/${row.id}`}>{row.referenceId ?? row.id.slice(0, 13)}</Link>
                </td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{row.template.name}</td>
                <td>{formatTime(row.createdAt)}</td>
                <td>{formatTime(row.decidedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      {!list.fetching && rows.length === 0 && <p>No inquiries match.</p>}
      {list.data?.inquiries.pageInfo.hasNextPage && first < 100 && (
        <button type="button" onClick={() => setFirst((n) => Math.min(100, n + PAGE))}>
          Show more
        </button>
      )}
    </section>
  );
}
