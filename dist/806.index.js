"use strict";
exports.id = 806;
exports.ids = [806];
exports.modules = {

/***/ 2852:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Em: () => (/* binding */ KILL_AFTER_S),
/* harmony export */   L_: () => (/* binding */ userCommand),
/* harmony export */   SD: () => (/* binding */ execLine),
/* harmony export */   xL: () => (/* binding */ timedOutOnHost)
/* harmony export */ });
/* harmony import */ var _quote__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4414);

/** Seconds `timeout -k` waits after SIGTERM before SIGKILL. */
const KILL_AFTER_S = 3;
/** How the remote side runs a command: optional sudo, a hard time limit, a fixed locale. */
function execLine(cmd, options) {
    const seconds = Math.max(0.1, cmd.timeoutMs / 1000)
        .toFixed(1)
        .replace(/\.0$/, '');
    // `timeout` runs the script in its own process group and signals the whole group, so children
    // of a hung command die too. LC_ALL=C keeps the output we parse stable.
    const words = [`zdr.${cmd.kind.replace(/[^a-z0-9-]/g, '_')}`, ...(cmd.args ?? []).map(_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)].join(' ');
    const bounded = `timeout -k ${KILL_AFTER_S} ${seconds} env LC_ALL=C sh -c ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(cmd.script)} ${words}`;
    return options.sudo ? `sudo -n -- ${bounded}` : bounded;
}
/**
 * `timeout` exits 124 when it had to stop the command, 137 when it then had to SIGKILL it. When the
 * login shell (bash, sudo) hands the process over to `timeout`, its final SIGKILL of the process
 * group takes `timeout` itself down too, and the server reports signal KILL instead of a status.
 */
function timedOutOnHost(code, signal = null) {
    return code === 124 || code === 137 || signal === 'KILL' || signal === 'TERM';
}
/** The user's own command (validate, rollback, dependency check), run as written. */
function userCommand(title, command, timeoutMs) {
    return { kind: 'user', title, timeoutMs, script: command };
}


/***/ }),

/***/ 6137:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Oc: () => (/* binding */ poolLock),
/* harmony export */   _U: () => (/* binding */ hostLock),
/* harmony export */   c_: () => (/* binding */ lockAcquire),
/* harmony export */   lT: () => (/* binding */ lockRelease)
/* harmony export */ });
/** The lock every rollout takes on a fleet host for its turn. */
function hostLock(host) {
    return { name: 'host', label: host };
}
/** The lock on a load balancer's pool, `pool` naming it (e.g. `haproxy.web`), kept on its SSH host. */
function poolLock(pool, label) {
    return { name: `lb.${pool.replace(/[^A-Za-z0-9._-]/g, '_')}`, label };
}
/**
 * Where locks live, and the checks before one is used: a directory only its owner can write (root:
 * /run/zero-downtime-restart; a user without sudo: ~/.zero-downtime-restart), never a link, made
 * 0700. A world-writable place such as /run/lock would let any local user plant a lock that blocks
 * every rollout, hold the guard, or point a link at a file the lock write would overwrite. Exit 77
 * with the reason on stderr when the directory cannot be trusted.
 */
const LOCK_DIR = `if [ "$(id -u)" = 0 ]; then d=/run/zero-downtime-restart; else d="\${HOME:?}/.zero-downtime-restart"; fi
refuse() { echo "the lock directory $d $1; refusing to use it" >&2; exit 77; }
[ -L "$d" ] && refuse "is a symbolic link"
[ -d "$d" ] || mkdir -m 0700 -- "$d" 2>/dev/null || [ -d "$d" ] || refuse "cannot be created"
[ -L "$d" ] && refuse "is a symbolic link"
[ -d "$d" ] || refuse "is not a directory"
[ "$(stat -c %u -- "$d")" = "$(id -u)" ] || refuse "is owned by uid $(stat -c %u -- "$d"), not $(id -u)"
[ "$(stat -c %a -- "$d")" = 700 ] || refuse "has mode $(stat -c %a -- "$d"), not 0700 (others could have placed files in it)"
lock="$d/$1.lock"
exec 9>>"$d/guard"; flock -w 10 9 || { echo "cannot take the lock guard" >&2; exit 76; }`;
/**
 * A lock on the host (or load balancer), so two rollouts never change it at once. A lock file
 * names its owner, since when, and when it expires; the check-and-take runs under flock(1), and an
 * expired lock (its run crashed) is taken over. The holder's own call renews the expiry (the
 * heartbeat). The file is written beside the lock with noclobber and renamed over it, so no link
 * is ever followed. Exit 75: held by someone else (its first KiB follows).
 */
