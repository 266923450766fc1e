"use strict";
exports.id = 324;
exports.ids = [324];
exports.modules = {

/***/ 2101:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   N9: () => (/* binding */ waitReady),
/* harmony export */   VZ: () => (/* binding */ readinessProbe)
/* harmony export */ });
/* unused harmony exports FIRST_ANSWER_POLL_MS, nextCheckDelay */
/* harmony import */ var _remote_commands_exec__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2852);
/* harmony import */ var _remote_commands_traffic__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1300);
/* harmony import */ var _remote_remote_host__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8199);
/* harmony import */ var _runtime_poll__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4415);




const is2xx = (code) => /^2\d\d$/.test(code);
/** How often a long readiness wait says where it is. */
const PROGRESS_MS = 5000;
/** One request to the readiness URL from the host, given a few intervals to answer (1 to 5 s). */
function readinessProbe(url, intervalMs) {
    return (0,_remote_commands_traffic__WEBPACK_IMPORTED_MODULE_1__/* .httpStatus */ .nG)(url, Math.min(5000, Math.max(1000, intervalMs * 4)));
}
/**
 * Until the first 2xx the host is asked this often (or every readiness-interval, when shorter):
 * a restarted service typically answers 100–200 ms after the change, and a wait that only looks
 * every interval would add up to an interval to every host for nothing.
 */
const FIRST_ANSWER_POLL_MS = 50;
/**
 * When the next check starts, counted from the start of the last one (so a slow round trip does
 * not stretch the spacing): readiness-interval after a 2xx, which is how "N in a row" spans time;
 * quickly while no 2xx has come yet.
 */
function nextCheckDelay(streak, intervalMs) {
    return streak > 0 ? intervalMs : Math.min(intervalMs, FIRST_ANSWER_POLL_MS);
}
/**
 * Requests the readiness URL until `successes` 2xx in a row; throws with the last answers at the
 * deadline. Ready is the N-th consecutive 2xx, whose checks started readiness-interval apart: at
 * the earliest (N−1) × interval after the first 2xx. A non-2xx resets the streak.
 */
async function waitForUrl(remote, url, options, clock, signal, progress) {
    const start = clock.now();
    const deadline = start + options.timeoutMs;
    let [attempts, streak, said, last] = [0, 0, start, ''];
    for (;;) {
        signal.throwIfAborted();
        const lookedAt = clock.now();
        attempts += 1;
        const cmd = readinessProbe(url, options.intervalMs);
        const result = await remote.run(cmd);
        const code = result.stdout.trim();
        if (result.code === 0 && is2xx(code))
            streak += 1;
        else {
            streak = 0;
            last = result.code === 0 || code !== '' ? `HTTP ${code || '000'}` : ((0,_remote_remote_host__WEBPACK_IMPORTED_MODULE_0__/* .failureOf */ .g5)(cmd, result) ?? 'no answer');
        }
        if (streak >= options.successes)
            break;
        const now = clock.now();
        if (now >= deadline) {
            throw new Error(`${url} was not ready within ${options.timeoutMs / 1000}s (${attempts} checks; last: ${last || `only ${streak} of ${options.successes} consecutive 2xx`})`);
        }
        if (now - said >= PROGRESS_MS) {
            progress(`waiting for ${url}: ${Math.round((now - start) / 1000)} s, last ${last || 'HTTP 2xx'}`);
            said = now;
        }
        // The last check falls on the deadline at the latest; a check already due starts at once.
        const pause = Math.min(lookedAt + nextCheckDelay(streak, options.intervalMs), deadline) - now;
        if (pause > 0)
            await clock.sleep(pause, signal);
    }
    return `${url} answered 2xx ${options.successes}× in a row after ${attempts} check${attempts === 1 ? '' : 's'} (${clock.now() - start} ms)`;
}
/** Runs one dependency check until it passes; throws with its last failure at the deadline (`since` + timeout). */
async function waitForCheck(remote, check, index, options, since, clock, signal) {
    const deadline = since + options.timeoutMs;
    const look = async () => {
        signal.throwIfAborted();
        const cmd = (0,_remote_commands_exec__WEBPACK_IMPORTED_MODULE_2__/* .userCommand */ .L_)(`dependency check ${index + 1}`, check, Math.max(1000, deadline - clock.now()));
        return (0,_remote_remote_host__WEBPACK_IMPORTED_MODULE_0__/* .failureOf */ .g5)(cmd, await remote.run(cmd));
    };
    const seen = await (0,_runtime_poll__WEBPACK_IMPORTED_MODULE_3__/* .poll */ .w)({ clock, signal, since, timeoutMs: options.timeoutMs, intervalMs: options.intervalMs }, look, (failure) => !failure);
    if (!seen.done)
        throw new Error(`dependency check ${JSON.stringify(check)} did not pass within ${options.timeoutMs / 1000}s: ${seen.value}`);
}
/**
 * Waits until the readiness URL, requested from the host itself, answers 2xx `successes` times in a
 * row (rise), then until every dependency check passes, all within `timeoutMs`. A failure resets
 * the streak, so a flapping service is not called ready.
 */
async function waitReady(remote, options, clock, signal, progress) {
    const start = clock.now();
    const parts = [];
    if (options.url)
        parts.push(await waitForUrl(remote, options.url, options, clock, signal, progress));
    for (const [index, check] of options.dependencyChecks.entries())
        await waitForCheck(remote, check, index, options, start, clock, signal);
    if (options.dependencyChecks.length)
        parts.push(`${options.dependencyChecks.length} dependency check(s) passed`);
    return { elapsedMs: clock.now() - start, summary: parts.join('; ') || 'no readiness-url or dependency checks configured' };
}


/***/ }),

/***/ 306:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $p: () => (/* binding */ inspectUnit),
/* harmony export */   Dd: () => (/* binding */ systemctl),
/* harmony export */   Gz: () => (/* binding */ journalSince),
/* harmony export */   __: () => (/* binding */ unitState),
/* harmony export */   iu: () => (/* binding */ systemctlTimed),
/* harmony export */   oh: () => (/* binding */ serviceMs)
/* harmony export */ });
/* unused harmony export UNIT_PROPERTIES */
/* harmony import */ var _quote__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4414);

/** Properties read from `systemctl show` in inspect. */
const UNIT_PROPERTIES = [
    'Id',
    'LoadState',
    'ActiveState',
    'SubState',
    'Type',
    'CanReload',
    'ExecReload',
    'TimeoutStopUSec',
    'KillSignal',
    'KillMode',
    'Restart',
    'RestartUSec',
    'StartLimitBurst',
    'StartLimitIntervalUSec',
    'TriggeredBy',
    'MainPID',
    'NRestarts',
];
/**
 * One round trip for the inspect phase: the unit's properties, the main process's name, and what
 * the host offers (curl for readiness checks, the uid for sudo mode, and `zdr.missing=NAME` for
 * each of `commands`, given as arguments, that the host lacks).
 */
function inspectUnit(unit, timeoutMs, commands = []) {
    return {
        kind: 'inspect-unit',
        title: `inspect ${unit}`,
        timeoutMs,
        script: [
            // One systemctl (a D-Bus round trip on the host) for every property; MainPID is read from it.
            `props=$(systemctl show --property=${UNIT_PROPERTIES.join(',')} -- ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(unit)})`,
            `printf '%s\n' "$props"`,
            'pid=${props#*MainPID=}; pid=${pid%%[!0-9]*}',
            // Builtins, not $(cat …) and $(command -v …): a fork each, which a loaded host feels.
            'comm=; { read -r comm <"/proc/${pid:-0}/comm"; } 2>/dev/null',
            `printf 'zdr.comm=%s\\n' "$comm"`,
            `printf 'zdr.curl='; command -v curl || echo`,
            `printf 'zdr.uid=%s\\n' "$(id -u)"`,
            `for c in "$@"; do command -v "$c" >/dev/null 2>&1 || printf 'zdr.missing=%s\\n' "$c"; done`,
        ].join('\n'),
        args: [...commands],
    };
}
/** `systemctl reload|restart|start|stop UNIT`. */
function systemctl(action, unit, timeoutMs) {
    return { kind: `systemctl-${action}`, title: `systemctl ${action} ${unit}`, timeoutMs, script: `systemctl ${action} -- ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(unit)}` };
}
/** The unit properties read after a change to prove it (unitState, and a restart's own answer). */
const STATE_PROPERTIES = 'ActiveState,SubState,MainPID,NRestarts,Result';
/**
 * `systemctl ACTION UNIT`, timed on the host: prints `zdr.service_ms=N`, how long systemd took
 * (a restart includes the service's graceful stop, which waits for its requests). `showState`:
 * the unit's state right after too (unitState's lines), so the first look at the effect costs no
 * round trip of its own.
 */
function systemctlTimed(action, unit, timeoutMs, showState = false) {
    const show = showState ? `; systemctl show --property=${STATE_PROPERTIES} -- "$2"` : '';
    return {
        kind: 'systemctl-timed',
        title: `systemctl ${action} ${unit}`,
        timeoutMs,
        args: [action, unit],
        script: `t0=$(date +%s%3N); systemctl "$1" -- "$2" || exit $?; printf 'zdr.service_ms=%s\n' $(($(date +%s%3N) - t0))${show}`,
    };
}
/** The host-side duration a timed command printed (0 when it printed none). */
function serviceMs(stdout) {
    return Number(/^zdr\.service_ms=(\d+)$/m.exec(stdout)?.[1] ?? 0);
}
/** The unit's live state, read again after a change. */
function unitState(unit, timeoutMs) {
    return {
        kind: 'unit-state',
        title: `read ${unit} state`,
        timeoutMs,
        script: `systemctl show --property=${STATE_PROPERTIES} -- ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(unit)}`,
    };
}
/** The unit's journal since a moment, for evidence when a host fails. */
function journalSince(unit, sinceEpochMs, lines, timeoutMs) {
    return {
        kind: 'journal',
        title: `journal of ${unit}`,
        timeoutMs,
        script: `journalctl --no-pager -o short-iso -n ${Math.floor(lines)} -u ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(unit)} --since @${Math.floor(sinceEpochMs / 1000)}`,
    };
}


