import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * infra/grafana/attestor.json and infra/prometheus/alerts.yaml against the metrics the services export
 * (prom-client at /metrics on each service's port, prefix attestor_, a `service` label on every series):
 * every expression names only those metrics, the dashboard covers each one, and docs/operations.md
 * "Metrics and alerts" explains each metric and each alert.
 */
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The metrics, as the services define them. A histogram is exported as _bucket, _sum and _count. */
const METRICS = {
  attestor_graphql_requests_total: 'counter',
  attestor_graphql_request_duration_seconds: 'histogram',
  attestor_graphql_errors_total: 'counter',
  attestor_rate_limited_total: 'counter',
  attestor_subscriptions_active: 'gauge',
  attestor_websockets_open: 'gauge',
  attestor_sms_sent_total: 'counter',
  attestor_sms_blocked_total: 'counter',
  attestor_sms_challenged_total: 'counter',
  attestor_fraud_breakers_open: 'gauge',
  attestor_fraud_assessments_total: 'counter',
  attestor_fraud_assess_duration_seconds: 'histogram',
  attestor_outbox_unsent: 'gauge',
  attestor_outbox_lag_seconds: 'gauge',
  attestor_parked_events: 'gauge',
  attestor_events_handled_total: 'counter',
  attestor_rpc_duration_seconds: 'histogram',
  attestor_db_pool_connections: 'gauge',
  attestor_webhook_attempts_total: 'counter',
  // prom-client's default metrics (collectDefaultMetrics), the ones the dashboard and alerts use.
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
} as const;

const exported = new Set(
  Object.entries(METRICS).flatMap(([name, type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  ),
);
const familyOf = (series: string) =>
  series.replace(/_(bucket|sum|count)$/, (suffix) =>
    Object.hasOwn(METRICS, series.slice(0, -suffix.length)) ? '' : suffix,
  );

/** PromQL's functions, aggregations and keywords: every other bare word of an expression is a metric. */
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** The metric names an expression reads (strings, label matchers, ranges, grouping labels and Grafana variables left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    // Grafana's label_values(metric, label): the label is no metric.
    .replace(/\blabel_values\(([^,()]*(?:\{[^}]*\})?),\s*\w+\s*\)/g, 'label_values($1)')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?[A-Za-z_]\w*\}?/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(word)) continue;
    names.push(word);
  }
  return names;
}

/** Brackets, braces and parentheses open and close in order (a cheap guard against a truncated expression). */
function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const char of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return false;
  }
  return stack.length === 0;
}

interface Target {
  expr: string;
  refId: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: {
    list: Array<{ name: string; type: string; query: unknown; datasource?: { type: string; uid: string } }>;
  };
}

const dashboard = JSON.parse(read('infra/grafana/attestor.json')) as Dashboard;
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queryPanels = panels.filter((panel) => panel.type !== 'row');
const datasourceVariable = dashboard.templating.list.find((v) => v.type === 'datasource');
const datasourceRef = `\${${datasourceVariable?.name ?? 'datasource'}}`;

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}
const rules = (
  parse(read('infra/prometheus/alerts.yaml')) as { groups: Array<{ name: string; rules: Rule[] }> }
).groups.flatMap((group) => group.rules);

const operations = read('docs/operations.md');
const metricsSection = operations.slice(operations.indexOf('## Metrics and alerts'));

describe('infra/grafana/attestor.json', () => {
  it('is a Grafana 10+ dashboard with a Prometheus data source variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(datasourceVariable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('queries through the data source variable in every panel and target', () => {
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: datasourceRef });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: datasourceRef });
      }
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      expect(variable.datasource, variable.name).toEqual({ type: 'prometheus', uid: datasourceRef });
    }
  });

  it('uses only the metrics the services export, in well-formed expressions', () => {
    const expressions = [
      ...queryPanels.flatMap((panel) =>
        (panel.targets ?? []).map((t) => ({ where: panel.title, expr: t.expr })),
      ),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `$${v.name}`, expr: (v.query as { query: string }).query })),
    ];
    expect(expressions.length).toBeGreaterThan(20);
    for (const { where, expr } of expressions) {
      expect(balanced(expr), `${where}: ${expr}`).toBe(true);
      const names = metricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        where,
      ).toEqual([]);
    }
  });

  it('shows every attestor_ metric somewhere', () => {
    const used = new Set(
      queryPanels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))).map(familyOf),
    );
    expect(Object.keys(METRICS).filter((name) => !used.has(name))).toEqual([]);
  });

  it('gives every panel a unique id, a title, a description, and a place that overlaps no other', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      expect(panel.title, String(panel.id)).not.toBe('');
      if (panel.type !== 'row') expect(panel.description, panel.title).toBeTruthy();
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${panel.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    }
  });
});

describe('infra/prometheus/alerts.yaml', () => {
  it('has unique alerts with a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThan(10);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('alerts only on metrics the services export, in well-formed expressions', () => {
    for (const rule of rules) {
      expect(balanced(rule.expr), rule.alert).toBe(true);
      const names = metricNames(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(
        names.filter((name) => !exported.has(name)),
        rule.alert,
      ).toEqual([]);
    }
  });
});

describe('docs/operations.md "Metrics and alerts"', () => {
  it('explains every metric and every alert', () => {
    expect(metricsSection.length).toBeGreaterThan(1000);
    expect(Object.keys(METRICS).filter((name) => !metricsSection.includes(`\`${name}`))).toEqual([]);
    expect(rules.map((r) => r.alert).filter((alert) => !metricsSection.includes(`\`${alert}\``))).toEqual([]);
  });
});

describe('metricNames (how the expressions above are read)', () => {
  it('finds the metrics and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (service, le) (rate(attestor_rpc_duration_seconds_bucket{service=~"$service",outcome!="ok"}[$__rate_interval])))',
      ),
    ).toEqual(['attestor_rpc_duration_seconds_bucket']);
    expect(
      metricNames('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[5m])), 1e-9) > 0.5 and c > 1'),
    ).toEqual(['a_total', 'b_total', 'c']);
    expect(metricNames('max(x) by (service) or absent(y{service="gateway"})')).toEqual(['x', 'y']);
    expect(metricNames('label_values(attestor_graphql_requests_total, service)')).toEqual([
      'attestor_graphql_requests_total',
    ]);
    expect(balanced('sum(rate(x[5m])')).toBe(false);
  });

  it('catches a metric the services do not export', () => {
    const names = metricNames('sum(rate(attestor_graphql_request_total[5m]))');
    expect(names.filter((name) => !exported.has(name))).toEqual(['attestor_graphql_request_total']);
  });
});
