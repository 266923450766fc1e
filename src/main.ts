import * as core from '@actions/core';
import { actionMainIO } from './action/io';
import { runMain } from './app/main';

/** The action's main step: the shared core with the runner's I/O. It marks the state for the post step. */
export async function run(): Promise<void> {
  core.saveState('isPost', 'true');
  await runMain(actionMainIO());
}
