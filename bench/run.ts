// npm run bench [-- --quick] [-- --only=training,inference]: every suite in one invocation —
// kernels, layers, training, inference, data, runtimes — each workload against its peers in
// interleaved rounds, then bench/results/latest.json (every row, the machine, the load
// average sampled during the run) and bench/results/latest.md (the same as tables, with the
// milestone-8 targets of issue 12 marked met or not from these measurements). --quick is a
// smoke run for CI: small sizes, one round, no speed asserted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { init } from '../src/node.js';
import { dataRows } from './data.js';
import { inferenceRows } from './inference.js';
import { kernelRows } from './kernels.js';
import { layerRows } from './layers.js';
import { median, type Row } from './harness.js';
import { startTorch } from './peers/torch.js';
import { runtimeRows } from './runtimes.js';
import { evaluateTargets, machineSteadiness, type TargetResult } from './targets.js';
import { trainRows } from './train.js';

const SUITES = ['kernels', 'layers', 'training', 'inference', 'data', 'runtimes'] as const;
type SuiteName = (typeof SUITES)[number];
const LOAD_SAMPLE_MS = 5000;

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const selected = onlyArg ? onlyArg.slice('--only='.length).split(',') : [...SUITES];
const unknown = selected.find((name) => !(SUITES as readonly string[]).includes(name));
if (unknown !== undefined) throw new Error(`--only: unknown suite ${unknown}; suites are ${SUITES.join(', ')}`);

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
const started = new Date();
const loads: number[] = [loadavg()[0]];
const sampler = setInterval(() => loads.push(loadavg()[0]), LOAD_SAMPLE_MS);
sampler.unref();

const torch = await startTorch();
if ('skipped' in torch) process.stderr.write(`${torch.skipped}\n`);
const suites: Record<SuiteName, () => Promise<Row[]>> = {
  kernels: () => kernelRows({ quick }),
  layers: () => layerRows({ quick }),
  training: () => trainRows({ quick, torch }),
  inference: () => inferenceRows({ quick, torch }),
  data: () => dataRows({ quick }),
  runtimes: () => runtimeRows({ quick }),
};
const results: { suite: SuiteName; seconds: number; rows: Row[] }[] = [];
try {
  for (const suite of SUITES.filter((s) => selected.includes(s))) {
    process.stderr.write(`\n=== suite ${suite}${quick ? ' (quick)' : ''}\n`);
    const t0 = performance.now();
    const rows = await suites[suite]();
    results.push({ suite, seconds: (performance.now() - t0) / 1000, rows });
  }
} finally {
  if ('peer' in torch) torch.peer.close();
  clearInterval(sampler);
}
loads.push(loadavg()[0]);

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  commit: gitCommit(),
  started: started.toISOString(),
  seconds: (Date.now() - started.getTime()) / 1000,
  quick,
  loadAverage: { start: loads[0], min: Math.min(...loads), median: median(loads), max: Math.max(...loads), end: loads[loads.length - 1] },
  pytorch: 'peer' in torch ? torch.peer.version : torch.skipped,
};
const allRows = results.flatMap((r) => r.rows);
const targets = evaluateTargets(allRows);
const steadiness = machineSteadiness(allRows);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('latest.json', dir), `${JSON.stringify({ machine: { ...machine, steadiness }, targets, suites: results }, null, 2)}\n`);
writeFileSync(new URL('latest.md', dir), markdown());
process.stderr.write(`\nwrote bench/results/latest.json and latest.md in ${machine.seconds.toFixed(0)} s\n`);
process.stdout.write(markdown());

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  const abs = Math.abs(v);
  return abs >= 1000 ? Math.round(v).toLocaleString('en-US') : abs >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function spread(value: number, min?: number, max?: number): string {
  return min === undefined || max === undefined || min === max ? fmt(value) : `${fmt(value)} (${fmt(min)}–${fmt(max)})`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function markdown(): string {
  const load = machine.loadAverage;
  const lines = [
    `# seqwasm benchmarks${quick ? ' (--quick smoke run: one round, small sizes; not for quoting)' : ''}`,
    '',
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}`,
    `- load average (1 min) during the run: median ${load.median.toFixed(2)}, min ${load.min.toFixed(2)}, max ${load.max.toFixed(2)} (start ${load.start.toFixed(2)}, end ${load.end.toFixed(2)})`,
    ...(steadiness ? [`- machine speed: ${steadiness}`] : []),
    `- seqwasm at ${machine.commit}, run ${machine.started}, ${machine.seconds.toFixed(0)} s; PyTorch: ${machine.pytorch}`,
    '- values: median over rounds (min–max); ratio = seqwasm ÷ peer in speed, the median of per-round ratios (> 1: seqwasm faster)',
    '',
    '## Targets (issue 12)',
    '',
    '| workload | target | measured | status |',
    '|---|---|---|---|',
    ...targets.map((t: TargetResult) => `| ${cell(t.workload)} | ${cell(t.target)} | ${cell(t.measured)} | ${t.status} |`),
  ];
  for (const { suite, seconds, rows } of results) {
    lines.push('', `## ${suite} (${seconds.toFixed(0)} s)`, '', '| workload | unit | seqwasm | peer | peer value | ratio | note |', '|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const peerValue = r.peerValue === undefined ? '' : spread(r.peerValue, r.peerMin, r.peerMax);
      const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`;
      lines.push(`| ${cell(r.name)} | ${r.unit} | ${spread(r.value, r.min, r.max)} | ${r.peer ?? ''} | ${peerValue} | ${ratio} | ${cell(r.note ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
