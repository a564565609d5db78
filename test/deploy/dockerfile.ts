import { readFileSync } from 'node:fs';

/**
 * The repository's Dockerfile read into its stages, as far as the tests of test/deploy/ need it:
 * no container engine runs here, so what the image promises is checked on the file itself, and
 * the production test replays its build and runtime stages in a temp dir.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV… */
  readonly keyword: string;
  /** The rest of the line, continuation lines joined. */
  readonly args: string;
}

export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export const DOCKERFILE = new URL('../../Dockerfile', import.meta.url);

export function readDockerfile(text = readFileSync(DOCKERFILE, 'utf8')): {
  readonly args: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
} {
  const args = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  // A backslash at the end of a line continues the instruction; comments and blank lines go.
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      args.set(name, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** Every `NAME=value` of a stage's ENV instructions (values without spaces or quotes). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV'))
    for (const pair of args.split(' ')) {
      const [name = '', ...value] = pair.split('=');
      env[name] = value.join('=');
    }
  return env;
}

/** The instructions of one keyword, their arguments in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** An exec-form (JSON array) argument list, e.g. CMD's. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`not an exec-form list: ${args}`);
  return parsed;
}