/***/ }),

/***/ 1300:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CQ: () => (/* binding */ establishedOn),
/* harmony export */   LY: () => (/* binding */ CURL),
/* harmony export */   Ti: () => (/* binding */ stubStatus),
/* harmony export */   Zk: () => (/* binding */ probeBurst),
/* harmony export */   nG: () => (/* binding */ httpStatus)
/* harmony export */ });
/* harmony import */ var _quote__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4414);

/**
 * Every curl that takes a user's URL runs with `-g` (--globoff): without it curl expands `{a,b}`
 * and `[1-200]` in the URL, so `?v={1,2}` was two requests whose status codes ran together (never
 * a 2xx) and `[1-200]` made 200 requests.
 */
const CURL = 'curl -g';
/** One HTTP GET from the host itself; prints the status code (000 when no response came). */
function httpStatus(url, requestTimeoutMs) {
    const seconds = Math.max(0.5, requestTimeoutMs / 1000);
    return {
        kind: 'http-status',
        title: `GET ${url}`,
        timeoutMs: requestTimeoutMs + 2000,
        script: `${CURL} -sS -o /dev/null -w '%{http_code}' --max-time ${seconds} --url ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(url)}`,
    };
}
/** `count` sequential GETs of `url` from the host; one status code per line (000: no response). */
function probeBurst(url, count, requestTimeoutMs) {
    const urls = Array.from({ length: Math.max(1, Math.floor(count)) }, () => `-o /dev/null --url ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(url)}`).join(' ');
    return {
        kind: 'probe-burst',
        title: `probe ${url}`,
        timeoutMs: count * requestTimeoutMs + 2000,
        script: `${CURL} -s -w '%{http_code}\\n' --max-time ${Math.max(0.5, requestTimeoutMs / 1000)} ${urls}; true`,
    };
}
/** nginx stub_status, requested from the host itself (Reading + Writing are requests in flight). */
function stubStatus(url, timeoutMs) {
    return { kind: 'stub-status', title: `GET ${url}`, timeoutMs, script: `${CURL} -fsS --max-time 2 --url ${(0,_quote__WEBPACK_IMPORTED_MODULE_0__/* .shQuote */ .U)(url)}` };
}
/** Established TCP connections on a local port, with the kernel's last-send/last-receive times. */
function establishedOn(port, timeoutMs) {
    return {
        kind: 'established',
        title: `connections on port ${port}`,
        timeoutMs,
        script: `ss -Htni state established '( sport = :${Math.floor(port)} )'`,
    };
}


/***/ }),

/***/ 1157:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  B: () => (/* binding */ drainHost),
  h: () => (/* binding */ returnHost)
});

// EXTERNAL MODULE: ./src/remote/commands/traffic.ts
var traffic = __webpack_require__(1300);
;// CONCATENATED MODULE: ./src/checks/inflight.ts

/** nginx stub_status: Reading + Writing are requests in progress; our own request is one Writing. */
function parseStubStatus(text) {
    const m = /Reading:\s*(\d+)\s+Writing:\s*(\d+)/.exec(text);
    return m ? Math.max(0, Number(m[1]) + Number(m[2]) - 1) : null;
}
/**
 * Connections from `ss -tni` that are busy with a request: data arrived more recently than any was
 * sent back. An idle keep-alive connection last *sent* (its response), so it does not count: raw
 * ESTABLISHED would wait ~35 s for a load balancer's idle connections to close (measured on the
 * test fleet behind HAProxy).
 */
function busyConnections(ssOutput) {
    let busy = 0;
    for (const line of ssOutput.split('\n')) {
        if (!/\blastrcv:/.test(line) && !/\blastsnd:/.test(line))
            continue;
        const sent = /\blastsnd:(\d+)/.exec(line);
        const received = /\blastrcv:(\d+)/.exec(line);
        // The kernel's "ms since": smaller is more recent. Never sent anything = busy with its first request.
        if (received && (!sent || Number(received[1]) < Number(sent[1])))
            busy += 1;
    }
    return busy;
}
/** In-flight requests as seen on the host itself, when the load balancer cannot count them. */
async function hostInFlight(remote, stubStatusUrl, port, timeoutMs) {
    if (stubStatusUrl) {
        const text = await remote.check((0,traffic/* stubStatus */.Ti)(stubStatusUrl, timeoutMs));
        const count = parseStubStatus(text);
        if (count === null)
            throw new Error(`${stubStatusUrl} is not an nginx stub_status page`);
        return { count, source: 'nginx stub_status' };
    }
    return { count: busyConnections(await remote.check((0,traffic/* establishedOn */.CQ)(port, timeoutMs))), source: `busy connections on port ${port}` };
}

// EXTERNAL MODULE: ./src/runtime/log.ts
var runtime_log = __webpack_require__(390);
// EXTERNAL MODULE: ./src/runtime/poll.ts
var poll = __webpack_require__(4415);
;// CONCATENATED MODULE: ./src/rollout/drain.ts



/**
 * How often the return looks again while the load balancer does not yet call the host UP: one
 * exchange on its kept-open session, so looking often costs little, and the wait ends within
 * this of the load balancer's own verdict.
 */
const POLL_MS = 50;
/**
 * How often the drain wait asks for the in-flight count: the drain ends within this of the last
 * request. One exchange on the load balancer's kept-open session (a few ms), or one command on
 * the host where the load balancer cannot count.
 */
const DRAIN_POLL_MS = 50;
/** Longest the return waits for the load balancer to call the host healthy. */
const RETURN_TIMEOUT_MS = 30_000;
/**
 * Asks the load balancer to drain the host, journalled first: when the answer is lost (a timeout,
 * a dropped connection) the drain may still have been applied, and a kill then must not leave the
 * host out unrecorded. After such an unclear drain the host counts as drained, so the caller's
 * recovery puts it back (and the report says so).
 */
async function askToDrain(run, ctx) {
    try {
        await ctx.rotation.drain(run.target, 'turn');
    }
    catch (err) {
        ctx.rotation.assumeDrained(run.target);
        ctx.deps.log.warning(`${run.name}: the drain's answer was lost (${err.message}); it may have been applied, so the host is put back`);
        throw err;
    }
}
/** The capacity guard: enough other healthy servers in rotation to drain this host, or a throw. */
async function capacityGuard(run, ctx, lb) {
    const { target } = run;
    const min = ctx.settings.drain.minHealthy;
    const others = await lb.healthyOthers(target);
    if (others === null) {
        const guard = `capacity guard not enforced: ${lb.description} cannot count healthy servers`;
        if (min > 0)
            ctx.deps.log.warning(`${target.name}: ${guard} (min-healthy ${min})`);
        return guard;
    }
    if (others < min) {
        throw new Error(`capacity guard: ${others} other healthy server${others === 1 ? '' : 's'} in rotation, and min-healthy is ${min}; draining ${target.name} would leave too few to serve. Nothing was drained.`);
    }
    return `${others} other healthy server${others === 1 ? '' : 's'} in rotation (min-healthy ${min})`;
}
/**
 * The capacity guard, then the drain, then the wait for in-flight requests to reach zero. In
 * flight is the load balancer's per-server session count where it keeps one, else the host's own.
 */
async function drainHost(run, ctx, lb, phase) {
    const { settings, deps } = ctx;
    const { clock, log, signal } = deps;
    const target = run.target;
    // Counted live and drained in one reservation: no other host of the batch counts in between.
    const guard = await ctx.rotation.reserve(async () => {
        const text = await capacityGuard(run, ctx, lb);
        await askToDrain(run, ctx);
        return text;
    });
    const remote = run.remote;
    if (!remote)
        throw new Error('no connection to the host');
    const count = async () => {
        const fromLb = await lb.inFlight(target);
        const seen = fromLb !== null
            ? { count: fromLb, source: 'load balancer sessions' }
            : await hostInFlight(remote, settings.drain.stubStatusUrl, settings.drain.port, settings.ssh.commandTimeoutMs);
        run.inFlight = seen.count;
        return seen;
    };
    const progress = {
        everyMs: 2000,
        say: (seen, ms) => (0,runtime_log/* sayProgress */.x)(log, target.name, `draining: ${seen.count} in flight, ${Math.round(ms / 1000)} s`),
    };
    const outcome = await phase.waiting(() => (0,poll/* poll */.w)({ clock, signal, timeoutMs: settings.drain.timeoutMs, intervalMs: DRAIN_POLL_MS, progress }, count, (seen) => seen.count === 0));
    const seen = outcome.value;
    const summary = `${guard}; drained from ${lb.description}; in flight reached 0 after ${outcome.waitedMs} ms (${seen.source})`;
    if (outcome.done)
        return phase.detail(summary);
    const still = `${seen.count} request${seen.count === 1 ? '' : 's'} still in flight after drain-timeout ${settings.drain.timeoutMs / 1000}s (${seen.source})`;
    if (settings.drain.onTimeout === 'fail')
        throw new Error(`${still}; the host was not restarted (on-drain-timeout: fail)`);
    phase.detail(`${guard}; drained from ${lb.description}`);
    phase.warn(`${still}; restarting anyway because on-drain-timeout is proceed`);
    log.warning(`${target.name}: ${still}; restarting anyway (on-drain-timeout: proceed)`);
}
/**
 * An operator put the host in maintenance while this run had it drained: their state wins. The
 * host is not returned (a return would clear their MAINT), and the run no longer holds it out.
 */
async function leftToOperator(run, ctx, lb, phase) {
    const maint = lb.operatorMaintenance ? await lb.operatorMaintenance(run.target).catch(() => null) : null;
    if (!maint)
        return false;
    ctx.rotation.release(run.target);
    run.outOfService = { state: 'maint', text: maint };
    phase.warn(`not returned: it was put ${maint} during the run, and is left as the operator set it`);
    ctx.deps.log.warning(`${run.target.name}: put ${maint} during the run; not returned, left as the operator set it`);
    return true;
}
/**
 * Puts the host back and waits until the load balancer itself calls it healthy, so the next host
 * is not drained while this one is still rising.
 */
