import { spawnSync } from 'node:child_process';
import { FLEET_SH } from '../test/fleet/fleet';

/** Brings the real fleet to `hosts` hosts (fleet.sh resets it when it is already up at that size). */
export function fleetUp(hosts: number, say: (line: string) => void): void {
  say(`fleet: ${hosts} hosts`);
  const r = spawnSync(FLEET_SH, ['up', '--hosts', String(hosts)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('fleet.sh up failed');
}
