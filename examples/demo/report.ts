// The demo's HTML report: one self-contained page (inline SVG and CSS, no scripts, no external
// assets, no framework), so it opens from disk anywhere and can be attached to an issue.
// Drawing only: every number shown was computed by the demo.

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A rounded number for SVG coordinates (short files, no float noise). */
const px = (v: number) => String(Math.round(v * 10) / 10);

/** Axis labels that read well: up to 4 significant digits, no trailing zeros. */
function label(v: number): string {
  return Math.abs(v) >= 1e4 || v === Math.trunc(v) ? String(Math.round(v)) : String(Number(v.toPrecision(4)));
}

/** About `count` round tick values (steps of 1, 2 or 5 × a power of ten) covering [low, high]. */
export function ticks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const rough = (high - low) / count;
  let power = 1;
  while (power > rough) power /= 10;
  while (power * 10 <= rough) power *= 10;
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface Line {
  name: string;
  values: readonly number[];
  /** x of each value; 0, 1, 2, … by default. */
  x?: readonly number[];
  color: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Shown instead of the raw x values on the x axis (e.g. x as a fractional year → '2015'). */
  formatX?: (x: number) => string;
}

/** A line chart with axes, ticks and a legend, as an inline <svg>. */
export function lineChart(lines: readonly Line[], options: ChartOptions): string {
  const { title, xLabel, yLabel, width = 560, height = 300, formatX = label } = options;
  const margin = { left: 60, right: 16, top: 30, bottom: 44 };
  const xs = lines.flatMap((l) => (l.x ? [...l.x] : l.values.map((_, i) => i)));
  const ys = lines.flatMap((l) => l.values.filter(Number.isFinite));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.05 || 1;
  const [yMin, yMax] = [Math.min(...ys) - pad, Math.max(...ys) + pad];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (x: number) => margin.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * plotW : plotW / 2);
  const sy = (y: number) => margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="18" class="title">${escapeHtml(title)}</text>`);
  for (const y of ticks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${px(sy(y))}" y2="${px(sy(y))}" class="grid"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${px(sy(y) + 4)}" class="tick" text-anchor="end">${label(y)}</text>`);
  }
  for (const x of ticks(xMin, xMax, 6)) {
    parts.push(`<text x="${px(sx(x))}" y="${height - margin.bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(formatX(x))}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" class="axis" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" class="axis" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  lines.forEach((l, k) => {
    const points = l.values.map((v, i) => [l.x ? l.x[i] : i, v]).filter(([, v]) => Number.isFinite(v));
    const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(sx(x))} ${px(sy(y))}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${l.color}" stroke-width="1.6"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const ly = margin.top + 12 + k * 15;
    parts.push(`<line x1="${margin.left + 10}" x2="${margin.left + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<text x="${margin.left + 36}" y="${ly}" class="legend">${escapeHtml(l.name)}</text>`);
  });
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg>`;
}

export interface HeatmapPanel {
  title: string;
  /** values[row][column] within [low, high]. */
  values: readonly (readonly number[])[];
  low: number;
  high: number;
}

/**
 * Side-by-side heatmaps sharing row and column labels (e.g. one panel per LSTM gate: units
 * down, timesteps across), white at `low` to dark blue at `high` (dark red → white → dark blue
 * when `low` < 0), with a colour key.
 */
export function heatmaps(panels: readonly HeatmapPanel[], columnLabels: readonly string[], rowLabel: string): string {
  const rows = panels[0].values.length;
  const cell = { w: 18, h: Math.max(4, Math.min(14, Math.floor(320 / rows))) };
  const gap = 18;
  const left = 34;
  const top = 34;
  const panelW = cell.w * columnLabels.length;
  const width = left + panels.length * (panelW + gap);
  const height = top + rows * cell.h + 44;
  // White to dark blue; a panel whose range is signed (tanh) gets dark red for its negative half.
  const shade = (t: number, signed: boolean) => {
    const s = Math.min(1, Math.max(0, t));
    const strength = signed ? Math.abs(2 * s - 1) : s;
    const to = signed && s < 0.5 ? [165, 15, 21] : [8, 48, 107];
    const mix = (b: number) => Math.round(255 + (b - 255) * strength);
    return `rgb(${mix(to[0])},${mix(to[1])},${mix(to[2])})`;
  };
  const parts: string[] = [];
  panels.forEach((panel, p) => {
    const x0 = left + p * (panelW + gap);
    parts.push(`<text x="${x0 + panelW / 2}" y="14" class="title" text-anchor="middle">${escapeHtml(panel.title)}</text>`);
    columnLabels.forEach((c, j) => parts.push(`<text x="${x0 + j * cell.w + cell.w / 2}" y="${top - 6}" class="tick" text-anchor="middle">${escapeHtml(c)}</text>`));
    panel.values.forEach((row, r) =>
      row.forEach((v, j) => {
        const t = (v - panel.low) / (panel.high - panel.low);
        parts.push(`<rect x="${x0 + j * cell.w}" y="${top + r * cell.h}" width="${cell.w}" height="${cell.h}" fill="${shade(t, panel.low < 0)}"><title>${escapeHtml(`${panel.title}, ${rowLabel} ${r}, step ${j + 1} (${columnLabels[j]}): ${v.toFixed(3)}`)}</title></rect>`);
      }),
    );
    parts.push(`<text x="${x0 + panelW / 2}" y="${top + rows * cell.h + 16}" class="tick" text-anchor="middle">${panel.low} … ${panel.high}</text>`);
  });
  parts.push(`<text transform="translate(14 ${top + (rows * cell.h) / 2}) rotate(-90)" class="axis" text-anchor="middle">${escapeHtml(`${rowLabel} (${rows})`)}</text>`);
  const keyX = left;
  const keyY = height - 16;
  for (let i = 0; i <= 10; i++) parts.push(`<rect x="${keyX + i * 14}" y="${keyY}" width="14" height="10" fill="${shade(i / 10, false)}"/>`);
  parts.push(`<text x="${keyX + 160}" y="${keyY + 9}" class="tick">0 → 1</text>`);
  for (let i = 0; i <= 10; i++) parts.push(`<rect x="${keyX + 220 + i * 14}" y="${keyY}" width="14" height="10" fill="${shade(i / 10, true)}"/>`);
  parts.push(`<text x="${keyX + 380}" y="${keyY + 9}" class="tick">−1 → 0 → 1</text>`);
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="heatmap">${parts.join('')}</svg>`;
}

