/**
 * `--before DIST`: another build of the action (e.g. the commit before a change, built with
 * `node scripts/build.mjs DIR`), run alternately with the current dist/, sample by sample, so that
 * "before" and "after" face the same machine load. Without it only the current dist/ runs.
 */
import type { BenchArgs } from './part';

export const BEFORE_OPTION = { before: { type: 'string' as const, default: '' } };

export interface Build {
  /** `before` (the --before bundle) or `after` (the current dist/). */
  label: 'before' | 'after';
  /** The bundle to run; undefined: dist/index.js. */
  dist?: string;
}

export function builds(args: BenchArgs): Build[] {
  const before = typeof args.before === 'string' ? args.before : '';
  return before ? [{ label: 'before', dist: before }, { label: 'after' }] : [{ label: 'after' }];
}

/** The samples of one build; samples without a label (older results) count as `after`. */
export function ofBuild<T extends { build?: string }>(samples: T[], label: Build['label']): T[] {
  return samples.filter((s) => (s.build ?? 'after') === label);
}
