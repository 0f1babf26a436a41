import { html, type Html } from './html';

/**
 * Charts drawn on the server as SVG: no script, nothing fetched, readable by screen readers
 * through their title and a table beside them.
 */

export interface Bar {
  label: string;
  value: number;
  /** What is written at the end of the bar; the value when not given. */
  text?: string;
}

const PALETTE = ['#0b5cad', '#16703a', '#9a5b00', '#a11d1d', '#5b3fa3', '#2f6f73'];

/** Horizontal bars, one per row: funnels, cycle times, reviewers. */
export function barChart(title: string, bars: Bar[], options: { colour?: string; width?: number } = {}): Html {
  const width = options.width ?? 640;
  const row = 28;
  const labelWidth = Math.min(230, Math.max(80, ...bars.map((bar) => Math.min(bar.label.length, 30) * 7.2 + 12)));
  // Room after the longest bar for its text.
  const plot = width - labelWidth - 250;
  const max = Math.max(1e-9, ...bars.map((bar) => bar.value));
  const height = Math.max(row, bars.length * row) + 8;
  return html`<figure class="chart">
<svg role="img" aria-labelledby="${id(title)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="${id(title)}">${title}</title>
${bars.map((bar, index) => {
  const y = index * row + 4;
  const length = Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * plot);
  return html`<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" font-size="13" fill="#1d1d1f">${truncate(bar.label, 30)}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="${row - 10}" rx="3" fill="${options.colour ?? PALETTE[0]!}"></rect>
<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 17}" font-size="13" fill="#545458">${bar.text ?? format(bar.value)}</text>`;
})}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}

export interface Series {
  name: string;
  values: number[];
}

/** Stacked columns over periods (months): where ideas come from over time, participation. */
export function columnChart(title: string, periods: string[], series: Series[], options: { width?: number } = {}): Html {
  const width = options.width ?? 640;
  const height = 220;
  const left = 36;
  const bottom = 28;
  const top = 8;
  const legend = 22 * Math.ceil(series.length / 3);
  const plotHeight = height - bottom - top;
  const totals = periods.map((_, index) => series.reduce((sum, one) => sum + (one.values[index] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (width - left) / Math.max(1, periods.length);
  const barWidth = Math.min(48, slot * 0.7);
  return html`<figure class="chart">
<svg role="img" aria-labelledby="${id(title)}" viewBox="0 0 ${width} ${height + legend}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="${id(title)}">${title}</title>
<line x1="${left}" y1="${top + plotHeight}" x2="${width}" y2="${top + plotHeight}" stroke="#8e8e93"></line>
<text x="${left - 6}" y="${top + 10}" text-anchor="end" font-size="11" fill="#545458">${format(max)}</text>
<text x="${left - 6}" y="${top + plotHeight}" text-anchor="end" font-size="11" fill="#545458">0</text>
${periods.map((period, index) => {
  const x = left + index * slot + (slot - barWidth) / 2;
  let y = top + plotHeight;
  const pieces = series.map((one, colour) => {
    const value = one.values[index] ?? 0;
    const size = (value / max) * plotHeight;
    y -= size;
    return value > 0 ? html`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${size.toFixed(1)}" fill="${PALETTE[colour % PALETTE.length]!}"><title>${one.name}, ${period}: ${format(value)}</title></rect>` : html``;
  });
  return html`${pieces}<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle" font-size="11" fill="#545458">${period}</text>`;
})}
${series.map((one, index) => {
  const x = left + (index % 3) * ((width - left) / 3);
  const y = height + 14 + 22 * Math.floor(index / 3);
  return html`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${PALETTE[index % PALETTE.length]!}"></rect><text x="${x + 18}" y="${y}" font-size="12" fill="#1d1d1f">${truncate(one.name, 24)}</text>`;
})}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}

function format(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-GB') : value.toLocaleString('en-GB', { maximumFractionDigits: 1 });
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function id(title: string): string {
  return `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

export interface LinePoint {
  /** What the x axis says under the point (the reading's number). */
  label: string;
  value: number;
  /** What hovering the point says (when it was read). */
  note?: string;
}

/**
 * Readings over time as a line, against horizontal lines (a KPI's target, its kill line): the
 * pilot's gate sees at a glance whether the readings cleared the target.
 */
export function lineChart(title: string, points: LinePoint[], lines: { label: string; value: number; colour: 'target' | 'kill' | 'alert' }[], options: { width?: number } = {}): Html {
  const width = options.width ?? 640;
  const height = 220;
  const left = 48;
  const right = 110;
  const top = 12;
  const bottom = 28;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const values = [...points.map((point) => point.value), ...lines.map((line) => line.value)];
  const low = Math.min(0, ...values);
  const high = Math.max(1e-9, ...values) * 1.1 - (low < 0 ? low * 0.1 : 0);
  const y = (value: number) => top + plotHeight - ((value - low) / (high - low || 1)) * plotHeight;
  const x = (index: number) => left + (points.length === 1 ? plotWidth / 2 : (index / (points.length - 1)) * plotWidth);
  const colours = { target: '#16703a', kill: '#a11d1d', alert: '#9a5b00' };
  return html`<figure class="chart">
<svg role="img" aria-labelledby="${id(title)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="${id(title)}">${title}</title>
<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#8e8e93"></line>
<text x="${left - 6}" y="${top + 10}" text-anchor="end" font-size="11" fill="#545458">${format(high)}</text>
<text x="${left - 6}" y="${top + plotHeight}" text-anchor="end" font-size="11" fill="#545458">${format(low)}</text>
${lines.map((line) => html`<line x1="${left}" y1="${y(line.value).toFixed(1)}" x2="${left + plotWidth}" y2="${y(line.value).toFixed(1)}" stroke="${colours[line.colour]}" stroke-dasharray="6 4"></line><text x="${left + plotWidth + 6}" y="${(y(line.value) + 4).toFixed(1)}" font-size="11" fill="${colours[line.colour]}">${truncate(`${line.label} ${format(line.value)}`, 16)}</text>`)}
${points.length > 1 ? html`<polyline fill="none" stroke="${PALETTE[0]!}" stroke-width="2" points="${points.map((point, index) => `${x(index).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ')}"></polyline>` : ''}
${points.map((point, index) => html`<circle cx="${x(index).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="4" fill="${PALETTE[0]!}"><title>${point.note ?? point.label}: ${format(point.value)}</title></circle><text x="${x(index).toFixed(1)}" y="${height - 10}" text-anchor="middle" font-size="11" fill="#545458">${truncate(point.label, 12)}</text>`)}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}