function lockAcquire(name, owner, ttlSeconds, timeoutMs) {
    return {
        kind: 'lock-acquire',
        title: `lock ${name}`,
        timeoutMs,
        args: [name, owner, String(Math.ceil(ttlSeconds))],
        script: `${LOCK_DIR}
now=$(date +%s); since=$now
if [ -f "$lock" ]; then
  holder=$(sed -n 's/^owner=//p' "$lock" | head -n 1); expires=$(sed -n 's/^expires=//p' "$lock" | head -n 1)
  case $expires in ''|*[!0-9]*) expires=0 ;; esac
  if [ "$holder" != "$2" ] && [ "$expires" -ge "$now" ]; then head -c 1024 "$lock"; exit 75; fi
  if [ "$holder" = "$2" ]; then since=$(sed -n 's/^since=//p' "$lock" | head -n 1); else echo "stale=1"; head -c 1024 "$lock" | sed 's/^/was./'; fi
fi
rm -f -- "$lock.new"
(set -C; printf 'owner=%s\\nsince=%s\\nexpires=%s\\n' "$2" "\${since:-$now}" $((now + $3)) > "$lock.new") && mv -f -- "$lock.new" "$lock"`,
    };
}
/** Releases a lock this owner holds; someone else's lock is left alone. */
function lockRelease(name, owner, timeoutMs) {
    return {
        kind: 'lock-release',
        title: `unlock ${name}`,
        timeoutMs,
        args: [name, owner],
        script: `${LOCK_DIR}
[ -f "$lock" ] && [ "$(sed -n 's/^owner=//p' "$lock" | head -n 1)" = "$2" ] && rm -f -- "$lock"; true`,
    };
}


/***/ }),

/***/ 4414:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ fillPlaceholders),
/* harmony export */   U: () => (/* binding */ shQuote)
/* harmony export */ });
/**
 * POSIX shell quoting: the one function through which every value reaches a remote command line.
 * Plain words stay readable in logs and dry runs; anything else is single-quoted, with embedded
 * single quotes closed, escaped and reopened. NUL cannot be passed through a shell at all.
 */
function shQuote(value) {
    if (value.includes('\0'))
        throw new Error('a NUL byte cannot be passed to a shell command');
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value) && !value.startsWith('-'))
        return value;
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
/** Replaces `{host}` / `{name}` style placeholders with shell-quoted values. Unknown ones stay. */
function fillPlaceholders(template, values) {
    return template.replace(/\{([a-z]+)\}/g, (whole, key) => {
        const value = Object.hasOwn(values, key) ? values[key] : undefined;
        return value === undefined ? whole : shQuote(value);
    });
}


/***/ }),

/***/ 8199:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  at: () => (/* binding */ RemoteCommandError),
  pS: () => (/* binding */ RemoteHost),
  g5: () => (/* binding */ failureOf),
  RT: () => (/* binding */ tail)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/transport/output-buffer.ts
var output_buffer = __webpack_require__(3771);
;// CONCATENATED MODULE: ./src/remote/persistent-shell.ts


/** Separates a command's output from the end marker; never appears in what we run. */
const RS = '\u001e';
/** The redirection of a line's stdin: nothing to read, or the here-document that follows the line. */
const input = (nonce, stdin) => (stdin === undefined ? '</dev/null' : `<<'ZDR_IN_${nonce}'`);
/** The here-document's body and end; a quoted delimiter, so nothing in it is expanded. */
function heredoc(nonce, stdin) {
    if (stdin === undefined)
        return '';
    const end = `ZDR_IN_${nonce}`;
    if (!stdin.endsWith('\n') || stdin.split('\n').includes(end))
        throw new Error('stdin text must end with a newline and not hold the end marker');
    return `${stdin}${end}\n`;
}
/**
 * A long-lived `sh` on the host that runs command lines one after another. A fresh SSH channel
 * per command costs the remote user's login shell each time, and a login shell that sources a
 * heavy ~/.bashrc (pyenv, nvm, rbenv…) adds a quarter of a second to every round trip — measured
 * on this project's load balancer host. Here the login shell starts once per host.
 *
 * Each line runs with stdin from /dev/null (it cannot eat the next command), or from a
 * here-document holding the command's `stdin` text (a credential: the shell reads it from the
 * channel and hands it over in a pipe, so it is in no process's arguments), and is followed by
 * a marker with a fresh nonce on stdout (carrying the exit status) and on stderr. A command that
 * does not finish in time, or prints more than OUTPUT_LIMIT_BYTES on a stream, fails and gets the
 * session closed; the next command opens a new one.
 */
