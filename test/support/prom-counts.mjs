#!/usr/bin/env node
// check-command for the fleet suite: one host's requests and 5xx between two unix times, from
// Prometheus's HAProxy counters, printed as {"requests": N, "errors": M}.
// Usage: prom-counts.mjs PROMETHEUS_URL SERVER_NAME SINCE UNTIL
const [base, name, since, until] = process.argv.slice(2);
const total = async (extra, at) => {
  const q = `sum(haproxy_server_http_responses_total{server="${name.replace(/["\\]/g, '\\$&')}"${extra}})`;
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`);
  const json = await res.json();
  if (json.status !== 'success') throw new Error(json.error);
  return Number(json.data.result[0]?.value[1] ?? 0);
};
const now = Date.now() / 1000;
const end = Math.min(Number(until), now);
const [r0, r1, e0, e1] = await Promise.all([total('', since), total('', end), total(',code="5xx"', since), total(',code="5xx"', end)]);
const requests = Math.max(0, r1 - r0);
process.stdout.write(`${JSON.stringify({ requests, errors: Math.min(requests, Math.max(0, e1 - e0)) })}\n`);
