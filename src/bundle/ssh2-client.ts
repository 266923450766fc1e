/**
 * Stands in for ssh2's index in the bundle (tsconfig `paths`, as no-http-client.ts does). The index
 * loads all of ssh2: its SSH server, key generation and its HTTP(S) agents, which bring node:http,
 * node:https and node:tls into every start (~10 ms before the first handshake, measured). The
 * action uses two things of it: the Client, and parseKey for the private-key input.
 * Both are ssh2's own modules, unchanged. Type-checking reads ssh2's types (ssh2-types.d.ts).
 * vitest does not follow `paths` and runs the real ssh2; tsx does, and runs this one (so
 * test/support/sim-fleet.ts, which needs ssh2's Server, asks for ssh2's index by its path).
 */
import type * as Ssh2 from './ssh2-types';

/* eslint-disable @typescript-eslint/no-require-imports -- ssh2's modules are CommonJS without types of their own */
const Client = require('ssh2/lib/client.js') as typeof Ssh2.Client;
const { parseKey } = require('ssh2/lib/protocol/keyParser.js') as Pick<typeof Ssh2.utils, 'parseKey'>;
/* eslint-enable @typescript-eslint/no-require-imports */

const utils = { parseKey };
export { Client, utils };
