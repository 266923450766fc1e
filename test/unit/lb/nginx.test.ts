import { describe, expect, it } from 'vitest';
import { NginxLb } from '../../../src/lb/nginx';
import { RemoteHost } from '../../../src/remote/remote-host';
import type { ExecResult } from '../../../src/transport/connection';
import { result, ScriptedShell, target } from '../../support/scripted-shell';

const FILE = '/etc/nginx/conf.d/upstream.conf';

/**
 * The upstream file's server lines as nginxUpstreamList prints them (`down|up LINE`), and what
 * nginxUpstreamMark is asked to do. The awk and the restore on a failed `nginx -t` are proven by
 * real shells in test/shell/commands.test.ts; this is the adapter's side of the contract.
 */
function setup(lines: string[], mark: (args: string[]) => ExecResult = () => result()) {
  const marks: string[][] = [];
  const shell = new ScriptedShell(target('lb', '10.0.0.100'), (cmd) => {
    if (cmd.kind === 'nginx-upstream-list')
      return cmd.args[0] === FILE ? result(lines.map((l) => `${l}\n`).join('')) : result('', 2, 'no such file');
    if (cmd.kind === 'nginx-upstream-mark') {
      marks.push(cmd.args);
      return mark(cmd.args);
    }
    return result('', 127, `unexpected ${cmd.kind}`);
  });
  const lb = new NginxLb(new RemoteHost(shell, false, undefined, false), FILE, 'nginx', 5000);
  return { lb, marks, shell };
}

const fleet = [
  'up     server 10.0.0.1:8080;',
  'up     server 10.0.0.2:8080 max_fails=0;',
  'up     server 10.0.0.3;',
  'up server app-4.internal:80; # web-4',
];

describe('NginxLb', () => {
  it('drains by marking the host down and returns it by marking it up: file, unit, name, mode, addresses', async () => {
    const t = setup(fleet);
    await t.lb.drain(target('web-1'));
    await t.lb.undrain(target('web-1'));
    expect(t.marks).toEqual([
      [FILE, 'nginx', 'web-1', 'down', '10.0.0.1', 'web-1'],
      [FILE, 'nginx', 'web-1', 'up', '10.0.0.1', 'web-1'],
    ]);
  });

  it('sends one address when the host is named by its address', async () => {
    const t = setup(fleet);
    await t.lb.drain(target('10.0.0.3', '10.0.0.3'));
    expect(t.marks[0]?.slice(4)).toEqual(['10.0.0.3']);
  });

  it('a host with no server line (exit 3) and a failed nginx -t (restored) are errors naming file and host', async () => {
    await expect(setup(fleet, () => result('', 3)).lb.drain(target('web-9'))).rejects.toThrow(
      `${FILE} has no upstream server line for web-9`,
    );
    const restored = setup(fleet, () => result('', 1, `nginx: [emerg] unexpected "}" in ${FILE}:3\nnginx -t failed; ${FILE} restored\n`));
    await expect(restored.lb.drain(target('web-1'))).rejects.toThrow(
      `could not mark web-1 down in ${FILE}: nginx: [emerg] unexpected "}" in ${FILE}:3\nnginx -t failed; ${FILE} restored`,
    );
    await expect(setup(fleet, () => result('', 1)).lb.undrain(target('web-1'))).rejects.toThrow(
      `could not mark web-1 up in ${FILE}: exit 1`,
    );
  });

  it('preflight finds hosts by address (any port), name or a "# name" comment, and names the missing', async () => {
    const t = setup(fleet);
    expect(await t.lb.preflight([target('web-1'), target('web-2'), target('web-3'), target('web-4', '192.0.2.4')])).toEqual([]);
    await expect(t.lb.preflight([target('web-1'), target('web-5', '192.0.2.5'), target('web-6', '192.0.2.6')])).rejects.toThrow(
      `${FILE} has no upstream server line for web-5, web-6`,
    );
  });

  it('"# web-4" does not tag web-40, and a prefix address does not match', async () => {
    const t = setup(['up server 10.0.0.10:80; # web-40', 'up server 10.0.0.1.5:80;']);
    await expect(t.lb.preflight([target('web-4', '10.0.0.1')])).rejects.toThrow(/no upstream server line for web-4/);
  });

  it('warns in preflight about a host already marked down', async () => {
    const t = setup(['down   server 10.0.0.1:8080 down;', ...fleet.slice(1)]);
    expect(await t.lb.preflight([target('web-1'), target('web-2')])).toEqual([`10.0.0.1:8080 is already marked down in ${FILE}`]);
  });

  it('counts as healthy others the servers not marked down, leaving out the host', async () => {
    const t = setup(['down   server 10.0.0.1:8080 down;', ...fleet.slice(1)]);
    expect(await t.lb.healthyOthers(target('web-2'))).toBe(2);
    expect(await t.lb.healthyOthers(target('web-1'))).toBe(3);
  });

  it('cannot tell in-flight counts or health: null, except a host marked down or missing is not up', async () => {
    const t = setup(['down   server 10.0.0.1:8080 down;', ...fleet.slice(1)]);
    expect(await t.lb.inFlight()).toBeNull();
    expect(await t.lb.isUp(target('web-1'))).toBe(false);
    expect(await t.lb.isUp(target('web-2'))).toBeNull();
    expect(await t.lb.isUp(target('web-9', '192.0.2.9'))).toBe(false);
  });

  it('locks under the upstream file name (made file-name safe) and closes its connection', async () => {
    const t = setup(fleet);
    expect(t.lb.lock?.name).toBe('lb.nginx._etc_nginx_conf.d_upstream.conf');
    await t.lb.close();
    expect(t.shell.closed).toBe(true);
  });
});
