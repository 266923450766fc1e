import * as core from '@actions/core';
import type { Report } from './report';
import { summaryMarkdown } from './summary';

/** At most this many error annotations name hosts; more roll up into one. */
const ERROR_ANNOTATIONS = 9;

/** Sets the outputs, writes the job summary and the error annotations of a finished run. */
export async function publish(report: Report, plan: string[]): Promise<void> {
  core.setOutput('status', report.status);
  core.setOutput('failed-host', report.failedHost);
  core.setOutput('report', JSON.stringify(report));
  if (plan.length) core.info(plan.join('\n'));

  const failed = report.hosts.filter((h) => h.status === 'failed');
  for (const host of failed.slice(0, ERROR_ANNOTATIONS)) {
    const phase = host.phases.find((p) => p.status === 'failed');
    core.error(`${host.name} failed in phase ${phase?.name ?? report.failedPhase}: ${phase?.detail ?? report.reason}`, { title: `zero-downtime-restart: ${host.name} (${phase?.name ?? report.failedPhase})` });
  }
  if (failed.length > ERROR_ANNOTATIONS) core.error(`${failed.length - ERROR_ANNOTATIONS} more hosts failed; see the job summary.`);
  if (report.status === 'failed' && failed.length === 0) {
    core.error(`${report.failedHost} failed in phase ${report.failedPhase}: ${report.reason}`, { title: `zero-downtime-restart: ${report.failedHost} (${report.failedPhase})` });
  }
  for (const host of report.hosts.filter((h) => h.lbState === 'drained')) {
    core.warning(`${host.name} is left drained in the load balancer: it was not healthy after the failure.`, { title: 'Host left out of rotation' });
  }
  await writeSummary(summaryMarkdown(report, plan));
}

/** Writes markdown to the job summary when the runner provides one. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
