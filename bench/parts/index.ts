import type { BenchPart } from '../part';
import { bastion } from './bastion';
import { cliCold } from './cli-cold';
import { cold } from './cold';
import { floors } from './floors';
import { rollouts } from './rollouts';
import { scale } from './scale';
import { scaleSim } from './scale-sim';
import { speed } from './speed';

/** Every part, in the order BENCHMARKS.md shows them. Add a part: its own file here, one line below. */
export const PARTS: BenchPart[] = [rollouts, speed, floors, cold, cliCold, scale, scaleSim, bastion];