async function returnHost(run, ctx, lb, phase, { confirmMs, unconfirmed } = {
    confirmMs: RETURN_TIMEOUT_MS,
    unconfirmed: 'drain',
}) {
    // No cancel signal: the return must finish even in a cancelled run, it is how a drained host gets back.
    const { clock } = ctx.deps;
    if (await leftToOperator(run, ctx, lb, phase))
        return;
    // The load balancer's answer to the return may already say it is UP: then there is no wait.
    const upAtOnce = await ctx.rotation.undrain(run.target);
    const seen = upAtOnce === true
        ? { value: true, waitedMs: 0 }
        : await phase.waiting(() => (0,poll/* poll */.w)({ clock, timeoutMs: confirmMs, intervalMs: POLL_MS, pauseFirst: upAtOnce === false }, () => lb.isUp(run.target), (state) => state !== false));
    const up = seen.value;
    if (up === false && unconfirmed === 'leave') {
        phase.warn(`returned; ${lb.description} had not yet seen it UP after ${confirmMs / 1000}s (its own health checks decide)`);
        return;
    }
    if (up === false) {
        // It passed readiness, but the load balancer disagrees: do not leave it half in.
        await ctx.rotation.drain(run.target, 'failed-check', `${lb.description} did not see it healthy after its return`);
        throw new Error(`${lb.description} did not see ${run.target.name} healthy within ${confirmMs / 1000}s of its return; drained it again`);
    }
    phase.detail(up === null
        ? `returned to ${lb.description} (it cannot report health)`
        : `returned; ${lb.description} sees it UP after ${seen.waitedMs} ms`);
}


/***/ }),

/***/ 6741:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $d: () => (/* binding */ lbLockTtlSeconds),
/* harmony export */   PU: () => (/* binding */ keepLock),
/* harmony export */   R1: () => (/* binding */ acquireRecorded),
/* harmony export */   by: () => (/* binding */ LockedError),
/* harmony export */   tp: () => (/* binding */ lockTtlSeconds),
/* harmony export */   x_: () => (/* binding */ releaseLock)
/* harmony export */ });
/* unused harmony export acquireLock */
/* harmony import */ var _remote_commands_locks__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6137);
/* harmony import */ var _report_neutralise__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5942);
/* harmony import */ var _runtime_poll__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4415);



/**
 * How long a lock lives without its holder: longer than any one host can take, so a live run
 * never loses its lock, and short enough that a crashed run's lock frees itself.
 */
function lockTtlSeconds(settings) {
    const host = settings.drain.timeoutMs + settings.readiness.timeoutMs + settings.check.windowMs + 6 * settings.ssh.commandTimeoutMs + 60_000;
    return Math.ceil((2 * host) / 1000);
}
/**
 * How long the load balancer's lock lives without a heartbeat. It is held for the whole run, which
 * can take hours, so it is short and renewed (keepLock) while the run lives: a run that dies frees
 * it within minutes, however many hosts it had.
 */
function lbLockTtlSeconds(settings) {
    return Math.ceil(Math.max(60_000, 6 * settings.ssh.commandTimeoutMs) / 1000);
}
/** A lock command waits up to 10 s for the guard (flock -w 10) and then runs in milliseconds. */
const LOCK_COMMAND_MS = 15_000;
/** A lock file's content, as read back from the host: anyone who could write it chose the owner text. */
function parseInfo(text, prefix = '') {
    const get = (key) => new RegExp(`^${prefix}${key}=(.*)$`, 'm').exec(text)?.[1] ?? '';
    const since = Number(get('since'));
    return { owner: (0,_report_neutralise__WEBPACK_IMPORTED_MODULE_0__/* .untrustedLine */ .t)(get('owner'), 200) || 'unknown', since: Number.isFinite(since) ? since * 1000 : 0 };
}
const when = (ms) => (ms > 0 && ms < 8.64e15 ? new Date(ms).toISOString() : 'an unknown time');
function heldBy(lock, stdout) {
    const holder = parseInfo(stdout);
    return `the lock on ${lock.label} is held by ${holder.owner} since ${when(holder.since)}`;
}
/** A lock held by another run past the wait. */
class LockedError extends Error {
}
/**
 * Takes the lock, waiting up to `waitMs` for another run to release it. Returns a note when an
 * expired lock of a crashed run was taken over, and how long it waited for another holder.
 */
async function acquireLock(remote, lock, request) {
    const { clock, waitMs } = request;
    let refusedAt = null;
    const look = async () => {
        const result = await remote.run((0,_remote_commands_locks__WEBPACK_IMPORTED_MODULE_1__/* .lockAcquire */ .c_)(lock.name, request.owner, request.ttlSeconds, LOCK_COMMAND_MS));
        if (result.code === 75 && refusedAt === null) {
            refusedAt = clock.now();
            request.progress(`waiting for the lock: ${heldBy(lock, result.stdout)}`);
        }
        return result;
    };
    const seen = await (0,_runtime_poll__WEBPACK_IMPORTED_MODULE_2__/* .poll */ .w)({ clock, signal: request.signal, timeoutMs: waitMs, intervalMs: 1000 }, look, (result) => result.code !== 75);
    const result = seen.value;
    if (!seen.done)
        throw new LockedError(`${heldBy(lock, result.stdout)}; waited ${Math.round(waitMs / 1000)}s (lock-wait). Another rollout is changing this fleet.`);
    if (result.code !== 0)
        throw new Error(`could not take the lock on ${lock.label}: exit ${result.code ?? result.signal}: ${(0,_report_neutralise__WEBPACK_IMPORTED_MODULE_0__/* .untrustedLine */ .t)(result.stderr, 400)}`);
    const waitedMs = refusedAt === null ? 0 : clock.now() - refusedAt;
    if (!/^stale=1$/m.test(result.stdout))
        return { note: '', waitedMs };
    const was = parseInfo(result.stdout, 'was\\.');
    return { note: `took over an expired lock of ${was.owner} (since ${when(was.since)})`, waitedMs };
}
/**
 * acquireLock, recorded in the journal BEFORE the lock command runs: a run killed while the command
 * is under way (or before its answer is recorded) may hold the lock on the host, and whoever
 * reconciles the run (the post step, `reconcile`) must know to give it back. Releasing a lock this
 * owner does not hold changes nothing, so a record too many is harmless; a record too few leaves a
 * lock that blocks every run for its whole TTL. When taking it fails, it is given back (in case
 * the command took it before the failure) and forgotten.
 */
async function acquireRecorded(remote, lock, request, journal) {
    const target = remote.connection.target;
    journal.locked(target, lock.name);
    try {
        return await acquireLock(remote, lock, request);
    }
    catch (err) {
        // Refused (another owner holds it): never ours. Otherwise forgotten only once given back; a
        // give-back that failed leaves the record, for whoever reconciles the run to try again.
        if (err instanceof LockedError || (await releaseLock(remote, lock.name, request.owner)))
            journal.unlocked(target, lock.name);
        throw err;
    }
}
/**
 * Releases the lock if this owner still holds it (a connection that ended is made again first).
 * Never throws: the lock expires anyway. True when the host confirmed it: the lock is not ours now.
 */
async function releaseLock(remote, name, owner) {
    try {
        await remote.reconnectIfLost();
        return (await remote.run((0,_remote_commands_locks__WEBPACK_IMPORTED_MODULE_1__/* .lockRelease */ .lT)(name, owner, LOCK_COMMAND_MS))).code === 0;
    }
    catch {
        return false;
    }
}
/**
 * Renews a held lock every `everyMs` (a third of its TTL) until the returned stop is called; stop
 * resolves once a renewal under way has ended, so that a release after it is not undone by a late
 * renewal (the lock command takes a lock that is not there). The timer is unref'd: it never keeps
 * the process alive. A failed renewal is reported, not thrown: the next one may succeed before the
 * lock runs out.
 */
function keepLock(remote, lock, owner, ttlSeconds, everyMs, report) {
    let renewing = Promise.resolve();
    const renew = async () => {
        const result = await remote.run((0,_remote_commands_locks__WEBPACK_IMPORTED_MODULE_1__/* .lockAcquire */ .c_)(lock.name, owner, ttlSeconds, LOCK_COMMAND_MS));
        if (result.code !== 0)
            report(`could not renew the lock on ${lock.label}: exit ${result.code ?? result.signal}: ${(0,_report_neutralise__WEBPACK_IMPORTED_MODULE_0__/* .untrustedLine */ .t)(result.stdout + result.stderr, 300)}`);
    };
    const timer = setInterval(() => {
        renewing = renew().catch((err) => report(`could not renew the lock on ${lock.label}: ${err.message}`));
    }, everyMs);
    timer.unref();
    return () => {
        clearInterval(timer);
        return renewing;
    };
}


/***/ }),

/***/ 278:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DD: () => (/* binding */ skipPhase),
/* harmony export */   PF: () => (/* binding */ runPhase),
/* harmony export */   wo: () => (/* binding */ PhaseError)
/* harmony export */ });
/** A phase that failed on a host: the verdict the rollout halts with. */
class PhaseError extends Error {
    host;
    phase;
    constructor(host, phase, message) {
        super(message);
        this.host = host;
        this.phase = phase;
        this.name = 'PhaseError';
    }
}
function messageOf(err) {
    return err instanceof Error ? err.message : String(err);
}
/**
 * Runs one named phase of one host and records it: start time, duration, waits, outcome. A throw
 * becomes a PhaseError naming the host and phase (unless it already is one) and is rethrown.
 */
