import { useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import { CloseFraudBreakerDocument, FraudBreakersDocument } from '../graphql/generated.js';
import { Notice, Spinner, TableRegion } from '../ui/ui.js';
import { formatTime, humanize } from './format.js';

/**
 * fraudBreakers(open: true) / closeFraudBreaker: the keys (a country, a number range, the account)
 * whose unverified sends tripped a breaker, so every send to them is challenged until it cools down —
 * or until an operator who knows the traffic is real closes it here (which also resets the key).
 */
export function BreakersPanel() {
  const id = useId();
  const [breakers, refetch] = useQuery({ query: FraudBreakersDocument, requestPolicy: 'cache-and-network' });
  const [closing, close] = useMutation(CloseFraudBreakerDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const open = breakers.data?.fraudBreakers ?? [];

  const closeOne = async (breakerId: string, what: string) => {
    setProblem(null);
    setDone(null);
    const result = await close({ id: breakerId });
    if (result.error) setProblem(apiErrorOf(result.error).message);
    else setDone(`Closed the breaker on ${what}.`);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Open breakers</h2>
      <p className="hint">
        A breaker opens when too many codes to one key go unverified; sends to it are then challenged.
      </p>
      <div className="actions">
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </div>
      {breakers.error && <Notice tone="error">{breakers.error.message}</Notice>}
      {breakers.fetching && !breakers.data ? (
        <Spinner label="Loading…" />
      ) : open.length === 0 ? (
        <p>No breaker is open.</p>
      ) : (
        <TableRegion label="Open breakers">
          <table className="breakers">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Scope</th>
                <th scope="col">Why</th>
                <th scope="col">Unverified / threshold</th>
                <th scope="col">Opened</th>
                <th scope="col">Closes by itself</th>
                <th scope="col">
                  <span className="visually-hidden">Close</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {open.map((breaker) => {
                const what = `${humanize(breaker.scope).toLowerCase()} ${breaker.key}`;
                return (
                  <tr key={breaker.id} data-breaker-id={breaker.id}>
                    <th scope="row">
                      <code>{breaker.key}</code>
                    </th>
                    <td>{humanize(breaker.scope)}</td>
                    <td>{breaker.reason}</td>
                    <td>
                      {breaker.unverifiedSends} / {breaker.threshold}
                    </td>
                    <td>{formatTime(breaker.openedAt)}</td>
                    <td>{formatTime(breaker.closesAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        disabled={closing.fetching}
                        onClick={() => void closeOne(breaker.id, what)}
                      >
                        Close<span className="visually-hidden"> the breaker on {what}</span>
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableRegion>
      )}
      {problem && <Notice tone="error">{problem}</Notice>}
      {done && <Notice tone="success">{done}</Notice>}
    </section>
  );
}
