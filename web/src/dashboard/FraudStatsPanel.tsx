import { useId, useState } from 'react';
import { BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { useQuery } from 'urql';
import { FraudStatsDocument, type FraudStatsQuery } from '../graphql/generated.js';
import { Notice, Spinner, TableRegion } from '../ui/ui.js';
import { formatPercent } from './format.js';

Chart.register(BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const ranges = [
  { key: 'day', label: 'Last 24 hours', hours: 24 },
  { key: 'week', label: 'Last 7 days', hours: 24 * 7 },
  { key: 'month', label: 'Last 30 days', hours: 24 * 30 },
] as const;
type Range = (typeof ranges)[number]['key'];

type Row = FraudStatsQuery['fraudStats'][number];

function periodOf(range: Range) {
  const hours = ranges.find((r) => r.key === range)?.hours ?? 24;
  return { range, variables: { since: new Date(Date.now() - hours * 3_600_000).toISOString() } };
}

/** The series the chart draws, each with a colour that keeps 3:1 contrast on white. */
const series: Array<{ key: 'sent' | 'verified' | 'blocked'; label: string; colour: string }> = [
  { key: 'sent', label: 'Sent', colour: '#1f5fbf' },
  { key: 'verified', label: 'Verified', colour: '#1b7f3b' },
  { key: 'blocked', label: 'Blocked', colour: '#b3261e' },
];

/** fraudStats(since): messages sent, verified and blocked per country, as a chart and as a table. */
export function FraudStatsPanel() {
  const id = useId();
  // The period's start is fixed when it is chosen, so the query's variables stay the same between renders.
  const [period, setPeriod] = useState(() => periodOf('week'));
  const [stats] = useQuery({ query: FraudStatsDocument, variables: period.variables });
  const rows = stats.data?.fraudStats ?? [];

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Messages by country</h2>
      <div className="field">
        <label htmlFor={`${id}-range`}>Period</label>
        <select
          id={`${id}-range`}
          value={period.range}
          onChange={(event) => setPeriod(periodOf(event.target.value as Range))}
        >
          {ranges.map((option) => (
            <option key={option.key} value={option.key}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      {stats.error && <Notice tone="error">{stats.error.message}</Notice>}
      {stats.fetching && !stats.data ? (
        <Spinner label="Loading…" />
      ) : rows.length === 0 ? (
        <p>No codes were asked for in this period.</p>
      ) : (
        <>
          <StatsChart rows={rows} />
          <StatsTable rows={rows} />
        </>
      )}
    </section>
  );
}

function StatsChart({ rows }: { rows: readonly Row[] }) {
  const data = {
    labels: rows.map((row) => row.countryCode),
    datasets: series.map(({ key, label, colour }) => ({
      label,
      data: rows.map((row) => row[key]),
      backgroundColor: colour,
    })),
  };
  const summary = rows
    .map((row) => `${row.countryCode}: ${row.sent} sent, ${row.verified} verified, ${row.blocked} blocked`)
    .join('; ');
  return (
    <div className="chart">
      <Bar
        data={data}
        options={{
          animation: false,
          maintainAspectRatio: false,
          responsive: true,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        }}
        role="img"
        aria-label={`Bar chart of messages per country. ${summary}`}
      />
    </div>
  );
}

function StatsTable({ rows }: { rows: readonly Row[] }) {
  return (
    <TableRegion label="Messages per country">
      <table className="stats">
        <caption>Per country (the chart&apos;s numbers)</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            <th scope="col">Sent</th>
            <th scope="col">Verified</th>
            <th scope="col">Blocked</th>
            <th scope="col">Conversion</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.countryCode}>
              <th scope="row">{row.countryCode}</th>
              <td>{row.sent}</td>
              <td>{row.verified}</td>
              <td>{row.blocked}</td>
              <td>{formatPercent(row.conversionRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}
