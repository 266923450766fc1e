import * as core from '@actions/core';
import type { Report } from '../report/report';
import { summaryMarkdown } from '../report/summary';
import { annotate, print, secrets } from './log';

/**
 * GitHub shows at most 10 annotations of each type per step: this many error annotations name a
 * failed host, and the rest roll up into one.
 */
const ERROR_ANNOTATIONS = 9;

/** GitHub refuses a job summary over 1 MiB; stay clear of it. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024;

/** Names for a roll-up line: the first few, then how many more. */
function names(list: string[], shown = 10): string {
  return list.length > shown ? `${list.slice(0, shown).join(', ')} and ${list.length - shown} more` : list.join(', ');
}

/**
 * Sets the outputs, writes the job summary and the error annotations of a run; `errors`: the
 * invalid inputs of a run that never started (they go into the report output and the summary).
 */
export async function publish(outcome: Report, planned: string[], invalid: string[] = []): Promise<void> {
  // Redacted as data, before the JSON and the Markdown encode it: an encoded secret is no longer found.
  const { report, plan, errors } = secrets.redactAll({ report: outcome, plan: planned, errors: invalid });
  core.setOutput('status', report.status);
  core.setOutput('failed-host', report.failedHost);
  core.setOutput('report', JSON.stringify(errors.length ? { ...report, errors } : report));
  if (plan.length) print(plan.join('\n'));

  const failed = report.hosts.filter((h) => h.status === 'failed');
  for (const host of failed.slice(0, ERROR_ANNOTATIONS)) {
    const phase = host.phases.find((p) => p.status === 'failed');
    annotate(
      'error',
      `${host.name} failed in phase ${phase?.name ?? report.failedPhase}: ${phase?.detail ?? report.reason}`,
      `zero-downtime-restart: ${host.name} (${phase?.name ?? report.failedPhase})`,
    );
  }
  const rest = failed.slice(ERROR_ANNOTATIONS);
  if (rest.length)
    annotate(
      'error',
      `${rest.length} more host${rest.length === 1 ? '' : 's'} failed: ${names(rest.map((h) => h.name))}; see the job summary.`,
      'zero-downtime-restart: more failed hosts',
    );
  if (report.status === 'failed' && failed.length === 0) {
    annotate(
      'error',
      `${report.failedHost} failed in phase ${report.failedPhase}: ${report.reason}`,
      `zero-downtime-restart: ${report.failedHost} (${report.failedPhase})`,
    );
  }
  // One warning however many hosts are left drained: the run's own warnings already use the rest.
  const drained = report.hosts.filter((h) => h.lbState === 'drained').map((h) => h.name);
  if (drained.length) {
    annotate(
      'warning',
      `${names(drained)} ${drained.length === 1 ? 'is' : 'are'} left drained in the load balancer after failing (see the job summary).`,
      `Host${drained.length === 1 ? '' : 's'} left out of rotation`,
    );
  }
  await writeSummary(summaryMarkdown(report, plan, errors));
}

/**
 * A summary that fits GitHub's limit: cut at a blank line before the limit, with a note. The
 * summary is built to stay far below it (a 100-host run is tens of KiB); this is the backstop.
 */
export function fitSummary(markdown: string, limit = SUMMARY_LIMIT_BYTES): string {
  if (Buffer.byteLength(markdown) <= limit) return markdown;
  const note = "\n\n> [!NOTE]\n> The summary was cut to stay under GitHub's 1 MiB limit; the `report` output has everything.\n";
  const room = limit - Buffer.byteLength(note);
  let cut = Buffer.from(markdown)
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  const block = cut.lastIndexOf('\n\n');
  if (block > 0) cut = cut.slice(0, block);
  const openFence = (cut.match(/^```/gm) ?? []).length % 2 === 1 ? '\n```' : '';
  const openDetails = (cut.match(/<details>/g) ?? []).length > (cut.match(/<\/details>/g) ?? []).length ? '\n\n</details>' : '';
  return `${cut}${openFence}${openDetails}${note}`;
}

/** Writes markdown to the job summary when the runner provides one. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(fitSummary(markdown), true).write();
}