/** A plain HTML table; cells are escaped, so pass text, not markup. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = (tag: string, values: readonly (string | number)[]) => values.map((v) => `<${tag}>${escapeHtml(String(v))}</${tag}>`).join('');
  return `<table><thead><tr>${cells('th', header)}</tr></thead><tbody>${rows.map((r) => `<tr>${cells('td', r)}</tr>`).join('')}</tbody></table>`;
}

export interface Section {
  title: string;
  /** HTML: paragraphs, tables and SVGs built with the helpers above. */
  body: string;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#1a1a1a}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}svg{display:block;margin:1em 0;font-family:system-ui,sans-serif;overflow:visible}
.title{font-size:13px;font-weight:600;text-anchor:middle}.tick{font-size:10px;fill:#555}.axis,.legend{font-size:11px;fill:#333}
.grid{stroke:#eee}.frame{fill:none;stroke:#999}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
.row{display:flex;flex-wrap:wrap;gap:1em}.names{columns:5;font-family:ui-monospace,monospace}.novel{color:#0a6}.known{color:#999}
.figures{font-family:ui-monospace,monospace}`;

/** The whole page. */
export function page(title: string, intro: string, sections: readonly Section[]): string {
  const body = sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>${s.body}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${intro}
${body}
</body></html>
`;
}
