import { useId, useState } from 'react';
import { CategoryScale, Chart, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { Line } from 'react-chartjs-2';
import { useQuery } from 'urql';
import { FraudStatsDocument, type CountryStatsDetailFragment } from '../graphql/generated.js';
import { Notice, Spinner, TableRegion } from '../ui/ui.js';
import { formatPercent, formatUsd } from './format.js';
import { bucketFor, costAvoided, metrics, seriesOf, type Metric } from './stats-series.js';

Chart.register(LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const ranges = [
  { key: 'day', label: 'Last 24 hours', hours: 24 },
  { key: 'week', label: 'Last 7 days', hours: 24 * 7 },
  { key: 'month', label: 'Last 30 days', hours: 24 * 30 },
] as const;
type Range = (typeof ranges)[number]['key'];

function periodOf(range: Range) {
  const hours = ranges.find((r) => r.key === range)?.hours ?? 24;
  return {
    range,
    variables: { since: new Date(Date.now() - hours * 3_600_000).toISOString(), bucket: bucketFor(hours) },
  };
}

/** A line per country, each a colour that keeps 3:1 contrast on white (the legend names them too). */
const colours = ['#1f5fbf', '#b3261e', '#1b7f3b', '#8a4b00', '#6b3fa0', '#00707a', '#a3195b', '#4a5260'];

const hourLabel = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dayLabel = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });

/**
 * fraudStats(since, bucket): per country and hour (or day), the chosen series over time as a line
 * chart, the period's totals as a table, and the SMS cost the engine avoided.
 */
export function FraudStatsPanel() {
  const id = useId();
  // The period's start is fixed when it is chosen, so the query's variables stay the same between renders.
  const [period, setPeriod] = useState(() => periodOf('week'));
  const [metric, setMetric] = useState<Metric>('sent');
  const [stats] = useQuery({ query: FraudStatsDocument, variables: period.variables });
  const totals = stats.data?.totals ?? [];
  const buckets = stats.data?.buckets ?? [];

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Messages by country</h2>
      <div className="field-row">
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
        <div className="field">
          <label htmlFor={`${id}-metric`}>Chart</label>
          <select
            id={`${id}-metric`}
            value={metric}
            onChange={(event) => setMetric(event.target.value as Metric)}
          >
            {metrics.map((option) => (
              <option key={option.key} value={option.key}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {stats.error && <Notice tone="error">{stats.error.message}</Notice>}
      {stats.fetching && !stats.data ? (
        <Spinner label="Loading…" />
      ) : totals.length === 0 ? (
        <p>No codes were asked for in this period.</p>
      ) : (
        <>
          <p className="cost-avoided">
            SMS cost avoided: <strong>{formatUsd(costAvoided(totals))}</strong>{' '}
            <span className="hint">(estimated: refused sends at the configured prices)</span>
          </p>
          <StatsChart rows={buckets} metric={metric} bucket={period.variables.bucket} />
          <StatsTable rows={totals} />
        </>
      )}
    </section>
  );
}

function StatsChart({
  rows,
  metric,
  bucket,
}: {
  rows: readonly CountryStatsDetailFragment[];
  metric: Metric;
  bucket: 'HOUR' | 'DAY';
}) {
  const series = seriesOf(rows, metric);
  const label = metrics.find((m) => m.key === metric)?.label ?? metric;
  const format = bucket === 'HOUR' ? hourLabel : dayLabel;
  const asRate = metric === 'conversionRate';
  const data = {
    labels: series.buckets.map((start) => format.format(new Date(start))),
    datasets: series.countries.map((country, index) => ({
      label: country.countryCode,
      data: country.values.map((value) => (value !== null && asRate ? Math.round(value * 100) : value)),
      borderColor: colours[index % colours.length],
      backgroundColor: colours[index % colours.length],
      spanGaps: true,
    })),
  };
  const summary = series.countries
    .map((country) => {
      const values = country.values.filter((value): value is number => value !== null);
      const shown = asRate
        ? `${values.length === 0 ? 'no sends' : `${formatPercent(values.at(-1))} in the latest ${bucket.toLowerCase()}`}`
        : `${values.reduce((sum, value) => sum + value, 0).toFixed(metric === 'costAvoidedUsd' ? 2 : 0)} in total`;
      return `${country.countryCode}: ${shown}`;
    })
    .join('; ');
  return (
    <div className="chart">
      <Line
        data={data}
        options={{
          animation: false,
          maintainAspectRatio: false,
          responsive: true,
          scales: {
            y: {
              beginAtZero: true,
              ...(asRate ? { max: 100, title: { display: true, text: '%' } } : {}),
              ticks: { precision: metric === 'costAvoidedUsd' ? 2 : 0 },
            },
          },
        }}
        role="img"
        aria-label={`Line chart of ${label.toLowerCase()} per country by ${bucket.toLowerCase()}. ${summary}`}
      />
    </div>
  );
}

function StatsTable({ rows }: { rows: readonly CountryStatsDetailFragment[] }) {
  return (
    <TableRegion label="Messages per country">
      <table className="stats">
        <caption>Per country, the whole period</caption>
        <thead>
          <tr>
            <th scope="col">Country</th>
            <th scope="col">Sent</th>
            <th scope="col">Verified</th>
            <th scope="col">Blocked</th>
            <th scope="col">Challenged</th>
            <th scope="col">Conversion</th>
            <th scope="col">Cost avoided</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.countryCode}>
              <th scope="row">{row.countryCode}</th>
              <td>{row.sent}</td>
              <td>{row.verified}</td>
              <td>{row.blocked}</td>
              <td>{row.challenged}</td>
              <td>{formatPercent(row.conversionRate)}</td>
              <td>{formatUsd(row.costAvoidedUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}
