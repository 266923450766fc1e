"use strict";
exports.id = 375;
exports.ids = [375];
exports.modules = {

/***/ 5375:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  productionWorld: () => (/* binding */ productionWorld)
});

// EXTERNAL MODULE: ./src/remote/remote-host.ts + 1 modules
var remote_host = __webpack_require__(8199);
// EXTERNAL MODULE: ./src/remote/quote.ts
var quote = __webpack_require__(4414);
// EXTERNAL MODULE: ./src/remote/commands/exec.ts
var exec = __webpack_require__(2852);
// EXTERNAL MODULE: ./src/remote/commands/locks.ts
var locks = __webpack_require__(6137);
;// CONCATENATED MODULE: ./src/lb/command.ts




/**
 * The user's own drain and ready commands (a cloud CLI deregistering a target, say), with `{host}`
 * and `{name}` filled in shell-quoted. They run on the runner, or on lb-host when one is given.
 */
class CommandLb {
    drainCommand;
    readyCommand;
    timeoutMs;
    remote;
    local;
    description;
    /** Only with lb-host: commands on the runner have no shared place for a lock. */
    lock;
    constructor(drainCommand, readyCommand, timeoutMs, remote, local) {
        this.drainCommand = drainCommand;
        this.readyCommand = readyCommand;
        this.timeoutMs = timeoutMs;
        this.remote = remote;
        this.local = local;
        this.description = remote ? `drain/ready commands on ${remote.connection.target.host}` : 'drain/ready commands on the runner';
        this.lock = remote ? { remote, ...(0,locks/* poolLock */.Oc)('command', this.description) } : null;
    }
    async run(which, template, host) {
        const script = (0,quote/* fillPlaceholders */.C)(template, { host: host.host, name: host.name });
        if (this.remote) {
            await this.remote.check((0,exec/* userCommand */.L_)(`${which} for ${host.name}`, script, this.timeoutMs));
            return;
        }
        const result = await this.local.run(script, { timeoutMs: this.timeoutMs });
        if (result.timedOut)
            throw new Error(`${which} for ${host.name} ran past ${this.timeoutMs / 1000}s and was killed`);
        if (result.code !== 0) {
            const output = (0,remote_host/* tail */.RT)(result.stderr) || (0,remote_host/* tail */.RT)(result.stdout);
            throw new Error(`${which} for ${host.name} exited with ${result.code ?? `signal ${result.signal}`}${output ? `: ${output}` : ''}`);
        }
    }
    async preflight() {
        return [];
    }
    async healthyOthers() {
        return null;
    }
    drain(host) {
        return this.run('drain-command', this.drainCommand, host);
    }
    undrain(host) {
        return this.run('ready-command', this.readyCommand, host);
    }
    async inFlight() {
        return null;
    }
    async isUp() {
        return null;
    }
    async close() {
        await this.remote?.close();
    }
}

// EXTERNAL MODULE: ./src/inspect/prerequisites.ts
var prerequisites = __webpack_require__(651);
;// CONCATENATED MODULE: ./src/remote/commands/haproxy.ts
/** Commands to HAProxy's runtime API over its admin socket (socat must be installed there). */
function haproxyApi(socket, command, timeoutMs) {
    return {
        kind: 'haproxy-api',
        title: `haproxy: ${command}`,
        timeoutMs,
        script: 'printf \'%s\\n\' "$2" | socat -t 5 stdio "UNIX-CONNECT:$1"',
        args: [socket, command],
    };
}
/**
 * HAProxy's runtime API as a session: socat kept open on the socket, in interactive (`prompt`)
 * mode, so each question costs one exchange on a live channel instead of a login shell. It ends
 * with the SSH connection, or after `maxMs` at the latest.
 */
function haproxySession(socket, maxMs) {
    return {
        kind: 'haproxy-session',
        title: 'haproxy runtime API session',
        timeoutMs: maxMs,
        script: 'exec socat stdio "UNIX-CONNECT:$1"',
        args: [socket],
    };
}

;// CONCATENATED MODULE: ./src/lb/haproxy.ts



/** A runtime API session outlives no rollout: GitHub stops a job after 6 hours. */
const SESSION_MAX_MS = 6 * 3_600_000;
/** Parses the CSV of HAProxy's `show stat` (header line starts with `# `). */
function parseShowStat(csv) {
    const lines = csv.split('\n').filter((l) => l.trim() !== '');
    const header = lines.shift();
    if (!header?.startsWith('# '))
        throw new Error(`unexpected answer to "show stat": ${csv.slice(0, 200)}`);
    const fields = header.slice(2).split(',');
    return lines.map((line) => {
        const values = line.split(',');
        return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? '']));
    });
}
const num = (row, field) => Number(row[field] || 0);
/** srv_admin_state bits of `show servers state`: forced, inherited, config, resolver and hostname maintenance. */
const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/** Forced and inherited drain. */
const ADMIN_DRAIN = 0x08 | 0x10;
/** Server name → srv_admin_state, from `show servers state BACKEND` (a version line, a `# ` header, rows). */
function parseServersState(text) {
    const lines = text.split('\n').map((l) => l.trim());
    const header = lines
        .find((l) => l.startsWith('# '))
        ?.slice(2)
        .split(' ') ?? [];
    const name = header.indexOf('srv_name');
    const admin = header.indexOf('srv_admin_state');
    if (name < 0 || admin < 0)
        throw new Error(`unexpected answer to "show servers state": ${text.slice(0, 200)}`);
    const rows = lines
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.split(' '))
        .filter((f) => f.length > admin);
    return new Map(rows.map((f) => [f[name], Number(f[admin])]));
}
/** UP (possibly "UP 1/2" while failing checks) and "no check" servers take traffic when not drained. */
function isHealthy(row) {
    return row.status === 'UP' || row.status === 'no check' || row.status === 'OPEN';
}
/**
 * Whether opening a channel to a UNIX socket failed because it never will on this connection:
 * sshd forbids it (RFC 4254 open failure 1, "administratively prohibited", as with
 * AllowStreamLocalForwarding no) or does not know the channel type (3), the server is not OpenSSH
 * (ssh2's strictVendor), or the transport has no such channels.
 */