async function runPhase(clock, host, name, fn) {
    const started = clock.now();
    const record = { name, status: 'ok', startedAt: new Date(started).toISOString(), durationMs: 0, waitMs: 0, detail: '' };
    host.phases.push(record);
    const handle = {
        detail: (text) => void (record.detail = text),
        warn: (text) => {
            record.status = 'warning';
            record.detail = record.detail ? `${record.detail}; ${text}` : text;
        },
        addWait: (ms) => void (record.waitMs += Math.max(0, ms)),
        waiting: async (inner) => {
            const from = clock.now();
            try {
                return await inner();
            }
            finally {
                record.waitMs += clock.now() - from;
            }
        },
    };
    try {
        const value = await fn(handle);
        return value;
    }
    catch (err) {
        record.status = 'failed';
        record.detail = messageOf(err);
        throw err instanceof PhaseError ? err : new PhaseError(host.name, name, messageOf(err));
    }
    finally {
        record.durationMs = clock.now() - started;
    }
}
/** Records a phase that was not needed, with the reason. */
function skipPhase(clock, host, name, detail) {
    host.phases.push({ name, status: 'skipped', startedAt: new Date(clock.now()).toISOString(), durationMs: 0, waitMs: 0, detail });
}


/***/ }),

/***/ 1693:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   l: () => (/* binding */ recover),
/* harmony export */   s: () => (/* binding */ healthy)
/* harmony export */ });
/* harmony import */ var _checks_readiness__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2101);
/* harmony import */ var _remote_commands_exec__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2852);
/* harmony import */ var _remote_commands_systemd__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(306);
/* harmony import */ var _drain__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(1157);
/* harmony import */ var _phase__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(278);





/** Budget for the health probe after a failure: recovery must finish before the runner's kill. */
const PROBE_TIMEOUT_MS = 5000;
/** After a cancel, the runner sends SIGTERM 7.5 s after SIGINT: confirm a return only briefly. */
const CANCELLED_RETURN_MS = 3000;
/** The unit is active and, when a readiness URL is set, it answers 2xx again. */
async function healthy(remote, settings, clock) {
    const calm = new AbortController().signal;
    try {
        const state = await remote.check((0,_remote_commands_systemd__WEBPACK_IMPORTED_MODULE_2__/* .unitState */ .__)(settings.service, settings.ssh.commandTimeoutMs));
        if (!/^ActiveState=active$/m.test(state))
            return false;
        if (!settings.readiness.url)
            return true;
        const options = {
            ...settings.readiness,
            timeoutMs: Math.min(PROBE_TIMEOUT_MS, settings.readiness.timeoutMs),
            dependencyChecks: settings.dependencyChecks,
        };
        await (0,_checks_readiness__WEBPACK_IMPORTED_MODULE_0__/* .waitReady */ .N9)(remote, options, clock, calm, () => undefined);
        return true;
    }
    catch {
        return false;
    }
}
/** A host failing its watch is in rotation and serving errors: take it out first. */
async function takeOut(run, ctx, lb, note) {
    try {
        await ctx.rotation.drain(run.target, 'failed-check', 'its error check tripped');
        ctx.deps.log.info(`${run.name} taken out of ${lb.description} after its error check tripped`);
    }
    catch (err) {
        note(`could not take it out of ${lb.description}: ${err.message}`);
    }
}
/** rollback-command, then the unit reloaded or restarted, then healthy again; true when all of it worked. */
async function rollBack(run, ctx, remote, action, failedIn) {
    const rollback = ctx.settings.rollbackCommand ?? '';
    const { settings, deps } = ctx;
    // A kill during the rollback must not let the post step put the host back on a health check.
    if (failedIn !== 'watch')
        ctx.rotation.keepOut(run.target, 'failed-check', `it failed in ${failedIn} and rollback-command was running`);
    try {
        await (0,_phase__WEBPACK_IMPORTED_MODULE_1__/* .runPhase */ .PF)(deps.clock, run, 'rollback', async (phase) => {
            await remote.check((0,_remote_commands_exec__WEBPACK_IMPORTED_MODULE_3__/* .userCommand */ .L_)('rollback-command', rollback, settings.ssh.commandTimeoutMs));
            await remote.check((0,_remote_commands_systemd__WEBPACK_IMPORTED_MODULE_2__/* .systemctl */ .Dd)(action, settings.service, settings.ssh.commandTimeoutMs + (run.unit?.timeoutStopMs ?? 0)));
            if (!(await healthy(remote, settings, deps.clock)))
                throw new Error(`rolled back and ${action}ed, but ${settings.service} is still not healthy`);
            phase.detail(`rollback-command ran, ${settings.service} ${action}ed and healthy again`);
        });
        return true;
    }
    catch {
        return false; // The rollback phase has recorded why.
    }
}
/** What a changed host that failed shows for itself: the error lines its check saw, and its journal. */
async function gatherEvidence(run, ctx, remote, changedAt) {
    const { settings } = ctx;
    const journal = await remote
        .run((0,_remote_commands_systemd__WEBPACK_IMPORTED_MODULE_2__/* .journalSince */ .Gz)(settings.service, changedAt - 1000, 30, settings.ssh.commandTimeoutMs))
        .then((r) => r.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-- ')))
        .catch(() => []);
    run.evidence = {
        logLines: run.errorCheck?.samples() ?? [],
        journal: journal.slice(-30).map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l)),
    };
}
/**
 * After a host failed: take it out of rotation if it is serving errors, run rollback-command when
 * the host was changed, and return it to the load balancer only when it is healthy. A host is
 * never left drained without the report and an annotation saying so. Recovery does not throw and
 * is not cancelled: a cancelled run still puts a healthy host back.
 *
 * A cancellation is not a verdict on the host: nothing is rolled back or taken out, and a drained
 * host goes back when it is unchanged or healthy. `stopped`: the same for a host its halted batch
 * stopped before its change.
 */
async function recover(run, ctx, failure, stopped = false) {
    const { settings, deps, rotation } = ctx;
    const { clock, log } = deps;
    const lb = rotation.lb;
    const remote = run.remote;
    // A host its batch stopped (another host failed) is returned like a cancelled one: unchanged.
    const cancelled = stopped || deps.signal.aborted;
    const note = (text) => {
        run.warnings.push(text);
        log.warning(`${run.name}: ${text}`);
    };
    if (failure.phase === 'watch' && !cancelled && lb && !rotation.isDrained(run.target))
        await takeOut(run, ctx, lb, note);
    const rolledBack = run.changed && !cancelled && remote && settings.rollbackCommand && run.choice
        ? await rollBack(run, ctx, remote, run.choice.action, failure.phase)
        : false;
    if (rotation.isDrained(run.target) && lb) {
        // Unchanged hosts (a failed or cancelled drain) are as healthy as before; a watch failure
        // returns only after a successful rollback, however healthy its health endpoint looks.
        const fine = rolledBack ||
            ((failure.phase !== 'watch' || cancelled) && (!run.changed || (remote ? await healthy(remote, settings, clock) : false)));
        if (fine) {
            try {
                await (0,_phase__WEBPACK_IMPORTED_MODULE_1__/* .runPhase */ .PF)(clock, run, 'return', (phase) => (0,_drain__WEBPACK_IMPORTED_MODULE_4__/* .returnHost */ .h)(run, ctx, lb, phase, deps.signal.aborted ? { confirmMs: CANCELLED_RETURN_MS, unconfirmed: 'leave' } : undefined));
            }
            catch (err) {
                note(`left out of rotation: ${err.message}`);
            }
        }
        else {
            const why = failure.phase === 'watch'
                ? 'its error check tripped and no rollback-command brought it back'
                : 'it is not healthy after the failure';
            note(`left drained in ${lb.description}: ${why}, so it was not put back`);
        }
    }
    if (remote && run.changedAt !== undefined && !cancelled)
        await gatherEvidence(run, ctx, remote, run.changedAt);
}


/***/ }),

/***/ 390:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ sayProgress)
/* harmony export */ });
/** A host's progress sentence: to the log's live view when it has one, else an info line. */
function sayProgress(log, host, line) {
    if (log.progress)
        log.progress(host, line);
    else
        log.info(`${host} ${line}`);
}


/***/ }),

/***/ 4415:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   w: () => (/* binding */ poll)
/* harmony export */ });
/**
 * Looks until `done(value)` or the deadline, pausing on the clock between looks, so every wait of
 * the rollout runs instantly under a fake clock and stops at once on cancellation. Running out of
 * time is not an error here: the caller knows what it means (fail, proceed, or try once more).
 * `look` may throw to end the wait early.
 */
async function poll(options, look, done) {
    const { clock, signal, intervalMs, progress } = options;
    const start = options.since ?? clock.now();
    const deadline = start + options.timeoutMs;
    const pause = (now) => clock.sleep(Math.max(0, Math.min(intervalMs, deadline - now)), signal);
    let said = start;
    for (;;) {
        if (options.pauseFirst)
            await pause(clock.now());
        const value = await look();
        const now = clock.now();
        if (done(value))
            return { value, done: true, waitedMs: now - start };
        if (now >= deadline)
            return { value, done: false, waitedMs: now - start };
        if (progress && now - said >= progress.everyMs) {
            progress.say(value, now - start);
            said = now;
        }
        if (!options.pauseFirst)
            await pause(now);
    }
}


/***/ }),

/***/ 7428:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   W: () => (/* binding */ INPUT_DEFAULTS),
/* harmony export */   p: () => (/* binding */ SECRET_INPUTS)
/* harmony export */ });
/**
 * The action's inputs and the defaults the code applies when an input is empty. action.yml states
 * the same defaults for the runner; test/unit/action-yml.test.ts fails when the two drift apart.
 */
const INPUT_DEFAULTS = {
    hosts: '',
    user: 'root',
    port: '22',
    'private-key': '',
    passphrase: '',
    'jump-hosts': '',
    'jump-private-key': '',
    'jump-passphrase': '',
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
    'lb-jump': '',
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
    'check-command-via': 'runner',
    'fleet-relative': 'true',
    'rollback-command': '',
    batches: '1',
    'max-failed-hosts': '0',
    'preflight-concurrency': '16',
    'lock-wait': '30s',
    'dry-run': 'false',
};
/** The inputs that carry secrets: masked in every output; the CLI takes them from the environment too. */
const SECRET_INPUTS = [
    'private-key',
    'passphrase',
    'jump-private-key',
    'jump-passphrase',
    'prometheus-token',
    'prometheus-basic-auth',
];


