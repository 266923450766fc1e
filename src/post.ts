import * as core from '@actions/core';
import { drainedHosts } from './report/state';

/**
 * The post step: reconciles what the main step recorded. A host the main step drained and could
 * not return (it was killed) is reported here; returning it is the job of issue 8's reconciler.
 */
export async function post(): Promise<void> {
  try {
    const drained = drainedHosts();
    if (drained.length === 0) return;
    core.warning(`The main step left ${drained.map((h) => h.name).join(', ')} drained in the load balancer.`);
  } catch (err) {
    core.setFailed(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
}