function refusesSocketChannels(err) {
    const e = err;
    return e.reason === 1 || e.reason === 3 || /strictVendor|no socket channels/.test(String(e.message));
}
/** HAProxy driven through its runtime API over SSH on the load-balancer host. */
class HaproxyLb {
    remote;
    socket;
    backend;
    timeoutMs;
    description;
    lock;
    constructor(remote, socket, backend, timeoutMs) {
        this.remote = remote;
        this.socket = socket;
        this.backend = backend;
        this.timeoutMs = timeoutMs;
        this.description = `haproxy backend ${backend} via ${remote.connection.target.user}@${remote.connection.target.host}`;
        this.lock = { remote, ...(0,locks/* poolLock */.Oc)(`haproxy.${backend}`, this.description) };
    }
    session;
    /** False once a session could not be had: every question then takes its own command. */
    sessions = true;
    /** The question before this one; the next waits for it (see api). */
    queue = Promise.resolve();
    /**
     * One question to the runtime API. Over a kept-open interactive session where possible: the
     * drain wait polls the session count every 200 ms, and a login shell per poll costs far more
     * than the answer. A session that dies is reopened once; one that cannot open falls back to a
     * command per question, whose errors also explain what is wrong (no socat, no socket).
     */
    api(command) {
        // One question at a time: hosts of a batch ask concurrently, and answers on the one session
        // are told apart only by their order.
        const next = this.queue.then(() => this.ask(command));
        this.queue = next.catch(() => undefined);
        return next;
    }
    async ask(command) {
        // `a; b` runs both in order; in prompt mode each one's answer ends with its own prompt.
        const answers = command.split('; ').length;
        let lastError = '';
        for (let attempt = 0; this.sessions && attempt < 2; attempt++) {
            try {
                if (!this.session?.open)
                    this.session = await this.openSession();
                this.session.write(`${command}\n`);
                let text = '';
                for (let i = 0; i < answers; i++)
                    text += await this.session.readUntil('\n> ', this.timeoutMs);
                return text;
            }
            catch (err) {
                lastError = err.message;
                this.session?.close();
                this.session = undefined;
            }
        }
        // Where the socket has been reached straight over SSH, preflight never needed socat: a command
        // per question (socat) is no way out, so this question fails and the next tries the socket again.
        if (this.directWorked)
            throw new Error(`the runtime API at ${this.socket} did not answer over SSH: ${lastError}`);
        this.sessions = false;
        return this.remote.check(haproxyApi(this.socket, command, this.timeoutMs));
    }
    /** False once sshd refused to forward to the socket: sessions then go through socat. */
    direct = true;
    /** A session straight to the socket worked once: later failures are passing ones, never a refusal. */
    directWorked = false;
    /**
     * The session: a channel straight to the admin socket where sshd forwards to it (no login
     * shell, which on a host with a heavy ~/.bashrc costs a quarter of a second or more, and no
     * socat), else socat run through the login shell.
     */
    async openSession() {
        if (this.direct) {
            try {
                const session = await this.prompt(await this.remote.socket(this.socket));
                this.directWorked = true;
                return session;
            }
            catch (err) {
                // Only a refusal sends every later session through socat. Anything else (the socket gone
                // while HAProxy restarts, a slow prompt, a dropped connection) fails this attempt only.
                if (this.directWorked || !refusesSocketChannels(err))
                    throw err;
                this.direct = false;
            }
        }
        return this.prompt(await this.remote.stream(haproxySession(this.socket, SESSION_MAX_MS)));
    }
    /** Interactive mode: every answer then ends with a prompt, which tells answers apart. */
    async prompt(session) {
        try {
            session.write('prompt\n');
            await session.readUntil('> ', this.timeoutMs);
            return session;
        }
        catch (err) {
            session.close();
            throw err;
        }
    }
    /** A command that answers with nothing on success and a message on failure. */
    async set(command) {
        const answer = (await this.api(command)).trim();
        if (answer !== '')
            throw new Error(`haproxy refused "${command}": ${answer}`);
    }
    /**
     * The backend's server rows. `show stat <proxy> 4 -1` (type 4: servers, sid -1: all) asks
     * HAProxy for this backend alone: a full `show stat` of a load balancer with 10,000 servers is
     * 2.1 MiB (371 ms) per read, and the drain wait reads every 200 ms. A frontend of the same name
     * shadows the backend in that lookup (HAProxy 2.6 then lists no servers): only then is the
     * whole table read.
     */
    async rows() {
        const scoped = await this.serverRows(`show stat ${this.backend} 4 -1`);
        return scoped.length ? scoped : this.serverRows('show stat');
    }
    async serverRows(command) {
        const answer = await this.api(command);
        if (/^No such proxy/.test(answer.trim()))
            return [];
        return parseShowStat(answer).filter((r) => r.pxname === this.backend && r.svname !== 'BACKEND' && r.svname !== 'FRONTEND');
    }
    async row(host) {
        const row = (await this.rows()).find((r) => r.svname === host.name);
        if (!row)
            throw new Error(`haproxy backend ${this.backend} has no server named ${host.name}`);
        return row;
    }
    async preflight(hosts) {
        // The first question to the runtime API: a host without socat (or timeout) is named here.
        const rows = await this.rows().catch((error) => {
            throw (0,prerequisites/* explainNotFound */.hf)(`the load balancer ${this.remote.connection.target.host}`, error);
        });
        if (rows.length === 0)
            throw new Error(`haproxy has no backend named ${this.backend} (or it has no servers)`);
        const names = new Set(rows.map((r) => r.svname));
        const missing = hosts.filter((h) => !names.has(h.name)).map((h) => h.name);
        if (missing.length) {
            throw new Error(`haproxy backend ${this.backend} has no server named ${missing.join(', ')} (servers: ${[...names].join(', ')}); set each host's name to its server name`);
        }
        return rows
            .filter((r) => hosts.some((h) => h.name === r.svname) && !isHealthy(r))
            .map((r) => `haproxy shows ${r.svname} as ${r.status} before the rollout`);
    }
    async adminStates() {
        return parseServersState(await this.api(`show servers state ${this.backend}`));
    }
    async notInService(hosts) {
        const [admin, rows] = [await this.adminStates(), await this.rows()];
        const out = new Map();
        for (const host of hosts) {
            const bits = admin.get(host.name) ?? 0;
            const status = rows.find((r) => r.svname === host.name)?.status ?? '';
            const where = `in haproxy backend ${this.backend} (status ${status || 'unknown'})`;
            if (bits & ADMIN_MAINT || status.startsWith('MAINT'))
                out.set(host.name, { state: 'maint', text: `in MAINT ${where}` });
            else if (bits & ADMIN_DRAIN || status.startsWith('DRAIN'))
                out.set(host.name, { state: 'drain', text: `in DRAIN ${where}` });
        }
        return out;
    }
    async operatorMaintenance(host) {
        return ((await this.adminStates()).get(host.name) ?? 0) & ADMIN_MAINT ? `in MAINT in haproxy backend ${this.backend}` : null;
    }
    async healthyOthers(host) {
        return (await this.rows()).filter((r) => r.svname !== host.name && isHealthy(r)).length;
    }
    drain(host) {
        return this.set(`set server ${this.backend}/${host.name} state drain`);
    }
    undrain(host) {
        return this.set(`set server ${this.backend}/${host.name} state ready`);
    }
    /**
     * The return and the first look at its effect in one exchange: HAProxy runs `;`-separated
     * commands in order, so `set server … state ready` is answered (nothing, or its refusal) and
     * then the backend's rows. Undefined when the rows do not show the host (a frontend of the
     * same name shadows the scoped `show stat`): the caller then asks isUp.
     */
    async undrainAndCheck(host) {
        const set = `set server ${this.backend}/${host.name} state ready`;
        const answer = await this.api(`${set}; show stat ${this.backend} 4 -1`);
        const at = answer.search(/^# /m);
        const refusal = (at < 0 ? answer.replace(/^No such proxy.*$/m, '') : answer.slice(0, at)).trim();
        if (refusal !== '')
            throw new Error(`haproxy refused "${set}": ${refusal}`);
        const row = at < 0 ? undefined : parseShowStat(answer.slice(at)).find((r) => r.pxname === this.backend && r.svname === host.name);
        return row ? isHealthy(row) : undefined;
    }
    async inFlight(host) {
        return num(await this.row(host), 'scur');
    }
    async isUp(host) {
        return isHealthy(await this.row(host));
    }
    async counters(host) {
        const row = await this.row(host);
        return {
            sessions: num(row, 'stot'),
            inFlight: num(row, 'scur'),
            responses: ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce((n, f) => n + num(row, f), 0),
            http5xx: num(row, 'hrsp_5xx'),
            clientAborts: num(row, 'cli_abrt'),
        };
    }
    async close() {
        this.session?.close();
        await this.remote.close();
    }
}

// EXTERNAL MODULE: ./src/remote/commands/nginx.ts
var nginx = __webpack_require__(2657);
;// CONCATENATED MODULE: ./src/lb/nginx.ts


function parseList(stdout) {
    return stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
        const [state, ...rest] = l.split(' ');
        const line = rest.join(' ');
        const address = /server\s+([^\s;]+)/.exec(line)?.[1] ?? '';
        return { down: state === 'down', address, line };
    });
}
function matches(entry, host) {
    const bare = entry.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    // The rule of the awk in nginxUpstreamMark: "# name" not followed by another name character.
    const at = entry.line.indexOf(`# ${host.name}`);
    const tagged = at >= 0 && !/[A-Za-z0-9_.:-]/.test(entry.line.charAt(at + host.name.length + 2));
    return bare === host.host || bare === host.name || tagged;
}
/**
 * An nginx load balancer: a host is drained by marking its `server` line `down` in the upstream
 * file and reloading gracefully. Open-source nginx has no live server health or session counts, so
 * those questions get "cannot tell" and the drain wait asks the host itself.
 */
