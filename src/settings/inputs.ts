/**
 * The action's inputs and the defaults the code applies when an input is empty. action.yml states
 * the same defaults for the runner; test/unit/action-yml.test.ts fails when the two drift apart.
 */
export const INPUT_DEFAULTS = {
  hosts: '',
  user: 'root',
  port: '22',
  'private-key': '',
  passphrase: '',
  'known-hosts': '',
  'host-key-check': 'strict',
  'connect-timeout': '10s',
  'command-timeout': '60s',
  sudo: 'false',
  strategy: 'auto',
  service: 'nginx',
  'validate-command': '',
  'nginx-error-log': '/var/log/nginx/error.log',
  lb: 'none',
  'lb-host': '',
  'haproxy-socket': '/run/haproxy/admin.sock',
  'haproxy-backend': '',
  'nginx-upstream-config': '/etc/nginx/conf.d/upstream.conf',
  'nginx-lb-service': 'nginx',
  'drain-command': '',
  'ready-command': '',
  'drain-timeout': '60s',
  'on-drain-timeout': 'fail',
  'min-healthy': '1',
  'force-drain': 'false',
  'not-in-service': 'skip',
  'stub-status-url': '',
  'drain-port': '80',
  'readiness-url': '',
  'readiness-timeout': '60s',
  'readiness-successes': '2',
  'readiness-interval': '500ms',
  'dependency-checks': '',
  'unit-warnings': 'warn',
  'check-window': '30s',
  'check-source': 'access-log',
  'access-log': '/var/log/nginx/access.log',
  'max-error-rate': '1%',
  'min-requests': '20',
  'fail-on-inconclusive': 'false',
  'check-url': '',
  'check-ignore-paths': '',
  'prometheus-url': '',
  'prometheus-requests-query': 'sum(haproxy_server_http_responses_total{server="{name}"})',
  'prometheus-errors-query': 'sum(haproxy_server_http_responses_total{server="{name}",code="5xx"})',
  'prometheus-scrape-series': 'haproxy_server_http_responses_total{server="{name}",code="5xx"}',
  'prometheus-min-scrapes': '3',
  'prometheus-via': 'runner',
  'prometheus-token': '',
  'prometheus-basic-auth': '',
  'prometheus-tls-verify': 'true',
  'check-command': '',
  'check-command-timeout': '20s',
  'fleet-relative': 'true',
  'rollback-command': '',
  'preflight-concurrency': '16',
  'lock-wait': '30s',
  'dry-run': 'false',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** The inputs that carry secrets: masked in every output; the CLI takes them from the environment too. */
export const SECRET_INPUTS = [
  'private-key',
  'passphrase',
  'prometheus-token',
  'prometheus-basic-auth',
] as const satisfies readonly InputName[];

/** Reads one raw input ('' when not given). The action backs it with @actions/core, the CLI with flags, environment and a file. */
export type InputSource = (name: InputName) => string;
