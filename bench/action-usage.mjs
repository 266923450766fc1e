// Loaded into the action's own process (NODE_OPTIONS=--import …) by the scale simulation: when the
// process exits, writes its getrusage figures to $ZDR_USAGE_FILE as JSON: peak resident set size
// (ru_maxrss, KiB: the kernel's high-water mark, not a sample) and CPU time (user, system; µs).
// They are of that process only, not of the simulated hosts (their own process) nor of the driver.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  const file = process.env.ZDR_USAGE_FILE;
  if (file) writeFileSync(file, JSON.stringify({ maxRSS: u.maxRSS, userCPUTime: u.userCPUTime, systemCPUTime: u.systemCPUTime }));
});
