import { met, type BenchPart, type PartResult } from './part';

/** A part with its newest result, or none yet. */
export interface Shown {
  part: BenchPart;
  result: PartResult | null;
}

const NOTES = `## What shaped these figures (profiled on this fleet)

- **TCP_NODELAY from the first packet.** SSH round trips are small request/response exchanges;
  with Nagle's algorithm meeting delayed ACKs each stalled ~40 ms. A key-auth handshake went from
  ~240 ms to ~60 ms, a remote command from ~13 ms to ~4 ms.
- **One login shell per host.** Each SSH exec channel starts the remote user's login shell; on the
  load balancer host here, root's \`~/.bashrc\` (pyenv init) then cost ~240 ms per command. Commands
  run in one long-lived \`sh\` per host, and HAProxy's runtime API is kept open in interactive mode.
- **The load balancer's login is the testbed's, not this machine's.** The load balancer's host is
  this machine. Until commit 3e498ae (2026-11-30, 23:20 UTC) its sshd's root read this machine's own
  \`~/.bashrc\` (\`pyenv init\`, ~0.7 s of CPU per login, against ~15 ms for Debian's stock file):
  the slowest step of every preflight. It now reads the stock file, like the fleet hosts' root
  (test/fleet/README.md). The before build (\`ee1ceea\`) measured a preflight of 2,377 ms on the old
  testbed and 678 ms on the new one. Parts that log in to the load balancer (speed, floors,
  rollouts) were rerun after the change; the others (cold, cli-cold, scale, bastion, scale-sim) do
  not log in there. Earlier speed figures are not comparable with later ones; the two rows of
  one run always are.
- **The rollouts table rose between two dates, with no product change behind it.** On 2026-11-25
  the same scenarios measured 223 (reload), 221 (drain-restart) and 112 (restart) ms of overhead
  per host; the 2026-11-30 rerun measured 758, 395 and 311. The build of 11-25 (\`84ee7ea\`) and
  today's, run in turn on today's fleet (\`npx tsx bench/ab-rollout.ts --before DIR/dist/index.js\`,
  no load; own time = spawn to exit minus the report's waits, medians): restart 1,162 vs 1,063 ms
  (5 runs), reload with a 5 s window 1,598 vs 1,529 ms (3 runs), and the same under \`wrk -c64\`
  (\`--load 64\`) 2,312 vs 2,305 ms (3 runs). The newer build is not slower; what changed on the
  machine or the fleet between the two dates is not found yet (under load, the reload's own
  round trips and \`inspect\` stretch most: wrk, nginx and the app share the 2 cores).
- **One round trip for a reload and its proof** (snapshot, \`systemctl reload\`, a local poll until
  every old worker is replaced), and the load balancer's lock taken once per run, in preflight.
- **A smaller bundle:** minified, and without \`undici\` (pulled in by \`@actions/core\`'s OIDC
  client, which the action never uses): cold start 315 → ~230 ms.
- **A start that loads only what it uses** (2026-12-01): ssh2's client and key parser instead of its
  index (whose HTTP agents loaded \`node:http\`, \`node:https\` and \`tls\`), no \`@actions/exec\`
  (\`node:child_process\` in the post step), the Prometheus client's \`node:http(s)\` on its first
  query. Two runs of the cold part, each 25 samples per build alternating with the build of
  \`78fbec7\` (\`git archive 78fbec7 dist\`): cold start 264 vs 261 ms and 298 vs 318 ms, post step
  120 vs 127 ms and 139 vs 157 ms (after vs before). The post step gains in both; the cold start's
  ~10 ms is within this machine's drift, which moved both builds by ~40 ms between two runs
  minutes apart. What remains of the cold start: node's own start (~100 ms, \`node -e 0\` in the
  floors), the handshake (~70 ms), and loading and running the bundle up to the connect.
- **No node-ssh** (2026-12-01): the transport connects ssh2's client itself; node-ssh wrapped only
  its connect and dispose, and brought six packages and a chunk into every start. Cold start,
  25 samples per build alternating with the commit before (\`2158324\`): 194 vs 192 ms, no
  difference this machine can show; the bundle is 40 KB smaller.
- **A quiet machine** (2026-12-01, after a restart; load average ~2 while the benchmark ran, against
  5–15 on 11-30): every figure dropped, the before build's as much as the current one's. The
  before build (\`ee1ceea\`) measured a speed wall of 6,422 ms on 11-30 and 4,237 ms on 12-01;
  node's own start went from 101 to 48 ms. The two rows of one run stay comparable; rows of
  different dates are not.
- **Preflight of 10 hosts** runs all connections at once (\`preflight-concurrency\` 16) but is
  CPU-bound on this 2-core machine, where the hosts' containers share the cores with the action.
  \`npx tsx bench/preflight-cpu.ts --runs 3\` (a diagnostic, medians of 3), four runs on 12-01
  between 15:37 and 16:12 UTC (the first on the build of \`3d1cd0c\`; a fifth, which a test suite may
  have shared the machine with, is left out): preflight 146, 142, 144, 145 ms for 3 hosts and 357,
  400, 356, 362 ms for 10 (2.45×, 2.82×, 2.47×, 2.50×). One host's preflight alone, phase by phase,
  costs the host's container and the action together 61–69 ms (connect 26–29, inspect 27–31 with
  the session's login, validate's \`nginx -t\` 8–10). The transport alone (the product's connector
  logging in to N hosts at once and running \`true\`, nothing else) took 77, 81, 76, 93 ms for 3
  hosts and 220, 218, 233, 244 ms for 10: 2.62–3.07×, a worse ratio than preflight's own. In every
  run the 10 logins alone take 75–84% of 2× the 3-host preflight, leaving 46–72 ms for 10 hosts'
  inspect and validate, whose CPU over 2 cores is 175–200 ms. A login (ssh2's client, running
  \`true\`) costs a host 35–39 ms of CPU (P-256 instead of curve25519 saves it 2–4 ms). Only a
  slower 3-host preflight would meet the ratio here; on a fleet whose hosts bring their own CPU,
  only the action's part (~10 ms per host) is shared. The locale set inside each command's script
  instead of by an \`env\` (\`8150f09\`) saves a host 0.6–1.0 ms per command (the diagnostic's
  last lines, two runs: 3.0 and 3.9 against 2.4 and 2.8 ms for \`true\`), below what a
  preflight's spread can show.
- **Prompt ACKs** (2026-12-01): sshd leaves Nagle's algorithm on until a command starts (for good on
  a jump host, which only forwards), and this side's kernel delays an ACK up to 40 ms when it has
  nothing to send, so sshd's later bursts waited for it. The action now answers such a burst with
  an SSH_MSG_IGNORE (transport/prompt-ack.ts). Through bastion-1 every host's inspect phase took
  103 ms before, 21 ms after (bastion part, \`--before\` the build of \`98e2919\`); directly, the
  action's inspect phase showed no stall either way (21 and 19 ms).
- **A faster machine, later on 12-01**: node's own start 24 ms against 48 ms that morning, with
  no change to node or the machine's load: the before build's overhead fell from 259 to 149
  ms/host with it. Again, compare rows of one run.
`;

