import { randomBytes } from 'node:crypto';

/**
 * Who this run is, for the locks it takes: enough for a person to find the run, and a random part
 * of its own. Repository, run, attempt and job are the same for every leg of a matrix and for two
 * calls of a reusable workflow in one run; without the random part two such runs would share the
 * load balancer's lock and could release each other's. The post step reads the owner back from
 * the journal, so it releases only this run's locks.
 */
export function runOwner(env: NodeJS.ProcessEnv, random: () => string = () => randomBytes(6).toString('hex')): string {
  const where = env.GITHUB_REPOSITORY
    ? `${env.GITHUB_REPOSITORY} run ${env.GITHUB_RUN_ID ?? '?'} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}`
    : `local pid ${process.pid}`;
  return `${where}${env.GITHUB_JOB ? ` job ${env.GITHUB_JOB}` : ''} #${random()}`.replace(/[^\x20-\x7e]/g, '?');
}