class NginxLb {
    remote;
    file;
    unit;
    timeoutMs;
    description;
    lock;
    constructor(remote, file, unit, timeoutMs) {
        this.remote = remote;
        this.file = file;
        this.unit = unit;
        this.timeoutMs = timeoutMs;
        this.description = `nginx upstream ${file} on ${remote.connection.target.user}@${remote.connection.target.host}`;
        this.lock = { remote, ...(0,locks/* poolLock */.Oc)(`nginx.${file}`, this.description) };
    }
    async list() {
        return parseList(await this.remote.check((0,nginx/* nginxUpstreamList */.AO)(this.file, this.timeoutMs)));
    }
    async preflight(hosts) {
        const lines = await this.list();
        const missing = hosts.filter((h) => !lines.some((l) => matches(l, h))).map((h) => h.name);
        if (missing.length)
            throw new Error(`${this.file} has no upstream server line for ${missing.join(', ')} (by address, name, or a "# name" comment)`);
        return lines
            .filter((l) => l.down && hosts.some((h) => matches(l, h)))
            .map((l) => `${l.address} is already marked down in ${this.file}`);
    }
    /** An upstream already marked `down` before the run was put there by someone else. */
    async notInService(hosts) {
        const lines = await this.list();
        const out = new Map();
        for (const host of hosts) {
            if (lines.some((l) => l.down && matches(l, host)))
                out.set(host.name, { state: 'maint', text: `marked down in ${this.file}` });
        }
        return out;
    }
    async healthyOthers(host) {
        // Configured and not marked down; nginx cannot tell whether they are healthy.
        return (await this.list()).filter((l) => !l.down && !matches(l, host)).length;
    }
    /** The edit before this one; the next waits for it (see mark). */
    edits = Promise.resolve();
    /**
     * One edit at a time: each is read, change, `nginx -t`, reload of the one file, and hosts of a
     * batch drain concurrently; two interleaved edits would lose one of them.
     */
    mark(host, down) {
        const next = this.edits.then(() => this.markNow(host, down));
        this.edits = next.catch(() => undefined);
        return next;
    }
    async markNow(host, down) {
        const addresses = [...new Set([host.host, host.name])];
        const result = await this.remote.run((0,nginx/* nginxUpstreamMark */.Xq)(this.file, this.unit, addresses, host.name, down, this.timeoutMs));
        if (result.code === 3)
            throw new Error(`${this.file} has no upstream server line for ${host.name}`);
        if (result.code !== 0)
            throw new Error(`could not mark ${host.name} ${down ? 'down' : 'up'} in ${this.file}: ${result.stderr.trim() || `exit ${result.code}`}`);
    }
    drain(host) {
        return this.mark(host, true);
    }
    undrain(host) {
        return this.mark(host, false);
    }
    async inFlight() {
        return null;
    }
    async isUp(host) {
        const line = (await this.list()).find((l) => matches(l, host));
        // Not marked down is all nginx can say; it has no active health checks.
        return line ? (line.down ? false : null) : false;
    }
    async close() {
        await this.remote.close();
    }
}

;// CONCATENATED MODULE: ./src/lb/create.ts




/** Connects to the load balancer the settings name (if any) and returns its adapter. */
async function createLoadBalancer(settings, connector, local) {
    const lb = settings.lb;
    const timeout = settings.ssh.commandTimeoutMs;
    // The shell for the lock starts at once, beside whatever channel the adapter opens first.
    const remoteOf = async (target) => {
        const remote = new remote_host/* RemoteHost */.pS(await connector.connect(target), settings.ssh.sudo);
        remote.warm();
        return remote;
    };
    switch (lb.kind) {
        case 'none':
            return null;
        case 'haproxy':
            return new HaproxyLb(await remoteOf(lb.host), lb.socket, lb.backend, timeout);
        case 'nginx':
            return new NginxLb(await remoteOf(lb.host), lb.upstreamConfig, lb.service, timeout);
        case 'command':
            return new CommandLb(lb.drainCommand, lb.readyCommand, timeout, lb.host ? await remoteOf(lb.host) : null, local);
    }
}

;// CONCATENATED MODULE: ./src/runtime/clock.ts
const systemClock = {
    now: () => Date.now(),
    sleep: (ms, signal) => new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./src/runtime/local-shell.ts

const OUTPUT_LIMIT = 64 * 1024;
/**
 * `sh -c` in its own process group. @actions/exec cannot kill what it started, and a drain command
 * that hangs must not outlive its timeout, so this spawns directly and kills the whole group.
 */
const processShell = {
    run: (script, { timeoutMs, signal }) => new Promise((resolve) => {
        const child = (0,external_node_child_process_.spawn)('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const keep = (acc, chunk) => acc.length >= OUTPUT_LIMIT ? acc : acc + chunk.toString('utf8').slice(0, OUTPUT_LIMIT - acc.length);
        child.stdout.on('data', (c) => (stdout = keep(stdout, c)));
        child.stderr.on('data', (c) => (stderr = keep(stderr, c)));
        const killGroup = () => {
            try {
                if (child.pid !== undefined)
                    process.kill(-child.pid, 'SIGKILL');
            }
            catch {
                // already gone
            }
        };
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup();
        }, timeoutMs);
        signal?.addEventListener('abort', killGroup, { once: true });
        const finish = (code, sig, err) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', killGroup);
            resolve({ code, signal: sig, stdout, stderr: err ? `${stderr}${err.message}` : stderr, timedOut });
        };
        child.on('error', (err) => finish(127, null, err));
        child.on('close', (code, sig) => finish(code, sig));
    }),
};

