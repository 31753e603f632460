// Every TypeScript block of README.md runs here against the built package, as a reader would
// paste it: `import … from 'seqwasm'` resolves to this repository's dist/seqwasm.node.js (the
// Node entry the published package maps `seqwasm` to; 'seqwasm/inference' to
// dist/seqwasm.inference.node.js, a module of its own), each program runs from a temporary
// .ts module in an empty working directory, and a block passes when it runs without throwing
// and its checks hold. The blocks also type-check as in a user's strict project against the
// package's own types (dist/index.d.ts). How a block's elided data and claims are written:
// see blocks.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readmePrograms, type Program } from './blocks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = join(ROOT, 'README.md');
const ENTRY = join(ROOT, 'dist/seqwasm.node.js');
const INFERENCE_ENTRY = join(ROOT, 'dist/seqwasm.inference.node.js');
const TYPES = join(ROOT, 'dist/index.d.ts');
const INFERENCE_TYPES = join(ROOT, 'dist/inference.d.ts');
const scratch = mkdtempSync(join(tmpdir(), 'seqwasm-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let runs = 0;

/**
 * Runs one program as an ES module, from its own empty working directory (snippets write
 * relative paths such as model/model.json; process.chdir needs vitest's default forks pool),
 * with what it prints silenced.
 */
async function run(program: Program): Promise<void> {
  const id = `block-${program.line}-${runs++}`;
  const module = join(scratch, `${id}.ts`);
  const workdir = join(scratch, id);
  const source = program.source.replace(/(['"])seqwasm\1/g, JSON.stringify(ENTRY)).replace(/(['"])seqwasm\/inference\1/g, JSON.stringify(INFERENCE_ENTRY));
  writeFileSync(module, moduleText(source));
  mkdirSync(workdir);
  const cwd = process.cwd();
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    process.chdir(workdir);
    await import(pathToFileURL(module).href);
  } finally {
    process.chdir(cwd);
    log.mockRestore();
  }
}

/** A program as an ES module, with `assert` in scope for its checks. */
function moduleText(source: string): string {
  return `import assert from 'node:assert/strict';\n${source}\nexport {};\n`;
}

/**
 * TypeScript's errors in the programs, type-checked as a user's strict project would against
 * the package's types. Unused names are allowed: a snippet shows values it does not use.
 */
function typeErrors(programs: readonly Program[]): string[] {
  const dir = join(scratch, 'typecheck');
  mkdirSync(dir);
  const blockLine = new Map<string, number>();
  const files = programs.map((program) => {
    const file = join(dir, `block-${program.line}.mts`); // .mts: an ES module (top-level await) outside any package.json
    writeFileSync(file, moduleText(program.source));
    blockLine.set(file, program.line);
    return file;
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    paths: { seqwasm: [TYPES], 'seqwasm/inference': [INFERENCE_TYPES] },
  };
  return ts.getPreEmitDiagnostics(ts.createProgram(files, options)).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const text = diagnostic.file.text.split('\n')[line].trim();
    return `README.md:${blockLine.get(diagnostic.file.fileName)} (program line ${line + 1}: ${text}): ${message}`;
  });
}

describe('README.md', () => {
  const programs = readmePrograms(readFileSync(README, 'utf8'));

  it('has TypeScript blocks to run', () => {
    expect(programs.length).toBeGreaterThan(10);
  });

  for (const program of programs) {
    it(`README.md:${program.line} ${program.title}`, async () => {
      await run(program);
    });
  }

  it('type-checks every TypeScript block against the package types', () => {
    expect(typeErrors(programs)).toEqual([]);
  });
});

describe('the README harness', () => {
  const fence = '```';
  it('fails a block that throws, and a block whose check does not hold', async () => {
    const [throws, wrongClaim] = readmePrograms([
      `${fence}ts`, "import { kernels } from 'seqwasm';", 'kernels.gemm({});', fence,
      '<!-- readme-test', '// then', 'assert.equal(1 + 1, 3);', '-->', `${fence}ts`, 'const two = 2;', fence,
    ].join('\n'));
    await expect(run(throws)).rejects.toThrow(/m: expected an integer >= 1, got undefined/);
    await expect(run(wrongClaim)).rejects.toThrow(/Expected values to be strictly equal/);
  });

  it('runs a continued block after the previous program, set-up before the block and checks after', () => {
    const [first, second] = readmePrograms([
      '<!-- readme-test name=first', '-->', `${fence}ts`, 'const a = 1;', fence, `${fence}sh`, 'npm test', fence,
      '<!-- readme-test continues=first', 'const b = a + 1;', '// then', 'assert.equal(c, 3);', '-->', '', `${fence}ts`, 'const c = b + 1;', fence,
    ].join('\n'));
    expect(first.source).toBe('const a = 1;');
    expect(second.source).toBe('const a = 1;\nconst b = a + 1;\nconst c = b + 1;\nassert.equal(c, 3);');
  });

  it('refuses a comment that is not right before a block, unknown settings and unknown names', () => {
    expect(() => readmePrograms(['<!-- readme-test', 'const a = 1;', '-->', 'text', `${fence}ts`, 'a;', fence].join('\n'))).toThrow(/^README.md:1: a readme-test comment must come right before a code block/);
    expect(() => readmePrograms(['<!-- readme-test continue=first', '-->', `${fence}ts`, 'a;', fence].join('\n'))).toThrow(/unknown readme-test setting 'continue=first'/);
    expect(() => readmePrograms(['<!-- readme-test continues=first', '-->', `${fence}ts`, 'a;', fence].join('\n'))).toThrow(/no block before it has name=first/);
  });
});
