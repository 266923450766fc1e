"use strict";
exports.id = 959;
exports.ids = [959];
exports.modules = {

/***/ 1959:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  post: () => (/* binding */ post)
});

// EXTERNAL MODULE: ./src/action/io.ts + 7 modules
var io = __webpack_require__(8485);
;// CONCATENATED MODULE: ./src/app/post.ts
/**
 * The post step of every entry point. When the main step finished, it only restates hosts left
 * out of rotation on purpose: that path reads the journal and exits, loading none of the rollout
 * (settings, SSH, the load balancers are imported only when there is something to reconcile).
 * When the main step was killed before it could finish, it returns the hosts it had drained
 * (healthy ones) and releases its locks. `world`: the outside world; production's by default.
 */
async function runPost(io, world) {
    try {
        const journal = io.readJournal();
        if (!journal || nothingToReconcile(journal, io))
            return;
        const { reconcileKilledRun } = await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(815), __webpack_require__.e(806), __webpack_require__.e(324), __webpack_require__.e(508)]).then(__webpack_require__.bind(__webpack_require__, 7508));
        await reconcileKilledRun(io, journal, world ?? (await Promise.all(/* import() */[__webpack_require__.e(472), __webpack_require__.e(487), __webpack_require__.e(806), __webpack_require__.e(375)]).then(__webpack_require__.bind(__webpack_require__, 5375))).productionWorld);
    }
    catch (err) {
        io.fail(`post step: ${err instanceof Error ? err.message : String(err)}`);
    }
}
/** True when the journal needs no SSH at all: the main step finished, or held nothing. */
function nothingToReconcile(journal, io) {
    const drained = journal.drained.map((h) => h.name);
    if (journal.completed) {
        if (drained.length)
            io.log.info(`Hosts left out of rotation by the main step (unhealthy after a failure): ${drained.join(', ')}.`);
        return true;
    }
    return drained.length === 0 && journal.locks.length === 0;
}

;// CONCATENATED MODULE: ./src/post.ts


/** The action's post step (`runs.post`, always): the shared core with the runner's I/O. */
async function post() {
    await runPost((0,io/* actionPostIO */.j)());
}


/***/ })

};
;
//# sourceMappingURL=959.index.js.map