/***/ }),

/***/ 3068:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  s: () => (/* binding */ readSettings)
});

// EXTERNAL MODULE: ./src/transport/known-hosts.ts
var known_hosts = __webpack_require__(3808);
;// CONCATENATED MODULE: ./src/settings/values.ts
const ok = (value) => ({ ok: true, value });
const fail = (error) => ({ ok: false, error });
/** Shows a user's value in an error without flooding the log. */
function shown(value) {
    const one = JSON.stringify(value);
    return one.length > 80 ? `${one.slice(0, 77)}…"` : one;
}
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** `500ms`, `30s`, `2m`, `1h` or bare seconds (`45`, `1.5`), in milliseconds. */
function parseDuration(text) {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
    const factor = match ? UNITS[match[2] ?? 's'] : undefined;
    if (!match || factor === undefined)
        return fail(`expected a duration such as 500ms, 30s, 2m or a number of seconds, got ${shown(text)}`);
    return ok(Math.round(Number(match[1]) * factor));
}
/** `1%`, `0.5%`: a fraction between 0 and 1. */
function parsePercent(text) {
    const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
    if (!match)
        return fail(`expected a percentage such as 1% or 0.5%, got ${shown(text)}`);
    const value = Number(match[1]);
    if (value > 100)
        return fail(`expected a percentage from 0% to 100%, got ${shown(text)}`);
    return ok(value / 100);
}
function parseInteger(text, min, max) {
    const trimmed = text.trim();
    if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
        return fail(`expected a whole number from ${min} to ${max}, got ${shown(text)}`);
    }
    return ok(Number(trimmed));
}
/** The YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts them. */
function parseBoolean(text) {
    const trimmed = text.trim();
    if (['true', 'True', 'TRUE'].includes(trimmed))
        return ok(true);
    if (['false', 'False', 'FALSE'].includes(trimmed))
        return ok(false);
    return fail(`expected true or false, got ${shown(text)}`);
}
function parseChoice(text, choices) {
    const trimmed = text.trim();
    if (choices.includes(trimmed))
        return ok(trimmed);
    return fail(`expected one of ${choices.join(', ')}, got ${shown(text)}`);
}
/** An http(s) URL with no whitespace or control characters. */
function parseUrl(text) {
    const trimmed = text.trim();
    if (/[\s\x00-\x1f\x7f]/.test(trimmed))
        return fail(`expected a URL without spaces or control characters, got ${shown(text)}`);
    try {
        const url = new URL(trimmed);
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
            return fail(`expected an http:// or https:// URL, got ${shown(text)}`);
    }
    catch {
        return fail(`expected a URL such as http://127.0.0.1/healthz, got ${shown(text)}`);
    }
    return ok(trimmed);
}
/** An absolute path on the remote host; no newlines or control characters. */
function parsePath(text) {
    const trimmed = text.trim();
    if (!trimmed.startsWith('/') || /[\x00-\x1f\x7f]/.test(trimmed)) {
        return fail(`expected an absolute path such as /var/log/nginx/access.log, got ${shown(text)}`);
    }
    return ok(trimmed);
}
/** A systemd unit name: letters, digits and `:-_.\@`, as systemd allows. */
function parseUnit(text) {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9:_.\\@-]{1,255}$/.test(trimmed) || trimmed.startsWith('-')) {
        return fail(`expected a systemd unit name such as nginx or app.service, got ${shown(text)}`);
    }
    return ok(trimmed);
}
/** A single-line shell command (a user's own command, run as written). */
function parseCommand(text) {
    const trimmed = text.trim();
    if (trimmed.includes('\0'))
        return fail('expected a shell command without NUL bytes');
    return ok(trimmed);
}
/**
 * The path of HAProxy's admin socket. It ends up in socat's `UNIX-CONNECT:<path>`, where socat
 * itself reads `,` (address options such as `fork` or `exec=`), `:` (parameters), `!!` (a second
 * address) and quotes; shell quoting cannot help there, so only plain path characters pass.
 */
function parseSocketPath(text) {
    const path = parsePath(text);
    if (!path.ok)
        return fail(`expected an absolute path such as /run/haproxy/admin.sock, got ${shown(text)}`);
    if (!/^[A-Za-z0-9/._+@-]+$/.test(path.value)) {
        return fail(`expected a path of letters, digits and /._+@- (socat reads , : ! and quotes in it as address syntax), got ${shown(text)}`);
    }
    return ok(path.value);
}
/**
 * HAProxy backend and server names: letters, digits and `-_.:`, not starting with `-` (a name is
 * also handed to the user's drain/ready commands, where a leading `-` would read as an option).
 */
function parseProxyName(text) {
    const trimmed = text.trim();
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(trimmed))
        return fail(`expected a name of letters, digits and -_.: , got ${shown(text)}`);
    if (trimmed.startsWith('-'))
        return fail(`must not start with "-" (a command given it would read it as an option), got ${shown(text)}`);
    return ok(trimmed);
}

;// CONCATENATED MODULE: ./src/settings/batches.ts

const batches_ok = (value) => ({ ok: true, value });
const batches_fail = (error) => ({ ok: false, error });
/** `5` or `25%` (0 < p <= 100); anything else is an error sentence naming what was expected. */
function parseSize(item, what) {
    const count = /^\d+$/.exec(item);
    if (count) {
        const n = Number(item);
        if (n < 1 || n > 100_000)
            return batches_fail(`${what} must be a number of hosts from 1 to 100000 or a percentage, got ${shown(item)}`);
        return batches_ok({ count: n });
    }
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(item);
    if (pct) {
        const p = Number(pct[1]);
        if (!(p > 0 && p <= 100))
            return batches_fail(`${what} must be a percentage above 0% and at most 100%, got ${shown(item)}`);
        return batches_ok({ percent: p });
    }
    return batches_fail(`${what} must be a number of hosts (5) or a percentage of the fleet (25%), got ${shown(item)}`);
}
/**
 * `batches`, Ansible's `serial` list: `1`, `1, 5, 25%`, one per line, or a YAML flow list `[1, 5, 25%]`.
 * The last entry repeats until every host had its turn.
 */
function parseBatches(text) {
    const body = text.trim().replace(/^\[(.*)\]$/s, '$1');
    const items = body.split(/[\n,]/).map((i) => i.trim().replace(/^-\s+/, ''));
    if (items.length === 0 || (items.length === 1 && items[0] === ''))
        return batches_fail('expected a list such as 1, 5, 25%');
    const sizes = [];
    for (const [i, item] of items.entries()) {
        if (item === '')
            return batches_fail(`entry ${i + 1} is empty; expected a list such as 1, 5, 25% (got ${shown(text)})`);
        const size = parseSize(item, `entry ${i + 1}`);
        if (!size.ok)
            return size;
        sizes.push(size.value);
    }
    return batches_ok(sizes);
}
/**
 * A share of `total` hosts as a count. Rounded DOWN, and at least 1: a percentage is a ceiling on
 * how much of the fleet is out at once (25% of 9 hosts is 2, never 3), and a batch of 0 would
 * never finish.
 */
function shareOf(percent, total) {
    return Math.max(1, Math.floor((percent * total) / 100 + 1e-9));
}
/**
 * The size of every batch for `total` hosts, in order: each entry once, the last one repeated, and
 * a last partial batch with whatever is left. `1, 3` over 9 hosts: 1, 3, 3, 2.
 */
function batchSizes(spec, total) {
    const sizes = [];
    let left = total;
    for (let i = 0; left > 0; i++) {
        const entry = spec[Math.min(i, spec.length - 1)] ?? { count: 1 };
        const size = Math.min(left, 'count' in entry ? entry.count : shareOf(entry.percent, total));
        sizes.push(size);
        left -= size;
    }
    return sizes;
}
/**
 * `max-failed-hosts`: a count, or a percentage of the fleet rounded down (10% of 9 hosts is 0:
 * a tolerance is never larger than asked for).
 */