class PersistentShell {
    shell;
    session;
    queue = Promise.resolve();
    constructor(shell, session) {
        this.shell = shell;
        this.session = session;
    }
    /** Starts the shell; rejects where the transport has no sessions (the caller then uses exec). */
    static async start(shell) {
        return new PersistentShell(shell, await shell.stream('exec sh'));
    }
    async open() {
        if (this.session?.open)
            return this.session;
        this.session = await this.shell.stream('exec sh');
        return this.session;
    }
    /** Runs one command line; resolves like Connection.exec, never rejects. */
    run(line, timeoutMs, stdin) {
        const next = this.queue.then(() => this.runNow(line, timeoutMs, stdin));
        this.queue = next.catch(() => undefined);
        return next;
    }
    async runNow(line, timeoutMs, stdin) {
        const started = Date.now();
        const nonce = (0,external_node_crypto_.randomBytes)(9).toString('hex');
        let session;
        try {
            session = await this.open();
        }
        catch (err) {
            return {
                code: null,
                signal: null,
                stdout: '',
                stderr: `could not open a shell session: ${err.message}`,
                durationMs: Date.now() - started,
                lost: 'connection-lost',
            };
        }
        session.write(`{ ${line}\n} ${input(nonce, stdin)}; printf '${RS}${nonce} %s${RS}' "$?"; printf '${RS}${nonce}${RS}' >&2\n${heredoc(nonce, stdin)}`);
        try {
            // stdout: the output, the marker, the status, RS. stderr: the output, the marker.
            const fromStdout = session
                .readUntil(`${RS}${nonce} `, timeoutMs, 'stdout')
                .then(async (out) => ({ out, status: await session.readUntil(RS, timeoutMs, 'stdout') }));
            const [stdoutRead, stderrRead] = await Promise.allSettled([fromStdout, session.readUntil(`${RS}${nonce}${RS}`, timeoutMs, 'stderr')]);
            // A read that fails closes the session, which ends the other read too: report the cause, not
            // the "session ended" that follows from it.
            if (stdoutRead.status === 'rejected' || stderrRead.status === 'rejected') {
                const reasons = [stdoutRead, stderrRead].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
                throw reasons.find((e) => e instanceof output_buffer/* OutputLimitError */.XM) ?? reasons[0];
            }
            const { out: stdout, status } = stdoutRead.value;
            const stderr = stderrRead.value;
            if (!/^\d+$/.test(status))
                throw new Error('the shell session lost its place');
            return { code: Number(status), signal: null, stdout, stderr, durationMs: Date.now() - started };
        }
        catch (err) {
            const message = err.message;
            session.close();
            this.session = undefined;
            if (err instanceof output_buffer/* OutputLimitError */.XM) {
                // The session is closed (see SshCommandStream): the next command starts a fresh shell.
                return {
                    code: null,
                    signal: null,
                    stdout: '',
                    stderr: `${message}; its shell session was closed`,
                    durationMs: Date.now() - started,
                    lost: 'output-limit',
                };
            }
            const timedOut = /no answer within/.test(message);
            return {
                code: null,
                signal: null,
                stdout: '',
                stderr: timedOut ? `no answer within ${timeoutMs} ms` : `connection lost: ${message}`,
                durationMs: Date.now() - started,
                lost: timedOut ? 'timeout' : 'connection-lost',
            };
        }
    }
    close() {
        this.session?.close();
        this.session = undefined;
    }
}

// EXTERNAL MODULE: ./src/remote/commands/exec.ts
var exec = __webpack_require__(2852);
;// CONCATENATED MODULE: ./src/remote/remote-host.ts


