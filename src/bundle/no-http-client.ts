/**
 * Stands in for @actions/http-client in the bundle (tsconfig `paths`). @actions/core imports it
 * only for its OIDC client (core.getIDToken), which this action never calls; the real module
 * brings undici with it: 900 KB of the bundle and ~90 ms of every cold start (measured: 315 ms →
 * 230 ms from process start to an invalid-input exit). Anything that does reach it fails loudly.
 */
class Unavailable {
  constructor() {
    throw new Error('@actions/http-client is not bundled in zero-downtime-restart (OIDC tokens are not used)');
  }
}

export class HttpClient extends Unavailable {}
export class BearerCredentialHandler extends Unavailable {}
