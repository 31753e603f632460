// Plain SVG line charts and canvas heatmaps, no framework.
import type { Heatmap } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';

export interface Line {
  values: readonly (number | null)[];
  className: string;
  label: string;
}

/**
 * Draws lines over a shared x axis (the index) into `svg`; `marker` draws a vertical rule at
 * that index, `xLabel` names the first and last index under the axis; `logScale` for losses.
 */
export function lineChart(svg: SVGSVGElement, lines: readonly Line[], options: { marker?: number; markerLabel?: string; xLabel?: (index: number) => string; logScale?: boolean } = {}): void {
  // The legend sits above the plot, one line per series; the axis and its labels below.
  const [width, height, left, right, top, bottom] = [560, 220, 40, 8, 8 + 14 * lines.length, 20];
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const finite = lines.flatMap((l) => l.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const count = Math.max(...lines.map((l) => l.values.length));
  if (!finite.length || count < 1) return;
  let [low, high] = [Math.min(...finite), Math.max(...finite)];
  // A log scale (screen positions only, nothing computed from them) when every value is positive.
  const scale = options.logScale && low > 0 ? Math.log10 : (v: number) => v;
  if (low === high) [low, high] = [low / 2, high * 2];
  if (low === high) [low, high] = [-1, 1];
  const x = (i: number) => left + ((width - left - right) * i) / Math.max(1, count - 1);
  const y = (v: number) => height - bottom - ((height - top - bottom) * (scale(v) - scale(low))) / (scale(high) - scale(low));
  svg.append(
    element('line', { class: 'axis', x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    element('text', { class: 'tick', x: left - 4, y: y(high) + 4, 'text-anchor': 'end' }, format(high)),
    element('text', { class: 'tick', x: left - 4, y: y(low), 'text-anchor': 'end' }, format(low)),
  );
  if (options.xLabel) {
    svg.append(
      element('text', { class: 'tick', x: x(0), y: height - 6, 'text-anchor': 'start' }, options.xLabel(0)),
      element('text', { class: 'tick', x: x(count - 1), y: height - 6, 'text-anchor': 'end' }, options.xLabel(count - 1)),
    );
  }
  if (options.marker !== undefined) {
    svg.append(element('line', { class: 'marker', x1: x(options.marker), y1: top, x2: x(options.marker), y2: height - bottom }));
    if (options.markerLabel) svg.append(element('text', { class: 'tick', x: x(options.marker) + 4, y: height - 6 }, options.markerLabel));
  }
  lines.forEach((line, n) => {
    let d = '';
    let pen = 'M';
    line.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) pen = 'M';
      else {
        d += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = 'L';
      }
    });
    svg.append(element('path', { class: line.className, d }), element('text', { class: `legend ${line.className}`, x: width - right, y: 12 + 14 * n, 'text-anchor': 'end' }, line.label));
  });
}

/** One heatmap into a canvas: a column per step, a row per unit; its colour scale by its range. */
export function drawHeatmap(canvas: HTMLCanvasElement, map: Heatmap, labels: readonly string[]): void {
  const cell = Math.max(6, Math.min(22, Math.floor(440 / map.steps)));
  const rowHeight = Math.max(3, Math.min(14, Math.floor(160 / map.units)));
  const [left, bottom] = [4, 14];
  canvas.width = left + cell * map.steps;
  canvas.height = rowHeight * map.units + bottom;
  const context = canvas.getContext('2d')!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  const signed = map.min < 0;
  for (let t = 0; t < map.steps; t++) {
    for (let u = 0; u < map.units; u++) {
      const v = map.values[t * map.units + u];
      context.fillStyle = signed ? diverging(v / Math.max(Math.abs(map.min), map.max)) : sequential((v - map.min) / (map.max - map.min));
      context.fillRect(left + t * cell, u * rowHeight, cell - 1, rowHeight - 1);
    }
  }
  context.fillStyle = '#555';
  context.font = '10px system-ui, sans-serif';
  context.textAlign = 'center';
  const widest = Math.max(...labels.map((label) => context.measureText(label).width));
  const every = Math.ceil((widest + 4) / cell); // label the columns that have room
  labels.forEach((label, t) => {
    if (t % every === 0) context.fillText(label, left + t * cell + cell / 2, canvas.height - 3);
  });
}

/** −1 blue … 0 white … +1 red. */
function diverging(v: number): string {
  const s = Math.max(-1, Math.min(1, v));
  const fade = Math.round(255 * (1 - Math.abs(s)));
  return s >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
}

/** 0 white … 1 dark green. */
function sequential(v: number): string {
  const s = Math.max(0, Math.min(1, v));
  return `rgb(${Math.round(255 - 225 * s)},${Math.round(255 - 120 * s)},${Math.round(255 - 200 * s)})`;
}

function format(v: number): string {
  const size = Math.abs(v);
  return size >= 100 ? v.toFixed(0) : size >= 1 ? v.toFixed(2) : size >= 0.01 || size === 0 ? v.toPrecision(2) : v.toExponential(1);
}

function element(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