/** The last few lines of a command's output, for error messages and annotations. */
function tail(text, lines = 6, chars = 800) {
    const kept = text.trimEnd().split('\n').slice(-lines).join('\n');
    return kept.length > chars ? `…${kept.slice(-chars)}` : kept;
}
/** Why a finished command counts as failed, or undefined when it succeeded (exit 0). */
function failureOf(cmd, result) {
    const seconds = `${cmd.timeoutMs / 1000}s`;
    if (result.lost === 'timeout')
        return `"${cmd.title}" got no answer within ${seconds} plus a margin; the connection is hung`;
    if (result.lost === 'connection-lost')
        return `the SSH connection dropped during "${cmd.title}" (${tail(result.stderr, 1)})`;
    if (result.lost === 'output-limit')
        return `"${cmd.title}" printed too much and was cut off (${tail(result.stderr, 1)})`;
    if ((0,exec/* timedOutOnHost */.xL)(result.code, result.signal) && result.durationMs >= cmd.timeoutMs * 0.9) {
        return `"${cmd.title}" ran past its ${seconds} limit and was killed on the host`;
    }
    if (result.signal)
        return `"${cmd.title}" was killed by SIG${result.signal}`;
    if (result.code === 0)
        return undefined;
    if (/sudo: (a password is required|a terminal is required)/.test(result.stderr)) {
        return `sudo on the host asks for a password; sudo mode needs NOPASSWD for this user`;
    }
    const output = tail(result.stderr) || tail(result.stdout);
    return `"${cmd.title}" exited with status ${result.code}${output ? `: ${output}` : ''}`;
}
/** A remote command that did not succeed; `message` says which, where and why. */
class RemoteCommandError extends Error {
    command;
    result;
    constructor(command, result, reason) {
        super(reason);
        this.command = command;
        this.result = result;
        this.name = 'RemoteCommandError';
    }
}
/** Runs built commands on one host, with the host's sudo setting and strict exit semantics. */
class RemoteHost {
    connection;
    trace;
    sessions;
    sudo;
    /** The host's long-lived shell, once started; null where the transport has none. */
    persistent;
    /**
     * `sudo` asks for `sudo -n` on every command; a target logged in as root needs none (and may
     * have no sudo installed), so it is skipped there. `trace` sees every line sent and its outcome
     * (step debug logging); nothing secret is ever in a command line.
     */
    constructor(connection, sudo, trace, 
    /** false: a channel per command, never the long-lived shell (for tests of exec itself). */
    sessions = true) {
        this.connection = connection;
        this.trace = trace;
        this.sessions = sessions;
        this.sudo = sudo && connection.target.user !== 'root';
        if (!sessions)
            this.persistent = Promise.resolve(null);
    }
    /** The exact line sent to the host, as the dry-run plan prints it. */
    line(cmd) {
        return (0,exec/* execLine */.SD)(cmd, { sudo: this.sudo });
    }
    /** Runs the command and returns whatever happened; the caller judges it. */
    async run(cmd) {
        // The host kills the command at its timeout; this side waits a little longer so that the
        // host's verdict (exit 124) arrives instead of a local guess.
        const timeoutMs = cmd.timeoutMs + (exec/* KILL_AFTER_S */.Em + 5) * 1000;
        const session = await this.shell();
        const stdin = cmd.stdin === undefined ? {} : { stdin: cmd.stdin };
        const result = session
            ? await session.run(this.line(cmd), timeoutMs, cmd.stdin)
            : await this.connection.exec(this.line(cmd), { timeoutMs, ...stdin });
        this.trace?.(`${this.connection.target.name}: ${cmd.title}: exit ${result.code ?? result.signal ?? result.lost} in ${result.durationMs} ms`);
        return result;
    }
    shell() {
        this.persistent ??= PersistentShell.start(this.connection).catch(() => null);
        return this.persistent;
    }
    /**
     * Starts the long-lived shell now, in the background, instead of at the first command. Each new
     * channel costs the remote user's login shell (a heavy ~/.bashrc: a quarter of a second or
     * more), so a host that opens another channel too (HAProxy's runtime API session) pays both at
     * once rather than one after the other.
     */
    warm() {
        void this.shell();
    }
    /** Ends the long-lived shell and the connection. */
    async close() {
        (await this.persistent)?.close();
        await this.connection.close();
    }
    /**
     * Between uses: ends the long-lived shell and gives the connection up where it can be (a lease,
     * transport/lease.ts), so an idle host holds nothing open. The next command starts both again.
     */
    async release() {
        if (!this.connection.release)
            return;
        const shell = this.persistent;
        this.persistent = this.sessions ? undefined : Promise.resolve(null);
        (await shell)?.close();
        await this.connection.release();
    }
    /**
     * Before a host's turn: a connection kept since preflight that has ended since (sshd restarted,
     * a network blip past the keepalive) is given up, so the turn connects again, verified as the
     * first, instead of failing on the dead one.
     */
    async reconnectIfLost() {
        if (this.connection.lost)
            await this.release();
    }
    /** Starts the command as a long-lived session (bounded on the host by its timeout). */
    stream(cmd) {
        return this.connection.stream(this.line(cmd));
    }
    /**
     * A session on a UNIX socket of the host, over the SSH connection itself: no login shell, no
     * process on the host. Rejects where the transport or the server does not allow it; the caller
     * then runs a command (e.g. socat) instead. It is the login user's access, never sudo's.
     */
    socket(path) {
        if (!this.connection.openSocket)
            return Promise.reject(new Error('no socket channels on this transport'));
        return this.connection.openSocket(path);
    }
    /** Runs the command and returns its stdout; anything but exit 0 throws RemoteCommandError. */
    async check(cmd) {
        const result = await this.run(cmd);
        const failure = failureOf(cmd, result);
        if (failure)
            throw new RemoteCommandError(cmd, result, failure);
        return result.stdout;
    }
}