function parseMaxFailed(text, total) {
    const t = text.trim();
    if (/^\d+$/.test(t))
        return Number(t) <= 100_000 ? batches_ok(Number(t)) : batches_fail(`expected a number of hosts from 0 to 100000, got ${shown(text)}`);
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
    if (pct && Number(pct[1]) <= 100)
        return batches_ok(Math.floor((Number(pct[1]) * total) / 100 + 1e-9));
    return batches_fail(`expected a number of hosts (2) or a percentage of the fleet from 0% to 100% (10%), got ${shown(text)}`);
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/settings/hosts.ts



const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
function checkAddress(address) {
    if ((0,external_node_net_.isIP)(address))
        return undefined;
    if (HOSTNAME.test(address))
        return undefined;
    return `${shown(address)} is not a host name, IPv4 or IPv6 address`;
}
function checkPort(text) {
    const port = Number(text);
    return /^\d+$/.test(text) && port >= 1 && port <= 65535 ? port : `port ${shown(text)} is not a number from 1 to 65535`;
}
/** `[user@]address[:port]`, IPv6 as `[addr]` or `[addr]:port` (a bare IPv6 address has no port). */
function parseTarget(text, defaults) {
    const entry = text.trim();
    let rest = entry;
    let user = defaults.user;
    const at = rest.indexOf('@');
    if (at >= 0) {
        user = rest.slice(0, at);
        rest = rest.slice(at + 1);
        if (!USER.test(user))
            return `${shown(entry)}: user ${shown(user)} is not a valid user name`;
    }
    let host;
    let port = defaults.port;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (bracketed?.[1] !== undefined) {
        host = bracketed[1];
        if ((0,external_node_net_.isIP)(host) !== 6)
            return `${shown(entry)}: only IPv6 addresses go in brackets`;
        if (bracketed[2] !== undefined)
            port = checkPort(bracketed[2]);
    }
    else if ((rest.match(/:/g) ?? []).length >= 2) {
        host = rest; // a bare IPv6 address: no port can be told apart from it
    }
    else {
        const colon = rest.lastIndexOf(':');
        host = colon >= 0 ? rest.slice(0, colon) : rest;
        if (colon >= 0)
            port = checkPort(rest.slice(colon + 1));
    }
    if (typeof port === 'string')
        return `${shown(entry)}: ${port}`;
    const bad = checkAddress(host);
    if (bad)
        return host === entry ? bad : `${shown(entry)}: ${bad}`;
    return { host, port, user, name: host };
}
/** More hops than any real network needs: a longer chain is a mistake (or a loop). */
const MAX_JUMP_HOPS = 8;
/**
 * A jump chain in OpenSSH's ProxyJump form: `[user@]host[:port]`, several separated by commas,
 * first hop first; `none` (or empty) for a direct connection. A hop's user defaults to the `user`
 * input and its port to 22 (not the `port` input, which is the hosts' SSH port). Returns the hops,
 * or why the text is not a chain.
 */
function parseJumpChain(text, user) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed === 'none')
        return [];
    const parts = trimmed.split(',').map((p) => p.trim());
    if (parts.some((p) => p === ''))
        return `${shown(trimmed)}: an empty hop between commas`;
    if (parts.length > MAX_JUMP_HOPS)
        return `${shown(trimmed)}: ${parts.length} hops; at most ${MAX_JUMP_HOPS}`;
    const hops = [];
    for (const part of parts) {
        if (/^ssh:\/\//i.test(part))
            return `${shown(part)}: write the hop as [user@]host[:port], without ssh://`;
        const hop = parseTarget(part, { user, port: 22 });
        if (typeof hop === 'string')
            return hop;
        const address = `${hop.host.toLowerCase()}:${hop.port}`;
        if (hops.some((h) => `${h.host.toLowerCase()}:${h.port}` === address))
            return `${shown(trimmed)}: ${shown(part)} appears twice (a loop)`;
        hops.push({ ...hop, name: hop.port === 22 ? hop.host : `${hop.host}:${hop.port}` });
    }
    return hops;
}
function isYamlList(text) {
    const first = text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    return first !== undefined && /^\s*-(\s|$)/.test(first);
}
function fromMapping(item, index, defaults) {
    const where = `item ${index + 1}`;
    const unknown = Object.keys(item).filter((k) => !['host', 'port', 'user', 'name', 'jump'].includes(k));
    if (unknown.length)
        return `${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected host, port, user, name, jump)`;
    if (typeof item.host !== 'string' || item.host.trim() === '')
        return `${where}: "host" is required`;
    const host = item.host.trim();
    const bad = checkAddress(host.replace(/^\[(.*)\]$/, '$1'));
    if (bad)
        return `${where}: ${bad}`;
    let port = defaults.port;
    if (item.port !== undefined) {
        const checked = checkPort(String(item.port));
        if (typeof checked === 'string')
            return `${where}: ${checked}`;
        port = checked;
    }
    let user = defaults.user;
    if (item.user !== undefined) {
        user = String(item.user);
        if (!USER.test(user))
            return `${where}: user ${shown(user)} is not a valid user name`;
    }
    const address = host.replace(/^\[(.*)\]$/, '$1');
    let name = address;
    if (item.name !== undefined) {
        const parsed = parseProxyName(String(item.name));
        if (!parsed.ok)
            return `${where}: name ${parsed.error}`;
        name = parsed.value;
    }
    if (item.jump === undefined)
        return { host: address, port, user, name };
    // The host's own chain, or `none`: overrides jump-hosts for this host alone.
    if (typeof item.jump !== 'string')
        return `${where}: jump must be a string: [user@]host[:port], comma-separated, or none`;
    const jump = parseJumpChain(item.jump, defaults.user);
    if (typeof jump === 'string')
        return `${where}: jump ${jump}`;
    return { host: address, port, user, name, jump };
}
/**
 * The `hosts` input: one target per line or comma-separated, or a YAML list whose items are
 * mappings (`host`, `port`, `user`, `name`, `jump`) or plain targets. Order is rollout order.
 */
function parseHosts(text, defaults) {
    const errors = [];
    const hosts = [];
    const add = (result) => {
        if (typeof result === 'string')
            errors.push(result);
        else
            hosts.push(result);
    };
    if (isYamlList(text)) {
        let items;
        try {
            items = (0,dist/* parse */.qg)(text);
        }
        catch (err) {
            return { ok: false, errors: [`not a valid YAML list: ${err.message.split('\n')[0]}`] };
        }
        if (!Array.isArray(items))
            return { ok: false, errors: ['expected a YAML list of hosts'] };
        items.forEach((item, index) => {
            if (typeof item === 'string')
                add(parseTarget(item, defaults));
            else if (item && typeof item === 'object' && !Array.isArray(item))
                add(fromMapping(item, index, defaults));
            else
                errors.push(`item ${index + 1}: expected a mapping with "host" or a "user@host:port" string`);
        });
    }
    else {
        text
            .split(/[\n,]/)
            .map((s) => s.trim())
            .filter((s) => s !== '' && !s.startsWith('#'))
            .forEach((entry) => add(parseTarget(entry, defaults)));
    }
    if (errors.length === 0 && hosts.length === 0)
        errors.push('expected at least one host');
    // Several ports of one address (NAT, containers) get `address:port` names unless named.
    const perHost = new Map();
    for (const h of hosts)
        perHost.set(h.host, (perHost.get(h.host) ?? 0) + 1);
    for (const h of hosts) {
        if (h.name === h.host && (perHost.get(h.host) ?? 0) > 1)
            h.name = h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
    }
    const targets = new Set();
    const names = new Set();
    for (const h of hosts) {
        const target = `${h.host.toLowerCase()}:${h.port}`;
        if (targets.has(target))
            errors.push(`host ${shown(`${h.host}:${h.port}`)} appears twice`);
        else if (names.has(h.name))
            errors.push(`name ${shown(h.name)} appears twice`);
        targets.add(target);
        names.add(h.name);
    }
    return errors.length ? { ok: false, errors } : { ok: true, hosts };
}

;// CONCATENATED MODULE: ./src/settings/metrics-sources.ts

