import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import {
  AddFraudListEntryDocument,
  FraudListEntriesDocument,
  RemoveFraudListEntryDocument,
  type FraudListKind,
  type FraudListMatch,
} from '../graphql/generated.js';
import { Notice, Spinner, TableRegion } from '../ui/ui.js';
import { formatTime, humanize } from './format.js';

const matches: Array<{ match: FraudListMatch; label: string; example: string }> = [
  { match: 'PHONE_NUMBER', label: 'Phone number', example: '+14155550100' },
  { match: 'PREFIX', label: 'Number prefix', example: '+99890' },
  { match: 'IP', label: 'IP address', example: '203.0.113.7' },
  { match: 'COUNTRY', label: 'Country', example: 'UZ' },
];

/**
 * fraudListEntries / addFraudListEntry / removeFraudListEntry: numbers, prefixes, addresses and
 * countries always allowed (the engine's risk rules skip them) or always blocked. Phone numbers come
 * back masked.
 */
export function ListsPanel() {
  const id = useId();
  const [entries, refetch] = useQuery({ query: FraudListEntriesDocument });
  const [adding, add] = useMutation(AddFraudListEntryDocument);
  const [removing, remove] = useMutation(RemoveFraudListEntryDocument);
  const [kind, setKind] = useState<FraudListKind>('BLOCK');
  const [match, setMatch] = useState<FraudListMatch>('PHONE_NUMBER');
  const [value, setValue] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<{ field?: string; message: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const rows = entries.data?.fraudListEntries ?? [];
  const example = matches.find((m) => m.match === match)?.example ?? '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (value.trim() === '') {
      setProblem({ field: 'input.value', message: 'Enter what the entry matches.' });
      return;
    }
    setProblem(null);
    const result = await add({
      input: { kind, match, value: value.trim(), note: note.trim() === '' ? null : note.trim() },
    });
    if (result.error) {
      const error = apiErrorOf(result.error);
      setProblem({ message: error.message, ...(error.field && { field: error.field }) });
      return;
    }
    setValue('');
    setNote('');
    setDone(
      `Added ${result.data?.addFraudListEntry.value ?? 'the entry'} to the ${humanize(kind).toLowerCase()} list.`,
    );
    refetch({ requestPolicy: 'network-only' });
  };

  const removeOne = async (entryId: string, what: string) => {
    setProblem(null);
    setDone(null);
    const result = await remove({ id: entryId });
    if (result.error) setProblem({ message: apiErrorOf(result.error).message });
    else setDone(`Removed ${what}.`);
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Allow and block lists</h2>
      {entries.error && <Notice tone="error">{entries.error.message}</Notice>}
      {entries.fetching && !entries.data ? (
        <Spinner label="Loading…" />
      ) : rows.length === 0 ? (
        <p>No entries yet.</p>
      ) : (
        <TableRegion label="List entries">
          <table className="list-entries">
            <thead>
              <tr>
                <th scope="col">Value</th>
                <th scope="col">List</th>
                <th scope="col">Matches</th>
                <th scope="col">Note</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => (
                <tr key={entry.id} data-entry-id={entry.id}>
                  <th scope="row">
                    <code>{entry.value}</code>
                  </th>
                  <td>{humanize(entry.kind)}</td>
                  <td>{humanize(entry.match)}</td>
                  <td>{entry.note ?? '—'}</td>
                  <td>{formatTime(entry.createdAt)}</td>
                  <td>
                    <button
                      type="button"
                      disabled={removing.fetching}
                      onClick={() => void removeOne(entry.id, entry.value)}
                    >
                      Remove<span className="visually-hidden"> {entry.value}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <form onSubmit={submit} noValidate className="list-form">
        <h3>Add an entry</h3>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-kind`}>List</label>
            <select
              id={`${id}-kind`}
              value={kind}
              onChange={(event) => setKind(event.target.value as FraudListKind)}
            >
              <option value="BLOCK">Block</option>
              <option value="ALLOW">Allow</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-match`}>Matches</label>
            <select
              id={`${id}-match`}
              value={match}
              onChange={(event) => setMatch(event.target.value as FraudListMatch)}
            >
              {matches.map((option) => (
                <option key={option.match} value={option.match}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-value`}>Value</label>
          <input
            id={`${id}-value`}
            value={value}
            aria-invalid={problem?.field === 'input.value'}
            aria-describedby={`${id}-example`}
            onChange={(event) => setValue(event.target.value)}
          />
          <p id={`${id}-example`} className="hint">
            For example {example}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <input
            id={`${id}-note`}
            value={note}
            maxLength={500}
            onChange={(event) => setNote(event.target.value)}
          />
        </div>
        {problem && <Notice tone="error">{problem.message}</Notice>}
        {done && <Notice tone="success">{done}</Notice>}
        <button type="submit" className="primary" disabled={adding.fetching}>
          {adding.fetching ? 'Adding…' : 'Add to the list'}
        </button>
      </form>
    </section>
  );
}
