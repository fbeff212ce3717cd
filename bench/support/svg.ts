/**
 * A horizontal grouped bar chart as a standalone SVG (no dependency): one group per row label, one
 * bar per series in it, the value written at the end of each bar, an optional target line.
 */
export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  groups: Array<{ label: string; values: Array<number | null> }>;
  /** A vertical dashed line at this value (a target), labelled. */
  target?: { value: number; label: string };
}

const COLORS = ['#2563eb', '#f97316', '#a3a3a3', '#16a34a', '#9333ea'];
const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export function barChart(chart: BarChart): string {
  const labelWidth = 300;
  const plotWidth = 460;
  const bar = 16;
  const gap = 4;
  const groupGap = 14;
  const top = 56;
  const width = labelWidth + plotWidth + 90;
  const finite = chart.groups
    .flatMap((g) => g.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(1, chart.target?.value ?? 0, ...finite) * 1.05;
  const scale = (v: number) => (v / max) * plotWidth;
  const groupHeight = chart.series.length * (bar + gap) + groupGap;
  const height = top + chart.groups.length * groupHeight + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${escape(chart.title)}</text>`,
  ];
  chart.series.forEach((name, i) => {
    const x = 12 + i * 170;
    out.push(`<rect x="${x}" y="34" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${x + 17}" y="44">${escape(name)}</text>`);
  });
  chart.groups.forEach((group, g) => {
    const y0 = top + g * groupHeight;
    const middle = y0 + (chart.series.length * (bar + gap)) / 2;
    out.push(`<text x="${labelWidth - 8}" y="${middle + 4}" text-anchor="end">${escape(group.label)}</text>`);
    group.values.forEach((value, s) => {
      const y = y0 + s * (bar + gap);
      if (value === null || !Number.isFinite(value)) {
        out.push(`<text x="${labelWidth + 4}" y="${y + 12}" fill="#737373">n/a</text>`);
        return;
      }
      const w = Math.max(1, scale(value));
      out.push(
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[s % COLORS.length]}"/>`,
      );
      out.push(
        `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 12}">${escape(format(value))} ${escape(chart.unit)}</text>`,
      );
    });
  });
  out.push(
    `<line x1="${labelWidth}" y1="${top - 4}" x2="${labelWidth}" y2="${height - 16}" stroke="#525252"/>`,
  );
  if (chart.target) {
    const x = labelWidth + scale(chart.target.value);
    out.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${height - 16}" stroke="#dc2626" stroke-dasharray="4 3"/>`,
    );
    out.push(
      `<text x="${(x + 4).toFixed(1)}" y="${height - 4}" fill="#dc2626">${escape(chart.target.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function format(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
