// The public types catch the mistakes newcomers make (issue 10, item 5): mistakes.ts holds
// one per line, each under a `@ts-expect-error`; correct.ts holds correct uses. Both are
// compiled with the project's tsconfig, the mistakes with the directives removed: exactly the
// marked lines must fail, so a mistake that stops failing, or one that fails on another line
// for an unrelated reason, is caught. (`npm run typecheck` compiles both as written: an unused
// directive is an error there.)
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const MISTAKES = here('mistakes.ts');
const CORRECT = here('correct.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\b.*$/;

function compilerOptions(): ts.CompilerOptions {
  const configPath = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, fileURLToPath(new URL('../../', import.meta.url)));
  // Without @types/node (the package's API needs none): it would more than double the time.
  return { ...options, types: [], noEmit: true };
}

/** A program over `files`, with `replace` giving other text for some of them. */
function program(files: string[], replace: Map<string, string>): ts.Program {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError) => {
    const text = replace.get(name);
    return text === undefined ? read(name, language, onError) : ts.createSourceFile(name, text, language);
  };
  return ts.createProgram(files, options, host);
}

/** "line: message" of every diagnostic of `file`, lines counted from 1. */
function problems(p: ts.Program, file: string): { line: number; text: string }[] {
  const source = p.getSourceFile(file)!;
  return [...p.getSyntacticDiagnostics(source), ...p.getSemanticDiagnostics(source)].map((d) => ({
    line: source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('public types (tsc on test/types)', () => {
  it('correct uses compile, and every deliberate mistake is an error on its own line', () => {
    const lines = ts.sys.readFile(MISTAKES)!.split('\n');
    const marked = lines.flatMap((line, i) => (DIRECTIVE.test(line) ? [i + 2] : []));
    expect(marked.length).toBeGreaterThan(20);
    const stripped = lines.map((line) => (DIRECTIVE.test(line) ? '' : line)).join('\n');
    const p = program([MISTAKES, CORRECT], new Map([[MISTAKES, stripped]]));
    expect(problems(p, CORRECT)).toEqual([]);
    const failing = problems(p, MISTAKES);
    expect([...new Set(failing.map((d) => d.line))], failing.map((d) => `${d.line}: ${d.text}`).join('\n')).toEqual(marked);
  });
});