// EXTERNAL MODULE: ./src/transport/known-hosts.ts
var known_hosts = __webpack_require__(3808);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: ./node_modules/node-ssh/lib/esm/index.mjs + 2 modules
var esm = __webpack_require__(9487);
// EXTERNAL MODULE: ./src/transport/connection.ts
var connection = __webpack_require__(5889);
// EXTERNAL MODULE: ./src/transport/target.ts
var transport_target = __webpack_require__(1608);
;// CONCATENATED MODULE: ./src/transport/handshake.ts




/** `bastion b1 (user@addr:22), hop 1 of 2 to web-1` or `web-1 (user@addr:22)`. */
function hopLabel(hop, address = (0,transport_target/* describeTarget */.ff)(hop.target)) {
    if (hop.role === 'host')
        return `${hop.target.name} (${address})`;
    return `bastion ${hop.target.name} (${address}), hop ${hop.index} of ${hop.of} to ${hop.destination.name}`;
}
/** What to say when only a @cert-authority line names the host (host certificates are not checked). */
function certAuthorityNote(target, lines) {
    if (!lines?.length)
        return '';
    const port = target.port === 22 ? '' : `-p ${target.port} `;
    return ` known-hosts names it only in a @cert-authority line (line ${lines.join(', ')}), and this action does not check host certificates: add the host's own key line instead, e.g. from \`ssh-keyscan ${port}${target.host}\` run from a trusted network.`;
}
function hostKeyMessage(hop, verdict) {
    const { target } = hop;
    const where = hopLabel(hop, (0,transport_target/* knownHostsKey */.C9)(target));
    const expected = verdict.expected.length ? ` known-hosts has: ${verdict.expected.join(', ')}.` : '';
    switch (verdict.reason) {
        case 'unknown-host':
            if (verdict.certAuthorityLines?.length) {
                return `Host key verification failed for ${where}: the server offered ${verdict.offered}.${certAuthorityNote(target, verdict.certAuthorityLines)}`;
            }
            return `Host key verification failed for ${where}: known-hosts has no entry for ${(0,transport_target/* knownHostsKey */.C9)(target)}. The server offered ${verdict.offered}; add it to known-hosts only after checking it out of band.`;
        case 'revoked':
            return `Host key verification failed for ${where}: the server offered ${verdict.offered}, which known-hosts marks @revoked.`;
        case 'mismatch':
            return `Host key verification failed for ${where}: the server offered ${verdict.offered}, which does not match.${expected} The host was reinstalled, or someone is in the middle.`;
    }
}
function classify(hop, err) {
    const message = err instanceof Error ? err.message : String(err);
    const level = err?.level;
    const { target } = hop;
    const who = hopLabel(hop);
    const through = hop.via ? ` through bastion ${hop.via.name}` : '';
    if (level === 'client-authentication' || /authentication methods failed/i.test(message)) {
        const refused = `the server did not accept the private key for user '${target.user}'.`;
        if (hop.role === 'bastion')
            return new connection/* TransportError */.w('auth', `bastion refused the key: ${who}: ${refused}`);
        return new connection/* TransportError */.w('auth', `SSH authentication refused by ${who}${through}: ${refused}`);
    }
    const timedOut = /timed out/i.test(message);
    if (hop.role === 'bastion')
        return new connection/* TransportError */.w(timedOut ? 'timeout' : 'unreachable', `bastion unreachable: ${who}: ${message}.`);
    if (timedOut)
        return new connection/* TransportError */.w('timeout', `SSH connection to ${who}${through} timed out: ${message}.`);
    return new connection/* TransportError */.w('unreachable', `Cannot connect to ${who}${through}: ${message}.`);
}
/** A TCP connection to `target` with TCP_NODELAY from the first packet. */
function tcpSocket(target) {
    // Our own socket, so TCP_NODELAY holds from the first packet: the handshake and every command
    // are small request/response exchanges, and with Nagle's algorithm meeting delayed ACKs each
    // one stalls ~40 ms (a key-auth handshake took 240 ms instead of 60). ssh2 waits for the
    // connect and applies readyTimeout to it.
    const sock = new external_node_net_.Socket();
    sock.setNoDelay(true);
    sock.connect({ host: target.host, port: target.port });
    return sock;
}
function configFor(hop, sock, options, credentials) {
    const { target } = hop;
    const config = {
        sock: sock,
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveMs,
        keepaliveCountMax: 3,
    };
    const policy = options.hostKeys;
    if (policy.mode === 'strict') {
        const algorithms = policy.knownHosts.algorithmsFor(target);
        if (algorithms)
            config.algorithms = { serverHostKey: algorithms };
    }
    if (credentials.privateKey) {
        config.privateKey = credentials.privateKey;
        if (credentials.passphrase)
            config.passphrase = credentials.passphrase;
    }
    else if (credentials.agent) {
        config.agent = credentials.agent;
    }
    return config;
}
/**
 * The SSH handshake with one hop over `sock` (a TCP socket, or a channel of the previous hop):
 * strict host key against known-hosts by the hop's own address, then key or agent auth. Failures
 * become TransportErrors that name the hop and the address tried.
 */
async function handshake(hop, sock, options, credentials) {
    const ssh = new esm/* NodeSSH */.H();
    const policy = options.hostKeys;
    let rejected;
    const config = configFor(hop, sock, options, credentials);
    config.hostVerifier = (key) => {
        if (policy.mode === 'off')
            return true;
        const verdict = policy.knownHosts.verify(hop.target, key);
        if (!verdict.ok)
            rejected = verdict;
        return verdict.ok;
    };
    try {
        await ssh.connect(config);
    }
    catch (err) {
        ssh.dispose();
        sock.destroy();
        if (rejected)
            throw new connection/* TransportError */.w('host-key', hostKeyMessage(hop, rejected));
        throw classify(hop, err);
    }
    const client = ssh.connection;
    if (!client)
        throw new connection/* TransportError */.w('unreachable', `Cannot connect to ${hopLabel(hop)}: no connection after handshake.`);
    return { ssh, client };
}

;// CONCATENATED MODULE: ./src/transport/jump-pool.ts



/** How long an unused bastion connection is kept for the next host behind it. */
const IDLE_MS = 60_000;
/** SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 §5.1), for servers that send no description. */
const OPEN_FAILURES = {
    1: 'administratively prohibited (AllowTcpForwarding or PermitOpen on the bastion)',
    2: 'connect failed',
    3: 'unknown channel type',
    4: 'resource shortage',
};
/** Why a bastion would not open a channel: its own words, else what its reason code means. */
function openFailure(err) {
    if (!err)
        return 'no channel';
    const said = err.message.replace(/^\(SSH\) Channel open failure:\s*/, '').trim();
    const reason = err.reason;
    return said || (typeof reason === 'number' ? OPEN_FAILURES[reason] : undefined) || err.message;
}
/** The first hop of a route whose bastion connection ended, as a sentence for the verdict. */
function lostHop(link) {
    const chain = [];
    for (let l = link; l; l = l.parent)
        chain.unshift(l);
    const dropped = chain.find((l) => l.lost || l.sock.destroyed);
    if (!dropped)
        return undefined;
    const why = dropped.lost?.message ?? 'its connection closed';
    return `the connection to bastion ${dropped.hop.name} (${(0,transport_target/* describeTarget */.ff)(dropped.hop)}) was lost: ${why}`;
}
/**
 * One SSH connection per jump host (per route prefix: a second hop reached through the same first
 * hop is the same link), shared by every host behind it. Leases are counted: a link unused for
 * IDLE_MS closes, and so do all at close(); a later connect opens a fresh one. Concurrent connects (the
 * preflight connects many hosts at once) wait on the same handshake instead of opening their own.
 */