/** Defaults fit HAProxy's built-in exporter (`http-request use-service prometheus-exporter`). */
const DEFAULT_REQUESTS_QUERY = 'sum(haproxy_server_http_responses_total{server="{name}"})';
const DEFAULT_ERRORS_QUERY = 'sum(haproxy_server_http_responses_total{server="{name}",code="5xx"})';
const DEFAULT_SCRAPE_SERIES = 'haproxy_server_http_responses_total{server="{name}",code="5xx"}';
const METRICS_VIA = ['runner', 'lb-host', 'host'];
/** A series selector: a metric name with optional matchers, nothing else. */
function parseSelector(text) {
    const t = text.trim();
    const bare = t.replace(/\{(host|name)\}/g, 'x');
    if (/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/.test(bare) || /^\{[^{}]+\}$/.test(bare))
        return { ok: true, value: t };
    return { ok: false, error: `expected a series selector such as up{job="haproxy"}, got ${shown(text)}` };
}
function parseQuery(text) {
    const t = text.trim();
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(t))
        return { ok: false, error: 'expected a PromQL query without control characters' };
    return { ok: true, value: t.replace(/\s*\n\s*/g, ' ') };
}
function authorization(r) {
    const token = r.given('prometheus-token') ? r.raw('prometheus-token').trim() : '';
    const basic = r.given('prometheus-basic-auth') ? r.raw('prometheus-basic-auth').trim() : '';
    // Secrets: never quoted in an error.
    if (token && basic)
        r.complain('prometheus-basic-auth', 'set either prometheus-token or prometheus-basic-auth, not both');
    if (/[\s\x00-\x1f]/.test(token))
        r.complain('prometheus-token', 'expected a bearer token without spaces or control characters');
    if (basic && (!basic.includes(':') || /[\x00-\x1f]/.test(basic)))
        r.complain('prometheus-basic-auth', 'expected user:password on one line');
    if (token)
        return `Bearer ${token}`;
    if (basic)
        return `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
    return null;
}
/** prometheus-via / check-command-via: lb-host needs a load balancer reached over SSH; host works with any lb. */
function readVia(r, input, lbKind, what) {
    const via = r.take(input, (t) => parseChoice(t, METRICS_VIA), 'runner');
    if (via === 'lb-host' && (lbKind === 'none' || lbKind === 'command'))
        r.complain(input, `lb-host needs lb: haproxy or nginx (its SSH connection runs ${what}); or use host, the watched host itself`);
    return via;
}
function readPrometheus(r, active, lbKind) {
    if (!active) {
        if (r.given('prometheus-url'))
            r.complain('prometheus-url', 'is set but check-source is not prometheus');
        return null;
    }
    if (!r.given('prometheus-url'))
        r.complain('prometheus-url', 'is required when check-source is prometheus: the base URL of Prometheus, e.g. http://prometheus:9090');
    const via = readVia(r, 'prometheus-via', lbKind, 'curl');
    const settings = {
        url: r.given('prometheus-url') ? r.take('prometheus-url', parseUrl, '') : '',
        requestsQuery: r.take('prometheus-requests-query', parseQuery, DEFAULT_REQUESTS_QUERY),
        errorsQuery: r.take('prometheus-errors-query', parseQuery, DEFAULT_ERRORS_QUERY),
        scrapeSeries: r.take('prometheus-scrape-series', parseSelector, DEFAULT_SCRAPE_SERIES),
        minScrapes: r.take('prometheus-min-scrapes', (t) => parseInteger(t, 1, 1000), 3),
        via,
        authorization: authorization(r),
        tlsVerify: r.take('prometheus-tls-verify', parseBoolean, true),
    };
    for (const [name, q] of [
        ['prometheus-requests-query', settings.requestsQuery],
        ['prometheus-errors-query', settings.errorsQuery],
    ]) {
        if (!/\{(host|name)\}/.test(q))
            r.complain(name, `must pick out one host with {host} or {name}, got ${shown(q)}`);
    }
    return settings;
}
function readCommandSource(r, active, lbKind) {
    if (!active) {
        if (r.given('check-command'))
            r.complain('check-command', 'is set but check-source is not command');
        return null;
    }
    if (!r.given('check-command'))
        r.complain('check-command', 'is required when check-source is command: it prints {"requests": N, "errors": M} for {host}/{name} and {since}/{until}');
    const timeoutMs = r.take('check-command-timeout', parseDuration, 20_000);
    if (timeoutMs < 1000)
        r.complain('check-command-timeout', 'must be at least 1s');
    const via = readVia(r, 'check-command-via', lbKind, 'the command');
    return { command: r.given('check-command') ? r.take('check-command', parseCommand, '') : '', timeoutMs, via };
}

;// CONCATENATED MODULE: ./src/settings/read-sections.ts



/** connect-timeout, command-timeout, sudo and preflight-concurrency. */
function readConnection(r) {
    return {
        connectTimeoutMs: r.take('connect-timeout', parseDuration, 10_000),
        commandTimeoutMs: r.take('command-timeout', parseDuration, 60_000),
        sudo: r.take('sudo', parseBoolean, false),
        preflightConcurrency: r.take('preflight-concurrency', (t) => parseInteger(t, 1, 64), 16),
    };
}
/** How a host is drained: the wait, what a timeout means, the capacity guard, where in-flight is counted. */
function readDrain(r) {
    return {
        timeoutMs: r.take('drain-timeout', parseDuration, 60_000),
        onTimeout: r.take('on-drain-timeout', (t) => parseChoice(t, ['fail', 'proceed']), 'fail'),
        minHealthy: r.take('min-healthy', (t) => parseInteger(t, 0, 10_000), 1),
        force: r.take('force-drain', parseBoolean, false),
        notInService: r.take('not-in-service', (t) => parseChoice(t, ['skip', 'refuse']), 'skip'),
        stubStatusUrl: r.optional('stub-status-url', parseUrl),
        port: r.take('drain-port', (t) => parseInteger(t, 1, 65535), 80),
    };
}
/** When a changed host counts as ready again. */
function readReadiness(r, url) {
    return {
        url,
        timeoutMs: r.take('readiness-timeout', parseDuration, 60_000),
        successes: r.take('readiness-successes', (t) => parseInteger(t, 1, 100), 2),
        intervalMs: r.take('readiness-interval', parseDuration, 500),
    };
}
/** The error check: its window, source and limits. */
function readCheck(r, source, url, lbKind) {
    const reader = { raw: r.raw.bind(r), given: r.isGiven.bind(r), take: r.take.bind(r), complain: r.complain.bind(r) };
    return {
        windowMs: r.take('check-window', parseDuration, 30_000),
        source,
        accessLog: r.take('access-log', parsePath, '/var/log/nginx/access.log'),
        maxErrorRate: r.take('max-error-rate', parsePercent, 0.01),
        minRequests: r.take('min-requests', (t) => parseInteger(t, 0, 1_000_000), 20),
        failOnInconclusive: r.take('fail-on-inconclusive', parseBoolean, false),
        url,
        prometheus: readPrometheus(reader, source === 'prometheus', lbKind),
        command: readCommandSource(reader, source === 'command', lbKind),
        fleetRelative: r.take('fleet-relative', parseBoolean, true),
    };
}
function readLbHost(r, defaults) {
    if (!r.isGiven('lb-host'))
        return null;
    const target = parseTarget(r.given('lb-host'), defaults);
    if (typeof target === 'string') {
        r.complain('lb-host', `expected [user@]address[:port]: ${target}`);
        return null;
    }
    return { ...target, name: 'load balancer', ...(defaults.jump.length ? { jump: defaults.jump } : {}) };
}
/** The load balancer in front of the hosts: its kind, its SSH host, and what each kind needs. */
function readLb(r, defaults, platform) {
    const kind = r.take('lb', (t) => parseChoice(t, ['none', 'haproxy', 'nginx', 'command']), 'none');
    const host = readLbHost(r, defaults);
    const placeholder = { host: '', port: 22, user: 'root', name: 'load balancer' };
    switch (kind) {
        case 'none':
            if (r.isGiven('lb-host'))
                r.complain('lb-host', 'is set but lb is none; set lb to haproxy, nginx or command');
            return { kind };
        case 'haproxy':
            if (!host && !r.isGiven('lb-host'))
                r.complain('lb-host', 'is required when lb is haproxy: the SSH target that can reach the runtime API socket');
            if (!r.isGiven('haproxy-backend'))
                r.complain('haproxy-backend', 'is required when lb is haproxy: the backend holding the hosts');
            return {
                kind,
                host: host ?? placeholder,
                socket: r.take('haproxy-socket', parseSocketPath, '/run/haproxy/admin.sock'),
                backend: r.isGiven('haproxy-backend') ? r.take('haproxy-backend', parseProxyName, '') : '',
            };
        case 'nginx':
            if (!host && !r.isGiven('lb-host'))
                r.complain('lb-host', 'is required when lb is nginx: the SSH target of the nginx load balancer');
            return {
                kind,
                host: host ?? placeholder,
                upstreamConfig: r.take('nginx-upstream-config', parsePath, '/etc/nginx/conf.d/upstream.conf'),
                service: r.take('nginx-lb-service', parseUnit, 'nginx'),
            };
        case 'command':
            if (!r.isGiven('drain-command'))
                r.complain('drain-command', 'is required when lb is command');
            if (!r.isGiven('ready-command'))
                r.complain('ready-command', 'is required when lb is command');
            if (platform === 'win32' && !r.isGiven('lb-host')) {
                // Local commands are bounded by killing their process group (runtime/local-shell.ts),
                // which Windows does not have: a hung command there would outlive its time limit.
                for (const name of ['drain-command', 'ready-command']) {
                    r.complain(name, 'would run on this Windows runner, where the action cannot kill it at its time limit; use a Linux or macOS runner, or set lb-host to run it there');
                }
            }
            return {
                kind,
                host,
                drainCommand: r.take('drain-command', parseCommand, ''),
                readyCommand: r.take('ready-command', parseCommand, ''),
            };
    }
}

// EXTERNAL MODULE: ./src/settings/inputs.ts
var inputs = __webpack_require__(7428);
;// CONCATENATED MODULE: ./src/settings/input-reader.ts

/**
 * Reads raw inputs for readSettings: an empty input means its default, and every problem is
 * collected (naming its input) instead of thrown, so that a user sees them all in one run.
 */
class InputReader {
    source;
    errors = [];
    warnings = [];
    constructor(source) {
        this.source = source;
    }
    /** The input as given, or its default when empty. */
    raw(name) {
        const given = this.source(name);
        return given.trim() === '' ? inputs/* INPUT_DEFAULTS */.W[name] : given;
    }
    /** The input exactly as given ('' when not). */
    given(name) {
        return this.source(name);
    }
    isGiven(name) {
        return this.source(name).trim() !== '';
    }
    complain(name, error) {
        this.errors.push(`Input '${name}': ${error}`);
    }
    /** The parsed input (its default when empty); on a parse error, the complaint and `fallback`. */
    take(name, parse, fallback) {
        const result = parse(this.raw(name));
        if (result.ok)
            return result.value;
        this.complain(name, result.error);
        return fallback;
    }
    /** The parsed input when given, else null. */
    optional(name, parse) {
        return this.isGiven(name) ? this.take(name, parse, null) : null;
    }
    /** A list input: one item per line (or per `separator`), blanks and (with `comments`) `#` lines dropped. */
    list(name, separator = /\n/, comments = true) {
        return this.raw(name)
            .split(separator)
            .map((l) => l.trim())
            .filter((l) => l !== '' && !(comments && l.startsWith('#')));
    }
}

// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
;// CONCATENATED MODULE: ./src/settings/private-key.ts

/** Why a private key cannot be used, without ever quoting the key or the passphrase. */
function checkPrivateKey(key, passphrase, names = { key: 'private-key', passphrase: 'passphrase' }) {
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(key)) {
        return {
            input: names.key,
            error: 'expected the text of an OpenSSH or PEM private key (-----BEGIN … PRIVATE KEY-----); a path or public key will not do',
        };
    }
    const parsed = lib.utils.parseKey(key, passphrase);
    if (!(parsed instanceof Error))
        return undefined;
    if (/no passphrase/i.test(parsed.message))
        return { input: names.passphrase, error: 'the private key is encrypted; give its passphrase' };
    if (passphrase && /(bad passphrase|decrypt|integrity)/i.test(parsed.message)) {
        return { input: names.passphrase, error: `does not decrypt ${names.key}` };
    }
    return { input: names.key, error: `the key cannot be read: ${parsed.message}` };
}
/** A key input as ssh2 wants it: LF line ends and one final newline. */
function keyText(text) {
    return `${text.replace(/\r\n/g, '\n').trim()}\n`;
}

;// CONCATENATED MODULE: ./src/settings/read-jumps.ts


/** The jump chain an input names ([] for none or empty); a bad chain is a complaint naming the input. */
function readChain(r, name, user) {
    const chain = parseJumpChain(r.raw(name), user);
    if (typeof chain !== 'string')
        return chain;
    r.complain(name, `expected [user@]host[:port], several separated by commas (as OpenSSH's ProxyJump), or none: ${chain}`);
    return [];
}
/**
 * jump-hosts for every host that does not name its own `jump` in the hosts list; lb-jump for the
 * load balancer, which follows jump-hosts unless told otherwise (it usually sits in the same
 * private network). Returns the hosts with their routes, and the load balancer's chain.
 */
