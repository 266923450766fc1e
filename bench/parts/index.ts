import type { BenchPart } from '../part';
import { cliCold } from './cli-cold';
import { cold } from './cold';
import { rollouts } from './rollouts';
import { scale } from './scale';

/** Every part, in the order BENCHMARKS.md shows them. Add a part: its own file here, one line below. */
export const PARTS: BenchPart[] = [rollouts, cold, cliCold, scale];
