// The demo and the examples close to it, run as CI runs them (quick mode), through their
// exported main(): each must meet its quick targets, and the demo's report must be one
// self-contained, well-formed HTML file. The LSTM gate read-out the report draws is checked
// against the cell equations.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { layers, sequential } from '../../dist/node.js';
import { lstmGates, main as demo } from '../../examples/demo.js';
import { main as forecasting } from '../../examples/forecasting.js';
import { main as anomaly } from '../../examples/anomaly.js';

const folder = await mkdtemp(join(tmpdir(), 'seqwasm-demo-test-'));
afterAll(() => rm(folder, { recursive: true, force: true }));

/** HTML elements that have no closing tag. */
const VOID = new Set(['br', 'meta']);

/** Tags that do not close in order: [] when every element is closed (or self-closing, or void). */
function unbalancedTags(markup: string): string[] {
  const open: string[] = [];
  const problems: string[] = [];
  for (const [, closing, name, selfClosing] of markup.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing || VOID.has(name)) continue;
    if (!closing) open.push(name);
    else if (open.pop() !== name) problems.push(`</${name}>`);
  }
  return [...problems, ...open.map((name) => `<${name}> never closed`)];
}

describe('npm run demo -- --quick', () => {
  it('trains the three stories, meets the quick targets and writes a self-contained HTML report', async () => {
    const lines: string[] = [];
    const out = join(folder, 'report.html');
    const result = await demo({ quick: true, verbose: false, log: (line) => lines.push(line), out });

    expect(result.checks.filter((check) => !check.met), JSON.stringify(result.checks)).toEqual([]);
    expect(result.alphabet).toEqual({ right: 21, total: 21 });
    expect(result.names.accuracy).toBeGreaterThan(result.names.baselineAccuracy);
    for (const s of result.names.samples) {
      expect(s.names).toHaveLength(200);
      expect(s.names.every((n) => /^[a-z'-]*$/.test(n))).toBe(true);
    }
    expect(result.co2.modelMae).toBeLessThan(result.co2.seasonalNaiveMae);
    expect(result.reportPath).toBe(out);
    expect(lines.join('\n')).toContain(out);

    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(5); // three loss curves, the CO2 forecast, the gate heatmaps
    expect(unbalancedTags(html)).toEqual([]);
    expect(unbalancedTags('<svg><g><rect/></svg>')).toEqual(['</svg>', '<svg> never closed']); // the check can fail
    expect(html).toContain('input gate i');
    expect(html).toContain('CO2 one month ahead');
    // Self-contained: no scripts, no external files or URLs of any kind.
    expect(html).not.toMatch(/https?:|\/\/[a-z]|<script|<link|<img|\bsrc=|\bhref=|url\(/i);
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('reads the LSTM gates that the cell equations turn into the layer output', () => {
    // An untrained Embedding → LSTM → Dense, as the names story builds it: c_t = f·c_{t−1} + i·c̃,
    // h_t = o·tanh(c_t) must give the layer's own h from the gates read out (gate order i, f, c, o).
    const model = sequential({
      seed: 9,
      layers: [layers.embedding({ inputDim: 7, outputDim: 3, inputShape: [null] }), layers.lstm({ units: 5, returnSequences: true }), layers.dense({ units: 7, activation: 'softmax' })],
    });
    model.build();
    const ids = [1, 4, 4, 6, 2, 0, 3];
    const gates = lstmGates(model, ids);
    for (const table of Object.values(gates)) expect([table.length, table[0].length]).toEqual([5, ids.length]);
    for (let u = 0; u < 5; u++) {
      let cell = 0;
      ids.forEach((_, t) => {
        cell = gates.forget[u][t] * cell + gates.input[u][t] * gates.candidate[u][t];
        expect(gates.output[u][t] * Math.tanh(cell)).toBeCloseTo(gates.hidden[u][t], 5);
      });
    }
    // The forget gate starts near σ(1) (unitForgetBias), not σ(0): the bias slice is the right one.
    expect(gates.forget[0][0]).not.toBeCloseTo(gates.input[0][0], 1);
    model.dispose();
  });
});

describe('examples in quick mode', () => {
  it('forecasting: 7 days of maximum temperature, better than persistence', async () => {
    const result = await forecasting({ quick: true, verbose: false, log: () => {} });
    expect(result.checks.filter((check) => !check.met), JSON.stringify(result.checks)).toEqual([]);
    expect(result.modelMaeByDay).toHaveLength(7);
    expect(result.testWindows).toBeGreaterThan(300);
    expect(result.modelMae).toBeLessThan(result.persistenceMae);
  });

  it('anomaly: stateful step() over the stream flags the injected anomalies', async () => {
    const result = await anomaly({ quick: true, verbose: false, log: () => {} });
    expect(result.checks.filter((check) => !check.met), JSON.stringify(result.checks)).toEqual([]);
    expect(result.anomalies).toBe(8);
    expect(result.correctFlags).toBeLessThanOrEqual(result.flags);
    expect(result.precision).toBeGreaterThanOrEqual(0.5);
    expect(result.recall).toBeGreaterThanOrEqual(0.5);
  });

  it('the command line prints the targets and exits 0 when they are met', async () => {
    const script = fileURLToPath(new URL('../../examples/forecasting.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--quick'], { timeout: 60_000 });
    expect(stdout).toMatch(/\nTargets \(quick mode, [\d.]+ s\):\n {2}forecasting: model MAE ÷ persistence MAE \(7 days\): [\d.]+ \(target ≤ 0\.950\): met\n/);
  });
});