class JumpPool {
    options;
    credentials;
    links = new Map();
    constructor(options, credentials) {
        this.options = options;
        this.credentials = credentials;
    }
    /** The link to the last hop of `chain`, leased: give it back with release(). */
    async lease(chain, destination) {
        return this.acquire(chain, chain.length - 1, destination);
    }
    /**
     * Gives a lease back. A link nobody uses stays open for IDLE_MS: the rollout releases a host's
     * connection between preflight and its turn (transport/lease.ts), and the next host's turn
     * should find the bastion connection still there, not handshake with the bastion again.
     */
    release(link) {
        link.users -= 1;
        if (link.users > 0 || link.closed)
            return;
        clearTimeout(link.idle);
        link.idle = setTimeout(() => link.users === 0 && this.shut(link), IDLE_MS);
        // The timer alone must not keep the process alive (close() ends links at the end of a run).
        link.idle.unref();
    }
    /** Closes every link now: the run is over. */
    async close() {
        const links = await Promise.allSettled([...this.links.values()]);
        for (const l of links)
            if (l.status === 'fulfilled')
                this.shut(l.value);
    }
    shut(link) {
        if (link.closed)
            return;
        link.closed = true;
        clearTimeout(link.idle);
        this.forget(link);
        link.ssh.dispose();
        if (link.parent)
            this.release(link.parent);
    }
    /**
     * A channel from `link`'s jump host to `next` (direct-tcpip, as `ssh -W`), bounded by
     * connect-timeout: a bastion that cannot reach the next hop may take minutes to say so.
     */
    forward(link, next) {
        const target = next.target;
        const unreachable = (why) => `${next.role === 'bastion' ? 'bastion ' : ''}${target.name} unreachable from ${link.hop.name}: ${link.hop.name} (${(0,transport_target/* describeTarget */.ff)(link.hop)}) could not open a connection to ${(0,transport_target/* describeTarget */.ff)(target)}: ${why}.`;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new connection/* TransportError */.w('timeout', unreachable(`no answer within ${this.options.connectTimeoutMs} ms`))), this.options.connectTimeoutMs);
            const done = (err, channel) => {
                clearTimeout(timer);
                if (err || !channel) {
                    const lost = lostHop(link);
                    reject(new connection/* TransportError */.w('unreachable', lost ? `${hopLabel(next)}: ${lost}` : unreachable(openFailure(err))));
                }
                else
                    resolve(channel);
            };
            try {
                link.client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, channel) => done(err ?? undefined, channel));
            }
            catch (err) {
                done(err);
            }
        });
    }
    forget(link) {
        // Only this link's own entry: a fresh link may already stand under the same key.
        void this.links.get(link.key)?.then((current) => current === link && this.links.delete(link.key));
    }
    async acquire(chain, index, destination) {
        const key = chain
            .slice(0, index + 1)
            .map(transport_target/* describeTarget */.ff)
            .join(' > ');
        for (;;) {
            let pending = this.links.get(key);
            if (!pending) {
                pending = this.open(chain, index, key, destination);
                this.links.set(key, pending);
                const mine = pending;
                pending.catch(() => this.links.get(key) === mine && this.links.delete(key));
            }
            const link = await pending;
            // Closed between the handshake and now (its last user left, or it dropped): open another.
            if (link.closed || link.lost) {
                if (this.links.get(key) === pending)
                    this.links.delete(key);
                continue;
            }
            link.users += 1;
            clearTimeout(link.idle);
            return link;
        }
    }
    async open(chain, index, key, destination) {
        const target = chain[index];
        const parent = index > 0 ? await this.acquire(chain, index - 1, destination) : undefined;
        const hop = {
            target,
            role: 'bastion',
            destination,
            index: index + 1,
            of: chain.length + 1,
            ...(parent ? { via: parent.hop } : {}),
        };
        try {
            const sock = parent ? await this.forward(parent, hop) : tcpSocket(target);
            const { ssh, client } = await handshake(hop, sock, this.options, this.credentials);
            const link = { hop: target, parent, lost: undefined, users: 0, closed: false, key, ssh, client, sock };
            const lose = (err) => {
                link.lost ??= err ?? new Error('the connection closed');
                this.forget(link);
            };
            client.on('error', lose);
            client.on('close', () => lose());
            client.on('end', () => lose());
            return link;
        }
        catch (err) {
            if (parent)
                this.release(parent);
            throw err;
        }
    }
}

// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(6193);
// EXTERNAL MODULE: ./src/transport/output-buffer.ts
var output_buffer = __webpack_require__(3771);
;// CONCATENATED MODULE: ./src/transport/ssh-connection.ts