function targetsTable(shown: Shown[]): string {
  const rows = shown.flatMap(({ part, result }) =>
    result && part.targets ? part.targets(result).map((t) => `| ${t.target} | ${met(t.met)}: ${t.result} |`) : [],
  );
  return ['| target | result |', '| --- | --- |', ...rows].join('\n');
}

/** BENCHMARKS.md: every part's newest result, each with the date and command that produced it. */
export function benchmarkMarkdown(shown: Shown[]): string {
  const machines = [...new Set(shown.flatMap(({ result }) => (result ? [result.machine] : [])))];
  const missing = shown.filter((s) => !s.result).map((s) => `\`${s.part.name}\``);
  return `# Benchmarks

Each part below is the newest result of \`npm run bench -- --part NAME\` (as root, on the real
fleet; \`npm run bench\` runs every part). Each cell is the **median (min–max)** of the runs. The
machine is shared and noisy; rerun it yourself.

- Machine: ${machines.join('; ') || '—'}
${missing.length ? `- Not measured yet: ${missing.join(', ')}\n` : ''}
${shown
  .filter((s) => s.result)
  .map(({ part, result }) => part.markdown(result as PartResult))
  .join('\n')}
## Targets (reported, not asserted)

${targetsTable(shown)}

${NOTES}`;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** README.md with its benchmark section replaced by every part's README lines. */
export function withBench(readme: string, shown: Shown[]): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  const lines = shown.flatMap(({ part, result }) => (result && part.readme ? [part.readme(result)] : [])).filter(Boolean);
  return `${readme.slice(0, start + START.length)}\n${lines.join('\n\n')}\n${readme.slice(end)}`;
}