function readRoutes(r, hosts, user) {
    const common = readChain(r, 'jump-hosts', user);
    const lbJump = r.isGiven('lb-jump') ? readChain(r, 'lb-jump', user) : common;
    if (r.isGiven('lb-jump') && !r.isGiven('lb-host'))
        r.complain('lb-jump', 'is set but lb-host is not: it is the route to lb-host');
    return { hosts: hosts.map((h) => (h.jump === undefined && common.length ? { ...h, jump: common } : h)), lbJump };
}
/**
 * jump-private-key and jump-passphrase: the jump hosts' own key, when they do not take the hosts'
 * key. Secrets are never echoed in any message.
 */
function readJumpCredentials(r, anyJump) {
    if (!r.isGiven('jump-private-key')) {
        if (r.isGiven('jump-passphrase'))
            r.complain('jump-passphrase', 'is set but jump-private-key is not');
        return {};
    }
    if (!anyJump)
        r.complain('jump-private-key', "is set but no host goes through a jump host (jump-hosts, a host's jump, lb-jump)");
    const privateKey = keyText(r.given('jump-private-key'));
    const passphrase = r.isGiven('jump-passphrase') ? r.given('jump-passphrase') : undefined;
    const problem = checkPrivateKey(privateKey, passphrase, { key: 'jump-private-key', passphrase: 'jump-passphrase' });
    if (problem)
        r.complain(problem.input, problem.error);
    return { jumpCredentials: { privateKey, ...(passphrase ? { passphrase } : {}) } };
}

;// CONCATENATED MODULE: ./src/settings/read-settings.ts








/**
 * user, port, hosts and their routes: the targets in rollout order (each with its jump chain), the
 * defaults their entries fall back on, and the load balancer's jump chain.
 */
function readTargets(r) {
    const { hosts, defaults } = readHostList(r);
    return { ...readRoutes(r, hosts, defaults.user), defaults };
}
/** user, port and hosts: the targets in rollout order, and the defaults their entries fall back on. */
function readHostList(r) {
    const user = r.raw('user').trim();
    if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user))
        r.complain('user', `expected a user name, got ${shown(user)}`);
    const defaults = { user, port: r.take('port', (t) => parseInteger(t, 1, 65535), 22) };
    if (!r.isGiven('hosts')) {
        r.complain('hosts', 'is required: the targets in rollout order, one per line or comma-separated');
        return { hosts: [], defaults };
    }
    const parsed = parseHosts(r.given('hosts'), defaults);
    if (parsed.ok)
        return { hosts: parsed.hosts, defaults };
    parsed.errors.forEach((e) => r.complain('hosts', e));
    return { hosts: [], defaults };
}
/** The private key (with its passphrase) or an ssh-agent; secrets are never echoed in any message. */
function readCredentials(r, env) {
    const privateKey = r.isGiven('private-key') ? keyText(r.given('private-key')) : undefined;
    const passphrase = r.isGiven('passphrase') ? r.given('passphrase') : undefined;
    const agent = env.SSH_AUTH_SOCK || undefined;
    if (privateKey) {
        const problem = checkPrivateKey(privateKey, passphrase);
        if (problem)
            r.complain(problem.input, problem.error);
    }
    else if (!agent) {
        r.complain('private-key', 'is required (or an ssh-agent through SSH_AUTH_SOCK)');
    }
    return { ...(privateKey ? { privateKey } : {}), ...(passphrase ? { passphrase } : {}), ...(!privateKey && agent ? { agent } : {}) };
}
const CA_WHY = 'host certificates are not checked by this action, so such a line trusts no host';
const CA_FIX = "add each host's own key line instead (ssh-keyscan HOST from a trusted network)";
/** known-hosts holds nothing but @cert-authority lines: every host would be refused. */
function certAuthorityOnly(lines) {
    return `has only @cert-authority lines (line ${lines.join(', ')}): ${CA_WHY}; ${CA_FIX}`;
}
/** Some @cert-authority lines: named, with the hosts they alone cover (those will be refused). */
function certAuthorityWarning(lines, hosts, knownHosts) {
    const only = hosts.filter((h) => knownHosts.certAuthorityLines(h).length && !knownHosts.algorithmsFor(h)).map((h) => h.name);
    const refused = only.length ? ` Hosts known only through it will be refused: ${only.join(', ')}.` : '';
    const which = lines.length === 1 ? `line ${lines[0]} is a @cert-authority line` : `lines ${lines.join(', ')} are @cert-authority lines`;
    return `Input 'known-hosts': ${which}: ${CA_WHY}.${refused} To trust a host, ${CA_FIX}.`;
}
/** host-key-check and known-hosts: strict checking needs the hosts' keys. */
function readHostKeys(r, hosts) {
    const hostKeyCheck = r.take('host-key-check', (t) => parseChoice(t, ['strict', 'off']), 'strict');
    const knownHosts = (0,known_hosts/* parseKnownHosts */.uJ)(r.raw('known-hosts'));
    knownHosts.problems.forEach((p) => r.complain('known-hosts', p));
    const caLines = knownHosts.entries.filter((e) => e.marker === 'cert-authority').map((e) => e.line);
    if (hostKeyCheck === 'strict' && knownHosts.entries.length === caLines.length && knownHosts.problems.length === 0) {
        r.complain('known-hosts', caLines.length
            ? certAuthorityOnly(caLines)
            : "is required while host-key-check is strict: give the hosts' known_hosts lines (ssh-keyscan them once from a trusted network), or set host-key-check: off");
    }
    else if (hostKeyCheck === 'strict' && caLines.length) {
        r.warnings.push(certAuthorityWarning(caLines, hosts, new known_hosts/* KnownHosts */.BV(knownHosts.entries)));
    }
    if (hostKeyCheck === 'off')
        r.warnings.push('host-key-check is off: any host key is accepted, so a machine in the middle could receive these commands.');
    return { hostKeyCheck, knownHosts: knownHosts.entries };
}
/** The service, its validate-command (nginx -t for nginx unless told otherwise) and the strategy. */
function readChange(r) {
    const service = r.take('service', parseUnit, 'nginx');
    const isNginx = /^nginx(\.service)?$/.test(service);
    const validate = r.isGiven('validate-command') ? r.take('validate-command', parseCommand, '') : isNginx ? 'nginx -t' : '';
    const strategy = r.take('strategy', (t) => parseChoice(t, ['auto', 'reload', 'drain-restart', 'restart']), 'auto');
    return { service, validateCommand: validate === '' || validate === 'none' ? null : validate, strategy };
}
/** The inputs that only make sense together: a check source and what it reads, a strategy and an lb. */
function crossCheck(r, { check, lb, strategy }) {
    if (check.source === 'probe' && !check.url)
        r.complain('check-url', 'is required when check-source is probe');
    if (check.source === 'haproxy' && lb.kind !== 'haproxy')
        r.complain('check-source', 'haproxy needs lb: haproxy (its counters are read from the load balancer)');
    if (strategy === 'drain-restart' && lb.kind === 'none') {
        r.complain('strategy', 'drain-restart needs a load balancer to drain from: set lb (haproxy, nginx or command)');
    }
}
/** Limits that a parsed value must also meet. */
function checkLimits(r, settings) {
    if (settings.ssh.commandTimeoutMs < 1000)
        r.complain('command-timeout', 'must be at least 1s');
    if (settings.ssh.connectTimeoutMs < 500)
        r.complain('connect-timeout', 'must be at least 500ms');
    for (const path of settings.checkIgnorePaths) {
        if (!/^\/[^\s?#]*$/.test(path))
            r.complain('check-ignore-paths', `expected request paths such as /healthz, got ${shown(path)}`);
    }
    if (settings.readiness.intervalMs < 50)
        r.complain('readiness-interval', 'must be at least 50ms');
}
/**
 * Turns raw inputs into validated Settings. Every problem is reported at once, each naming its
 * input, so a user fixes a bad configuration in one run. Nothing here touches a host.
 */
function readSettings(source, env = {}, platform = process.platform) {
    const r = new InputReader(source);
    const { hosts, defaults, lbJump } = readTargets(r);
    const credentials = readCredentials(r, env);
    const anyJump = lbJump.length > 0 || hosts.some((h) => h.jump?.length);
    const jumpCredentials = readJumpCredentials(r, anyJump);
    const hostKeys = readHostKeys(r, hosts);
    const change = readChange(r);
    const lb = readLb(r, { ...defaults, jump: lbJump }, platform);
    const readinessUrl = r.optional('readiness-url', parseUrl);
    const checkSource = r.take('check-source', (t) => parseChoice(t, ['access-log', 'haproxy', 'probe', 'prometheus', 'command']), 'access-log');
    const checkUrl = r.optional('check-url', parseUrl);
    crossCheck(r, { check: { source: checkSource, url: checkUrl }, lb, strategy: change.strategy });
    const settings = {
        hosts,
        ssh: { ...credentials, ...jumpCredentials, ...hostKeys, ...readConnection(r) },
        ...change,
        nginxErrorLog: r.take('nginx-error-log', parsePath, '/var/log/nginx/error.log'),
        lb,
        drain: readDrain(r),
        readiness: readReadiness(r, readinessUrl),
        dependencyChecks: r.list('dependency-checks'),
        unitWarnings: r.take('unit-warnings', (t) => parseChoice(t, ['warn', 'refuse']), 'warn'),
        check: readCheck(r, checkSource, checkUrl, lb.kind),
        checkIgnorePaths: r.list('check-ignore-paths', /[\n,]/, false),
        rollbackCommand: r.optional('rollback-command', parseCommand) || null,
        batches: batchSizes(r.take('batches', parseBatches, [{ count: 1 }]), hosts.length),
        maxFailedHosts: r.take('max-failed-hosts', (t) => parseMaxFailed(t, hosts.length), 0),
        lockWaitMs: r.take('lock-wait', parseDuration, 30_000),
        dryRun: r.take('dry-run', parseBoolean, false),
    };
    checkLimits(r, settings);
    return r.errors.length ? { ok: false, errors: r.errors } : { ok: true, settings, warnings: r.warnings };
}


/***/ })

};
;
//# sourceMappingURL=324.index.js.map