/** How long close() waits for the server's side of a clean close before destroying the socket. */
const CLOSE_WAIT_MS = 1000;
class SshConnection {
    target;
    ssh;
    client;
    route;
    closed;
    socketClosed = false;
    pending = new Set();
    get lost() {
        return this.closed !== undefined || this.socketClosed;
    }
    constructor(target, ssh, client, route) {
        this.target = target;
        this.ssh = ssh;
        this.client = client;
        this.route = route;
        // A reset or keepalive timeout arrives as 'error' then 'close'. Without a listener an 'error'
        // event would crash the process; here it only fails the commands still running.
        const lose = (err) => {
            const reason = err ?? new Error('connection closed');
            if (!route)
                return this.fail(reason);
            route.released();
            // A jump host's drop reaches this connection as its channel closing, possibly before the
            // jump host's own connection reports it: look once this turn's events have run, so the
            // verdict names the bastion that went away rather than a bare "connection closed".
            setImmediate(() => {
                const why = route.explainLoss();
                this.fail(why ? new Error(why) : reason);
            });
        };
        client.on('error', lose);
        client.on('close', () => {
            this.socketClosed = true;
            lose();
        });
        client.on('end', () => lose());
    }
    /**
     * A channel closed without an exit status. Through a jump host, that is usually the jump host
     * going away, which its own connection reports a moment later: wait for that turn, then say so.
     */
    dropped(finish) {
        const bare = 'the channel closed without an exit status';
        if (!this.route)
            return finish(bare);
        const route = this.route;
        setImmediate(() => {
            const why = route.explainLoss();
            finish(why ? `connection lost: ${why}` : bare);
        });
    }
    fail(reason) {
        this.closed ??= reason;
        for (const fail of this.pending)
            fail(this.closed);
        this.pending.clear();
    }
    exec(command, { timeoutMs, stdin }) {
        const started = Date.now();
        return new Promise((resolve) => {
            let stdout = '';
            let stderr = '';
            let code = null;
            let signal = null;
            let settled = false;
            let channel;
            // One decoder per stream: a character split across two SSH packets must not become U+FFFD.
            const decoders = { out: new external_node_string_decoder_.StringDecoder('utf8'), err: new external_node_string_decoder_.StringDecoder('utf8') };
            const finish = (lost, note) => {
                if (settled)
                    return;
                settled = true;
                stdout += decoders.out.end();
                stderr += decoders.err.end();
                clearTimeout(timer);
                this.pending.delete(onLost);
                if (note)
                    stderr += (stderr && !stderr.endsWith('\n') ? '\n' : '') + note;
                resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, ...(lost ? { lost } : {}) });
            };
            const onLost = (reason) => finish('connection-lost', `connection lost: ${reason.message}`);
            const timer = setTimeout(() => {
                channel?.close();
                finish('timeout', `no answer within ${timeoutMs} ms`);
            }, timeoutMs);
            if (this.closed)
                return onLost(this.closed);
            this.pending.add(onLost);
            // Past the cap the command fails, as over a session: its output is not what it meant to say.
            const bytes = { out: 0, err: 0 };
            const append = (which, chunk) => {
                if (settled)
                    return;
                bytes[which] += chunk.length;
                if (bytes[which] > output_buffer/* OUTPUT_LIMIT_BYTES */._G) {
                    channel?.close();
                    stdout = '';
                    stderr = '';
                    return finish('output-limit', `${new output_buffer/* OutputLimitError */.XM(which === 'out' ? 'stdout' : 'stderr').message}; the command's channel was closed`);
                }
                const text = decoders[which].write(chunk);
                if (which === 'out')
                    stdout += text;
                else
                    stderr += text;
            };
            this.openChannel(command, {
                // stdin is closed after `stdin` (or at once), as the long-lived shell's `</dev/null` does:
                // a command that reads it gets EOF instead of hanging until its timeout.
                opened: (ch) => {
                    channel = ch;
                    ch.end(stdin ?? '');
                },
                data: append,
                exit: (exitCode, exitSignal) => {
                    code = exitCode;
                    signal = exitSignal;
                },
                // 'close' without a prior 'exit' means the channel dropped: no exit status was sent.
                close: () => (code === null && signal === null ? this.dropped((why) => finish('connection-lost', why)) : finish()),
                failed: (why) => finish('connection-lost', why),
            });
        });
    }
    /** Opens an exec channel and wires its events to the handlers; any failure to open goes to `failed`. */
    openChannel(command, on) {
        try {
            this.client.exec(command, (err, ch) => {
                if (err)
                    return on.failed(`could not open a channel: ${err.message}`);
                on.opened(ch);
                ch.on('data', (c) => on.data('out', c));
                ch.stderr.on('data', (c) => on.data('err', c));
                ch.on('exit', (exitCode, exitSignal) => 
                // ssh2 reports signals as 'SIGTERM' or 'TERM' depending on the server; keep the bare name.
                on.exit(typeof exitCode === 'number' ? exitCode : null, exitSignal ? exitSignal.replace(/^SIG/, '') : null));
                ch.on('close', on.close);
            });
        }
        catch (err) {
            on.failed(`could not run the command: ${err.message}`);
        }
    }
    stream(command) {
        return new Promise((resolve, reject) => {
            if (this.closed)
                return reject(this.closed);
            const explain = this.route ? this.route.explainLoss.bind(this.route) : undefined;
            this.client.exec(command, (err, ch) => (err ? reject(err) : resolve(new SshCommandStream(ch, explain))));
        });
    }
    openSocket(path) {
        return new Promise((resolve, reject) => {
            if (this.closed)
                return reject(this.closed);
            const explain = this.route ? this.route.explainLoss.bind(this.route) : undefined;
            try {
                this.client.openssh_forwardOutStreamLocal(path, (err, ch) => (err ? reject(err) : resolve(new SshCommandStream(ch, explain))));
            }
            catch (err) {
                reject(err);
            }
        });
    }
    /**
     * Ends the connection and waits until its socket has closed (at most CLOSE_WAIT_MS, then it is
     * destroyed), so that "released" means closed on both ends: a bound on open connections holds
     * on the host's side too, not only in this process.
     */
    async close() {
        const gone = this.socketClosed ? Promise.resolve() : new Promise((resolve) => this.client.once('close', () => resolve()));
        this.ssh.dispose();
        let timer;
        await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
        clearTimeout(timer);
        if (!this.socketClosed)
            this.client.destroy();
        this.route?.released();
    }
}
/**
 * A command kept running over one channel. Each stream is an OutputBuffer: read up to delimiters
 * in linear time and capped. Past the cap the read fails and the session is closed: the command
 * is still writing, and finding our place again would mean reading (and dropping) its output
 * until it ends, holding up every later command on the host; a closed session is simply reopened
 * by the next command (remote/persistent-shell.ts, lb/haproxy.ts).
 */
class SshCommandStream {
    channel;
    explainLoss;
    buffers = { stdout: new output_buffer/* OutputBuffer */.GV('stdout'), stderr: new output_buffer/* OutputBuffer */.GV('stderr') };
    ended = false;
    waiters = new Set();
    constructor(channel, 
    /** Through jump hosts: why the route dropped, when a jump host's connection ended. */
    explainLoss) {
        this.channel = channel;
        this.explainLoss = explainLoss;
        const take = (which) => (chunk) => {
            this.buffers[which].push(chunk);
            this.wake();
        };
        channel.on('data', take('stdout'));
        channel.stderr.on('data', take('stderr'));
        channel.on('close', () => {
            this.ended = true;
            this.wake();
        });
    }
    wake() {
        for (const waiter of [...this.waiters])
            waiter();
    }
    get open() {
        return !this.ended;
    }
    write(text) {
        this.channel.write(text);
    }
    async readUntil(delimiter, timeoutMs, stream = 'stdout') {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            let found;
            try {
                found = this.buffers[stream].take(delimiter);
            }
            catch (err) {
                this.close();
                throw err;
            }
            if (found !== undefined)
                return found;
            if (this.ended)
                throw new Error(await this.endReason());
            const left = deadline - Date.now();
            if (left <= 0) {
                this.close();
                throw new Error(`no answer within ${timeoutMs} ms`);
            }
            await new Promise((resolve) => {
                const done = () => {
                    clearTimeout(timer);
                    this.waiters.delete(done);
                    resolve();
                };
                const timer = setTimeout(done, left);
                this.waiters.add(done);
            });
        }
    }
    /**
     * Why the session ended. Through a jump host, its channel may close a moment before the jump
     * host's own connection reports the loss: wait for that turn, then name the bastion.
     */
    async endReason() {
        if (!this.explainLoss)
            return 'the session ended';
        await new Promise((resolve) => setImmediate(resolve));
        const why = this.explainLoss();
        return why ? `the session ended: ${why}` : 'the session ended';
    }
    close() {
        this.ended = true;
        this.channel.close();
        this.wake();
    }
}

;// CONCATENATED MODULE: ./src/transport/ssh-connector.ts



function credentialsOf(options) {
    return {
        ...(options.privateKey ? { privateKey: options.privateKey } : {}),
        ...(options.passphrase ? { passphrase: options.passphrase } : {}),
        ...(options.agent ? { agent: options.agent } : {}),
    };
}
/**
 * Connector backed by node-ssh; commands run on the underlying ssh2 channel for exact exit
 * semantics. A target with jump hosts is reached through a channel of the last jump host's
 * connection, which all targets behind that jump host share (jump-pool.ts).
 */
