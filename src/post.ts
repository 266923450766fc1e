import { actionPostIO } from './action/io';
import { runPost } from './app/post';

/** The action's post step (`runs.post`, always): the shared core with the runner's I/O. */
export async function post(): Promise<void> {
  await runPost(actionPostIO());
}
