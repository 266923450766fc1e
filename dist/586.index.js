"use strict";
exports.id = 586;
exports.ids = [586];
exports.modules = {

/***/ 6586:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(924);
// EXTERNAL MODULE: ./src/action/io.ts + 7 modules
var io = __webpack_require__(8485);
;// CONCATENATED MODULE: ./src/rollout/batch-progress.ts
const DOING = {
    connect: 'connecting',
    inspect: 'inspecting',
    validate: 'validating',
    lock: 'locking',
    drain: 'draining',
    change: 'changing',
    ready: 'waiting for ready',
    return: 'returning',
    watch: 'watching',
    rollback: 'rolling back',
};
/** Where one host of a batch is: `web-4 draining 3 in flight`, `web-6 watching 12 s`, `web-5 done`. */
function hostProgress(run, now) {
    if (run.status === 'success')
        return `${run.name} done`;
    if (run.status === 'failed') {
        const failed = run.phases.find((p) => p.status === 'failed');
        return `${run.name} failed${failed ? ` in ${failed.name}` : ''}`;
    }
    if (run.status === 'skipped')
        return `${run.name} ${run.outOfService ? 'skipped (not in service)' : 'stopped'}`;
    const current = run.current;
    if (!current)
        return `${run.name} waiting`;
    if (current.phase === 'drain')
        return `${run.name} draining ${run.inFlight ?? '?'} in flight`;
    return `${run.name} ${DOING[current.phase]} ${Math.round((now - current.since) / 1000)} s`;
}
/** The live line of a batch: `batch 2/6: web-4 draining 3 in flight, web-5 waiting for ready 2 s, web-6 watching 12 s`. */
function batchProgress(batch, index, total, now) {
    return `batch ${index}/${total}: ${batch.map((run) => hostProgress(run, now)).join(', ')}`;
}

;// CONCATENATED MODULE: ./src/rollout/host-run.ts
/** The verdict of a host whose watch was skipped. */
const UNWATCHED = { requests: 0, errors: 0, rate: 0, verdict: 'skipped', reason: 'check-window is 0' };
/**
 * One host's state through the rollout: what preflight learned, how far its turn got, and what it
 * left behind. The host's report is built from it at the end (toReport), never kept alongside it.
 */
class HostRun {
    target;
    status = 'planned';
    /** Every phase run or skipped, in order (written by runPhase / skipPhase). */
    phases = [];
    warnings = [];
    /** The host, once connected. */
    remote;
    unit;
    choice;
    /** The error check of this host's watch; null when check-window is 0. Created after preflight. */
    errorCheck;
    /** When the change began (runner clock): from then on a failure may need a rollback. */
    changedAt;
    /** The watch phase's verdict. */
    errors = null;
    /** Error lines and journal of a changed host that failed. */
    evidence;
    /** Out of service by an operator's hand, as the load balancer showed it in preflight (or at the return). */
    outOfService;
    /** The batch this host rolls in, from 1 (batches). */
    batch = 1;
    /** The phase of its turn running now, and since when: for the batch's progress line. */
    current;
    /** The latest in-flight count of its drain wait. */
    inFlight;
    /** Locks this run holds on the host itself, released at the end of the host's turn. */
    locks = [];
    constructor(target) {
        this.target = target;
    }
    /** The host's display name (also its server name in the load balancer). */
    get name() {
        return this.target.name;
    }
    /** True once the change phase began. */
    get changed() {
        return this.changedAt !== undefined;
    }
    /** The host's part of the report; `lbState` is where the load balancer has it at the end. */
    toReport(lbState) {
        return {
            host: this.target.host,
            name: this.target.name,
            batch: this.batch,
            status: this.status,
            strategy: this.choice?.label ?? '',
            strategyReason: this.choice?.reason ?? '',
            phases: this.phases,
            errors: this.errors ?? (this.phases.some((p) => p.name === 'watch' && p.status === 'skipped') ? { ...UNWATCHED } : null),
            warnings: this.warnings,
            lbState,
            ...(this.evidence ? { evidence: this.evidence } : {}),
        };
    }
}

// EXTERNAL MODULE: ./src/rollout/locks.ts
var locks = __webpack_require__(6741);
// EXTERNAL MODULE: ./src/rollout/phase.ts
var phase = __webpack_require__(278);
;// CONCATENATED MODULE: ./src/rollout/rotation.ts
/**
 * Where this run has put hosts in the load balancer: the one place a host is taken out of rotation
 * or put back, and the one record of it. Each move is journaled at once (the post step returns
 * what a killed run left drained), and the report's lbState is read from here at the end.
 */
class Rotation {
    journal;
    configured;
    out = new Set();
    balancer = null;
    /** `configured`: the settings name a load balancer (even if it could not be opened). */
    constructor(journal, configured) {
        this.journal = journal;
        this.configured = configured;
    }
    /** The reservation before this one; the next waits for it (see reserve). */
    reservations = Promise.resolve();
    /**
     * Runs `fn` (count the healthy servers, then drain) while no other host of the run does: hosts of
     * a batch drain concurrently, and two that counted at the same moment would both see enough.
     * Each count sees the drains before it applied, so the capacity guard holds across the batch.
     */
    reserve(fn) {
        const next = this.reservations.then(fn);
        this.reservations = next.catch(() => undefined);
        return next;
    }
    /** The open load balancer, once preflight opened it. */
    get lb() {
        return this.balancer;
    }
    use(lb) {
        this.balancer = lb;
    }
    required() {
        if (!this.balancer)
            throw new Error('no load balancer is open');
        return this.balancer;
    }
    /**
     * Takes the host out of rotation; requests in flight continue. Journaled first, with why: an
     * answer can be lost (a timeout, a dropped connection) after the drain was applied, and a killed
     * run must not leave the host out unrecorded.
     */
    async drain(host, why, detail) {
        const lb = this.required();
        this.journal.drained(host, why, detail);
        await lb.drain(host);
        this.out.add(host.name);
    }
    /** A drain whose answer was lost may have been applied: the host counts as drained (and is put back). */
    assumeDrained(host) {
        this.out.add(host.name);
    }
    /** Keeps a drained host out for a new reason (journaled, so a killed run's post step knows it). */
    keepOut(host, why, detail) {
        if (this.isDrained(host))
            this.journal.drained(host, why, detail);
    }
    /** An operator took the drained host over (their maintenance): this run no longer holds it out. */
    release(host) {
        this.out.delete(host.name);
        this.journal.returned(host);
    }
    /**
     * Puts the host back into rotation. Returns whether the load balancer sees it UP when it could
     * tell in the same round trip (undefined otherwise: ask isUp).
     */
    async undrain(host) {
        const lb = this.required();
        let up;
        if (lb.undrainAndCheck)
            up = await lb.undrainAndCheck(host);
        else
            await lb.undrain(host);
        this.out.delete(host.name);
        this.journal.returned(host);
        return up;
    }
    /** True while this run has the host out of rotation. */
    isDrained(host) {
        return this.out.has(host.name);
    }
    /** Where the load balancer has the host now, for the report; `outOfService`: an operator's hand. */
    stateOf(host, outOfService = false) {
        if (!this.configured)
            return 'none';
        if (this.isDrained(host))
            return 'drained';
        return outOfService ? 'not-in-service' : 'in-service';
    }
}

;// CONCATENATED MODULE: ./src/rollout/fleet-run.ts




/** Any throw from a host's turn as the PhaseError the run halts with. */
function asPhaseError(err, host) {
    if (err instanceof phase/* PhaseError */.wo)
        return err;
    return new phase/* PhaseError */.wo(host, 'change', err instanceof Error ? err.message : String(err));
}
/**
 * The state of one rollout: its hosts, the load balancer's rotation and lock, and the halt. Every
 * piece has one owner here or in HostRun / Rotation; the report is built from them at the end.
 */
class FleetRun {
    settings;
    deps;
    startedAt;
    runs;
    rotation;
    /** The hosts in their batches, in order (settings.batches); one host per batch by default. */
    batches;
    /** Hosts whose turn failed, in the order they failed. */
    failed = [];
    /** The load balancer's lock, held from preflight to the run's end. */
    lbLock = null;
    halt = null;
    /** Aborted when the run halts, so the hosts of the batch not yet changed stop at their safe point. */
    stop = new AbortController();
    constructor(settings, deps) {
        this.settings = settings;
        this.deps = deps;
        this.startedAt = deps.clock.now();
        this.runs = settings.hosts.map((target) => new HostRun(target));
        this.rotation = new Rotation(deps.journal, settings.lb.kind !== 'none');
        let next = 0;
        this.batches = settings.batches.map((size, i) => {
            const batch = this.runs.slice(next, next + size);
            next += size;
            for (const run of batch)
                run.batch = i + 1;
            return batch;
        });
    }
    get stopped() {
        return this.stop.signal;
    }
    get halted() {
        return this.halt !== null;
    }
    /** Records why the run halts; the first failure is the one reported. */
    fail(host, phase, reason) {
        this.halt ??= { host, phase, reason };
        this.stop.abort(new Error(`stopped before its change: the run halted at ${this.halt.host} (${this.halt.phase})`));
    }
    /**
     * A host's turn failed. Beyond max-failed-hosts (or when the run was cancelled) the run halts:
     * no later batch starts. Within it, the run goes on and the host is reported failed.
     */
    hostFailed(run, failure) {
        this.failed.push(run);
        const max = this.settings.maxFailedHosts;
        if (this.deps.signal.aborted || this.failed.length > max)
            return this.fail(run.name, failure.phase, failure.message);
        const text = `${run.name} failed in ${failure.phase}; tolerated (${this.failed.length} of max-failed-hosts ${max}), the run goes on`;
        run.warnings.push(text);
        this.deps.log.warning(text);
    }
    /** Gives back every lock this run still holds and closes every connection. Never throws. */
    async close() {
        const { deps } = this;
        for (const run of this.runs)
            await releaseHostLocks(run, deps);
        if (this.lbLock) {
            await this.lbLock.stop?.();
            if (await (0,locks/* releaseLock */.x_)(this.lbLock.remote, this.lbLock.name, deps.owner))
                deps.journal.unlocked(this.lbLock.remote.connection.target, this.lbLock.name);
            this.lbLock = null;
        }
        await Promise.allSettled([...this.runs.map((r) => r.remote?.close()), this.rotation.lb?.close()]);
        await deps.connector.close?.().catch(() => undefined);
    }
    /** The report of the run as it stands: hosts, where the load balancer has them, the halt, times. */
    report() {
        const hosts = this.runs.map((run) => {
            if (this.halted && run.status === 'planned')
                run.status = 'skipped';
            return run.toReport(this.rotation.stateOf(run.target, run.outOfService !== undefined));
        });
        const halt = this.halt;
        const failedBatch = halt ? this.runs.find((r) => r.name === halt.host)?.batch : undefined;
        return {
            status: halt ? 'failed' : 'success',
            strategy: this.settings.strategy,
            startedAt: new Date(this.startedAt).toISOString(),
            durationMs: this.deps.clock.now() - this.startedAt,
            dryRun: this.settings.dryRun,
            failedHost: halt?.host ?? '',
            failedPhase: halt?.phase ?? '',
            ...(failedBatch ? { failedBatch } : {}),
            batches: this.batches.length,
            reason: halt?.reason ?? '',
            hosts,
            waitMs: hosts.reduce((n, h) => n + h.phases.reduce((m, p) => m + p.waitMs, 0), 0),
        };
    }
}
/**
 * Gives back the locks a host's turn took, so the next run (or host) can go on. One the host did
 * not confirm stays in the journal: if the run is killed, whoever reconciles it tries again.
 */
async function releaseHostLocks(run, deps) {
    for (const lock of run.locks.splice(0).reverse()) {
        if (await (0,locks/* releaseLock */.x_)(lock.remote, lock.name, deps.owner))
            deps.journal.unlocked(lock.remote.connection.target, lock.name);
    }
}
/** A host's turn is over: its locks go back, then its connection (held only while it is rolled). */
async function releaseHost(run, deps) {
    await releaseHostLocks(run, deps);
    // Connections are held only for the hosts being rolled, so memory stays flat as the fleet grows.
    await run.remote?.release();
}

// EXTERNAL MODULE: ./src/checks/readiness.ts
var checks_readiness = __webpack_require__(2101);
// EXTERNAL MODULE: ./src/remote/commands/exec.ts
var exec = __webpack_require__(2852);
// EXTERNAL MODULE: ./src/runtime/log.ts
var log = __webpack_require__(390);
// EXTERNAL MODULE: ./src/remote/commands/nginx.ts
var nginx = __webpack_require__(2657);
// EXTERNAL MODULE: ./src/remote/commands/systemd.ts
var systemd = __webpack_require__(306);
// EXTERNAL MODULE: ./src/remote/remote-host.ts + 1 modules
var remote_host = __webpack_require__(8199);
;// CONCATENATED MODULE: ./src/strategies/change.ts
/** Longest a change waits to see its effect (new workers, the unit active again). */
const EFFECT_TIMEOUT_MS = 15_000;
/** Pause between looks at the effect: short, because the effect usually lands in milliseconds. */
const EFFECT_POLL_MS = 100;

;// CONCATENATED MODULE: ./src/strategies/reload.ts




/** Parses `zdr.*` lines of one snapshot; `prefix` picks `before.` or `after.` lines. */
function parseNginxState(stdout, prefix = '') {
    const snap = { active: '', masterPid: 0, workers: [], shuttingDown: [], emerg: [] };
    for (const line of stdout.split('\n')) {
        if (!line.startsWith(prefix))
            continue;
        const rest = line.slice(prefix.length);
        const eq = rest.indexOf('=');
        if (eq < 0)
            continue;
        const key = rest.slice(0, eq);
        const value = rest.slice(eq + 1);
        if (key === 'zdr.mainpid')
            snap.masterPid = Number(value) || 0;
        else if (key === 'zdr.active')
            snap.active = value.trim();
        else if (key === 'zdr.emerg')
            snap.emerg.push(value);
        else if (key === 'zdr.child') {
            const [, pid, args] = /^\s*(\d+)\s+(.*)$/.exec(value) ?? [];
            if (args === undefined)
                continue;
            if (/shutting down/.test(args))
                snap.shuttingDown.push(Number(pid));
            else if (/worker process/.test(args))
                snap.workers.push(Number(pid));
        }
    }
    return snap;
}
/**
 * Judges a reload from the pictures before and after: the master stays, every worker that served
 * before was replaced by a new one, and no `[emerg]` appeared (a failed reload leaves the old
 * workers running). Returns the detail for the report, or throws why it did not take effect.
 */
function judgeReload(unit, before, after) {
    if (before.workers.length === 0)
        throw new Error(`nginx (master ${before.masterPid}) had no worker processes before the reload`);
    if (after.emerg.length)
        throw new Error(`nginx logged [emerg] after the reload: ${after.emerg.join(' | ')}`);
    if (after.active !== 'active')
        throw new Error(`${unit} is ${after.active || 'not running'} after the reload`);
    if (after.masterPid !== before.masterPid)
        throw new Error(`the nginx master changed (${before.masterPid} → ${after.masterPid}): the reload restarted it`);
    const old = new Set(before.workers);
    if (after.workers.length === 0 || after.workers.some((pid) => old.has(pid))) {
        throw new Error(`the reload did not take effect within ${EFFECT_TIMEOUT_MS / 1000}s: workers ${before.workers.filter((p) => after.workers.includes(p)).join(',') || before.workers.join(',')} are still serving`);
    }
    return `${before.workers.length} workers replaced by ${after.workers.length} new (master ${after.masterPid} kept${after.shuttingDown.length ? `, ${after.shuttingDown.length} old still finishing requests` : ''})`;
}
/** The reload's command: for nginx one round trip that reloads and watches the workers change. */
function reloadPlan(settings, unit) {
    const timeout = settings.ssh.commandTimeoutMs;
    if (unit.mainComm !== 'nginx')
        return { command: (0,systemd/* systemctlTimed */.iu)('reload', settings.service, timeout), proof: 'the unit is active after it' };
    return {
        command: (0,nginx/* nginxReload */.at)(settings.service, settings.nginxErrorLog, EFFECT_TIMEOUT_MS, timeout + EFFECT_TIMEOUT_MS),
        proof: `up to ${EFFECT_TIMEOUT_MS / 1000}s: every old worker replaced, no new [emerg]`,
    };
}
/**
 * Pattern A. `systemctl reload` only sends nginx a signal and returns, so success is proved, not
 * assumed (judgeReload). For nginx the reload and its proof are one round trip to the host.
 */
async function reload(ctx) {
    const { remote, settings, clock } = ctx;
    const timeout = settings.ssh.commandTimeoutMs;
    const cmd = reloadPlan(settings, ctx.unit).command;
    if (ctx.unit.mainComm !== 'nginx') {
        ctx.addWait((0,systemd/* serviceMs */.oh)(await remote.check(cmd)));
        const state = await remote.check((0,systemd/* unitState */.__)(settings.service, timeout));
        if (!/^ActiveState=active$/m.test(state))
            throw new Error(`${settings.service} is not active after the reload: ${state.replace(/\n/g, ' ')}`);
        return `systemctl reload ${settings.service}; unit active (the main process is ${ctx.unit.mainComm || 'unknown'}, so workers are not compared)`;
    }
    const started = clock.now();
    const result = await remote.run(cmd);
    if (result.code === 90)
        throw new Error(`systemctl reload ${settings.service} failed: ${result.stderr.trim()}`);
    const failure = (0,remote_host/* failureOf */.g5)(cmd, result);
    if (failure)
        throw new remote_host/* RemoteCommandError */.at(cmd, result, failure);
    const detail = judgeReload(settings.service, parseNginxState(result.stdout, 'before.'), parseNginxState(result.stdout, 'after.'));
    // systemd's reload and the time nginx took to replace its workers are the host's, not ours.
    const effectMs = Number(/^zdr\.effect_ms=(\d+)$/m.exec(result.stdout)?.[1] ?? 0);
    ctx.addWait(effectMs + Number(/^zdr\.reload_ms=(\d+)$/m.exec(result.stdout)?.[1] ?? 0));
    return `systemctl reload ${settings.service}; ${detail} ${effectMs} ms after the signal; ${clock.now() - started} ms in all`;
}

// EXTERNAL MODULE: ./src/runtime/poll.ts
var poll = __webpack_require__(4415);
;// CONCATENATED MODULE: ./src/strategies/restart.ts



function props(stdout) {
    return new Map(stdout
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}
/** How long the unit may take to stop: its TimeoutStopSec, or systemd's default when infinite. */
const stopBudgetOf = (unit) => unit.timeoutStopMs ?? 90_000;
/** The restart's command, allowed the unit's whole stop timeout on top of the command timeout. */
function restartPlan(settings, unit) {
    const timeout = settings.ssh.commandTimeoutMs;
    const stopBudget = stopBudgetOf(unit);
    return {
        command: (0,systemd/* systemctlTimed */.iu)('restart', settings.service, Math.max(timeout, stopBudget + timeout), true),
        proof: `up to ${(EFFECT_TIMEOUT_MS + stopBudget) / 1000}s: active again with a new main process`,
    };
}
/**
 * Patterns B–D's change: `systemctl restart`, then proof that the unit is active again with a new
 * main process. The stop can take up to TimeoutStopSec, so the command's limit allows for it.
 */
async function restart(ctx) {
    const { remote, settings, clock, unit } = ctx;
    const timeout = settings.ssh.commandTimeoutMs;
    const stopBudget = stopBudgetOf(unit);
    const started = clock.now();
    // systemd's stop and start are the service's own time, not orchestration.
    const restarted = await remote.check(restartPlan(settings, unit).command);
    ctx.addWait((0,systemd/* serviceMs */.oh)(restarted));
    // The first look is the restart's own answer (the state right after it); later ones ask again.
    let answer = /^ActiveState=/m.test(restarted) ? restarted : undefined;
    const look = async () => {
        const state = props(answer ?? (await remote.check((0,systemd/* unitState */.__)(settings.service, timeout))));
        answer = undefined;
        const active = state.get('ActiveState') ?? '';
        if (active === 'failed' || (active === 'inactive' && clock.now() - started > 1000)) {
            throw new Error(`${settings.service} is ${active} after the restart (result: ${state.get('Result') || 'unknown'})`);
        }
        return { active, pid: Number(state.get('MainPID') ?? 0) };
    };
    // Pattern D and Type=oneshot units may have no main process of their own.
    const back = ({ active, pid }) => active === 'active' && (pid !== unit.mainPid || unit.mainPid === 0);
    const seen = await (0,poll/* poll */.w)({ clock, signal: ctx.signal, since: started, timeoutMs: EFFECT_TIMEOUT_MS + stopBudget, intervalMs: EFFECT_POLL_MS }, look, back);
    const { active, pid } = seen.value;
    if (!seen.done)
        throw new Error(`${settings.service} did not come back after the restart: ActiveState=${active}, MainPID=${pid}`);
    return `systemctl restart ${settings.service}; active in ${clock.now() - started} ms with main PID ${pid || 'none'} (was ${unit.mainPid || 'none'})`;
}

;// CONCATENATED MODULE: ./src/strategies/strategy.ts


/** The change for a systemd action on this unit. */
function changeFor(action, settings, unit) {
    return action === 'reload' ? { plan: reloadPlan(settings, unit), apply: reload } : { plan: restartPlan(settings, unit), apply: restart };
}

// EXTERNAL MODULE: ./src/rollout/drain.ts + 1 modules
var rollout_drain = __webpack_require__(1157);
// EXTERNAL MODULE: ./src/remote/commands/locks.ts
var commands_locks = __webpack_require__(6137);
;// CONCATENATED MODULE: ./src/rollout/overlap.ts



/**
 * Takes the host's own lock and records it (the host's turn, the journal), so that whoever ends
 * the run gives it back, whether or not the turn ever runs.
 */
async function takeHostLock(run, ctx, signal) {
    const { settings, deps } = ctx;
    const remote = run.remote;
    if (!remote)
        throw new Error('no connection to the host');
    const lock = (0,commands_locks/* hostLock */._U)(run.name);
    const request = {
        owner: deps.owner,
        ttlSeconds: (0,locks/* lockTtlSeconds */.tp)(settings),
        waitMs: settings.lockWaitMs,
        clock: deps.clock,
        signal,
        progress: (line) => deps.log.info(`${run.name} ${line}`),
    };
    const taken = await (0,locks/* acquireRecorded */.R1)(remote, lock, request, deps.journal);
    run.locks.push({ remote, name: lock.name });
    return taken;
}
/**
 * The round trips between two hosts' turns that change nothing a host serves, run while a turn
 * waits instead of between turns: the next host's lock is taken when the current host's turn
 * begins (its round trip also shows that the next host's connection, idle since preflight, still
 * answers), and a finished host's lock is given back while the next turn runs. Nothing of the
 * next host's change moves earlier: its drain still waits for this host's return.
 */
class TurnOverlap {
    /**
     * Locks taken ahead and not yet collected, and releases still running. A host's entries go once
     * its turn has them, so that what the run holds does not grow with the fleet (bench/heap-probe.ts).
     */
    ahead = new Map();
    releases = new Set();
    ended = new AbortController();
    /** Starts taking the host's lock now; its lock step then collects the outcome. */
    lockAhead(run, ctx) {
        if (this.ahead.has(run) || !run.remote)
            return;
        const taking = takeHostLock(run, ctx, AbortSignal.any([ctx.deps.signal, this.ended.signal]));
        taking.catch(() => undefined); // collected (and reported) by the host's lock step, if it runs
        this.ahead.set(run, taking);
    }
    /** The host's lock: the one taken ahead (from now on the host's lock step waits for it), or taken now. */
    lock(run, ctx) {
        const taken = this.ahead.get(run);
        this.ahead.delete(run);
        return taken ?? takeHostLock(run, ctx, ctx.deps.signal);
    }
    /** Gives back a finished host's locks and connection without holding up the next host. */
    release(run, deps) {
        // Kept until done; one that fails stays for settle() to collect.
        const releasing = releaseHost(run, deps).then(() => void this.releases.delete(releasing));
        // Handled now, so a failure waiting for settle() is never an unhandled rejection meanwhile.
        releasing.catch(() => undefined);
        this.releases.add(releasing);
    }
    /** Promises still held: locks taken ahead and not collected, releases not done. */
    get holding() {
        return this.ahead.size + this.releases.size;
    }
    /** The run is over: stop waiting for locks no turn will use, and let everything started finish. */
    async settle() {
        this.ended.abort(new Error('the rollout ended'));
        await Promise.allSettled([...this.ahead.values(), ...this.releases]);
    }
}

;// CONCATENATED MODULE: ./src/rollout/host-flow.ts







const s = (ms) => `${ms / 1000}s`;
/** A host of a halted batch stopped at its safe point, before its change: not a failure of its own. */
class StoppedError extends Error {
}
function preflighted(run) {
    const { remote, unit, choice } = run;
    if (!remote || !unit || !choice)
        throw new Error(`${run.name} was not preflighted`);
    return { run, remote, unit, choice, check: run.errorCheck ?? null };
}
function lockStep({ run }, ctx, overlap) {
    return {
        phase: 'lock',
        plan: () => [],
        run: async (phase) => {
            // Usually taken while the previous host's turn ran (TurnOverlap): then this only collects it.
            const { note, waitedMs } = await (overlap ? overlap.lock(run, ctx) : takeHostLock(run, ctx, ctx.deps.signal));
            phase.addWait(waitedMs);
            phase.detail(note || `locked for ${ctx.deps.owner}`);
            if (note)
                phase.warn(note);
        },
    };
}
function drainStep(host, ctx, lb) {
    const { drain } = ctx.settings;
    return {
        phase: 'drain',
        plan: () => [
            `  drain: capacity guard (min-healthy ${drain.minHealthy}), drain, wait up to ${s(drain.timeoutMs)} for 0 in flight, then ${drain.onTimeout}`,
        ],
        run: async (phase) => {
            await host.check?.mark();
            await (0,rollout_drain/* drainHost */.B)(host.run, ctx, lb, phase);
        },
    };
}
function returnStep(host, ctx, lb) {
    return {
        phase: 'return',
        plan: () => ['  return: back into rotation, wait until the load balancer sees it UP'],
        run: (phase) => (0,rollout_drain/* returnHost */.h)(host.run, ctx, lb, phase),
    };
}
function changeStep(host, ctx, progress) {
    const { settings, deps } = ctx;
    const { run, remote, unit, choice, check } = host;
    const change = changeFor(choice.action, settings, unit);
    return {
        phase: 'change',
        safePoint: true,
        plan: () => [
            `  change: systemctl ${choice.action}, then prove it took effect (${change.plan.proof})`,
            `      $ ${remote.line(change.plan.command)}`,
        ],
        run: async (phase) => {
            // The error check counts from just before the change (or the drain, when there is one).
            await check?.mark();
            run.changedAt = deps.clock.now();
            phase.detail(await change.apply({ remote, settings, unit, clock: deps.clock, signal: deps.signal, addWait: phase.addWait, progress }));
        },
    };
}
function readyStep({ remote }, ctx, progress) {
    const { settings, deps } = ctx;
    const readiness = { ...settings.readiness, dependencyChecks: settings.dependencyChecks };
    const needed = readiness.url !== null || readiness.dependencyChecks.length > 0;
    return {
        phase: 'ready',
        ...(needed ? {} : { skip: 'no readiness-url or dependency-checks: ready means the unit is active again' }),
        plan: () => [
            ...(readiness.url
                ? [
                    `  ready: ${readiness.successes} consecutive 2xx within ${s(readiness.timeoutMs)}, every ${s(readiness.intervalMs)}`,
                    `      $ ${remote.line((0,checks_readiness/* readinessProbe */.VZ)(readiness.url, readiness.intervalMs))}`,
                ]
                : []),
            ...readiness.dependencyChecks.flatMap((c) => [
                '  ready: dependency check',
                `      $ ${remote.line((0,exec/* userCommand */.L_)('dependency check', c, settings.ssh.commandTimeoutMs))}`,
            ]),
        ],
        run: async (phase) => {
            const result = await phase.waiting(() => (0,checks_readiness/* waitReady */.N9)(remote, readiness, deps.clock, deps.signal, progress));
            phase.detail(result.summary);
        },
    };
}
function watchStep({ run, check }, ctx, progress) {
    const { deps } = ctx;
    return {
        phase: 'watch',
        ...(check ? {} : { skip: 'check-window is 0' }),
        plan: () => {
            const c = ctx.settings.check;
            return [
                c.windowMs > 0
                    ? `  watch: ${c.source} for ${s(c.windowMs)}; fail above ${c.maxErrorRate * 100}% errors (at least ${c.minRequests} requests)`
                    : '  watch: off (check-window 0)',
                ...(check?.plan() ?? []),
            ];
        },
        run: async (phase) => {
            if (!check)
                return;
            const counts = await phase.waiting(() => check.watch(deps.signal, progress));
            run.errors = counts;
            if (counts.verdict === 'fail')
                throw new Error(`error check tripped: ${counts.reason} (${counts.source})`);
            phase.detail(`${counts.verdict}: ${counts.reason} (${counts.source})`);
            if (counts.verdict === 'inconclusive') {
                phase.warn('inconclusive');
                deps.log.warning(`${run.name}: error check inconclusive: ${counts.reason}`);
            }
        },
    };
}
/**
 * One host's turn as steps, top to bottom: lock → drain → change → ready → return → watch. The
 * same steps run the host and describe it in the dry-run plan, so the two cannot drift apart.
 */
function hostSteps(host, ctx, overlap) {
    const { deps, rotation } = ctx;
    const progress = (line) => (0,log/* sayProgress */.x)(deps.log, host.run.name, line);
    const lb = host.choice.drain ? rotation.lb : null;
    const steps = [lockStep(host, ctx, overlap)];
    if (lb)
        steps.push(drainStep(host, ctx, lb));
    steps.push(changeStep(host, ctx, progress), readyStep(host, ctx, progress));
    if (lb)
        steps.push(returnStep(host, ctx, lb));
    steps.push(watchStep(host, ctx, progress));
    return steps;
}
/**
 * Runs one host's turn. Preflight has already connected, inspected and validated it. Any throw is
 * a PhaseError naming the host and phase; the caller recovers the host and halts the rollout.
 */
async function rollHost(run, ctx, overlap) {
    const { clock, signal } = ctx.deps;
    for (const step of hostSteps(preflighted(run), ctx, overlap)) {
        if (step.skip !== undefined) {
            (0,phase/* skipPhase */.DD)(clock, run, step.phase, step.skip);
            continue;
        }
        if (step.safePoint)
            signal.throwIfAborted();
        // Another host halted the run: until its change begins, this host stops at each step's start.
        if (!run.changed && ctx.stopped?.aborted)
            throw new StoppedError(String(ctx.stopped.reason?.message ?? ctx.stopped.reason));
        run.current = { phase: step.phase, since: clock.now() };
        ctx.deps.log.phase?.(run.name, step.phase);
        try {
            await (0,phase/* runPhase */.PF)(clock, run, step.phase, (phase) => step.run(phase));
        }
        finally {
            run.current = undefined;
            ctx.deps.log.phase?.(run.name, null);
        }
    }
}

// EXTERNAL MODULE: ./src/transport/target.ts
var transport_target = __webpack_require__(1608);
;// CONCATENATED MODULE: ./src/rollout/plan.ts



/**
 * The dry-run plan: for each preflighted host, the phases its turn would go through and the exact
 * lines that would be sent to it, with their time limits. Built from the same steps that run a
 * host (hostSteps), so the plan says what a real run does. Nothing here runs anything.
 */
function planLines(settings, runs, ctx) {
    const t = settings.ssh.commandTimeoutMs;
    const lbDescription = ctx.rotation.lb?.description ?? null;
    const serial = settings.batches.every((n) => n === 1);
    const order = serial
        ? 'one at a time'
        : `in ${settings.batches.length} batches of ${settings.batches.join(', ')} (the hosts of a batch at once; the next batch when all of them passed their watch; max-failed-hosts ${settings.maxFailedHosts})`;
    const lines = [
        `Plan: ${runs.length} host${runs.length === 1 ? '' : 's'} in this order, ${order}; strategy ${settings.strategy}; service ${settings.service}${lbDescription ? `; load balancer: ${lbDescription}` : ''}.`,
    ];
    const lbHost = settings.lb.kind === 'none' ? null : settings.lb.host;
    if (lbHost?.jump?.length)
        lines.push(`load balancer host: ${(0,transport_target/* describeRoute */.fx)(lbHost)}`);
    for (const run of runs) {
        if (!run.remote || !run.choice || !run.unit)
            continue;
        const host = preflighted(run);
        const { remote, choice } = host;
        lines.push(`${serial ? '' : `batch ${run.batch}: `}${run.name} (${(0,transport_target/* describeRoute */.fx)(run.target)}): ${choice.label} — ${choice.reason}`);
        if (settings.validateCommand)
            lines.push(`  validate (already run in preflight)`, `      $ ${remote.line((0,exec/* userCommand */.L_)('validate-command', settings.validateCommand, t))}`);
        for (const step of hostSteps(host, ctx))
            lines.push(...step.plan());
        if (settings.rollbackCommand)
            lines.push(`  on failure: rollback-command, then systemctl ${choice.action}`, `      $ ${remote.line((0,exec/* userCommand */.L_)('rollback-command', settings.rollbackCommand, t))}`);
    }
    lines.push('Dry run: nothing was changed.');
    return lines;
}

;// CONCATENATED MODULE: ./src/remote/commands/log-file.ts
/** The access log's inode and size, and the host's clock (log times are the host's times). */
function logMark(file, timeoutMs) {
    return {
        kind: 'log-mark',
        title: `mark ${file}`,
        timeoutMs,
        script: `printf '%s %s ' "$(stat -c '%i %s' -- "$1")" "$(date +%s%3N)"`,
        args: [file],
    };
}
/**
 * Up to `maxBytes` of the access log from `offset` of the file with inode `inode`. The first line
 * says where the bytes came from: `same SIZE` (still the live file), `old SIZE NEWINODE` (rotated:
 * these bytes are the old file's rest), or `gone NEWINODE` (rotated and the old file is not found).
 */
function logRead(file, inode, offset, maxBytes, timeoutMs) {
    return {
        kind: 'log-read',
        title: `read ${file}`,
        timeoutMs,
        script: `f=$1; ino=$2; off=$3; max=$4
cur=$(stat -c %i -- "$f" 2>/dev/null || echo 0)
if [ "$cur" = "$ino" ]; then
  printf 'same %s\\n' "$(stat -c %s -- "$f")"; tail -c +$((off + 1)) -- "$f" | head -c "$max"
else
  old=$(find "$(dirname -- "$f")" -maxdepth 1 -inum "$ino" -print 2>/dev/null | head -n 1)
  if [ -n "$old" ]; then printf 'old %s %s\\n' "$(stat -c %s -- "$old")" "$cur"; tail -c +$((off + 1)) -- "$old" | head -c "$max"
  else printf 'gone %s\\n' "$cur"; fi
fi`,
        args: [file, String(inode), String(offset), String(maxBytes)],
    };
}
/** The last `maxBytes` of the access log before `offset`: the baseline window's lines. */
function logBefore(file, offset, maxBytes, timeoutMs) {
    return {
        kind: 'log-before',
        title: `read ${file} before the change`,
        timeoutMs,
        script: `head -c "$2" -- "$1" | tail -c "$3"`,
        args: [file, String(offset), String(maxBytes)],
    };
}

// EXTERNAL MODULE: ./src/transport/output-buffer.ts
var output_buffer = __webpack_require__(3771);
;// CONCATENATED MODULE: ./src/checks/log-parse.ts
const MONTHS = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
/** nginx's $time_local: `25/Nov/2026:11:37:41 +0000`. */
function parseTimeLocal(text) {
    const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
    const month = m?.[2] === undefined ? undefined : MONTHS[m[2]];
    if (!m || month === undefined)
        return null;
    const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
    return utc - offset;
}
const COMBINED = /^\S+ \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) /;
function pathOf(request) {
    const target = request.split(' ')[1] ?? '';
    return target.split('?')[0] ?? '';
}
function timeOf(record) {
    for (const key of ['time_iso8601', 'time', 'timestamp', '@timestamp']) {
        const value = record[key];
        if (typeof value === 'string') {
            const t = Date.parse(value);
            if (!Number.isNaN(t))
                return t;
            const local = parseTimeLocal(value);
            if (local !== null)
                return local;
        }
    }
    if (typeof record.time_local === 'string')
        return parseTimeLocal(record.time_local);
    const msec = Number(record.msec);
    return Number.isFinite(msec) && msec > 0 ? Math.round(msec * 1000) : null;
}
/** Parses one line in nginx's combined format or as a JSON object; null when it is neither. */
function parseLogLine(line) {
    const trimmed = line.trim();
    if (trimmed.startsWith('{')) {
        let record;
        try {
            record = JSON.parse(trimmed);
        }
        catch {
            return null;
        }
        const status = Number(record.status);
        if (!Number.isInteger(status) || status < 100 || status > 999)
            return null;
        const uri = typeof record.uri === 'string'
            ? record.uri
            : typeof record.request_uri === 'string'
                ? record.request_uri
                : pathOf(String(record.request ?? ''));
        return { time: timeOf(record), status, path: uri.split('?')[0] ?? '', line: trimmed };
    }
    const [, time, request, status] = COMBINED.exec(trimmed) ?? [];
    if (time === undefined || request === undefined)
        return null;
    return { time: parseTimeLocal(time), status: Number(status), path: pathOf(request), line: trimmed };
}
/** 5xx, and nginx's 444 (connection closed without a response): what a client sees as a failure. */
function isErrorStatus(status) {
    return status >= 500 || status === 444;
}
/** A log line fit for a report: query strings (where tokens live) cut, length bounded. */
function redactLine(line, max = 300) {
    // Every query string, wherever it appears (request, absolute URL, referer, JSON field).
    const cut = line.replace(/\?[^\s"?]*/g, '?…');
    return cut.length > max ? `${cut.slice(0, max - 1)}…` : cut;
}
function emptyTally() {
    return { requests: 0, errors: 0, malformed: 0, ignored: 0, errorLines: [] };
}
/**
 * Adds complete log lines to a tally. Requests for `ignorePaths` (health checks) are not traffic;
 * with `since`, only entries at or after that time count.
 */
function tallyLines(tally, lines, ignorePaths, since, keepLines = 10) {
    for (const line of lines) {
        if (line.trim() === '')
            continue;
        const entry = parseLogLine(line);
        if (!entry) {
            tally.malformed += 1;
            continue;
        }
        if (since !== undefined && (entry.time === null || entry.time < since))
            continue;
        if (ignorePaths.has(entry.path)) {
            tally.ignored += 1;
            continue;
        }
        tally.requests += 1;
        if (isErrorStatus(entry.status)) {
            tally.errors += 1;
            if (tally.errorLines.length < keepLines)
                tally.errorLines.push(redactLine(entry.line));
        }
    }
    return tally;
}

;// CONCATENATED MODULE: ./src/checks/sources/access-log.ts



/**
 * Bytes read per round trip: bounds memory and each round trip on a busy host. Both stay under
 * the transport's cap on one command's output (OUTPUT_LIMIT_BYTES), with room for the first line
 * and the shell session's markers; a read past the cap would fail.
 */
const CHUNK_BYTES = output_buffer/* OUTPUT_LIMIT_BYTES */._G / 2;
const BASELINE_BYTES = output_buffer/* OUTPUT_LIMIT_BYTES */._G - 64 * 1024;
/** Round trips per look: a look reads at most 32 MiB and the next look goes on from there. */
const CHUNKS_PER_READ = 8;
const BASELINE_FIRST_BYTES = 128 * 1024;
/** Splits a chunk into complete lines and the byte count they cover; a partial last line waits. */
function completeLines(chunk, final) {
    const end = chunk.lastIndexOf('\n');
    const body = final ? chunk : end >= 0 ? chunk.slice(0, end + 1) : '';
    return { lines: body.split('\n').filter((l) => l !== ''), bytes: Buffer.byteLength(body, 'utf8') };
}
/**
 * nginx's access log on the host: only lines written after the mark (inode + offset) count, and a
 * rotation during the window is followed: the old file's rest is read, then the new file.
 */
class AccessLogSource {
    remote;
    file;
    ignorePaths;
    timeoutMs;
    description;
    inode = 0;
    offset = 0;
    hostMarkMs = 0;
    tally = emptyTally();
    constructor(remote, file, ignorePaths, timeoutMs) {
        this.remote = remote;
        this.file = file;
        this.ignorePaths = ignorePaths;
        this.timeoutMs = timeoutMs;
        this.description = `access log ${file}`;
    }
    async mark() {
        const out = (await this.remote.check(logMark(this.file, this.timeoutMs))).trim().split(/\s+/);
        const [inode, size, now] = out.map(Number);
        if (!inode || size === undefined || Number.isNaN(size))
            throw new Error(`cannot read ${this.file} on the host (got "${out.join(' ')}")`);
        this.inode = inode;
        this.offset = size;
        this.hostMarkMs = now ?? 0;
    }
    /**
     * The window before the mark, read backwards from it: a small tail first, more only while the
     * oldest line read is still inside the window (a busy host's 30 s can be megabytes).
     */
    async baseline(windowMs) {
        if (this.offset === 0 || !this.hostMarkMs)
            return null;
        const since = this.hostMarkMs - windowMs;
        for (let bytes = BASELINE_FIRST_BYTES;; bytes *= 4) {
            const want = Math.min(bytes, BASELINE_BYTES, this.offset);
            const text = await this.remote.check(logBefore(this.file, this.offset, want, this.timeoutMs));
            // The first line may be cut by the byte window; drop it unless the read reached the start.
            const lines = text.split('\n').slice(want < this.offset ? 1 : 0);
            const oldest = lines.map(parseLogLine).find((e) => typeof e?.time === 'number')?.time ?? since;
            if (oldest <= since || want >= this.offset || want >= BASELINE_BYTES) {
                const t = tallyLines(emptyTally(), lines, this.ignorePaths, since, 0);
                return { requests: t.requests, errors: t.errors };
            }
        }
    }
    async read() {
        // Several chunks when the log grows fast; stop when a read comes back short.
        for (let i = 0; i < CHUNKS_PER_READ; i++) {
            const out = await this.remote.check(logRead(this.file, this.inode, this.offset, CHUNK_BYTES, this.timeoutMs));
            const newline = out.indexOf('\n');
            const header = (newline >= 0 ? out.slice(0, newline) : out).split(' ');
            const chunk = newline >= 0 ? out.slice(newline + 1) : '';
            const [where, a, b] = header;
            if (where === 'gone') {
                // Rotated and the old file already gone (compressed or removed): go on with the new one.
                this.inode = Number(a);
                this.offset = 0;
                continue;
            }
            const fileSize = Number(a);
            if (where === 'same' && fileSize < this.offset) {
                // copytruncate: the same file, emptied. Read it again from its start.
                this.offset = 0;
                continue;
            }
            const rotatedTo = where === 'old' ? Number(b) : null;
            const finalOld = rotatedTo !== null && this.offset + Buffer.byteLength(chunk, 'utf8') >= fileSize;
            const { lines, bytes } = completeLines(chunk, finalOld);
            tallyLines(this.tally, lines, this.ignorePaths);
            this.offset += bytes;
            if (bytes === 0 && Buffer.byteLength(chunk, 'utf8') >= CHUNK_BYTES) {
                // A whole chunk without a newline: no request line is that long. Skip it, or every look
                // would read the same bytes again and never get past them.
                this.tally.malformed += 1;
                this.offset += Buffer.byteLength(chunk, 'utf8');
                continue;
            }
            if (finalOld && rotatedTo !== null) {
                this.inode = rotatedTo;
                this.offset = 0;
                continue;
            }
            if (Buffer.byteLength(chunk, 'utf8') < CHUNK_BYTES)
                break;
        }
        return { requests: this.tally.requests, errors: this.tally.errors };
    }
    samples() {
        return this.tally.errorLines;
    }
}

// EXTERNAL MODULE: ./src/remote/commands/traffic.ts
var traffic = __webpack_require__(1300);
;// CONCATENATED MODULE: ./src/remote/commands/metrics.ts

/** The status line curl appends after the body, so the body's own last line is never mistaken for it. */
const STATUS_MARK = '\nzdr-http-status:';
/** Larger answers are cut (and then fail to parse): one host's totals are a few hundred bytes. */
const BODY_LIMIT = 1024 * 1024;
/**
 * One GET of the Prometheus HTTP API with curl on an SSH host (where Prometheus is reachable and
 * the runner is not). Every value is an argument ("$1"…), never spliced into the script. The
 * Authorization header is not an argument: another user of that host could read arguments in the
 * process list while curl runs. It reaches curl on its stdin (`-H @-`, curl ≥ 7.55), which the
 * host's shell feeds from the SSH channel (RemoteCommand.stdin), so it is in no argv and no file.
 */
function prometheusGet(url, options) {
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const flags = options.insecure ? '-k ' : '';
    const header = options.authorization === null ? '' : ' -H @-';
    return {
        kind: 'prometheus-get',
        title: 'query Prometheus',
        timeoutMs: options.timeoutMs + 2000,
        args: [url, String(seconds)],
        ...(options.authorization === null ? {} : { stdin: `Authorization: ${options.authorization}\n` }),
        script: `command -v curl >/dev/null || { echo "curl is not installed on this host" >&2; exit 127; }
${traffic/* CURL */.LY} -sS ${flags}--max-time "$2"${header} -w '${STATUS_MARK.replace('\n', '\\n')}%{http_code}' -- "$1" | head -c ${BODY_LIMIT + 64}`,
    };
}
/** Splits curl's output into the HTTP status and the body. */
function splitCurlOutput(out) {
    const at = out.lastIndexOf(STATUS_MARK);
    if (at < 0)
        return { status: 0, body: out };
    return { status: Number(out.slice(at + STATUS_MARK.length).trim()) || 0, body: out.slice(0, at) };
}
/**
 * check-command on an SSH host (check-command-via): the user's command with its placeholders
 * already filled by fillPlaceholders (each value shell-quoted), run as written and bounded on the
 * host by its timeout like every remote command. Its output is untrusted text for the caller.
 */
function checkCommand(line, timeoutMs) {
    return { kind: 'check-command', title: 'check-command', timeoutMs, script: line };
}

// EXTERNAL MODULE: ./src/remote/quote.ts
var quote = __webpack_require__(4414);
;// CONCATENATED MODULE: ./src/checks/prometheus/promql.ts
/**
 * PromQL templating and Prometheus HTTP API answers, without any I/O: what the prometheus error
 * source sends and how it reads what comes back. Everything Prometheus returns is untrusted text.
 */
/**
 * Escapes a value for a double-quoted PromQL string (the placeholders sit inside `"…"` in a
 * label matcher), so a host name can never end the string and add matchers of its own.
 */
function promString(value) {
    return value.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]);
}
/** Fills `{host}` / `{name}` in a query; unknown placeholders stay as written. */
function fillQuery(template, values) {
    return template.replace(/\{(host|name)\}/g, (_whole, key) => promString(values[key]));
}
/** Untrusted text shortened and stripped of control characters and links, for messages and reports. */
function excerpt(text, max = 200) {
    const flat = text
        .replace(/[\x00-\x1f\x7f]+/g, ' ')
        // Anything a renderer could turn into a link, even glued to the text before it.
        .replace(/(?:[a-z][a-z0-9+.-]*:\/\/|\bwww\.)\S+/gi, '[link removed]')
        .trim();
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
const sample = (pair) => {
    if (!Array.isArray(pair) || pair.length !== 2)
        return null;
    const at = Number(pair[0]);
    const value = Number(pair[1]);
    return Number.isFinite(at) && typeof pair[1] === 'string' && !Number.isNaN(value) ? { at, value } : null;
};
const labels = (metric) => {
    const out = {};
    if (metric && typeof metric === 'object') {
        for (const [k, v] of Object.entries(metric))
            if (typeof v === 'string')
                out[k] = v;
    }
    return out;
};
/** The series of a vector, matrix (last value of each) or scalar result. */
function seriesOf(resultType, result) {
    if (resultType === 'scalar') {
        const s = sample(result);
        return s ? [{ metric: {}, ...s }] : 'a scalar result without a value';
    }
    if (resultType !== 'vector' && resultType !== 'matrix')
        return `an unexpected result type ${excerpt(String(resultType), 40)}`;
    if (!Array.isArray(result))
        return 'a result that is not a list';
    const out = [];
    for (const item of result) {
        const s = resultType === 'vector' ? sample(item?.value) : Array.isArray(item?.values) ? sample(item.values[item.values.length - 1]) : null;
        if (!s)
            return 'a series without a numeric value';
        out.push({ metric: labels(item?.metric), ...s });
    }
    return out;
}
/** Reads the body of `/api/v1/query`: the series, or why the answer is unusable. */
function parseQueryResponse(httpStatus, body) {
    let json;
    try {
        json = JSON.parse(body);
    }
    catch {
        return { ok: false, error: `HTTP ${httpStatus}, not a Prometheus API answer: ${excerpt(body) || '(empty body)'}` };
    }
    if (!json || typeof json !== 'object')
        return { ok: false, error: `HTTP ${httpStatus}, not a Prometheus API answer` };
    if (json.status !== 'success') {
        const kind = typeof json.errorType === 'string' ? `${excerpt(json.errorType, 40)}: ` : '';
        return { ok: false, error: `Prometheus answered HTTP ${httpStatus} ${kind}${excerpt(String(json.error ?? 'no error message'))}` };
    }
    const series = seriesOf(json.data?.resultType, json.data?.result);
    return typeof series === 'string' ? { ok: false, error: `Prometheus returned ${series}` } : { ok: true, series };
}
/** `{proxy="web", server="web-1"}` for messages. */
function describeSeries(s) {
    const inner = Object.entries(s.metric)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ');
    return excerpt(`{${inner}}`, 160);
}
/**
 * The one number a requests or errors query must give. Nothing, or several series, is a
 * configuration error (the query does not pick out one host's total), not a zero.
 */
function singleValue(result) {
    if (!result.ok)
        return result;
    const [first, ...rest] = result.series;
    if (!first)
        return {
            ok: false,
            error: 'returned no series (no data for this host: check the labels; a query that can be empty needs `or vector(0)`)',
        };
    if (rest.length) {
        const shown = result.series.slice(0, 3).map(describeSeries).join(', ');
        return {
            ok: false,
            error: `returned ${result.series.length} series (${shown}${rest.length > 2 ? ', …' : ''}); it must return one: wrap it in sum(…)`,
        };
    }
    if (!Number.isFinite(first.value) || first.value < 0)
        return { ok: false, error: `returned ${first.value}, not a count` };
    return { ok: true, value: first.value, at: first.at };
}

;// CONCATENATED MODULE: ./src/checks/sources/command.ts




/** More output than this is not a count: refused before parsing. */
const OUTPUT_MAX = 4096;
/** The command's stdout as counts, or why it is not `{"requests": N, "errors": M}`. Untrusted text. */
function parseCountsOutput(stdout) {
    const text = stdout.trim();
    if (text.length > OUTPUT_MAX)
        return { ok: false, error: `printed ${text.length} characters; expected one JSON object {"requests": N, "errors": M}` };
    let json;
    try {
        json = JSON.parse(text);
    }
    catch {
        return { ok: false, error: `printed ${text ? `"${excerpt(text, 120)}"` : 'nothing'}; expected JSON {"requests": N, "errors": M}` };
    }
    const o = json;
    const whole = (n) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER;
    if (!json || typeof json !== 'object' || Array.isArray(json) || !whole(o.requests) || !whole(o.errors)) {
        return { ok: false, error: `printed "${excerpt(text, 120)}"; expected whole numbers {"requests": N, "errors": M}` };
    }
    if (o.errors > o.requests)
        return { ok: false, error: `printed ${o.errors} errors for ${o.requests} requests; errors are a subset of requests` };
    return { ok: true, counts: { requests: o.requests, errors: o.errors } };
}
/** The command line for one host and time range (unix seconds); every value shell-quoted. */
function countsCommandLine(template, host, sinceMs, untilMs) {
    return (0,quote/* fillPlaceholders */.C)(template, {
        host: host.host,
        name: host.name,
        since: String(Math.floor(sinceMs / 1000)),
        until: String(Math.ceil(untilMs / 1000)),
    });
}
function runnerShell(local) {
    return { where: 'on the runner', run: (line, timeoutMs) => local.run(line, { timeoutMs }), show: (line) => line };
}
function hostShell(remote, label) {
    return {
        where: `on ${label} over SSH`,
        run: async (line, timeoutMs) => {
            const r = await remote.run(checkCommand(line, timeoutMs));
            const killed = r.lost === 'timeout' || ((0,exec/* timedOutOnHost */.xL)(r.code, r.signal) && r.durationMs >= timeoutMs * 0.9);
            return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, timedOut: killed, ...(r.lost ? { lost: r.lost } : {}) };
        },
        show: (line, timeoutMs) => remote.line(checkCommand(line, timeoutMs)),
    };
}
/** Runs check-command once; a failure or bad output throws an error naming the input. Output is untrusted. */
async function runCountsCommand(runner, s, host, sinceMs, untilMs) {
    const result = await runner.run(countsCommandLine(s.command, host, sinceMs, untilMs), s.timeoutMs);
    const which = `check-command for ${host.name}`;
    if (result.timedOut)
        throw new Error(`${which} ran past check-command-timeout ${s.timeoutMs / 1000}s and was killed`);
    if (result.lost)
        throw new Error(`${which} could not run ${runner.where} (${result.lost}): ${excerpt(result.stderr, 300)}`);
    if (result.code !== 0)
        throw new Error(`${which} exited with status ${result.code ?? result.signal}: ${excerpt(result.stderr || result.stdout, 300)}`);
    const parsed = parseCountsOutput(result.stdout);
    if (!parsed.ok)
        throw new Error(`${which} ${parsed.error}`);
    return parsed.counts;
}
/** `check-source: command`: any metrics backend, through a command on the runner or an SSH host. */
class CommandSource {
    runner;
    settings;
    host;
    now;
    description;
    markAt = 0;
    constructor(runner, settings, host, now) {
        this.runner = runner;
        this.settings = settings;
        this.host = host;
        this.now = now;
        this.description = `check-command ${excerpt(settings.command, 200)}`;
    }
    async mark() {
        this.markAt = this.now();
    }
    async baseline(windowMs) {
        return runCountsCommand(this.runner, this.settings, this.host, this.markAt - windowMs, this.markAt).catch(() => null);
    }
    read() {
        return runCountsCommand(this.runner, this.settings, this.host, this.markAt, this.now());
    }
    samples() {
        return [];
    }
    /** The line each look runs, {since}/{until} left as placeholders (they are the look's window). */
    plan() {
        const line = (0,quote/* fillPlaceholders */.C)(this.settings.command, { host: this.host.host, name: this.host.name });
        return [
            `    check-command ${this.runner.where}, within ${this.settings.timeoutMs / 1000}s, each look:`,
            `      $ ${this.runner.show(line, this.settings.timeoutMs)}`,
        ];
    }
}

;// CONCATENATED MODULE: ./src/checks/sources/haproxy.ts
/**
 * The counts of one window from two readings of HAProxy's cumulative counters. A request that
 * ended without any response is an error as surely as a 5xx: when a server resets or drops
 * requests, clients see read errors and HAProxy counts neither a 5xx nor (mostly) eresp — measured
 * on the fleet: 919 client read errors, eresp 6. What it always counts is the session (stot). So:
 * finished = sessions − in flight; errors = 5xx + (finished − responses − client aborts).
 *
 * `show stat` reads the counters while requests flow: a session counted in stot but not yet in
 * scur at that instant looks unanswered (seen: 1 phantom error in 300 requests of a clean
 * rollout, with the client seeing none). One such request per reading, two per window, is noise
 * and not counted; a server that resets requests loses hundreds.
 */
const COUNTER_SKEW = 2;
function counterDelta(from, to) {
    const d = (k) => Math.max(0, to[k] - from[k]);
    const requests = Math.max(0, d('sessions') - (to.inFlight - from.inFlight));
    const unanswered = Math.max(0, requests - d('responses') - d('clientAborts') - COUNTER_SKEW);
    return { requests, errors: Math.min(requests, d('http5xx') + unanswered) };
}
/**
 * HAProxy's per-server counters on the load balancer: 5xx responses, and requests that got no
 * response at all (resets, aborts, connection failures; see counterDelta).
 */
class HaproxySource {
    readCounters;
    host;
    now;
    others;
    description = 'haproxy server counters (5xx + requests without a response)';
    start;
    /** Counters read at preflight: the window from then to the mark is the baseline. */
    preflight = null;
    preflightAt = 0;
    peerStart = new Map();
    constructor(readCounters, host, now, 
    /** The other servers of the backend, for the fleet-relative verdict (none: not compared). */
    others = []) {
        this.readCounters = readCounters;
        this.host = host;
        this.now = now;
        this.others = others;
    }
    async prime() {
        this.preflightAt = this.now();
        this.preflight = await this.readCounters(this.host);
    }
    async mark() {
        this.start = await this.readCounters(this.host);
        // A peer whose counters cannot be read is left out of the comparison, never a failure.
        for (const peer of this.others) {
            const c = await this.readCounters(peer).catch(() => null);
            if (c)
                this.peerStart.set(peer.name, c);
        }
    }
    async peers() {
        if (!this.peerStart.size)
            return null;
        const sum = { requests: 0, errors: 0 };
        for (const peer of this.others) {
            const from = this.peerStart.get(peer.name);
            const to = from ? await this.readCounters(peer).catch(() => null) : null;
            if (!from || !to)
                continue;
            const d = counterDelta(from, to);
            sum.requests += d.requests;
            sum.errors += d.errors;
        }
        return sum;
    }
    async baseline(windowMs) {
        // Counters are cumulative, so the baseline is whatever ran between preflight and the mark,
        // used only when that stretch is at least half a window long.
        if (!this.preflight || !this.start || this.now() - this.preflightAt < windowMs / 2)
            return null;
        return counterDelta(this.preflight, this.start);
    }
    async read() {
        if (!this.start)
            throw new Error('haproxy counters were not marked before the change');
        return counterDelta(this.start, await this.readCounters(this.host));
    }
    samples() {
        return [];
    }
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/checks/prometheus/client.ts





/** A GET from the runner with node's own http/https (the bundle has no other HTTP client). */
function runnerGet(access) {
    return (url) => new Promise((resolve, reject) => {
        const parsed = new URL(url);
        const lib = parsed.protocol === 'https:' ? external_node_https_ : external_node_http_;
        const headers = { accept: 'application/json' };
        if (access.authorization)
            headers.authorization = access.authorization;
        const req = lib.get(parsed, { headers, timeout: access.timeoutMs, ...(parsed.protocol === 'https:' ? { rejectUnauthorized: access.tlsVerify } : {}) }, (res) => {
            const chunks = [];
            let size = 0;
            res.on('data', (c) => {
                size += c.length;
                if (size <= BODY_LIMIT)
                    chunks.push(c);
                else
                    req.destroy(new Error(`the answer is larger than ${BODY_LIMIT} bytes`));
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${access.timeoutMs} ms`)));
        req.on('error', reject);
    });
}
/** The curl command for one GET on an SSH host; the Authorization header is its stdin, not an argument. */
function curlGet(url, access) {
    return prometheusGet(url, { authorization: access.authorization, insecure: !access.tlsVerify, timeoutMs: access.timeoutMs });
}
/**
 * A GET with curl on an SSH host, over the rollout's own connection to it. A curl that got no HTTP
 * answer at all (refused, no route, DNS, TLS) still prints its status line, as 000, and exits 0
 * through its pipe into `head`: the reason is curl's stderr, which then becomes the error.
 */
function sshGet(remote, access) {
    return async (url) => {
        const cmd = curlGet(url, access);
        const result = await remote.run(cmd);
        const failure = (0,remote_host/* failureOf */.g5)(cmd, result);
        if (failure)
            throw new remote_host/* RemoteCommandError */.at(cmd, result, failure);
        const answer = splitCurlOutput(result.stdout);
        if (answer.status === 0 && !answer.body)
            throw new Error((0,remote_host/* tail */.RT)(result.stderr, 2) || 'curl got no HTTP answer');
        return answer;
    };
}
/** The exact line sshGet sends for `url`, for the dry-run plan (no secret is in it). */
function sshGetLine(remote, access) {
    return (url) => remote.line(curlGet(url, access));
}
/** The instant-query URL for `expr`, optionally evaluated at `time` (seconds). */
function queryUrl(base, expr, time) {
    const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('query', expr);
    if (time !== undefined)
        url.searchParams.set('time', time.toFixed(3));
    return url.toString();
}
/** Instant queries against one Prometheus; transport failures come back as results, not throws. */
class PrometheusClient {
    get;
    baseUrl;
    where;
    commandLine;
    constructor(get, baseUrl, 
    /** Where the queries run, for the plan: `from the runner`, `with curl on lb.example over SSH`. */
    where = 'from the runner', 
    /** The exact command line a query is, where it is one (curl on an SSH host). */
    commandLine) {
        this.get = get;
        this.baseUrl = baseUrl;
        this.where = where;
        this.commandLine = commandLine;
    }
    /** The command line that asks `expr`, or null when the query is an HTTP request from this process. */
    lineFor(expr) {
        return this.commandLine?.(queryUrl(this.baseUrl, expr)) ?? null;
    }
    async query(expr, time) {
        try {
            const { status, body } = await this.get(queryUrl(this.baseUrl, expr, time));
            return parseQueryResponse(status, body);
        }
        catch (err) {
            return { ok: false, error: `cannot reach Prometheus: ${excerpt(err.message)}` };
        }
    }
}

;// CONCATENATED MODULE: ./src/checks/prometheus/freshness.ts
/**
 * Scrape lag. Prometheus knows a host's counters only as of its last scrape, so a window that
 * ends before enough scrapes landed after the change has not seen the change at all: it is
 * inconclusive, never a pass.
 */
/** Samples of `selector` in the last `sinceMs`: one per scrape of its target. */
function scrapeCountQuery(selector, sinceMs) {
    return `max(count_over_time(${selector}[${Math.max(1, Math.round(sinceMs))}ms]))`;
}
/** Why the window's data is too stale to pass, or null when it holds enough fresh scrapes. */
function staleReason(scrapes, minScrapes) {
    if (scrapes === null)
        return `Prometheus has no scrape of the target since the change (need ${minScrapes}): its data is stale`;
    if (scrapes < minScrapes)
        return `only ${scrapes} scrape${scrapes === 1 ? '' : 's'} of the target since the change, fewer than prometheus-min-scrapes ${minScrapes}: its data is stale`;
    return null;
}

;// CONCATENATED MODULE: ./src/checks/sources/prometheus.ts


/** The window between two readings; a counter reset (HAProxy restarted) reads as no traffic, not negative. */
function totalsDelta(from, to) {
    const requests = Math.max(0, to.requests - from.requests);
    return { requests, errors: Math.min(requests, Math.max(0, to.errors - from.errors)) };
}
/** Both queries for one host; a bad answer throws an error naming the input. */
async function readTotals(client, s, host, time) {
    const values = { host: host.host, name: host.name };
    const ask = async (input, template) => {
        const one = singleValue(await client.query(fillQuery(template, values), time));
        if (!one.ok)
            throw new Error(`${input} for ${host.name}: ${one.error}`);
        return one;
    };
    const [requests, errors] = await Promise.all([
        ask('prometheus-requests-query', s.requestsQuery),
        ask('prometheus-errors-query', s.errorsQuery),
    ]);
    return { requests: requests.value, errors: errors.value, at: requests.at };
}
/** Scrapes of the host's target in the last `sinceMs`; null when there were none. */
async function countScrapes(client, s, host, sinceMs) {
    const result = await client.query(scrapeCountQuery(fillQuery(s.scrapeSeries, { host: host.host, name: host.name }), sinceMs));
    if (!result.ok)
        throw new Error(`prometheus-scrape-series for ${host.name}: ${result.error}`);
    return result.series[0]?.value ?? null;
}
/**
 * A host's requests and errors from Prometheus: the queries give cumulative totals, and the
 * window is the difference between the reading at the mark and each later one. The same
 * queries for the other hosts give the peers' window (the fleet-relative verdict).
 */
class PrometheusSource {
    client;
    settings;
    host;
    others;
    now;
    description;
    start;
    markAt = 0;
    last;
    scrapes = null;
    noData = null;
    peerStart = new Map();
    constructor(client, settings, host, others, now) {
        this.client = client;
        this.settings = settings;
        this.host = host;
        this.others = others;
        this.now = now;
        this.description = `prometheus ${settings.requestsQuery} / ${settings.errorsQuery}`.slice(0, 300);
    }
    async mark() {
        this.start = await readTotals(this.client, this.settings, this.host);
        this.markAt = this.now();
        // A peer whose totals cannot be read is left out of the comparison, never a failure.
        await Promise.all(this.others.map(async (peer) => {
            const t = await readTotals(this.client, this.settings, peer).catch(() => null);
            if (t)
                this.peerStart.set(peer.name, t);
        }));
    }
    /** The same window before the mark, from the totals as Prometheus had them then. */
    async baseline(windowMs) {
        if (!this.start)
            return null;
        const before = await readTotals(this.client, this.settings, this.host, this.start.at - windowMs / 1000).catch(() => null);
        return before ? totalsDelta(before, this.start) : null;
    }
    /**
     * A failed scrape marks the target's series stale, so the totals come back empty: the window
     * keeps its last counts and is stale (inconclusive), never an error and never a pass.
     */
    async read() {
        const start = this.start;
        if (!start)
            throw new Error('prometheus totals were not read before the change');
        const [now, scrapes] = await Promise.all([
            readTotals(this.client, this.settings, this.host).catch((err) => {
                if (!/returned no series/.test(err.message))
                    throw err;
                this.noData = err.message;
                return null;
            }),
            countScrapes(this.client, this.settings, this.host, this.now() - this.markAt),
        ]);
        this.scrapes = scrapes;
        if (now) {
            this.last = now;
            this.noData = null;
        }
        return totalsDelta(start, this.last ?? start);
    }
    staleReason() {
        if (this.noData)
            return `Prometheus has no current data for the host (${this.noData}): its data is stale`;
        return staleReason(this.scrapes, this.settings.minScrapes);
    }
    async peers() {
        if (!this.peerStart.size)
            return null;
        const sum = { requests: 0, errors: 0 };
        for (const peer of this.others) {
            const from = this.peerStart.get(peer.name);
            const to = from ? await readTotals(this.client, this.settings, peer).catch(() => null) : null;
            if (!from || !to)
                continue;
            const d = totalsDelta(from, to);
            sum.requests += d.requests;
            sum.errors += d.errors;
        }
        return sum;
    }
    /** The queries each look asks for this host, filled in, and where they run (dry-run plan). */
    plan() {
        const s = this.settings;
        const v = { host: this.host.host, name: this.host.name };
        const requests = fillQuery(s.requestsQuery, v);
        const scrapes = scrapeCountQuery(fillQuery(s.scrapeSeries, v), 1).replace('[1ms]', '[{time since the change}]');
        const line = this.client.lineFor(requests);
        return [
            `    Prometheus ${this.client.baseUrl} ${this.client.where}, each look:`,
            `      requests: ${requests}`,
            `      errors: ${fillQuery(s.errorsQuery, v)}`,
            `      fresh scrapes: ${scrapes} (at least prometheus-min-scrapes ${s.minScrapes})`,
            ...(this.others.length ? [`      peers (fleet-relative): the same queries for ${this.others.map((o) => o.name).join(', ')}`] : []),
            ...(line
                ? [
                    `      each query is one curl${s.authorization ? ' (the Authorization header goes on its stdin, not in the line)' : ''}, e.g.:`,
                    `      $ ${line}`,
                ]
                : []),
        ];
    }
    /** The queries and their readings: the report's evidence (no links; values are numbers). */
    samples() {
        const v = { host: this.host.host, name: this.host.name };
        const at = (t, k) => (t ? String(t[k]) : '?');
        return [
            `requests: ${fillQuery(this.settings.requestsQuery, v)} = ${at(this.start, 'requests')} at the change, ${at(this.last, 'requests')} at the last look`,
            `errors: ${fillQuery(this.settings.errorsQuery, v)} = ${at(this.start, 'errors')} at the change, ${at(this.last, 'errors')} at the last look`,
            `scrapes since the change: ${this.scrapes ?? 0} (prometheus-min-scrapes ${this.settings.minScrapes})`,
        ];
    }
}

;// CONCATENATED MODULE: ./src/checks/sources/metrics-preflight.ts



/** Longest one Prometheus query may take. */
const PROMETHEUS_TIMEOUT_MS = 10_000;
/** Preflight wants scrapes within this: a target not scraped for a minute is not being watched. */
const PREFLIGHT_SCRAPE_MS = 60_000;
/** The load balancer's SSH host, for `*-via: lb-host`: the rollout's own connection to it. */
function lbRemote(lb, input) {
    const remote = lb?.lock?.remote;
    if (!remote)
        throw new Error(`${input} is lb-host, but there is no load balancer connection`);
    const t = remote.connection.target;
    return { remote, label: `the load balancer host ${t.user}@${t.host}:${t.port}` };
}
/** Where `*-via` says the query or command runs, as an SSH host and its label; null: on the runner. */
function viaRemote(via, lb, own, input) {
    if (via === 'runner')
        return null;
    if (via === 'lb-host')
        return lbRemote(lb, input);
    if (!own)
        throw new Error(`${input} is host, but there is no connection to the watched host`);
    const t = own.remote.connection.target;
    return { remote: own.remote, label: `the watched host ${own.host.name} (${t.user}@${t.host}:${t.port})` };
}
/** The client prometheus-via asks for: from this process, or curl on the load balancer's or the watched host. */
function prometheusClient(settings, lb, own) {
    const p = settings.check.prometheus;
    if (!p)
        return null;
    const access = { authorization: p.authorization, tlsVerify: p.tlsVerify, timeoutMs: PROMETHEUS_TIMEOUT_MS };
    const ssh = viaRemote(p.via, lb, own, 'prometheus-via');
    if (ssh)
        return new PrometheusClient(sshGet(ssh.remote, access), p.url, `with curl on ${ssh.label} over SSH`, sshGetLine(ssh.remote, access));
    return new PrometheusClient(runnerGet(access), p.url);
}
/** Where check-command-via runs the command: a shell on the runner, the load balancer's host or the watched host. */
function commandRunner(via, lb, local, own) {
    const ssh = viaRemote(via, lb, own, 'check-command-via');
    return ssh ? hostShell(ssh.remote, ssh.label) : runnerShell(local);
}
/** Prometheus answers, then each host's queries give one series and its target is being scraped. */
async function askPrometheus(client, p, hosts, from) {
    // Reachability, authentication and the API first: one clear error naming prometheus-url.
    const alive = await client.query('time()');
    if (!alive.ok)
        throw new Error(`prometheus-url${from}: ${alive.error} (${p.url}, via ${p.via})`);
    for (const host of hosts) {
        await readTotals(client, p, host);
        const scrapes = await countScrapes(client, p, host, PREFLIGHT_SCRAPE_MS);
        if (scrapes === null)
            throw new Error(`prometheus-scrape-series for ${host.name}: no sample in the last minute (is the target scraped?)`);
    }
}
/**
 * The metrics source asked once for every host before anything changes: an unreachable
 * Prometheus, a query that returns nothing or several series, a query error, a target not being
 * scraped, or a check-command that fails or prints something else, stops the run here. Each
 * error names the input. `*-via: host` is asked host by host instead (preflightHostMetrics).
 */
async function preflightMetrics(settings, lb, local, now) {
    if (settings.check.windowMs === 0)
        return;
    const p = settings.check.prometheus;
    if (p && p.via !== 'host') {
        const client = prometheusClient(settings, lb);
        if (client)
            await askPrometheus(client, p, settings.hosts, '');
    }
    const c = settings.check.command;
    if (settings.check.source === 'command' && c && c.via !== 'host') {
        const runner = commandRunner(c.via, lb, local);
        const t = now();
        for (const host of settings.hosts)
            await runCountsCommand(runner, c, host, t - settings.check.windowMs, t);
    }
}
/**
 * `*-via: host`, in each host's own preflight, over the connection preflight holds to it: the
 * host asks Prometheus for its own series (or runs check-command for itself). Every host, not
 * just the first: each reaches Prometheus by its own route (a firewall, DNS, a proxy, curl there
 * or not), and a host that cannot would otherwise be found out only at its watch, after the hosts
 * before it had changed, which is what preflight is for. It asks what the runner would have asked
 * for that host anyway, so it costs no more queries, and no extra connection.
 */
async function preflightHostMetrics(settings, own, local, now) {
    if (settings.check.windowMs === 0)
        return;
    const p = settings.check.prometheus;
    const c = settings.check.command;
    const name = own.host.name;
    if (settings.check.source === 'prometheus' && p?.via === 'host') {
        const client = prometheusClient(settings, null, own);
        if (client)
            await askPrometheus(client, p, [own.host], ` from ${name}`).catch((err) => {
                throw new Error(`${err.message}; asked from ${name} itself (prometheus-via: host)`);
            });
    }
    if (settings.check.source === 'command' && c?.via === 'host') {
        const t = now();
        await runCountsCommand(commandRunner('host', null, local, own), c, own.host, t - settings.check.windowMs, t).catch((err) => {
            throw new Error(`${err.message}; run on ${name} itself (check-command-via: host)`);
        });
    }
}

;// CONCATENATED MODULE: ./src/checks/sources/probe.ts

/** Requests per look: the window's traffic when the host has none of its own worth counting. */
const BURST = 10;
/** Requests made from the host to `check-url` during the window; non-2xx and no-answer are errors. */
class ProbeSource {
    remote;
    url;
    description;
    counts = { requests: 0, errors: 0 };
    errorSamples = [];
    constructor(remote, url) {
        this.remote = remote;
        this.url = url;
        this.description = `probe of ${url} from the host`;
    }
    async mark() { }
    async baseline() {
        return null;
    }
    async read() {
        const out = await this.remote.check((0,traffic/* probeBurst */.Zk)(this.url, BURST, 2000));
        for (const code of out
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)) {
            this.counts.requests += 1;
            if (!/^2\d\d$/.test(code)) {
                this.counts.errors += 1;
                if (this.errorSamples.length < 10)
                    this.errorSamples.push(`GET ${this.url} → ${code === '000' ? 'no response (socket error or timeout)' : `HTTP ${code}`}`);
            }
        }
        return { ...this.counts };
    }
    samples() {
        return this.errorSamples;
    }
}

;// CONCATENATED MODULE: ./src/checks/sources/create.ts






/** Paths that are health checks, not traffic: the readiness URL's and check-ignore-paths. */
function ignoredPaths(settings) {
    const paths = new Set(settings.checkIgnorePaths);
    if (settings.readiness.url)
        paths.add(new URL(settings.readiness.url).pathname);
    return paths;
}
/** The error source `check-source` names, for one host. */
function createErrorSource(settings, host, remote, lb, now, local) {
    const timeout = settings.ssh.commandTimeoutMs;
    switch (settings.check.source) {
        case 'access-log':
            return new AccessLogSource(remote, settings.check.accessLog, ignoredPaths(settings), timeout);
        case 'probe':
            return new ProbeSource(remote, settings.check.url ?? '');
        case 'haproxy': {
            const counters = lb?.counters?.bind(lb);
            if (!counters)
                throw new Error('check-source haproxy needs lb: haproxy');
            const others = settings.check.fleetRelative ? settings.hosts.filter((h) => h.name !== host.name) : [];
            return new HaproxySource(counters, host, now, others);
        }
        case 'prometheus': {
            const client = prometheusClient(settings, lb, { host, remote });
            if (!client || !settings.check.prometheus)
                throw new Error('check-source prometheus needs prometheus-url');
            const others = settings.check.fleetRelative ? settings.hosts.filter((h) => h.name !== host.name) : [];
            return new PrometheusSource(client, settings.check.prometheus, host, others, now);
        }
        case 'command':
            if (!local || !settings.check.command)
                throw new Error('check-source command needs check-command');
            return new CommandSource(commandRunner(settings.check.command.via, lb, local, { host, remote }), settings.check.command, host, now);
    }
}

;// CONCATENATED MODULE: ./src/checks/verdict.ts
const rate = (c) => (c.requests > 0 ? Math.min(1, c.errors / c.requests) : 0);
/** Lower bound of the Wilson score interval (z = 1.96): the error rate we are 97.5% sure is exceeded. */
function wilsonLower(c, z = 1.96) {
    if (c.requests === 0)
        return 0;
    const n = c.requests;
    const p = rate(c);
    const centre = p + (z * z) / (2 * n);
    const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    return Math.max(0, (centre - spread) / (1 + (z * z) / n));
}
/**
 * A trip clear enough to end the window early: enough requests, and even the optimistic end of the
 * error rate's confidence interval is over the limit. A host answering 100% 500s trips after
 * min-requests; one stray error among twenty does not.
 */
function clearTrip(c, o) {
    return c.requests >= Math.max(1, o.minRequests) && wilsonLower(c) > o.maxErrorRate;
}
/** Errors a spike needs at least: below this the normal approximation says nothing. */
const SPIKE_MIN_ERRORS = 5;
/**
 * A spike against the host's own clean background: at least SPIKE_MIN_ERRORS errors, a rate risen
 * by at least half the limit, and more than chance explains (one-sided two-proportion z > 3.09,
 * p < 0.001). A host that ran at 0.5% before and at 0.5% after is judged on its change, which
 * added nothing; one or two stray errors are not a spike.
 */
function spike(after, before, o) {
    if (before.requests < Math.max(1, o.minRequests) || rate(before) > o.maxErrorRate)
        return false;
    if (after.requests === 0 || after.errors < SPIKE_MIN_ERRORS)
        return false;
    const p1 = rate(after);
    const p0 = rate(before);
    if (p1 - p0 < o.maxErrorRate / 2)
        return false;
    const pooled = (after.errors + before.errors) / (after.requests + before.requests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / after.requests + 1 / before.requests));
    return se === 0 ? p1 > p0 : (p1 - p0) / se > 3.09;
}
const pct = (r) => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 2).replace(/\.?0+$/, '')}%`;
/** pass / fail / inconclusive for one host's window, with the sentence that explains it. */
function judge(c, baseline, o) {
    const r = rate(c);
    let verdict;
    let reason;
    if (c.requests < o.minRequests) {
        verdict = o.failOnInconclusive ? 'fail' : 'inconclusive';
        reason = `${c.requests} requests is fewer than min-requests ${o.minRequests}${o.failOnInconclusive ? ', and fail-on-inconclusive is set' : ''}`;
        // A host with too little traffic can still be clearly broken.
        if (c.errors > 0 && c.errors === c.requests && c.requests >= 3) {
            verdict = 'fail';
            reason = `every one of the ${c.requests} requests failed`;
        }
    }
    else if (r > o.maxErrorRate) {
        verdict = 'fail';
        reason = `${c.errors}/${c.requests} errors = ${pct(r)}, over max-error-rate ${pct(o.maxErrorRate)}`;
    }
    else if (baseline && spike(c, baseline, o)) {
        verdict = 'fail';
        reason = `${pct(r)} errors after the change against ${pct(rate(baseline))} before it (${baseline.errors}/${baseline.requests}): a spike`;
    }
    else {
        verdict = 'pass';
        reason = `${c.errors}/${c.requests} errors = ${pct(r)}, within max-error-rate ${pct(o.maxErrorRate)}`;
    }
    return { verdict, reason };
}

;// CONCATENATED MODULE: ./src/checks/relative.ts

const relative_pct = (r) => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
/**
 * The changed host against its peers over the same window, as canary analysis does: one-sided
 * two-proportion z > 3.09 (p < 0.001), at least SPIKE_MIN_ERRORS errors, and a practical margin:
 * at least twice the peers' rate and a quarter of max-error-rate above it. A change that adds
 * 0.3% errors where the limit is 1% is a regression worth stopping; a tenth of that is noise.
 */
function worseThanPeers(host, peers, o) {
    if (peers.requests < Math.max(1, o.minRequests) || host.requests === 0 || host.errors < SPIKE_MIN_ERRORS)
        return false;
    const p1 = rate(host);
    const p0 = rate(peers);
    if (p1 - p0 < o.maxErrorRate / 4 || p1 < 2 * p0)
        return false;
    const pooled = (host.errors + peers.errors) / (host.requests + peers.requests);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / host.requests + 1 / peers.requests));
    return se === 0 ? p1 > p0 : (p1 - p0) / se > 3.09;
}
/**
 * Combines the absolute verdict with the peers' window (README "How the error rules combine"):
 * - a host significantly worse than its peers fails, even under max-error-rate;
 * - a failing host whose peers fail alike is a fleet-wide problem, not this change: inconclusive;
 * - otherwise the absolute verdict stands. Peers with fewer than min-requests say nothing.
 */
function settleAgainstPeers(absolute, host, peers, o) {
    if (!peers || peers.requests < Math.max(1, o.minRequests))
        return absolute;
    const peerText = `${peers.errors}/${peers.requests} = ${relative_pct(rate(peers))} on the other hosts`;
    if (worseThanPeers(host, peers, o)) {
        if (absolute.verdict === 'fail')
            return { verdict: 'fail', reason: `${absolute.reason}; ${peerText}` };
        return {
            verdict: 'fail',
            reason: `${host.errors}/${host.requests} errors = ${relative_pct(rate(host))} against ${peerText} in the same window: significantly worse than its peers`,
        };
    }
    if (absolute.verdict === 'fail' && rate(peers) > o.maxErrorRate) {
        const verdict = o.failOnInconclusive ? 'fail' : 'inconclusive';
        const all = rate({ requests: host.requests + peers.requests, errors: host.errors + peers.errors });
        return {
            verdict,
            fleetWide: true,
            reason: `fleet-wide problem: all hosts ${relative_pct(all)} errors (this host ${relative_pct(rate(host))}, ${peerText}): not this change`,
        };
    }
    return absolute;
}
/**
 * A pass on stale data is no pass: inconclusive (or fail with fail-on-inconclusive). An
 * inconclusive window on stale data says so first: "too few requests" would hide the cause. A
 * fleet-wide problem stays the headline (an early trip can end the window before enough scrapes
 * came in); the staleness follows it.
 */
function settleFreshness(v, stale, o) {
    if (!stale || v.verdict === 'fail' || v.verdict === 'skipped')
        return v;
    if (v.fleetWide)
        return { ...v, reason: `${v.reason}; ${stale}` };
    return {
        verdict: o.failOnInconclusive ? 'fail' : 'inconclusive',
        reason: `${stale}${o.failOnInconclusive ? ', and fail-on-inconclusive is set' : ''} (${v.reason})`,
    };
}

;// CONCATENATED MODULE: ./src/checks/watch.ts



/** How often the window looks at the counts. */
const WATCH_POLL_MS = 1000;
/**
 * Watches one host for `check-window` after it is back in service. Ends early on a clear trip, so a
 * host answering 100% 500s fails in seconds, not at the end of the window.
 */
async function watchWindow(source, baseline, check, clock, signal, progress) {
    const options = { maxErrorRate: check.maxErrorRate, minRequests: check.minRequests, failOnInconclusive: check.failOnInconclusive };
    const start = clock.now();
    const say = (c, ms) => progress(`watching: ${c.requests} requests, ${c.errors} errors, ${Math.round(ms / 1000)} s of ${Math.round(check.windowMs / 1000)} s`);
    const seen = await (0,poll/* poll */.w)({ clock, signal, timeoutMs: check.windowMs, intervalMs: WATCH_POLL_MS, pauseFirst: true, progress: { everyMs: 5000, say } }, () => source.read(), (c) => clearTrip(c, options));
    const counts = seen.value;
    const early = seen.done && seen.waitedMs < check.windowMs;
    // Sources that see other hosts judge against them too; stale metrics never pass (relative.ts).
    const peers = check.fleetRelative && source.peers ? await source.peers() : null;
    const judged = settleFreshness(settleAgainstPeers(judge(counts, baseline, options), counts, peers, options), source.staleReason?.() ?? null, options);
    return {
        requests: counts.requests,
        errors: counts.errors,
        rate: rate(counts),
        verdict: judged.verdict,
        reason: early ? `${judged.reason}; the window ended early, after ${Math.round((clock.now() - start) / 100) / 10} s` : judged.reason,
        source: source.description,
        windowMs: clock.now() - start,
        ...(baseline ? { baseline: { ...baseline, rate: rate(baseline) } } : {}),
    };
}

;// CONCATENATED MODULE: ./src/checks/error-check.ts


/**
 * One host's error check, start to end: primed at preflight, marked just before the host's first
 * change (its drain, or the change itself), its baseline read then, the window watched after the
 * host is back, and the error lines it saw kept as evidence.
 */
class ErrorCheck {
    source;
    check;
    clock;
    marked = false;
    baseline = null;
    constructor(source, check, clock) {
        this.source = source;
        this.check = check;
        this.clock = clock;
    }
    /** What the counts come from, e.g. `access log /var/log/nginx/access.log`. */
    get description() {
        return this.source.description;
    }
    /** Once the fleet passed preflight: cumulative sources read their starting counters. */
    async prime() {
        await this.source.prime?.();
    }
    /** From here on requests count; the host's own background before it is the baseline. Once only. */
    async mark() {
        if (this.marked)
            return;
        await this.source.mark();
        this.marked = true;
        this.baseline = await this.source.baseline(this.check.windowMs);
    }
    /** Watches the window (ending early on a clear trip) and returns the verdict with its counts. */
    async watch(signal, progress) {
        if (!this.marked)
            throw new Error('the error check was not marked before the change');
        return watchWindow(this.source, this.baseline, this.check, this.clock, signal, progress);
    }
    /** What the dry-run plan says the source would run for this host, indented under the watch phase. */
    plan() {
        return this.source.plan?.() ?? [];
    }
    /** A few error lines seen since the mark (redacted), for a failed host's evidence. */
    samples() {
        return this.source.samples();
    }
}
/** The error check `check-source` names for one host; null when check-window is 0 (no watch). */
function createErrorCheck(settings, host, remote, lb, clock, local) {
    if (settings.check.windowMs === 0)
        return null;
    return new ErrorCheck(createErrorSource(settings, host, remote, lb, clock.now, local), settings.check, clock);
}

;// CONCATENATED MODULE: ./src/inspect/findings.ts
/** Signals a service can shut down gracefully on (SIGKILL is the one that cannot be caught). */
const GRACEFUL_SIGNALS = new Set([1, 2, 3, 10, 12, 15, 28]);
/** Restarts closer together than this, with a generous start limit, make a storm. */
const STORM_RESTART_MS = 1000;
/** Time a service needs to stop after the drain wait, on top of it. */
const SHUTDOWN_MARGIN_MS = 10_000;
const seconds = (ms) => `${Math.ceil(ms / 1000)}s`;
/**
 * Pattern C checks for a unit that is about to be stopped and started: a stop timeout that would
 * SIGKILL a graceful shutdown, a kill signal that cannot be handled, and a restart storm.
 */
function stopFindings(unit, drainTimeoutMs) {
    const findings = [];
    const name = unit.id || 'the unit';
    const needed = drainTimeoutMs + SHUTDOWN_MARGIN_MS;
    if (unit.timeoutStopMs !== null && unit.timeoutStopMs < needed) {
        findings.push({
            message: `${name} has TimeoutStopSec=${seconds(unit.timeoutStopMs)}, shorter than drain-timeout plus a ${seconds(SHUTDOWN_MARGIN_MS)} shutdown margin (${seconds(needed)}): systemd will SIGKILL a graceful shutdown still finishing requests.`,
            dropIn: `[Service]\nTimeoutStopSec=${seconds(needed)}`,
        });
    }
    if (unit.killSignal !== null && !GRACEFUL_SIGNALS.has(unit.killSignal)) {
        findings.push({
            message: `${name} has KillSignal=${unit.killSignal}${unit.killSignal === 9 ? ' (SIGKILL)' : ''}, which the service cannot handle to shut down gracefully.`,
            dropIn: '[Service]\nKillSignal=SIGTERM',
        });
    }
    const restarts = unit.restart !== '' && unit.restart !== 'no';
    if (restarts && unit.restartMs !== null && unit.restartMs < STORM_RESTART_MS) {
        const limit = unit.startLimitIntervalMs === null
            ? 'with no start limit, so a crashing service restarts forever'
            : `so a crashing service burns its start limit (${unit.startLimitBurst ?? '?'} starts in ${seconds(unit.startLimitIntervalMs)}) within a second and is then left failed`;
        findings.push({
            message: `${name} has Restart=${unit.restart} with RestartSec=${unit.restartMs}ms, ${limit}: a restart storm.`,
            dropIn: '[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=5\n\n[Service]\nRestartSec=2s',
        });
    }
    return findings;
}

// EXTERNAL MODULE: ./src/inspect/prerequisites.ts
var prerequisites = __webpack_require__(651);
;// CONCATENATED MODULE: ./src/inspect/unit-info.ts
const TIMESPAN_UNITS = {
    us: 0.001,
    usec: 0.001,
    ms: 1,
    msec: 1,
    s: 1000,
    sec: 1000,
    min: 60_000,
    m: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    M: 2_629_800_000,
    y: 31_557_600_000,
};
/** systemd's timespan as `systemctl show` prints it (`1min 30s`, `100ms`, `infinity`), in ms. */
function parseTimespan(text) {
    const value = text.trim();
    if (value === '' || value === 'infinity')
        return null;
    let total = 0;
    const re = /(\d+(?:\.\d+)?)\s*([a-zA-Z]*)/g;
    let matched = '';
    for (let m = re.exec(value); m; m = re.exec(value)) {
        const unit = m[2] || 'us'; // bare numbers in *USec properties are µs
        const factor = TIMESPAN_UNITS[unit];
        if (factor === undefined)
            return null;
        total += Number(m[1]) * factor;
        matched += m[0];
    }
    return matched.replace(/\s/g, '') === value.replace(/\s/g, '') ? Math.round(total) : null;
}
function numberOrNull(text) {
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}
/** Parses the inspect command's KEY=VALUE output (see remote/commands.ts inspectUnit). */
function parseUnitInfo(stdout) {
    const props = new Map();
    for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0)
            props.set(line.slice(0, eq), line.slice(eq + 1).trim());
    }
    const get = (key) => props.get(key) ?? '';
    const execReload = get('ExecReload');
    return {
        id: get('Id'),
        loadState: get('LoadState'),
        activeState: get('ActiveState'),
        subState: get('SubState'),
        type: get('Type'),
        canReload: get('CanReload') === 'yes',
        hasExecReload: execReload !== '' && execReload !== '{}',
        timeoutStopMs: parseTimespan(get('TimeoutStopUSec')),
        killSignal: numberOrNull(get('KillSignal')),
        restart: get('Restart'),
        restartMs: parseTimespan(get('RestartUSec')),
        startLimitBurst: numberOrNull(get('StartLimitBurst')),
        startLimitIntervalMs: ((ms) => (ms === 0 ? null : ms))(parseTimespan(get('StartLimitIntervalUSec'))),
        triggeredBy: get('TriggeredBy').split(/\s+/).filter(Boolean),
        mainPid: numberOrNull(get('MainPID')) ?? 0,
        nRestarts: numberOrNull(get('NRestarts')),
        mainComm: get('zdr.comm'),
        hasCurl: get('zdr.curl') !== '',
        uid: numberOrNull(get('zdr.uid')),
    };
}
/** Pattern D: a `.socket` unit holds the listening socket while the service restarts. */
function socketActivated(unit) {
    return unit.triggeredBy.find((u) => u.endsWith('.socket'));
}

;// CONCATENATED MODULE: ./src/strategies/choose.ts

const chosen = (action, drain, label, reason, warnings = []) => ({
    ok: true,
    choice: { action, drain, label, reason, warnings },
});
function restartWarnings(s) {
    const w = [];
    if (!s.socket)
        w.push(`a restart without a drain drops the requests ${s.unitName} is serving and refuses connections until it is back`);
    if (s.settings.hosts.length === 1 && !s.hasLb)
        w.push('this is a single host with no load balancer: nothing serves while it restarts');
    return w;
}
function socketChoice(s, why) {
    if (s.settings.drain.force && s.hasLb)
        return chosen('restart', true, 'drain-restart', `${why}; force-drain asks for a drain anyway`);
    return chosen('restart', false, 'socket-restart', `${why}: ${s.socket} holds the listening socket while the service restarts, so no drain is needed`);
}
function chooseAuto(s) {
    const { unitName } = s;
    if (s.unit.canReload)
        return chosen('reload', false, 'reload', `auto: ${unitName} can reload gracefully`);
    if (s.socket)
        return socketChoice(s, `auto: ${unitName} cannot reload but is socket-activated`);
    if (s.hasLb) {
        return chosen('restart', true, 'drain-restart', `auto: ${unitName} cannot reload, so it is drained from lb: ${s.settings.lb.kind} and restarted`);
    }
    return {
        ok: false,
        refusal: `strategy auto: ${unitName} cannot reload, is not socket-activated, and no load balancer is configured (lb: none), so only a plain restart is possible and it would drop in-flight requests. Set lb to drain the host first, or strategy: restart to accept the gap.`,
    };
}
/**
 * Picks the change for one host from the `strategy` input and what inspect found. `auto` prefers a
 * graceful reload, then a socket-activated restart, then drain-restart behind a load
 * balancer, and otherwise refuses: a plain restart would drop in-flight requests.
 */
function chooseStrategy(settings, unit) {
    const hasLb = settings.lb.kind !== 'none';
    const s = { settings, unit, unitName: unit.id || settings.service, hasLb, socket: socketActivated(unit) };
    switch (settings.strategy) {
        case 'reload':
            if (!unit.canReload) {
                return {
                    ok: false,
                    refusal: `strategy reload: ${s.unitName} cannot reload (no ExecReload), so systemctl reload would do nothing. Use drain-restart with a load balancer, or auto.`,
                };
            }
            return chosen('reload', false, 'reload', 'strategy: reload');
        case 'drain-restart':
            return chosen('restart', true, 'drain-restart', `strategy: drain-restart through lb: ${settings.lb.kind}`);
        case 'restart':
            if (s.socket)
                return socketChoice(s, 'strategy: restart, and the unit is socket-activated');
            return chosen('restart', false, 'restart', 'strategy: restart', restartWarnings(s));
        case 'auto':
            return chooseAuto(s);
    }
}

// EXTERNAL MODULE: ./src/transport/connection.ts
var connection = __webpack_require__(5889);
;// CONCATENATED MODULE: ./src/transport/lease.ts

/**
 * One host's connection, held only while the host is worked on. A rollout of hundreds of hosts
 * must not keep hundreds of idle SSH connections (each a socket, a keepalive timer and ssh2's
 * buffers on the runner, and a session on the host) for the whole run: preflight connects, checks
 * and `release()`s a bounded number at a time, and the host's turn connects again when it comes.
 *
 * Every (re)connection goes through the same Connector, so it is verified exactly as the first:
 * with strict host keys, a host whose key changed between preflight and its turn is refused.
 *
 * Only an explicit release reconnects. A connection lost mid-turn stays lost (its commands report
 * `connection-lost`), as without a lease: a turn does not silently resume on a new connection.
 */
class ConnectionLease {
    connector;
    target;
    current = null;
    /** The held connection once made (null while connecting or when none is held). */
    made = null;
    released = false;
    closed = false;
    /** Connections made by this lease so far (the first, then one per turn after a release). */
    connects = 0;
    constructor(connector, target) {
        this.connector = connector;
        this.target = target;
    }
    /** True when the held connection has ended; a release then lets the next command connect again. */
    get lost() {
        return this.made?.lost === true;
    }
    /** True while a connection is held (or being made). */
    get held() {
        return this.current !== null;
    }
    /** Connects unless a connection is held; concurrent callers share one attempt. */
    acquire() {
        if (this.closed)
            return Promise.reject(new connection/* TransportError */.w('connection-lost', `the connection to ${this.target.name} was closed`));
        if (this.current)
            return this.current;
        const again = this.released;
        this.connects += 1;
        const attempt = this.connector.connect(this.target).then((c) => {
            if (this.current === attempt)
                this.made = c;
            return c;
        }, (err) => {
            if (this.current === attempt)
                this.current = null;
            // Said once: the first connection worked, so the operator knows where to look.
            if (again && err instanceof connection/* TransportError */.w) {
                throw new connection/* TransportError */.w(err.kind, `${err.message} (on reconnecting: the connection made in preflight was released)`);
            }
            throw err;
        });
        this.current = attempt;
        return attempt;
    }
    async exec(command, options) {
        return (await this.acquire()).exec(command, options);
    }
    async stream(command) {
        return (await this.acquire()).stream(command);
    }
    async openSocket(path) {
        const connection = await this.acquire();
        if (!connection.openSocket)
            throw new Error('this connection cannot open a socket channel');
        return connection.openSocket(path);
    }
    /** Closes the held connection; the next command connects again. Never throws. */
    async release() {
        const held = this.current;
        this.current = null;
        this.made = null;
        if (!held)
            return;
        this.released = true;
        await held.then((c) => c.close()).catch(() => undefined);
    }
    /** Closes for good: later commands fail instead of reconnecting. */
    async close() {
        this.closed = true;
        await this.release();
    }
}

;// CONCATENATED MODULE: ./src/rollout/bounded.ts
/** Runs `fn` over `items` with at most `limit` at once; results keep the items' order. */
async function mapBounded(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await fn(items[index], index);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

;// CONCATENATED MODULE: ./src/rollout/capacity.ts
/**
 * A batch must fit the pool: the hosts of a batch that drain are out of rotation at once, so the
 * pool needs `min-healthy` healthy servers besides them. Checked in preflight, before any change,
 * against the servers healthy now; returns why not (naming the input and the largest safe batch),
 * or null. One drain at a time is left to the live guard before each drain, as it always was.
 */
async function batchTooLarge(fleet) {
    const lb = fleet.rotation.lb;
    if (!lb)
        return null;
    const drainers = fleet.batches.map((b) => b.filter((r) => r.choice?.drain && !r.outOfService).length);
    const largest = Math.max(0, ...drainers);
    if (largest <= 1)
        return null;
    const min = fleet.settings.drain.minHealthy;
    const probe = fleet.runs[0]?.target;
    const others = probe ? await lb.healthyOthers(probe) : null;
    if (!probe || others === null) {
        fleet.deps.log.warning(`capacity guard not enforced: ${lb.description} cannot count healthy servers, and a batch drains up to ${largest} hosts at once (min-healthy ${min})`);
        return null;
    }
    const healthy = others + ((await lb.isUp(probe)) === false ? 0 : 1);
    const safe = Math.max(0, healthy - min);
    if (largest <= safe)
        return null;
    return `Input 'batches': a batch would drain ${largest} hosts at once, but ${lb.description} has ${healthy} healthy server${healthy === 1 ? '' : 's'} in rotation and min-healthy is ${min}, so the largest safe batch is ${safe}. Nothing was changed; set batches to at most ${safe}${safe === 0 ? ' (no batch fits: bring servers back first)' : ''}.`;
}

;// CONCATENATED MODULE: ./src/rollout/preflight.ts

















/** The unit as inspect found it must be one this run can act on; throws why not. */
function checkUnit(unit, run, ctx) {
    const { settings } = ctx;
    if (unit.loadState !== 'loaded') {
        throw new Error(`unit ${settings.service} is ${unit.loadState || 'unknown'} on this host (check the service input)`);
    }
    if (unit.uid !== 0 && !settings.ssh.sudo) {
        throw new Error(`connected as uid ${unit.uid} (${run.target.user}), and systemctl needs root: set sudo: true (passwordless sudo) or connect as root`);
    }
    if (unit.activeState !== 'active') {
        throw new Error(`${unit.id} is ${unit.activeState}/${unit.subState} before any change; fix the host first`);
    }
}
/** What this host's turn will run there (a drain needs more), and a readable access log. */
async function checkTools(run, remote, missing, choice, ctx) {
    const { settings } = ctx;
    const lackingForDrain = choice.drain ? (0,prerequisites/* prerequisiteProblem */.aj)(run.name, missing, (0,prerequisites/* neededCommands */.af)(settings, true)) : null;
    if (lackingForDrain)
        throw new Error(lackingForDrain);
    if (settings.check.windowMs > 0 && settings.check.source === 'access-log') {
        const mark = await remote.run(logMark(settings.check.accessLog, settings.ssh.commandTimeoutMs));
        if (mark.code !== 0 || !/^\d+ \d+ /.test(mark.stdout)) {
            throw new Error(`the access log ${settings.check.accessLog} cannot be read on this host (set access-log, or another check-source): ${mark.stderr.trim()}`);
        }
    }
    // prometheus-via / check-command-via host: this host's own query, from here, before any change.
    await preflightHostMetrics(settings, { host: run.target, remote }, ctx.deps.local, ctx.deps.clock.now);
}
/** Pattern C findings and the strategy's own warnings: refused, or said once in the log and the report. */
function warnAbout(unit, choice, run, ctx, phase) {
    const { settings, deps } = ctx;
    const findings = choice.action === 'restart' ? stopFindings(unit, settings.drain.timeoutMs) : [];
    if (findings.length && settings.unitWarnings === 'refuse') {
        throw new Error(`unit-warnings is refuse: ${findings.map((f) => `${f.message} Fix with \`systemctl edit ${unit.id}\`: ${f.dropIn.replace(/\n/g, ' ')}`).join(' ')}`);
    }
    for (const f of findings) {
        run.warnings.push(f.message);
        deps.log.warning(`${run.name}: ${f.message}\nFix with \`systemctl edit ${unit.id}\` and this drop-in:\n${f.dropIn}`);
    }
    for (const w of choice.warnings) {
        run.warnings.push(w);
        deps.log.warning(`${run.name}: ${w}`);
    }
    if (findings.length || choice.warnings.length)
        phase.warn(`${findings.length + choice.warnings.length} warning(s)`);
}
/** inspect: what the unit is, whether this run can act on it, and what "change" will mean here. */
async function inspectHost(run, remote, ctx, phase) {
    const { settings } = ctx;
    const inspected = await remote
        .check((0,systemd/* inspectUnit */.$p)(settings.service, settings.ssh.commandTimeoutMs, prerequisites/* CHECKED_COMMANDS */.RC))
        .catch((error) => {
        throw (0,prerequisites/* explainNotFound */.hf)(run.name, error);
    });
    const missing = (0,prerequisites/* missingCommands */.nd)(inspected);
    const lacking = (0,prerequisites/* prerequisiteProblem */.aj)(run.name, missing, (0,prerequisites/* neededCommands */.af)(settings, false));
    if (lacking)
        throw new Error(lacking);
    const unit = parseUnitInfo(inspected);
    run.unit = unit;
    checkUnit(unit, run, ctx);
    const decision = chooseStrategy(settings, unit);
    if (!decision.ok)
        throw new Error(decision.refusal);
    const choice = decision.choice;
    run.choice = choice;
    await checkTools(run, remote, missing, choice, ctx);
    phase.detail(`${unit.id} ${unit.activeState}, CanReload=${unit.canReload ? 'yes' : 'no'}${unit.triggeredBy.length ? `, TriggeredBy=${unit.triggeredBy.join(' ')}` : ''} → ${choice.label}: ${choice.reason}`);
    warnAbout(unit, choice, run, ctx, phase);
}
/**
 * connect → inspect → validate on one host, changing nothing. Run for every host before the first
 * change, so one bad host fails the run while the fleet is still untouched.
 */
async function preflightHost(run, ctx) {
    const { settings, deps } = ctx;
    const { clock, log } = deps;
    const remote = await (0,phase/* runPhase */.PF)(clock, run, 'connect', async (phase) => {
        const started = clock.now();
        // A lease: released after preflight, connected again for the host's turn (transport/lease.ts).
        const lease = new ConnectionLease(deps.connector, run.target);
        await lease.acquire();
        const remote = new remote_host/* RemoteHost */.pS(lease, settings.ssh.sudo, (text) => log.debug(text));
        phase.detail(`${(0,transport_target/* describeRoute */.fx)(run.target)} in ${clock.now() - started} ms`);
        return remote;
    });
    run.remote = remote;
    await (0,phase/* runPhase */.PF)(clock, run, 'inspect', (phase) => inspectHost(run, remote, ctx, phase));
    const validate = settings.validateCommand;
    if (validate === null)
        return (0,phase/* skipPhase */.DD)(clock, run, 'validate', 'no validate-command for this service');
    await (0,phase/* runPhase */.PF)(clock, run, 'validate', async (phase) => {
        const cmd = (0,exec/* userCommand */.L_)('validate-command', validate, settings.ssh.commandTimeoutMs);
        const failure = (0,remote_host/* failureOf */.g5)(cmd, await remote.run(cmd));
        if (failure)
            throw new Error(`validate-command failed: ${failure}`);
        phase.detail(`${validate}: ok`);
    });
}
/**
 * Opens the load balancer, checks it knows every host, and takes its lock. One rollout drains a
 * pool at a time: capacity is counted live, but two runs counting at the same moment would both
 * see enough. Taken here, beside the hosts' preflight, and held to the end of the run: a round
 * trip per run, not two per host.
 */
async function preflightLb(fleet) {
    const { settings, deps } = fleet;
    const lb = await deps.openLoadBalancer(settings, deps.connector, deps.local);
    fleet.rotation.use(lb);
    if (!lb)
        return;
    for (const w of await lb.preflight(settings.hosts))
        deps.log.warning(w);
    const outOfService = (await lb.notInService?.(settings.hosts)) ?? new Map();
    for (const run of fleet.runs)
        run.outOfService = outOfService.get(run.name);
    const lock = lb.lock;
    if (!lock)
        return;
    // Short, and renewed while the run lives: a dead run frees it within minutes.
    const ttlSeconds = (0,locks/* lbLockTtlSeconds */.$d)(settings);
    const progress = (line) => deps.log.info(`load balancer: ${line}`);
    const request = { owner: deps.owner, ttlSeconds, waitMs: settings.lockWaitMs, clock: deps.clock, signal: deps.signal, progress };
    const { note } = await (0,locks/* acquireRecorded */.R1)(lock.remote, lock, request, deps.journal);
    const stop = (0,locks/* keepLock */.PU)(lock.remote, lock, deps.owner, ttlSeconds, (ttlSeconds * 1000) / 3, (problem) => deps.log.warning(`load balancer: ${problem}`));
    fleet.lbLock = { remote: lock.remote, name: lock.name, stop };
    if (note)
        deps.log.warning(`load balancer lock: ${note}`);
}
/** Each host's error check, created in this one place once the fleet passed preflight, and primed. */
async function prepareChecks(fleet) {
    for (const run of fleet.runs) {
        if (!run.remote)
            continue;
        run.errorCheck = createErrorCheck(fleet.settings, run.target, run.remote, fleet.rotation.lb, fleet.deps.clock, fleet.deps.local);
        await run.errorCheck?.prime();
    }
}
/**
 * Hosts an operator took out of service before the run (not-in-service): skipped and left exactly
 * as found, with a warning; or, with `refuse`, the run fails before any change.
 */
function settleOutOfService(fleet) {
    const out = fleet.runs.filter((r) => r.outOfService);
    const first = out[0];
    if (!first)
        return;
    if (fleet.settings.drain.notInService === 'refuse') {
        const which = out.map((r) => `${r.name} is ${r.outOfService?.text}`).join('; ');
        fleet.fail(first.name, 'inspect', `not in service before the run: ${which}; not-in-service is refuse, so nothing was changed`);
        return;
    }
    for (const run of out) {
        const text = `not in service before the run (${run.outOfService?.text}): skipped and left exactly as found (not-in-service: skip)`;
        run.warnings.push(text);
        fleet.deps.log.warning(`${run.name}: ${text}`);
    }
}
/** A load-balancer failure halts the run like a host's would, naming the load balancer. */
function lbFailure(fleet, err) {
    const lb = fleet.settings.lb;
    const target = lb.kind !== 'none' ? lb.host : null;
    const phase = err instanceof locks/* LockedError */.by ? 'lock' : 'connect';
    fleet.fail(target ? `load balancer (${(0,transport_target/* describeTarget */.ff)(target)})` : 'load balancer', phase, `load balancer: ${err.message}`);
}
/**
 * The host whose turn comes right after preflight when hosts roll one at a time: it keeps its
 * connection (and its shell), so its turn does not start by connecting again. One connection
 * beyond the preflight bound, for the length of a preflight.
 */
function rollsFirst(fleet, run) {
    return fleet.batches.every((b) => b.length === 1) && fleet.batches[0]?.[0] === run;
}
/**
 * The fleet's preflight: every host (a bounded number at once) and the load balancer side by side,
 * changing nothing; then each host's error check. Any failure halts the run before the first change.
 */
async function preflightFleet(fleet) {
    const { settings, deps, runs } = fleet;
    const title = `Preflight: ${runs.length} host${runs.length === 1 ? '' : 's'}${settings.lb.kind !== 'none' ? ' and the load balancer' : ''}`;
    await deps.log.group(title, async () => {
        const hosts = mapBounded(runs, settings.ssh.preflightConcurrency, async (run) => {
            try {
                await preflightHost(run, fleet);
                deps.log.info(`${run.name}: ${run.phases.map((p) => `${p.name} ${p.status}`).join(', ')}; ${run.choice?.label ?? ''}`);
                return null;
            }
            catch (err) {
                run.status = 'failed';
                return asPhaseError(err, run.name);
            }
            finally {
                // At most preflight-concurrency connections open at once: the host's turn connects again.
                if (!rollsFirst(fleet, run))
                    await run.remote?.release();
            }
        });
        const [failures] = await Promise.all([hosts, preflightLb(fleet).catch((err) => lbFailure(fleet, err))]);
        const first = failures.find((f) => f !== null);
        if (first)
            fleet.fail(first.host, first.phase, first.message);
        if (!fleet.halted)
            settleOutOfService(fleet);
        const tooLarge = fleet.halted ? null : await batchTooLarge(fleet).catch((err) => `load balancer: ${err.message}`);
        if (tooLarge)
            fleet.fail('batches', 'preflight', tooLarge);
        // The metrics behind the error check, asked once per host before any host changes (with
        // *-via: host, each host asked already in its own inspect: checkTools).
        if (!fleet.halted)
            await preflightMetrics(settings, fleet.rotation.lb, deps.local, deps.clock.now).catch((err) => fleet.fail(`check-source ${settings.check.source}`, 'preflight', err.message));
        if (!fleet.halted)
            await prepareChecks(fleet).catch((err) => lbFailure(fleet, err));
    });
}

// EXTERNAL MODULE: ./src/rollout/recover.ts
var recover = __webpack_require__(1693);
;// CONCATENATED MODULE: ./src/rollout/rollout.ts







/** How often a batch says where each of its hosts is, besides when one finishes. */
const PROGRESS_MS = 5000;
/**
 * One host's turn: roll it, or recover it (and maybe halt the run). Never throws. Its locks, then
 * its connection, go back either way: in the background when the turns overlap (one host at a
 * time), so the next host does not wait for them.
 */
async function turn(fleet, run, overlap) {
    const { deps } = fleet;
    try {
        await run.remote?.reconnectIfLost();
        await rollHost(run, fleet, overlap);
        run.status = 'success';
        deps.log.info(`${run.name}: done in ${run.phases.reduce((n, p) => n + p.durationMs, 0)} ms`);
    }
    catch (err) {
        const failure = asPhaseError(err, run.name);
        if (err instanceof StoppedError) {
            // Another host of the batch failed: this one was not changed, and goes back as it was.
            run.status = 'skipped';
            run.warnings.push(`${err.message}; not changed`);
            deps.log.info(`${run.name}: ${err.message}; not changed`);
            await (0,recover/* recover */.l)(run, fleet, failure, true);
        }
        else {
            run.status = 'failed';
            fleet.hostFailed(run, failure);
            deps.log.info(`${run.name}: failed in ${failure.phase}: ${failure.message}`);
            await (0,recover/* recover */.l)(run, fleet, failure);
        }
    }
    finally {
        if (overlap)
            overlap.release(run, deps);
        else
            await releaseHost(run, deps);
    }
}
/**
 * A batch of several hosts at once, in one log group (GitHub's groups cannot interleave): every
 * line names its host, and a progress line says where each host is, every few seconds and
 * whenever one finishes (on a terminal, one line redrawn in place). It ends when every host's
 * turn ended.
 */
async function rollBatch(fleet, batch, index) {
    const { log, clock } = fleet.deps;
    const total = fleet.batches.length;
    const started = clock.now();
    const line = () => batchProgress(batch, index, total, clock.now());
    await log.group(`Batch ${index}/${total}: ${batch.map((r) => r.name).join(', ')}`, async () => {
        // A terminal redraws the line in place; a log (the action's, a CI log) gets it as lines.
        const live = log.batch?.(line) ?? false;
        const say = () => {
            if (!live)
                log.info(line());
        };
        const ticker = setInterval(say, PROGRESS_MS);
        ticker.unref();
        try {
            const turns = batch.map(async (run) => {
                if (run.outOfService)
                    return void (run.status = 'skipped');
                await turn(fleet, run);
                say();
            });
            await Promise.all(turns);
        }
        finally {
            clearInterval(ticker);
        }
        log.info(`batch ${index}/${total} ${fleet.halted ? 'halted' : 'done'} after ${Math.round((clock.now() - started) / 1000)} s`);
    });
}
/**
 * The batches in order; the next starts when every host of this one ended its turn (passed its
 * watch, or failed and was recovered). After a halt or a cancel, the later batches are skipped
 * untouched. One host per batch (the default) is the classic run: a log group per host, and the
 * next host's lock taken while the current host's turn runs (TurnOverlap).
 */
async function roll(fleet) {
    const { signal, log } = fleet.deps;
    const serial = fleet.batches.every((b) => b.length === 1);
    const overlap = serial ? new TurnOverlap() : undefined;
    try {
        for (const [i, batch] of fleet.batches.entries()) {
            const first = batch[0];
            if (fleet.halted || (serial && first.outOfService)) {
                for (const run of batch)
                    run.status = 'skipped';
            }
            else if (signal.aborted) {
                for (const run of batch)
                    run.status = 'skipped';
                fleet.fail(first.name, 'cancelled', `cancelled before ${first.name}: ${String(signal.reason?.message ?? signal.reason)}`);
            }
            else if (overlap) {
                const next = fleet.batches.slice(i + 1).find((b) => !b[0]?.outOfService)?.[0];
                if (next)
                    overlap.lockAhead(next, fleet);
                await log.group(`${first.name}: ${first.choice?.label ?? ''}`, () => turn(fleet, first, overlap));
            }
            else {
                await rollBatch(fleet, batch, i + 1);
            }
        }
    }
    finally {
        await overlap?.settle();
    }
}
/**
 * The whole run: preflight every host (and the load balancer) without changing anything, then
 * either print the plan (dry run) or roll the hosts batch by batch (one at a time by default),
 * halting after the batch of the first failure (beyond max-failed-hosts) with later batches
 * untouched; finally give back locks and connections, and report.
 */
async function rollout(settings, deps) {
    const fleet = new FleetRun(settings, deps);
    let plan = [];
    try {
        await preflightFleet(fleet);
        if (!fleet.halted && settings.dryRun)
            plan = planLines(settings, fleet.runs, fleet);
        else if (!fleet.halted)
            await roll(fleet);
    }
    finally {
        await fleet.close();
    }
    return { report: fleet.report(), plan };
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/runtime/owner.ts

/**
 * Who this run is, for the locks it takes: enough for a person to find the run, and a random part
 * of its own. Repository, run, attempt and job are the same for every leg of a matrix and for two
 * calls of a reusable workflow in one run; without the random part two such runs would share the
 * load balancer's lock and could release each other's. The post step reads the owner back from
 * the journal, so it releases only this run's locks.
 */
function runOwner(env, random = () => (0,external_node_crypto_.randomBytes)(6).toString('hex')) {
    const where = env.GITHUB_REPOSITORY
        ? `${env.GITHUB_REPOSITORY} run ${env.GITHUB_RUN_ID ?? '?'} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}`
        : `local pid ${process.pid}`;
    return `${where}${env.GITHUB_JOB ? ` job ${env.GITHUB_JOB}` : ''} #${random()}`.replace(/[^\x20-\x7e]/g, '?');
}

// EXTERNAL MODULE: ./src/settings/inputs.ts
var inputs = __webpack_require__(7428);
// EXTERNAL MODULE: ./src/settings/read-settings.ts + 8 modules
var read_settings = __webpack_require__(3068);
// EXTERNAL MODULE: ./src/app/world.ts + 12 modules
var app_world = __webpack_require__(5375);
;// CONCATENATED MODULE: ./src/app/main.ts





/** Registers secrets before anything else can print them, line by line too. */
function maskSecrets(io) {
    // The Authorization header carries basic auth base64-encoded: that form is masked too.
    const basic = io.input('prometheus-basic-auth').trim();
    if (basic)
        io.maskSecret(Buffer.from(basic, 'utf8').toString('base64'));
    for (const name of inputs/* SECRET_INPUTS */.p) {
        const value = io.input(name);
        if (!value)
            continue;
        const parts = new Set([
            value,
            ...value
                .split(/\r?\n/)
                .map((l) => l.trim())
                .filter((l) => l.length >= 8),
        ]);
        for (const part of parts)
            io.maskSecret(part);
    }
}
/** Cancellation: the runner sends SIGINT, then SIGTERM, then kills. Both stop the rollout at a safe point. */
function cancellation(io) {
    const controller = new AbortController();
    io.onStop((signal) => {
        io.log.warning(`Received ${signal}: stopping at the next safe point and returning any drained, healthy host to service.`);
        controller.abort(new Error(`the run was cancelled (${signal})`));
    });
    return controller.signal;
}
/** The report of a run that never started: its inputs were invalid. */
function invalidReport() {
    return {
        status: 'invalid',
        strategy: '',
        startedAt: new Date().toISOString(),
        durationMs: 0,
        dryRun: false,
        failedHost: '',
        failedPhase: '',
        reason: 'invalid inputs',
        hosts: [],
        waitMs: 0,
    };
}
/**
 * The main step of every entry point: inputs → settings → rollout → outcome. The one place that
 * fails the step, for invalid inputs, a failed run, and anything unexpected (non-Error throws too).
 */
async function runMain(io, world = app_world.productionWorld) {
    try {
        maskSecrets(io);
        const read = (0,read_settings/* readSettings */.s)(io.input, io.env);
        if (!read.ok) {
            await io.publish({ report: invalidReport(), plan: [], errors: read.errors });
            return io.fail(`Invalid inputs; no host was touched:\n${read.errors.map((e) => `  - ${e}`).join('\n')}`);
        }
        const { settings } = read;
        for (const w of read.warnings)
            io.log.warning(w);
        const owner = runOwner(io.env);
        const journal = io.openJournal(owner);
        const connector = world.connectorFor(settings);
        const deps = {
            connector,
            local: world.local,
            clock: world.clock,
            log: io.log,
            journal,
            signal: cancellation(io),
            owner,
            openLoadBalancer: world.openLoadBalancer,
        };
        const { report, plan } = await rollout(settings, deps);
        io.log.flush?.();
        journal.complete();
        await io.publish({ report, plan, errors: [] });
        if (report.status !== 'success')
            io.fail();
    }
    catch (err) {
        io.fail(`zero-downtime-restart stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
    }
}

;// CONCATENATED MODULE: ./src/main.ts



/** The action's main step: the shared core with the runner's I/O. It marks the state for the post step. */
async function run() {
    core/* saveState */.LZ('isPost', 'true');
    await runMain((0,io/* actionMainIO */.y)());
}


/***/ })

};
;
//# sourceMappingURL=586.index.js.map