class SshConnector {
    options;
    credentials;
    jumps;
    constructor(options) {
        this.options = options;
        this.credentials = credentialsOf(options);
        this.jumps = new JumpPool(options, options.jumpCredentials ? credentialsOf(options.jumpCredentials) : this.credentials);
    }
    /** Closes the bastion connections kept for the next host. */
    close() {
        return this.jumps.close();
    }
    async connect(target) {
        const chain = target.jump ?? [];
        if (chain.length === 0) {
            const hop = { target, role: 'host', destination: target, index: 1, of: 1 };
            const { ssh, client } = await handshake(hop, tcpSocket(target), this.options, this.credentials);
            return new SshConnection(target, ssh, client);
        }
        const link = await this.jumps.lease(chain, target);
        const hop = { target, role: 'host', via: link.hop, destination: target, index: chain.length + 1, of: chain.length + 1 };
        let released = false;
        const release = () => {
            if (released)
                return;
            released = true;
            this.jumps.release(link);
        };
        try {
            const channel = await this.jumps.forward(link, hop);
            const { ssh, client } = await handshake(hop, channel, this.options, this.credentials);
            return new SshConnection(target, ssh, client, { explainLoss: () => lostHop(link), released: release });
        }
        catch (err) {
            release();
            throw err;
        }
    }
}

;// CONCATENATED MODULE: ./src/app/connector.ts


/** Keepalive probe interval: three missed probes (15 s) end a dead connection. */
const KEEPALIVE_MS = 5000;
/** The SSH connector the settings describe: key or agent, host-key policy, timeouts. */
function connectorFor(settings) {
    return new SshConnector({
        ...(settings.ssh.privateKey ? { privateKey: settings.ssh.privateKey } : {}),
        ...(settings.ssh.passphrase ? { passphrase: settings.ssh.passphrase } : {}),
        ...(settings.ssh.agent ? { agent: settings.ssh.agent } : {}),
        ...(settings.ssh.jumpCredentials ? { jumpCredentials: settings.ssh.jumpCredentials } : {}),
        hostKeys: settings.ssh.hostKeyCheck === 'off' ? { mode: 'off' } : { mode: 'strict', knownHosts: new known_hosts/* KnownHosts */.BV(settings.ssh.knownHosts) },
        connectTimeoutMs: settings.ssh.connectTimeoutMs,
        keepaliveMs: KEEPALIVE_MS,
    });
}

;// CONCATENATED MODULE: ./src/app/world.ts




/** The real world: SSH, the load balancer the settings name, the runner's shell and clock. */
const productionWorld = {
    connectorFor: connectorFor,
    openLoadBalancer: createLoadBalancer,
    local: processShell,
    clock: systemClock,
};


/***/ }),

/***/ 651:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RC: () => (/* binding */ CHECKED_COMMANDS),
/* harmony export */   af: () => (/* binding */ neededCommands),
/* harmony export */   aj: () => (/* binding */ prerequisiteProblem),
/* harmony export */   hf: () => (/* binding */ explainNotFound),
/* harmony export */   nd: () => (/* binding */ missingCommands)
/* harmony export */ });
/* unused harmony export wrapperNotFound */
/**
 * Commands the rollout runs on a host besides the unit's own, checked in the inspect round trip
 * (remote/commands.ts inspectUnit prints `zdr.missing=NAME` for each one the host lacks). Which of
 * them a rollout needs depends on its inputs, so the host reports all and preflight decides.
 */
const CHECKED_COMMANDS = ['systemctl', 'flock', 'curl', 'ss'];
/** The package that provides a command, on Debian and Ubuntu (and under the same name on most others). */
const PACKAGES = {
    systemctl: 'systemd',
    flock: 'util-linux',
    curl: 'curl',
    ss: 'iproute2',
    timeout: 'coreutils',
    sudo: 'sudo',
    socat: 'socat',
};
/** The commands of CHECKED_COMMANDS the inspect output says are missing. */
function missingCommands(inspectStdout) {
    return [...inspectStdout.matchAll(/^zdr\.missing=(\S+)$/gm)].map((m) => m[1]);
}
/**
 * What this rollout runs on every host. `drain`: the host leaves the load balancer, whose in-flight
 * count may come from the host (`ss` on drain-port) when the load balancer keeps none.
 */
function neededCommands(settings, drain) {
    const needed = [
        { command: 'systemctl', why: 'every reload and restart goes through systemd' },
        { command: 'flock', why: 'the lock that keeps two rollouts off one host' },
    ];
    const curlFor = [
        settings.readiness.url !== null ? 'readiness-url' : '',
        settings.check.source === 'probe' ? 'check-source: probe' : '',
        settings.drain.stubStatusUrl !== null ? 'stub-status-url' : '',
        settings.check.source === 'prometheus' && settings.check.prometheus?.via === 'host' ? 'prometheus-via: host' : '',
    ].filter(Boolean);
    if (curlFor.length)
        needed.push({ command: 'curl', why: `requests from the host for ${curlFor.join(', ')}` });
    const lbCountsNothing = settings.lb.kind === 'nginx' || settings.lb.kind === 'command';
    if (drain && lbCountsNothing && settings.drain.stubStatusUrl === null) {
        needed.push({
            command: 'ss',
            why: `counting in-flight connections on drain-port ${settings.drain.port} during the drain (or set stub-status-url)`,
        });
    }
    return needed;
}
/** The error for a host that lacks commands, naming the host, each command, its package and its use. */
function missingMessage(where, missing) {
    const listed = missing.map((m) => `${m.command} (package ${PACKAGES[m.command] ?? m.command}: ${m.why})`).join(', ');
    const packages = [...new Set(missing.map((m) => PACKAGES[m.command] ?? m.command))].join(' ');
    return `${where} lacks ${missing.length === 1 ? 'a command' : 'commands'} this rollout runs there: ${listed}. Install ${missing.length === 1 ? 'it' : 'them'} on that host (Debian/Ubuntu: apt-get install ${packages}), or change the inputs that need ${missing.length === 1 ? 'it' : 'them'}.`;
}
/** missingMessage for the needed commands the host lacks, or null when it has them all. */
function prerequisiteProblem(where, missing, needed) {
    const lacking = needed.filter((n) => missing.includes(n.command));
    return lacking.length ? missingMessage(where, lacking) : null;
}
/** Commands wrapped around every remote command, or run by the load balancer adapters, and why. */
const WRAPPERS = {
    timeout: 'every remote command runs under `timeout`, so a hung command is killed on the host',
    sudo: 'sudo: true runs every command through `sudo -n`',
    socat: "lb: haproxy talks to HAProxy's runtime API through socat",
};
/**
 * When a command failed because the host lacks `timeout`, `sudo` or `socat` (the shell answers
 * "timeout: not found" / "command not found" and status 127, or sudo reports it), the command that is
 * missing; otherwise null. The user's own commands are not judged here: their output is theirs.
 */
