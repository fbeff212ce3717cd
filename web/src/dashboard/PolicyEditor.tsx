import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import { FraudPolicyDocument, UpdateFraudPolicyDocument, type FraudMode } from '../graphql/generated.js';
import { countryOptions } from '../verify/phone.js';
import { Notice, Spinner, TableRegion } from '../ui/ui.js';
import { lineTypes } from './line-types.js';
import { formOf, inputOf, isPolicyProblem, nextRowKey, type PolicyForm } from './policy-form.js';

const modes: Array<{ mode: FraudMode; label: string; hint: string }> = [
  { mode: 'ENFORCE', label: 'Enforce', hint: 'Blocked sends are not made.' },
  { mode: 'RECORD_ONLY', label: 'Record only', hint: 'Every code goes out; decisions are only recorded.' },
];

/**
 * fraudPolicy / updateFraudPolicy: mode, daily cap, score thresholds, whether a call passes a challenge,
 * refused line types (and which of them a call reaches) and per-country rules.
 */
export function PolicyEditor() {
  const id = useId();
  const [policy] = useQuery({ query: FraudPolicyDocument });
  const [saving, save] = useMutation(UpdateFraudPolicyDocument);
  // The operator's edits; until the first one, the policy as the API holds it.
  const [edited, setForm] = useState<PolicyForm | null>(null);
  const [problem, setProblem] = useState<{ field?: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const countries = useMemo(() => countryOptions('en'), []);

  const form = edited ?? (policy.data ? formOf(policy.data.fraudPolicy) : null);

  if (form === null) {
    return policy.error ? <Notice tone="error">{policy.error.message}</Notice> : <Spinner label="Loading…" />;
  }
  const change = (next: Partial<PolicyForm>) => {
    setSaved(false);
    setForm({ ...form, ...next });
  };
  const setRow = (key: number, next: Partial<PolicyForm['countries'][number]>) =>
    change({ countries: form.countries.map((row) => (row.key === key ? { ...row, ...next } : row)) });
  const invalid = (field: string) => problem?.field === field;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const input = inputOf(form);
    if (isPolicyProblem(input)) {
      setProblem(input);
      return;
    }
    setProblem(null);
    const result = await save({ input });
    if (result.data) {
      setForm(formOf(result.data.updateFraudPolicy));
      setSaved(true);
    } else if (result.error) {
      const error = apiErrorOf(result.error);
      setProblem({ message: error.message, ...(error.field && { field: error.field }) });
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Policy</h2>
      <form onSubmit={submit} noValidate className="policy">
        <fieldset>
          <legend>Mode</legend>
          {modes.map(({ mode, label, hint }) => (
            <label key={mode} className="choice">
              <input
                type="radio"
                name={`${id}-mode`}
                value={mode}
                checked={form.mode === mode}
                onChange={() => change({ mode })}
              />
              <span>
                {label} <span className="hint">— {hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-daily`}>Most codes per rolling 24 hours (empty: no cap)</label>
          <input
            id={`${id}-daily`}
            inputMode="numeric"
            value={form.maxSmsPerDay}
            aria-invalid={invalid('input.maxSmsPerDay')}
            onChange={(event) => change({ maxSmsPerDay: event.target.value })}
          />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-challenge`}>Challenge from risk score (0–100)</label>
            <input
              id={`${id}-challenge`}
              inputMode="numeric"
              size={4}
              value={form.challengeAt}
              aria-invalid={invalid('input.challengeAt')}
              onChange={(event) => change({ challengeAt: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-block`}>Block from risk score (0–100)</label>
            <input
              id={`${id}-block`}
              inputMode="numeric"
              size={4}
              value={form.blockAt}
              aria-invalid={invalid('input.blockAt')}
              onChange={(event) => change({ blockAt: event.target.value })}
            />
          </div>
        </div>
        <label className="choice">
          <input
            type="checkbox"
            checked={form.challengeAcceptsCall}
            onChange={(event) => change({ challengeAcceptsCall: event.target.checked })}
          />
          <span>
            A voice call passes a challenge{' '}
            <span className="hint">— instead of the proof of work; voice can be pumped too</span>
          </span>
        </label>
        <LineTypes
          legend="Never send a text message to these line types"
          chosen={form.blockLineTypes}
          onChange={(blockLineTypes) => change({ blockLineTypes })}
        />
        <LineTypes
          legend="Of those, a voice call may reach"
          chosen={form.callLineTypes}
          onChange={(callLineTypes) => change({ callLineTypes })}
        />
        <fieldset>
          <legend>Country rules (countries not listed: allowed, no hourly cap)</legend>
          {form.countries.length > 0 && (
            <TableRegion label="Country rules">
              <table className="country-rules">
                <thead>
                  <tr>
                    <th scope="col">Country</th>
                    <th scope="col">SMS allowed</th>
                    <th scope="col">Most per hour</th>
                    <th scope="col">
                      <span className="visually-hidden">Remove</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {form.countries.map((row, index) => (
                    <tr key={row.key}>
                      <td>
                        <select
                          aria-label={`Country of rule ${index + 1}`}
                          value={row.countryCode}
                          aria-invalid={invalid(`input.countries[${index}].countryCode`)}
                          onChange={(event) => setRow(row.key, { countryCode: event.target.value })}
                        >
                          {countries.map((option) => (
                            <option key={option.code} value={option.code}>
                              {option.name} ({option.code})
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`SMS allowed in rule ${index + 1}`}
                          checked={row.smsAllowed}
                          onChange={(event) => setRow(row.key, { smsAllowed: event.target.checked })}
                        />
                      </td>
                      <td>
                        <input
                          inputMode="numeric"
                          size={6}
                          aria-label={`Most per hour in rule ${index + 1} (empty: no cap)`}
                          value={row.maxPerHour}
                          aria-invalid={invalid(`input.countries[${index}].maxPerHour`)}
                          onChange={(event) => setRow(row.key, { maxPerHour: event.target.value })}
                        />
                      </td>
                      <td>
                        <button
                          type="button"
                          onClick={() =>
                            change({ countries: form.countries.filter((r) => r.key !== row.key) })
                          }
                        >
                          Remove<span className="visually-hidden"> rule {index + 1}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
          <button
            type="button"
            onClick={() =>
              change({
                countries: [
                  ...form.countries,
                  {
                    key: nextRowKey(form),
                    countryCode: firstUnused(form, countries),
                    smsAllowed: true,
                    maxPerHour: '',
                  },
                ],
              })
            }
          >
            Add a country rule
          </button>
        </fieldset>
        {problem && <Notice tone="error">{problem.message}</Notice>}
        {saved && <Notice tone="success">Policy saved.</Notice>}
        <button type="submit" className="primary" disabled={saving.fetching}>
          {saving.fetching ? 'Saving…' : 'Save policy'}
        </button>
      </form>
    </section>
  );
}

/** A group of Lookup line types, each a checkbox (its label the line type, unique within the group). */
function LineTypes({
  legend,
  chosen,
  onChange,
}: {
  legend: string;
  chosen: readonly string[];
  onChange(next: string[]): void;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="checkbox-grid">
        {lineTypes.map((type) => (
          <label key={type} className="choice">
            <input
              type="checkbox"
              checked={chosen.includes(type)}
              onChange={(event) =>
                onChange(event.target.checked ? [...chosen, type] : chosen.filter((other) => other !== type))
              }
            />
            <span>{type}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function firstUnused(form: PolicyForm, countries: ReadonlyArray<{ code: string }>): string {
  const used = new Set(form.countries.map((row) => row.countryCode));
  return countries.find((option) => !used.has(option.code))?.code ?? 'US';
}
