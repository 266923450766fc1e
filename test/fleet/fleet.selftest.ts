// Self-test of the testbed (not of the product): the fleet comes up, is reachable the way the
// product reaches it, carries load without failures, and faults/reset behave. Named *.selftest.ts
// so a plain `vitest run` does not pick it up; run it with:
//   npx vitest run --config test/fleet/vitest.selftest.config.mjs
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NGINX_ROLLBACK_COMMAND,
  fault,
  fleetReset,
  fleetUp,
  haproxy,
  hostExec,
  isRootLinux,
  parseWrk,
  readFleet,
  serverStates,
  sshExec,
  startWrk,
  type Fleet,
} from './fleet';

describe('parseWrk', () => {
  it('reads requests, non-2xx and socket errors, and zero when the lines are absent', () => {
    const withErrors = `Running 20s test @ http://127.0.0.1:8090/
  2 threads and 64 connections
  3660 requests in 20.03s, 640.12KB read
  Socket errors: connect 1, read 22, write 0, timeout 3
  Non-2xx or 3xx responses: 54
Requests/sec:    182.71
Transfer/sec:     31.96KB
`;
    const r = parseWrk(withErrors);
    expect(r).toMatchObject({ requests: 3660, non2xx: 54, failed: 80, durationSeconds: 20.03 });
    expect(r.socketErrors).toEqual({ connect: 1, read: 22, write: 0, timeout: 3 });
    const clean = parseWrk('  3604 requests in 1.00m, 630.02KB read\nRequests/sec:    179.85\n');
    expect(clean).toMatchObject({ requests: 3604, non2xx: 0, failed: 0, durationSeconds: 60 });
    expect(() => parseWrk('garbage')).toThrow();
  });
});

const env = isRootLinux();

describe.skipIf(!env.ok)(`real fleet${env.ok ? '' : ` (skipped: ${env.why})`}`, () => {
  let fleet: Fleet;
  beforeAll(() => {
    fleet = fleetUp(3);
  }, 900_000);
  afterAll(() => {
    if (env.ok) fleetReset();
  }, 120_000);

  it('writes fleet.json in the agreed shape', () => {
    expect(readFleet()).toEqual(fleet);
    expect(fleet.hosts.map((h) => h.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(fleet.hosts[0]).toMatchObject({ address: '10.77.0.11', port: 22, machine: 'zdr-web-1', netns: 'zdr-web-1' });
    expect(fleet.lb).toMatchObject({ sshHost: '127.0.0.1', sshPort: 2222, backend: 'web', sockBackend: 'websock' });
  });

  it('runs commands inside hosts and passes the exit code through', () => {
    expect(hostExec('web-2', 'hostname').stdout.trim()).toBe('web-2');
    expect(hostExec('web-1', 'exit 7').code).toBe(7);
  });

  it('is reachable over ssh with strict host keys, as root and as deploy with sudo', () => {
    const h = fleet.hosts[0]!;
    expect(sshExec(h, 'systemctl is-active nginx app').stdout).toBe('active\nactive\n');
    expect(sshExec(h, 'sudo -n true', 'deploy').code).toBe(0);
    const lb = sshExec({ address: fleet.lb.sshHost, port: fleet.lb.sshPort }, `echo "show stat" | socat stdio ${fleet.lb.haproxySocket}`);
    expect(lb.code).toBe(0);
    expect(lb.stdout).toContain('web,web-1,');
  });

  it('shows every server UP and talks to the runtime API', () => {
    const s = serverStates();
    expect(Object.keys(s)).toEqual(['web-1', 'web-2', 'web-3']);
    for (const st of Object.values(s)) expect(st.status).toBe('UP');
    expect(haproxy('show servers state web')).toContain('web-1');
  });

  it('carries load with no failures, and counts failures of a staged bad config', async () => {
    const clean = await startWrk({ url: fleet.lb.url, seconds: 5, connections: 32 }).done;
    expect(clean.requests).toBeGreaterThan(200);
    expect(clean.failed).toBe(0);

    fault('web-1', 'stage-500');
    expect(hostExec('web-1', 'nginx -t -q && systemctl reload nginx').code).toBe(0);
    const bad = await startWrk({ url: fleet.lb.url, seconds: 4, connections: 32 }).done;
    expect(bad.non2xx).toBeGreaterThan(20);
    expect(hostExec('web-1', NGINX_ROLLBACK_COMMAND).code).toBe(0);
    fleetReset();
    const again = await startWrk({ url: fleet.lb.url, seconds: 4, connections: 32 }).done;
    expect(again.failed).toBe(0);
  }, 60_000);

  it('restores units and host keys on reset', () => {
    fault('web-3', 'no-reload');
    fault('web-3', 'restart-storm');
    fault('web-3', 'change-host-key');
    expect(hostExec('web-3', 'systemctl show nginx -p CanReload').stdout.trim()).toBe('CanReload=no');
    expect(sshExec(fleet.hosts[2]!, 'true').code).not.toBe(0);
    fleetReset();
    expect(hostExec('web-3', 'systemctl show nginx -p CanReload').stdout.trim()).toBe('CanReload=yes');
    expect(hostExec('web-3', 'systemctl show app -p Restart').stdout.trim()).toBe('Restart=no');
    expect(sshExec(fleet.hosts[2]!, 'true').code).toBe(0);
  }, 60_000);
});
