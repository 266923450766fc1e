"use strict";
exports.id = 508;
exports.ids = [508];
exports.modules = {

/***/ 7508:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  reconcileKilledRun: () => (/* binding */ reconcileKilledRun)
});

// EXTERNAL MODULE: ./src/remote/remote-host.ts + 1 modules
var remote_host = __webpack_require__(8199);
// EXTERNAL MODULE: ./src/runtime/poll.ts
var poll = __webpack_require__(4415);
// EXTERNAL MODULE: ./src/rollout/locks.ts + 1 modules
var locks = __webpack_require__(3989);
// EXTERNAL MODULE: ./src/rollout/recover.ts
var recover = __webpack_require__(1693);
;// CONCATENATED MODULE: ./src/rollout/reconcile.ts




/** How long the post step waits for the load balancer to see a returned host UP. */
const CONFIRM_MS = 10_000;
/**
 * The post step's work after a main step that was killed: hosts it had drained for their turn are
 * returned when healthy (else left out, and said so), hosts taken out after a failed check stay out, and the locks it held are released. Never throws for one
 * host; every outcome is in the result.
 */
async function reconcile(settings, deps, journal) {
    const result = { returned: [], leftDrained: [], leftToOperator: [], locksReleased: 0 };
    const remotes = new Map();
    const remoteFor = async (target) => {
        const key = `${target.host}:${target.port}`;
        let remote = remotes.get(key);
        if (!remote) {
            remote = new remote_host/* RemoteHost */.pS(await deps.connector.connect(target), settings.ssh.sudo);
            remotes.set(key, remote);
        }
        return remote;
    };
    const lb = journal.drained.length ? await deps.openLoadBalancer(settings, deps.connector, deps.local).catch((err) => err) : null;
    try {
        for (const host of journal.drained) {
            try {
                if (host.why === 'failed-check')
                    throw new Error(`it was taken out after a failed check (${host.detail ?? 'see the main step'}); it is never returned automatically`);
                if (lb instanceof Error)
                    throw new Error(`the load balancer cannot be reached: ${lb.message}`);
                if (!lb)
                    throw new Error('no load balancer is configured');
                const maint = lb.operatorMaintenance ? await lb.operatorMaintenance(host) : null;
                if (maint) {
                    result.leftToOperator.push(`${host.name}: ${maint}`);
                    continue;
                }
                const ok = await (0,recover/* healthy */.s)(await remoteFor(host), settings, deps.clock);
                if (!ok)
                    throw new Error(`${settings.service} is not healthy`);
                await lb.undrain(host);
                await (0,poll/* poll */.w)({ clock: deps.clock, timeoutMs: CONFIRM_MS, intervalMs: 250 }, () => lb.isUp(host), (up) => up !== false);
                result.returned.push(host.name);
            }
            catch (err) {
                result.leftDrained.push(`${host.name}: ${err.message}`);
            }
        }
        for (const lock of journal.locks) {
            try {
                if (await (0,locks/* releaseLock */.x_)(await remoteFor(lock.target), lock.name, journal.owner))
                    result.locksReleased += 1;
            }
            catch {
                // Unreachable: the lock expires by itself.
            }
        }
    }
    finally {
        if (lb && !(lb instanceof Error))
            await lb.close().catch(() => undefined);
        await Promise.allSettled([...remotes.values()].map((r) => r.close()));
        await deps.connector.close?.().catch(() => undefined);
    }
    return result;
}

// EXTERNAL MODULE: ./src/settings/read-settings.ts + 8 modules
var read_settings = __webpack_require__(3068);
;// CONCATENATED MODULE: ./src/app/post-reconcile.ts


/**
 * The post step after a killed main step: returns the hosts it had drained (healthy ones),
 * releases its locks, and says what it left. Its own module, loaded only when needed, so that the
 * post step of a run that finished costs no more than node's start.
 */
async function reconcileKilledRun(io, journal, world) {
    const drained = journal.drained.map((h) => h.name);
    const read = (0,read_settings/* readSettings */.s)(io.input, io.env);
    if (!read.ok)
        return io.log.warning('post: the inputs are invalid, so drained hosts cannot be reconciled.');
    const { settings } = read;
    io.log.info(`The main step did not finish. Reconciling: drained ${drained.join(', ') || 'none'}; ${journal.locks.length} lock(s).`);
    const deps = {
        connector: world.connectorFor(settings),
        local: world.local,
        clock: world.clock,
        openLoadBalancer: world.openLoadBalancer,
    };
    const result = await reconcile(settings, deps, journal);
    for (const name of result.returned)
        io.log.warning(`post: ${name} had been left drained by the interrupted main step; it is healthy and was returned to service.`);
    for (const what of result.leftToOperator)
        io.log.warning(`post: ${what}, put there by an operator during the run; left as they set it.`);
    for (const why of result.leftDrained)
        io.log.error(`post: left drained: ${why}`, 'Host left out of rotation');
    if (result.locksReleased)
        io.log.info(`post: released ${result.locksReleased} lock(s) of the interrupted run.`);
    if (result.leftDrained.length)
        io.fail();
}


/***/ })

};
;