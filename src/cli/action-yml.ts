import { parse } from 'yaml';

/**
 * scripts/build.mjs embeds action.yml's text and the package's version into dist/cli.js at build
 * time (globals set before the bundle runs): the command's --help and the action's inputs come from
 * one file, and the installed command needs no file beside it. Run from the sources (tests), the
 * caller embeds them first (test/support/cli.ts does).
 */
function embedded(name: '__ZDR_ACTION_YML__' | '__ZDR_VERSION__'): string {
  const value = (globalThis as Record<string, unknown>)[name];
  if (typeof value !== 'string') throw new Error(`${name} is not embedded: build the command with scripts/build.mjs`);
  return value;
}

/** action.yml's text, as embedded at build time. */
export const actionYmlText = (): string => embedded('__ZDR_ACTION_YML__');

/** The package's version, as embedded at build time. */
export const cliVersion = (): string => embedded('__ZDR_VERSION__');

/** One input as action.yml describes it. */
export interface InputSpec {
  description: string;
  default?: string;
  required?: boolean;
}

/** The inputs of action.yml, in its order. */
export function actionInputs(text: string = actionYmlText()): [string, InputSpec][] {
  const doc = parse(text) as { inputs?: Record<string, { description?: unknown; default?: unknown; required?: unknown }> };
  return Object.entries(doc.inputs ?? {}).map(([name, spec]) => [
    name,
    {
      description: String(spec.description ?? ''),
      ...(spec.default !== undefined ? { default: String(spec.default) } : {}),
      ...(spec.required === true ? { required: true } : {}),
    },
  ]);
}