function wrapperNotFound(stderr) {
    for (const [command, why] of Object.entries(WRAPPERS)) {
        const name = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const shell = new RegExp(`(^|[\\s:])${name}: (command )?not found`, 'm');
        const zsh = new RegExp(`command not found: ${name}\\b`, 'm');
        if (shell.test(stderr) || zsh.test(stderr))
            return { command, why };
    }
    return null;
}
/** A failed command's error, replaced by a clear one when the host lacks a command the action wraps around it. */
function explainNotFound(where, error) {
    const stderr = error?.result?.stderr;
    const missing = typeof stderr === 'string' ? wrapperNotFound(stderr) : null;
    return missing ? new Error(missingMessage(where, [missing])) : error;
}


/***/ }),

/***/ 2657:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AO: () => (/* binding */ nginxUpstreamList),
/* harmony export */   Xq: () => (/* binding */ nginxUpstreamMark),
/* harmony export */   at: () => (/* binding */ nginxReload)
/* harmony export */ });
/* unused harmony export RELOAD_POLL_MS */
/** The reload proof looks at nginx's workers this often (ms): the new ones come within milliseconds of the signal. */
const RELOAD_POLL_MS = 10;
/**
 * nginx's graceful reload in one round trip: the process picture before, `systemctl reload`, then
 * a short local poll until no old worker is serving (or an `[emerg]` appears, or `effectMs` runs
 * out), then the picture after and any `[emerg]` lines the reload wrote. Lines are prefixed
 * `before.` / `after.`; the caller judges them (strategies/reload.ts). Exit 90: the reload itself
 * failed (its stderr follows). The poll forks only `ps` and `awk` per look (the error log is read
 * again only when it grew), so it can look every RELOAD_POLL_MS.
 */
function nginxReload(unit, errorLog, effectMs, timeoutMs) {
    const polls = Math.max(1, Math.ceil(effectMs / RELOAD_POLL_MS));
    return {
        kind: 'nginx-reload',
        title: `systemctl reload ${unit}`,
        timeoutMs,
        args: [unit, errorLog, String(polls)],
        script: `unit=$1; log=$2; polls=$3
snap() {
  props=$(systemctl show --property=MainPID,ActiveState -- "$unit")
  pid=\${props#*MainPID=}; pid=\${pid%%[!0-9]*}
  active=\${props#*ActiveState=}; active=\${active%%[!a-z]*}
  printf '%szdr.mainpid=%s\\n%szdr.active=%s\\n' "$1" "$pid" "$1" "$active"
  [ "\${pid:-0}" -gt 0 ] 2>/dev/null && ps --ppid "$pid" -o pid=,args= | sed "s/^ */$1zdr.child=/"
}
workers() { ps --ppid "$1" -o pid=,args= | awk '/worker process$/ { print $1 }'; }
logsize() { stat -c %s -- "$log" 2>/dev/null || echo 0; }
emerg() { tail -c +$(($1 + 1)) -- "$log" 2>/dev/null | grep -F '[emerg]' | tail -n 5; }
size=$(logsize)
snap before.
master=$pid
old=" $(workers "$master" | tr '\\n' ' ') "
t0=$(date +%s%3N)
if ! out=$(systemctl reload -- "$unit" 2>&1); then echo "$out" >&2; exit 90; fi
t1=$(date +%s%3N)
i=0
while [ "$i" -lt "$polls" ]; do
  now=$(workers "$master")
  if [ -n "$now" ]; then
    stale=0
    for p in $now; do case $old in *" $p "*) stale=1 ;; esac; done
    [ "$stale" = 0 ] && break
  fi
  [ "$(logsize)" != "$size" ] && [ -n "$(emerg "$size")" ] && break
  i=$((i + 1)); sleep ${RELOAD_POLL_MS / 1000}
done
t2=$(date +%s%3N)
printf 'zdr.reload_ms=%s\\nzdr.effect_ms=%s\\n' $((t1 - t0)) $((t2 - t1))
snap after.
emerg "$size" | sed 's/^/after.zdr.emerg=/'
true`,
    };
}
/**
 * Marks the nginx upstream `server` line of one host `down` (or removes the mark), validates the
 * result with `nginx -t` and reloads; on a failed validation the previous file is put back, so the
 * load balancer's configuration is never left broken. Exit 3: no server line matched the host.
 * A line matches when its address is the host (with any port) or it ends in a `# NAME` comment.
 */
function nginxUpstreamMark(file, unit, addresses, name, down, timeoutMs) {
    const script = `file=$1; unit=$2; name=$3; mode=$4; shift 4
tmp="$file.zdr-new"; bak="$file.zdr-bak"
awk -v mode="$mode" -v name="$name" -v addrs="$*" '
BEGIN { n = split(addrs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
{
  line = $0
  if (match(line, /^[ \t]*server[ \t]+[^ \t;]+/)) {
    split(substr(line, RSTART, RLENGTH), f, /[ \t]+/); addr = f[1] == "" ? f[3] : f[2]
    host = addr; sub(/:[0-9]+$/, "", host); gsub(/^\\[|\\]$/, "", host)
    tagged = (index(line, "# " name) > 0 && substr(line, index(line, "# " name) + length(name) + 2, 1) !~ /[A-Za-z0-9_.:-]/)
    if (want[host] || want[addr] || tagged) {
      hits++
      semi = index(line, ";")
      head = substr(line, 1, semi - 1); rest = substr(line, semi)
      gsub(/[ \t]+down([ \t]|$)/, " ", head); sub(/[ \t]+$/, "", head)
      if (mode == "down") head = head " down"
      line = head rest
    }
  }
  print line
}
END { exit hits ? 0 : 3 }' "$file" > "$tmp" || { s=$?; rm -f "$tmp"; exit $s; }
if cmp -s "$file" "$tmp"; then rm -f "$tmp"; exit 0; fi
cp -p "$file" "$bak" && cat "$tmp" > "$file" && rm -f "$tmp"
if ! out=$(nginx -t 2>&1); then cat "$bak" > "$file"; echo "$out" >&2; echo "nginx -t failed; $file restored" >&2; exit 1; fi
systemctl reload -- "$unit"`;
    return {
        kind: 'nginx-upstream-mark',
        title: `nginx upstream: mark ${name} ${down ? 'down' : 'up'}`,
        timeoutMs,
        script,
        args: [file, unit, name, down ? 'down' : 'up', ...addresses],
    };
}
/** Which upstream servers of the nginx load balancer are marked down: `server-address down|up` lines. */
function nginxUpstreamList(file, timeoutMs) {
    return {
        kind: 'nginx-upstream-list',
        title: `nginx upstream: list servers`,
        timeoutMs,
        script: `awk '/^[ \t]*server[ \t]+/ { line = $0; sub(/#.*/, "", line); d = (line ~ /[ \t]down([ \t;]|$)/) ? "down" : "up"; print d, $0 }' "$1"`,
        args: [file],
    };
}


/***/ }),

/***/ 5889:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ TransportError)
/* harmony export */ });
/** A connection that could not be made or kept; the message names the target and the cause. */
class TransportError extends Error {
    kind;
    constructor(kind, message) {
        super(message);
        this.kind = kind;
        this.name = 'TransportError';
    }
}


/***/ })

};
;
//# sourceMappingURL=375.index.js.map