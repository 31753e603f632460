// Reads README.md's fenced code blocks and turns each TypeScript block into a program that
// readme.test.ts runs. What a snippet leaves out (its data, the model an earlier snippet
// trained) and what it claims (`// 1120`) live in an HTML comment right before the block,
// which GitHub and npm do not render, so a reader sees only the snippet:
//
//   <!-- readme-test continues=alphabet
//   const series = Float32Array.from({ length: 500 }, (_, t) => t % 7);   ← set-up, runs first
//   // then
//   assert.equal(lstm.countParams(), 1120);                              ← checks, run after
//   -->
//
// `name=ID` names a block; `continues=ID` runs a block after the whole program of the block
// named ID (its set-up, code and checks), as a reader who follows the README in order would.
// Without it a block runs alone. The comment is optional: a block without one must be a
// complete program. `assert` (node:assert/strict) is in scope.

/** The languages of blocks that are programs; every other block (sh, plain) is not run. */
const RUNNABLE = new Set(['ts', 'typescript']);
const MARKER = 'readme-test';
/** The line that ends the set-up and starts the checks (it may go on to say what they check). */
const THEN = /^\/\/ then\b/;

interface Block {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** The fence's info string: ts, sh, or '' for plain. */
  language: string;
  code: string;
}

export interface Program {
  /** 1-based line of the block's opening fence in README.md. */
  line: number;
  /** The block's first line of code, to name the test. */
  title: string;
  /** The statements to run: a continued block's program, then set-up, the block, the checks. */
  source: string;
}

interface Annotation {
  /** 1-based line of the comment's first line. */
  line: number;
  name?: string;
  continues?: string;
  setup: string;
  checks: string;
}

/** Every fenced block of `markdown`, in order. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((text, j) => j > i && /^```\s*$/.test(text));
    if (end < 0) throw new Error(`README.md:${i + 1}: the code fence is never closed`);
    blocks.push({ line: i + 1, language: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The runnable blocks of `markdown` as programs, with their annotations applied. */
export function readmePrograms(markdown: string): Program[] {
  const lines = markdown.split('\n');
  const annotations = annotationsByBlockLine(lines);
  const programs: Program[] = [];
  const named = new Map<string, Program>();
  for (const block of fencedBlocks(markdown)) {
    const annotation = annotations.get(block.line);
    annotations.delete(block.line);
    if (!RUNNABLE.has(block.language)) {
      if (annotation) throw new Error(`README.md:${block.line}: a ${MARKER} comment before a '${block.language || 'plain'}' block, which is not run`);
      continue;
    }
    const { name, continues, setup = '', checks = '' } = annotation ?? {};
    const previous = continues === undefined ? undefined : named.get(continues);
    if (continues !== undefined && !previous) throw new Error(`README.md:${block.line}: continues=${continues}, but no block before it has name=${continues}`);
    const parts = [previous?.source ?? '', setup, block.code, checks].filter((part) => part.trim() !== '');
    const title = block.code.split('\n').find((text) => text.trim() !== '')?.trim() ?? '(empty)';
    const program = { line: block.line, title, source: parts.join('\n') };
    programs.push(program);
    if (name !== undefined) {
      if (named.has(name)) throw new Error(`README.md:${block.line}: a second block with name=${name}`);
      named.set(name, program);
    }
  }
  const stray = [...annotations.values()][0];
  if (stray !== undefined) throw new Error(`README.md:${stray.line}: a ${MARKER} comment must come right before a code block`);
  return programs;
}

/** The annotation comments, keyed by the line of the fence that follows each (blank lines may sit between). */
function annotationsByBlockLine(lines: readonly string[]): Map<number, Annotation> {
  const found = new Map<number, Annotation>();
  for (let i = 0; i < lines.length; i++) {
    const open = new RegExp(`^<!--\\s*${MARKER}\\b(.*)$`).exec(lines[i]);
    if (!open) continue;
    const oneLine = /-->\s*$/.test(lines[i]);
    const end = oneLine ? i : lines.findIndex((text, j) => j > i && text.includes('-->'));
    if (end < 0) throw new Error(`README.md:${i + 1}: the ${MARKER} comment is never closed`);
    if (!oneLine && lines[end].trim() !== '-->') throw new Error(`README.md:${end + 1}: end the ${MARKER} comment with '-->' on a line of its own`);
    const settings = new Map<string, string>();
    for (const setting of open[1].replace(/-->\s*$/, '').trim().split(/\s+/).filter(Boolean)) {
      const [, key, value] = /^(name|continues)=(\S+)$/.exec(setting) ?? [];
      if (key === undefined) throw new Error(`README.md:${i + 1}: unknown ${MARKER} setting '${setting}' (known: name=ID, continues=ID)`);
      settings.set(key, value);
    }
    const body = lines.slice(i + 1, end);
    const then = body.findIndex((text) => THEN.test(text.trim()));
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === '') next++;
    found.set(next + 1, {
      line: i + 1,
      name: settings.get('name'),
      continues: settings.get('continues'),
      setup: (then < 0 ? body : body.slice(0, then)).join('\n'),
      checks: then < 0 ? '' : body.slice(then + 1).join('\n'),
    });
    i = end;
  }
  return found;
}