/***/ }),

/***/ 3808:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BV: () => (/* binding */ KnownHosts),
/* harmony export */   uJ: () => (/* binding */ parseKnownHosts)
/* harmony export */ });
/* unused harmony exports blobKeyType, fingerprint, globMatches, patternsMatch */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _target__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1608);


/** Parses known_hosts text: plain and hashed host fields, markers, comments, several key types. */
function parseKnownHosts(text) {
    const entries = [];
    const problems = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const fields = line.split(/\s+/);
        let marker = 'none';
        if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
            marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
            fields.shift();
        }
        else if (fields[0]?.startsWith('@')) {
            problems.push(`line ${index + 1}: unknown marker ${fields[0]}`);
            return;
        }
        const [patterns, keyType, keyText] = fields;
        if (!patterns || !keyType || !keyText) {
            problems.push(`line ${index + 1}: expected "hosts key-type base64-key"`);
            return;
        }
        const key = Buffer.from(keyText, 'base64');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyText) || key.length === 0) {
            problems.push(`line ${index + 1}: the key is not valid base64`);
            return;
        }
        if (blobKeyType(key) !== keyType) {
            problems.push(`line ${index + 1}: the key says it is ${blobKeyType(key) ?? 'unreadable'}, the line says ${keyType}`);
            return;
        }
        entries.push({ marker, patterns, keyType, key, line: index + 1 });
    });
    return { entries, problems };
}
/** The key type written inside an SSH public key blob (a length-prefixed string). */
function blobKeyType(blob) {
    if (blob.length < 4)
        return undefined;
    const length = blob.readUInt32BE(0);
    if (length === 0 || length > 64 || blob.length < 4 + length)
        return undefined;
    return blob.subarray(4, 4 + length).toString('latin1');
}
/** `SHA256:…` as `ssh-keygen -lf` prints it. */
function fingerprint(blob) {
    return `SHA256:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
/**
 * OpenSSH's wildcard match (`*` any run, `?` one character), without case. Greedy two-pointer
 * with one backtrack point: at most pattern × host steps. The regex it replaces backtracked
 * exponentially: `**************x` against a 23-character name took 112 s, synchronously inside
 * the host verifier.
 */
function globMatches(glob, text) {
    const p = glob.toLowerCase();
    const s = text.toLowerCase();
    let i = 0;
    let j = 0;
    let star = -1;
    let resume = 0;
    while (j < s.length) {
        if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === s[j]))) {
            i += 1;
            j += 1;
        }
        else if (i < p.length && p[i] === '*') {
            star = i;
            resume = j;
            i += 1;
        }
        else if (star >= 0) {
            // Let the last star take one more character and try again from there.
            i = star + 1;
            resume += 1;
            j = resume;
        }
        else {
            return false;
        }
    }
    while (p[i] === '*')
        i += 1;
    return i === p.length;
}
function hashedMatches(field, hostKey) {
    const [, kind, salt, hash] = field.split('|');
    if (kind !== '1' || !salt || !hash)
        return false;
    // ssh hashes the name as it writes it: lowercased.
    const digest = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHmac)('sha1', Buffer.from(salt, 'base64')).update(hostKey.toLowerCase()).digest('base64');
    return digest === hash;
}
/** OpenSSH's rule: any positive pattern matches and no negated one does. */
function patternsMatch(patterns, hostKey) {
    if (patterns.startsWith('|'))
        return hashedMatches(patterns, hostKey);
    let matched = false;
    for (const pattern of patterns.split(',')) {
        const negated = pattern.startsWith('!');
        const glob = negated ? pattern.slice(1) : pattern;
        if (globMatches(glob, hostKey)) {
            if (negated)
                return false;
            matched = true;
        }
    }
    return matched;
}
/** Host-key algorithms ssh2 should ask for so the server offers a key type we hold. */
const ALGORITHMS = {
    'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
/** Strict host-key checking against a parsed known_hosts. */
class KnownHosts {
    entries;
    constructor(entries) {
        this.entries = entries;
    }
    forTarget(target) {
        const key = (0,_target__WEBPACK_IMPORTED_MODULE_1__/* .knownHostsKey */ .C9)(target);
        return this.entries.filter((e) => e.marker !== 'cert-authority' && patternsMatch(e.patterns, key));
    }
    /**
     * Lines of @cert-authority entries whose patterns cover the target. This action does not check
     * host certificates, so such a line trusts nothing; it is reported so the user can add the
     * host's own key instead of seeing a bare "unknown host".
     */
    certAuthorityLines(target) {
        const key = (0,_target__WEBPACK_IMPORTED_MODULE_1__/* .knownHostsKey */ .C9)(target);
        return this.entries.filter((e) => e.marker === 'cert-authority' && patternsMatch(e.patterns, key)).map((e) => e.line);
    }
    /** Algorithms to offer during the handshake, or undefined to leave ssh2's defaults. */
    algorithmsFor(target) {
        const types = this.forTarget(target)
            .filter((e) => e.marker === 'none')
            .map((e) => e.keyType);
        if (types.length === 0)
            return undefined;
        return [...new Set(types.flatMap((t) => ALGORITHMS[t] ?? [t]))];
    }
    verify(target, offered) {
        const entries = this.forTarget(target);
        const offeredPrint = `${blobKeyType(offered) ?? 'unknown'} ${fingerprint(offered)}`;
        if (entries.some((e) => e.marker === 'revoked' && e.key.equals(offered))) {
            return { ok: false, reason: 'revoked', offered: offeredPrint, expected: [] };
        }
        const trusted = entries.filter((e) => e.marker === 'none');
        if (trusted.some((e) => e.key.equals(offered)))
            return { ok: true };
        const certAuthorityLines = this.certAuthorityLines(target);
        return {
            ok: false,
            reason: trusted.length === 0 ? 'unknown-host' : 'mismatch',
            offered: offeredPrint,
            expected: trusted.map((e) => `${e.keyType} ${fingerprint(e.key)}`),
            ...(certAuthorityLines.length ? { certAuthorityLines } : {}),
        };
    }
}


/***/ }),

/***/ 3771:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GV: () => (/* binding */ OutputBuffer),
/* harmony export */   XM: () => (/* binding */ OutputLimitError),
/* harmony export */   _G: () => (/* binding */ OUTPUT_LIMIT_BYTES)
/* harmony export */ });
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6193);
/* harmony import */ var node_string_decoder__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_string_decoder__WEBPACK_IMPORTED_MODULE_0__);

/**
 * Most output one command may return on either stream, in bytes. The largest answer the product
 * asks for is a 4 MiB access-log chunk (checks/sources/access-log.ts) or a `show stat` of one
 * HAProxy backend (10,000 servers: 2.1 MiB); anything past this is a runaway command. Without a
 * cap, 32 MiB of output took 46 s, 64 MiB lost the connection, and past ~512 M characters the
 * string concatenation threw inside an event listener.
 */
const OUTPUT_LIMIT_BYTES = 8 * 1024 * 1024;
/** A command's output passed OUTPUT_LIMIT_BYTES; what was read of it is dropped. */
class OutputLimitError extends Error {
    stream;
    constructor(stream, limitBytes = OUTPUT_LIMIT_BYTES) {
        const limit = limitBytes % (1024 * 1024) === 0 ? `${limitBytes / 1024 / 1024} MiB` : `${limitBytes} bytes`;
        super(`${stream} passed ${limit}, the most one command may return`);
        this.stream = stream;
        this.name = 'OutputLimitError';
    }
}
/**
 * One stream of a session: text that arrives in chunks and is taken up to a delimiter. Each chunk
 * is searched once, together with the last (delimiter length − 1) characters before it, so a
 * delimiter split across two SSH packets is still found and the cost stays linear in the output
 * (searching the whole buffer on every chunk made 32 MiB take 46 s). What waits to be taken is
 * capped at OUTPUT_LIMIT_BYTES; past it the text is dropped and every take throws.
 */
class OutputBuffer {
    stream;
    limitBytes;
    chunks = [];
    pendingBytes = 0;
    overflowed = false;
    decoder = new node_string_decoder__WEBPACK_IMPORTED_MODULE_0__.StringDecoder('utf8');
    /** Search state for `delimiter`: chunks before `next` hold no match; `carry` is their tail. */
    delimiter;
    next = 0;
    before = 0;
    carry = '';
    constructor(stream, limitBytes = OUTPUT_LIMIT_BYTES) {
        this.stream = stream;
        this.limitBytes = limitBytes;
    }
    get overflow() {
        return this.overflowed;
    }
    push(chunk) {
        if (this.overflowed)
            return;
        this.pendingBytes += chunk.length;
        if (this.pendingBytes > this.limitBytes) {
            this.overflowed = true;
            this.chunks = [];
            return;
        }
        // One decoder: a character split across two SSH packets must not become U+FFFD.
        const text = this.decoder.write(chunk);
        if (text !== '')
            this.chunks.push(text);
    }
    /** The text before the first `delimiter`, removed with it; undefined until it has arrived. */
    take(delimiter) {
        if (this.overflowed)
            throw new OutputLimitError(this.stream, this.limitBytes);
        if (delimiter !== this.delimiter)
            this.restartSearch(delimiter);
        const keep = delimiter.length - 1;
        for (; this.next < this.chunks.length; this.next += 1) {
            const window = this.carry + this.chunks[this.next];
            const at = window.indexOf(delimiter);
            if (at >= 0)
                return this.cut(this.before - this.carry.length + at, delimiter.length);
            this.before += window.length - this.carry.length;
            this.carry = keep > 0 ? window.slice(-keep) : '';
        }
        return undefined;
    }
    restartSearch(delimiter) {
        this.delimiter = delimiter;
        this.next = 0;
        this.before = 0;
        this.carry = '';
    }
    cut(at, length) {
        const all = this.chunks.join('');
        const rest = all.slice(at + length);
        this.chunks = rest === '' ? [] : [rest];
        this.pendingBytes = Buffer.byteLength(rest, 'utf8');
        this.delimiter = undefined;
        return all.slice(0, at);
    }
}


/***/ }),

/***/ 1608:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C9: () => (/* binding */ knownHostsKey),
/* harmony export */   ff: () => (/* binding */ describeTarget),
/* harmony export */   fx: () => (/* binding */ describeRoute)
/* harmony export */ });
/** `host` or `[host]:port`, the form known_hosts uses for a destination. */
function knownHostsKey(target) {
    return target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
}
/** `user@host:port` with IPv6 in brackets, for messages. */
function describeTarget(target) {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return `${target.user}@${host}:${target.port}`;
}
/** `user@host:port`, followed by ` via hop1 → hop2` when the target is reached through jump hosts. */
function describeRoute(target) {
    const hops = target.jump ?? [];
    return hops.length ? `${describeTarget(target)} via ${hops.map(describeTarget).join(' → ')}` : describeTarget(target);
}


/***/ })

};
;
//# sourceMappingURL=806.index.js.map