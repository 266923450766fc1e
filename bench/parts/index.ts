import type { BenchPart } from '../part';
import { cold } from './cold';
import { rollouts } from './rollouts';
import { scale } from './scale';

/** Every part, in the order BENCHMARKS.md shows them. Add a part: its own file here, one line below. */
export const PARTS: BenchPart[] = [rollouts, cold, scale];
