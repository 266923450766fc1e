import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fleetDown, fleetUp, isRootLinux } from './fleet';

const root = resolve(__dirname, '../..');

/**
 * Files of dist/ that differ from what the sources build now, by content. Modification times say
 * nothing here: a fresh `git clone` may write dist/ before src/. So the sources are built into a
 * temporary directory with the same build script and compared byte for byte.
 */
function staleDist(): string[] {
  const out = mkdtempSync(join(tmpdir(), 'zdr-dist-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const dist = join(root, 'dist');
    const names = new Set([...filesUnder(out), ...(existsSync(dist) ? filesUnder(dist) : [])]);
    return [...names].sort().filter((name) => {
      const [built, committed] = [join(out, name), join(dist, name)];
      return !existsSync(built) || !existsSync(committed) || !readFileSync(built).equals(readFileSync(committed));
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Every file under a directory, as paths relative to it (dist/ has the CLI's bundle in dist/cli/). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Whatever of the fleet is still on the machine: names are the fleet's own (`zdr…`). */
function leftovers(): string[] {
  const sh = (cmd: string): string => execSync(cmd, { encoding: 'utf8', shell: '/bin/bash' }).trim();
  const found: string[] = [];
  const netns = sh('ip netns list 2>/dev/null | grep -E "^zdr" || true');
  if (netns) found.push(`netns: ${netns}`);
  const links = sh('ip -o link show 2>/dev/null | grep -E ": zdr" || true');
  if (links) found.push(`links: ${links}`);
  const mounts = sh('grep -E "zdr" /proc/mounts || true');
  if (mounts) found.push(`mounts: ${mounts}`);
  const cgroups = sh('ls -d /sys/fs/cgroup/*/zdr-* /sys/fs/cgroup/zdr-* 2>/dev/null || true');
  if (cgroups) found.push(`cgroup dirs: ${cgroups}`);
  // "[s]ystemd": the shell running pgrep has the pattern in its own command line; this form of it
  // does not match itself.
  const procs = sh('pgrep -af "[s]ystemd-nspawn .*zdr-|[h]aproxy -f /run/zdr-fleet|[s]shd -f /run/zdr-fleet" || true');
  if (procs) found.push(`processes: ${procs}`);
  if (existsSync('/run/zdr-fleet')) found.push('/run/zdr-fleet');
  return found;
}

/**
 * Brings the real fleet up once for the fleet suite and tears it down after. Where the fleet cannot
 * run, the suite fails loudly unless ZDR_SKIP_FLEET=1 says to skip it; CI never sets it.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.ZDR_SKIP_FLEET === '1') {
    console.warn('\n!!! ZDR_SKIP_FLEET=1: the real-fleet suite is SKIPPED. Nothing here proves a rollout. !!!\n');
    return undefined;
  }
  const env = isRootLinux();
  if (!env.ok) {
    throw new Error(
      `The fleet suite cannot run here: ${env.why}. It needs root on Linux (see test/fleet/README.md). Set ZDR_SKIP_FLEET=1 to skip it knowingly.`,
    );
  }
  // The suite runs the built action: a stale dist would prove old code.
  const checked = Date.now();
  const stale = staleDist();
  if (stale.length) {
    throw new Error(
      `dist/ is not what src/ builds (differs: ${stale.join(', ')}): run \`npm run build\` first; the fleet suite runs the built action.`,
    );
  }
  console.log(`[fleet] dist/ is what the sources build (checked in ${((Date.now() - checked) / 1000).toFixed(1)} s)`);
  const started = Date.now();
  const hosts = Number(process.env.ZDR_FLEET_HOSTS ?? 3);
  fleetUp(hosts);
  console.log(`[fleet] ${hosts} hosts up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return () => {
    if (process.env.ZDR_KEEP_FLEET === '1') return console.log('[fleet] kept up (ZDR_KEEP_FLEET=1)');
    fleetDown();
    const left = leftovers();
    if (left.length) throw new Error(`the fleet's teardown left things behind:\n${left.join('\n')}`);
    console.log('[fleet] down; no netns, link, mount, cgroup dir or process of the fleet is left');
  };
}
