"use strict";
exports.id = 485;
exports.ids = [485];
exports.modules = {

/***/ 8485:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  y: () => (/* binding */ actionMainIO),
  j: () => (/* binding */ actionPostIO)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(924);
// EXTERNAL MODULE: ./src/report/neutralise.ts
var neutralise = __webpack_require__(5942);
;// CONCATENATED MODULE: ./src/action/log.ts


/**
 * The one way the product annotates: message and title neutralised (they carry host text), so an
 * annotation can never carry a workflow command either.
 */
function annotate(kind, message, title) {
    const properties = title === undefined ? {} : { title: (0,neutralise/* neutralise */.$)(title) };
    if (kind === 'error')
        core/* error */.z3((0,neutralise/* neutralise */.$)(message), properties);
    else
        core/* warning */.$e((0,neutralise/* neutralise */.$)(message), properties);
}
/** Fails the step with an error annotation (neutralised). */
function fail(message) {
    core/* setFailed */.C1((0,neutralise/* neutralise */.$)(message));
}
/** A log line; every line of it neutralised. */
function print(message) {
    core/* info */.pq((0,neutralise/* neutralise */.$)(message));
}
/**
 * GitHub shows at most 10 annotations of a type per step: 8 here, one for the roll-up, and one
 * left for publish()'s "left drained" warning, the one that must never be dropped.
 */
const WARNING_ANNOTATIONS = 8;
/**
 * The rollout's Log on the runner: live lines, collapsible groups, and warning annotations capped
 * below GitHub's limit, the rest printed in the log and rolled up into one annotation at the end.
 * Every line is neutralised here: messages carry host and command output.
 */
class ActionsLog {
    warnings = 0;
    info(message) {
        print(message);
    }
    warning(message) {
        this.warnings += 1;
        if (this.warnings <= WARNING_ANNOTATIONS)
            annotate('warning', message);
        else
            print(`Warning: ${message}`);
    }
    debug(message) {
        // The runner shows ::debug:: lines only with step debug logging on, which sets RUNNER_DEBUG=1;
        // otherwise it drops them. Not writing them then saves a write to stdout per remote command:
        // ~4 ms of CPU per host in the 1,000-host simulation (bench part scale-sim).
        if (core/* isDebug */._o())
            core/* debug */.Yz((0,neutralise/* neutralise */.$)(message));
    }
    group(title, fn) {
        return core/* group */.Os((0,neutralise/* neutralise */.$)(title), fn);
    }
    /** The roll-up annotation for warnings beyond the cap. */
    flush() {
        const extra = this.warnings - WARNING_ANNOTATIONS;
        if (extra > 0)
            annotate('warning', `${extra} more warning${extra === 1 ? '' : 's'} in the log (GitHub shows 10 annotations of a kind per step).`);
    }
}

;// CONCATENATED MODULE: ./src/report/views.ts
/** Views of the report shared by the summary's parts (its table and its timeline). */
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const PREFLIGHT = new Set(['connect', 'inspect', 'validate']);
const shown = (host) => host.phases.filter((p) => p.status !== 'skipped');
const rolloutPhases = (host) => shown(host).filter((p) => !PREFLIGHT.has(p.name));
const failedPhase = (host) => host.phases.find((p) => p.status === 'failed');
const start = (p) => Date.parse(p.startedAt);
const end = (p) => start(p) + Math.max(0, p.durationMs);
/** Some batch held several hosts (batches other than 1): the summary shows which batch each host was in. */
function batched(report) {
    const seen = new Set();
    for (const h of report.hosts) {
        if (h.batch === undefined)
            continue;
        if (seen.has(h.batch))
            return true;
        seen.add(h.batch);
    }
    return false;
}

;// CONCATENATED MODULE: ./src/report/timeline.ts

/** Mermaid keywords a task name must not start with (the gantt lexer takes the first rule that matches). */
const GANTT_KEYWORDS = /^(gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes|todaymarker|weekday|weekend|title|accdescription|acctitle|accdescr|section|click|call|href|\d{4}-\d\d-\d\d)/i;
/** A name Mermaid shows as it is: a plain character set, never a keyword, never empty. */
function label(name) {
    const plain = name
        .replace(/[^A-Za-z0-9._@()[\]/ -]/g, '_')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 60) || '_';
    return GANTT_KEYWORDS.test(plain) ? `host ${plain}` : plain;
}
/** Up to this many hosts changed, the gantt shows each host's phases; above it, one bar per host. */
const TIMELINE_DETAILED_HOSTS = 10;
/** Tick labels that change from tick to tick over the span (d3 puts about ten ticks on the axis). */
function axisFormat(spanMs) {
    if (spanMs < 10_000)
        return '%H:%M:%S.%L';
    if (spanMs < 4 * 3600_000)
        return '%H:%M:%S';
    return '%H:%M';
}
function task(name, status, from, to) {
    const tag = status === 'failed' ? 'crit, ' : status === 'warning' ? 'active, ' : '';
    return `  ${label(name)} :${tag}${from}, ${Math.max(to, from + 1)}`;
}
/**
 * Mermaid gantt on one clock. Preflight runs on all hosts at once, so it is one bar (a host that
 * failed it gets its own); then each changed host: a section with a bar per phase while there are
 * few, one bar per host beyond TIMELINE_DETAILED_HOSTS (the phases are in the table). When no host
 * got past preflight (a dry run, a failed preflight), the preflight is what is drawn per host.
 */
function timeline(report) {
    const all = report.hosts.flatMap(shown);
    if (all.length === 0)
        return [];
    const first = Math.min(...all.map(start));
    const last = Math.max(...all.map(end));
    const rows = [];
    const changedAny = report.hosts.some((h) => rolloutPhases(h).length);
    const phasesOf = changedAny ? rolloutPhases : (h) => shown(h).filter((p) => PREFLIGHT.has(p.name));
    if (changedAny) {
        const preflight = report.hosts.filter((h) => shown(h).some((p) => PREFLIGHT.has(p.name)));
        const prePhases = preflight.flatMap((h) => shown(h).filter((p) => PREFLIGHT.has(p.name)));
        const warned = prePhases.some((p) => p.status === 'warning');
        rows.push('  section preflight', task(plural(preflight.length, 'host'), warned ? 'warning' : 'ok', Math.min(...prePhases.map(start)), Math.max(...prePhases.map(end))));
    }
    const drawn = report.hosts.filter((h) => phasesOf(h).length);
    const detailed = drawn.length <= TIMELINE_DETAILED_HOSTS;
    if (detailed) {
        for (const h of drawn) {
            rows.push(`  section ${label(h.name)}`);
            for (const p of phasesOf(h))
                rows.push(task(p.name, p.status, start(p), end(p)));
        }
    }
    else {
        let section = '';
        for (const h of drawn) {
            // Hosts of a batch overlap in time: a section per batch shows them as parallel bars.
            const name = changedAny ? (batched(report) ? `batch ${h.batch ?? '?'}` : 'hosts') : 'preflight';
            if (name !== section)
                rows.push(`  section ${(section = name)}`);
            const phases = phasesOf(h);
            const status = phases.some((p) => p.status === 'failed') ? 'failed' : phases.some((p) => p.status === 'warning') ? 'warning' : 'ok';
            rows.push(task(h.name, status, Math.min(...phases.map(start)), Math.max(...phases.map(end))));
        }
    }
    const startedAt = new Date(first)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
    const bars = detailed
        ? ''
        : `One bar per host, ${changedAny ? 'from its lock to the end of its last phase' : 'for its preflight'} (each host's phases are in the table). `;
    return [
        '### Timeline',
        '',
        `${bars}Clock times in your time zone; the run started ${startedAt}.`,
        '',
        '```mermaid',
        'gantt',
        '  dateFormat x',
        `  axisFormat ${axisFormat(last - first)}`,
        '  todayMarker off',
        ...rows,
        '```',
        '',
    ];
}

;// CONCATENATED MODULE: ./src/report/summary.ts


/**
 * The job summary (GITHUB_STEP_SUMMARY): the verdict, a table with a row per host, a Mermaid gantt
 * of the phases, and each failed host's evidence collapsed under <details>.
 *
 * Everything that came from a host or an input is escaped for where it lands: `md` for markdown
 * text (table cells, the headline, list items), `html` for the raw HTML blocks of the evidence, and
 * `label` for Mermaid (timeline.ts), which gets a plain character set. `scripts/render-summary.ts`
 * renders a summary in Chromium to look at it.
 */
/**
 * Markdown text on one line: no raw HTML, no emphasis/links/code from the content, pipes kept in
 * their cell, and no bare URL turned into a link (GFM links `scheme://…` and `www.…` by itself):
 * a zero-width space breaks both.
 */
function md(text) {
    return text
        .replace(/\r\n?|\n/g, ' ')
        .trim()
        .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/:\/\//g, ':\u200b//')
        .replace(/\b(www)\./gi, '$1\u200b.');
}
/** A list item's text: also no nested list or heading from how the text begins. */
const listItem = (text) => `- ${md(text)
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2')}`;
/** Text for a raw HTML block: escaped, and on one line where a blank line would end the block. */
const html = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Also no bare URL from host text: a renderer that links URLs inside HTML gets none. */
const htmlLine = (text) => html(text.replace(/\r\n?|\n/g, ' ')).replace(/:\/\//g, ':\u200b//');
/** Duration for people: 39 ms, 1.0 s, 42 s, 3 min 5 s, 1 h 2 min. */
function duration(ms) {
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    if (ms < 10_000)
        return `${(ms / 1000).toFixed(1)} s`;
    const s = Math.round(ms / 1000);
    if (s < 60)
        return `${s} s`;
    if (s < 3600)
        return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
const pct = (r) => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
const RESULT = {
    success: '✅ success',
    failed: '❌ failed',
    skipped: '⏭️ untouched',
    planned: '📝 planned',
};
const LB = {
    'in-service': 'in service',
    drained: '**drained**',
    'not-in-service': 'not in service (as found)',
    none: '—',
    unknown: 'unknown',
};
/** One phase and its duration, kept on one line of the cell (wraps fall between phases). */
function phaseText(p) {
    const text = `${p.name}${p.status === 'failed' ? ' ✗' : p.status === 'warning' ? ' ⚠' : ''} ${duration(p.durationMs)}`.replace(/ /g, '&nbsp;');
    return p.status === 'failed' ? `**${text}**` : text;
}
/** Phase durations, preflight on one line and the change on the next. */
function phasesCell(host) {
    const pre = shown(host).filter((p) => PREFLIGHT.has(p.name));
    const rest = rolloutPhases(host);
    const lines = [pre, rest].filter((l) => l.length).map((l) => l.map(phaseText).join(' · '));
    return lines.join('<br>') || '—';
}
/** The host's own change: from its first phase after preflight to the end of its last. */
function changeTime(host) {
    const rest = rolloutPhases(host);
    if (!rest.length)
        return '—';
    return duration(Math.max(...rest.map(end)) - Math.min(...rest.map(start))).replace(/ /g, '&nbsp;');
}
function resultCell(host) {
    const failed = failedPhase(host);
    return host.status === 'failed' && failed ? `${RESULT.failed} in ${failed.name}` : RESULT[host.status];
}
function errorsCell(host) {
    const e = host.errors;
    if (!e)
        return '—';
    if (e.verdict === 'skipped')
        return 'not watched';
    const counts = `${e.errors}/${e.requests} (${pct(e.rate)})`;
    return e.verdict === 'fail' ? `**fail**: ${counts}` : `${e.verdict}: ${counts}`;
}
function hostCell(host) {
    return host.name !== host.host ? `${md(host.name)} (${md(host.host)})` : md(host.name);
}
/** Lines for a <pre> block, capped so one pathological host cannot blow the summary's 1 MiB. */
function preLines(lines, max = 100, width = 1000) {
    const out = lines
        .slice(0, max)
        .flatMap((l) => l.split(/\r\n?|\n/))
        .map((l) => html(l.length > width ? `${l.slice(0, width - 1)}…` : l));
    if (lines.length > max)
        out.push(html(`… ${lines.length - max} more lines`));
    return out;
}
/** A failed host's evidence, collapsed: the failed phase, the watch window's counts, error lines, journal, warnings. */
function evidence(host) {
    if (host.status !== 'failed')
        return [];
    const failed = failedPhase(host);
    const logLines = host.evidence?.logLines ?? [];
    const journal = host.evidence?.journal ?? [];
    // The <summary> line's wording is matched by test/fleet/watch.test.ts.
    const out = [
        `<details><summary>Evidence from ${htmlLine(host.name)}${failed ? ` (failed in ${htmlLine(failed.name)})` : ''}</summary>`,
        '',
    ];
    if (failed)
        out.push(`<p><b>${htmlLine(failed.name)}</b>: ${htmlLine(failed.detail)}</p>`, '');
    const e = host.errors;
    if (e && e.verdict !== 'skipped') {
        const window = e.windowMs !== undefined ? ` in ${duration(e.windowMs)}` : '';
        const from = e.source ? ` from ${e.source}` : '';
        const baseline = e.baseline ? `; before the change: ${e.baseline.errors}/${e.baseline.requests} (${pct(e.baseline.rate)})` : '';
        const reason = e.reason && !(failed?.detail ?? '').includes(e.reason) ? ` ${e.reason}` : '';
        out.push(`<p>Watch window: ${e.requests} requests, ${e.errors} errors (${pct(e.rate)})${htmlLine(window + from)}${htmlLine(baseline)}, verdict ${htmlLine(e.verdict)}.${htmlLine(reason)}</p>`, '');
    }
    if (host.strategyReason)
        out.push(`<p>Strategy: ${htmlLine(host.strategy)} (${htmlLine(host.strategyReason)})</p>`, '');
    if (logLines.length)
        out.push('<p>Error lines in the window:</p>', '', '<pre>', ...preLines(logLines), '</pre>', '');
    if (journal.length)
        out.push('<p>Journal since the change:</p>', '', '<pre>', ...preLines(journal), '</pre>', '');
    if (host.warnings.length)
        out.push('<p>Warnings:</p>', '', '<ul>', ...host.warnings.map((w) => `<li>${htmlLine(w)}</li>`), '</ul>', '');
    out.push('</details>', '');
    return out;
}
/** A successful run that skipped hosts an operator had taken out of service. */
function skippedAsFound(report, done) {
    const skipped = report.hosts.filter((h) => h.status === 'skipped').length;
    if (!skipped)
        return null;
    return `**${done} of ${plural(report.hosts.length, 'host')} restarted** in ${duration(report.durationMs)}; ${plural(skipped, 'host')} not in service before the run skipped and left as found.`;
}
/** A successful run with failed hosts that max-failed-hosts tolerated. */
function tolerated(report, done) {
    const failed = report.hosts.filter((h) => h.status === 'failed');
    if (!failed.length)
        return null;
    return `**${done} of ${plural(report.hosts.length, 'host')} restarted** in ${duration(report.durationMs)}; ${plural(failed.length, 'host')} failed, within max-failed-hosts: ${failed.map((h) => md(h.name)).join(', ')} (see below).`;
}
/** What a halted run did: hosts done before the failure, and those never touched. */
function haltedOutcome(report, done) {
    const untouched = report.hosts.filter((h) => h.status === 'skipped').length;
    if (!report.hosts.some((h) => rolloutPhases(h).length))
        return 'No host was changed.';
    if (batched(report) && report.failedBatch)
        return `Batch ${report.failedBatch} of ${report.batches ?? '?'} failed; ${plural(done, 'host')} done${untouched ? `, ${plural(untouched, 'host')} not changed` : ''}; no later batch started.`;
    return `${plural(done, 'host')} done before it${untouched ? `; ${plural(untouched, 'host')} after it not touched` : ''}.`;
}
function headline(report) {
    const done = report.hosts.filter((h) => h.status === 'success').length;
    if (report.status === 'success') {
        return report.dryRun
            ? `**Dry run: preflight passed on ${plural(report.hosts.length, 'host')}, nothing changed** (${duration(report.durationMs)}).`
            : (tolerated(report, done) ??
                skippedAsFound(report, done) ??
                `**All ${plural(done, 'host')} restarted** in ${duration(report.durationMs)}.`);
    }
    const failedHosts = report.hosts.filter((h) => h.status === 'failed');
    const others = failedHosts.filter((h) => h.name !== report.failedHost).length;
    const outcome = haltedOutcome(report, done);
    const more = others ? ` ${plural(others, 'more host')} failed too (see below).` : '';
    return `**Failed at ${md(report.failedHost)} in phase ${md(report.failedPhase)}** after ${duration(report.durationMs)}: ${md(report.reason)}. ${outcome}${more}`;
}
/** The table, a row per host; with a batch column when hosts rolled several at once. */
function hostTable(report) {
    const b = batched(report);
    return [
        `| host |${b ? ' batch |' : ''} strategy | result | errors in watch window | load balancer | took | phases |`,
        `| --- |${b ? ' --- |' : ''} --- | --- | --- | --- | --- | --- |`,
        ...report.hosts.map((h) => `| ${hostCell(h)} |${b ? ` ${h.batch ?? '—'} |` : ''} ${md(h.strategy || '—')} | ${resultCell(h)} | ${errorsCell(h)} | ${LB[h.lbState] ?? md(String(h.lbState))} | ${changeTime(h)} | ${phasesCell(h)} |`),
    ];
}
/** The job summary: verdict, per-host table, timeline, and a failed host's evidence. */
function summaryMarkdown(report, plan, invalid = []) {
    const lines = ['## zero-downtime-restart', ''];
    if (report.status === 'invalid') {
        lines.push('**Invalid inputs — no host was touched.**', '', ...invalid.map(listItem), '');
        return lines.join('\n');
    }
    lines.push(headline(report), '', ...hostTable(report), '');
    const drained = report.hosts.filter((h) => h.lbState === 'drained');
    if (drained.length)
        lines.push('> [!WARNING]', `> Left out of rotation: ${drained.map((h) => md(h.name)).join(', ')} (not put back after the failure; see the evidence below).`, '');
    lines.push(...timeline(report));
    for (const h of report.hosts)
        lines.push(...evidence(h));
    if (plan.length)
        lines.push('### Plan', '', '<pre>', ...plan.map(html), '</pre>', '');
    return lines.join('\n');
}

;// CONCATENATED MODULE: ./src/action/publish.ts



/**
 * GitHub shows at most 10 annotations of each type per step: this many error annotations name a
 * failed host, and the rest roll up into one.
 */
const ERROR_ANNOTATIONS = 9;
/** GitHub refuses a job summary over 1 MiB; stay clear of it. */
const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024;
/** Names for a roll-up line: the first few, then how many more. */
function names(list, shown = 10) {
    return list.length > shown ? `${list.slice(0, shown).join(', ')} and ${list.length - shown} more` : list.join(', ');
}
/**
 * Sets the outputs, writes the job summary and the error annotations of a run; `errors`: the
 * invalid inputs of a run that never started (they go into the report output and the summary).
 */
async function publish(report, plan, errors = []) {
    core/* setOutput */.uH('status', report.status);
    core/* setOutput */.uH('failed-host', report.failedHost);
    core/* setOutput */.uH('report', JSON.stringify(errors.length ? { ...report, errors } : report));
    if (plan.length)
        print(plan.join('\n'));
    const failed = report.hosts.filter((h) => h.status === 'failed');
    for (const host of failed.slice(0, ERROR_ANNOTATIONS)) {
        const phase = host.phases.find((p) => p.status === 'failed');
        annotate('error', `${host.name} failed in phase ${phase?.name ?? report.failedPhase}: ${phase?.detail ?? report.reason}`, `zero-downtime-restart: ${host.name} (${phase?.name ?? report.failedPhase})`);
    }
    const rest = failed.slice(ERROR_ANNOTATIONS);
    if (rest.length)
        annotate('error', `${rest.length} more host${rest.length === 1 ? '' : 's'} failed: ${names(rest.map((h) => h.name))}; see the job summary.`, 'zero-downtime-restart: more failed hosts');
    if (report.status === 'failed' && failed.length === 0) {
        annotate('error', `${report.failedHost} failed in phase ${report.failedPhase}: ${report.reason}`, `zero-downtime-restart: ${report.failedHost} (${report.failedPhase})`);
    }
    // One warning however many hosts are left drained: the run's own warnings already use the rest.
    const drained = report.hosts.filter((h) => h.lbState === 'drained').map((h) => h.name);
    if (drained.length) {
        annotate('warning', `${names(drained)} ${drained.length === 1 ? 'is' : 'are'} left drained in the load balancer after failing (see the job summary).`, `Host${drained.length === 1 ? '' : 's'} left out of rotation`);
    }
    await writeSummary(summaryMarkdown(report, plan, errors));
}
/**
 * A summary that fits GitHub's limit: cut at a blank line before the limit, with a note. The
 * summary is built to stay far below it (a 100-host run is tens of KiB); this is the backstop.
 */
function fitSummary(markdown, limit = SUMMARY_LIMIT_BYTES) {
    if (Buffer.byteLength(markdown) <= limit)
        return markdown;
    const note = "\n\n> [!NOTE]\n> The summary was cut to stay under GitHub's 1 MiB limit; the `report` output has everything.\n";
    const room = limit - Buffer.byteLength(note);
    let cut = Buffer.from(markdown)
        .subarray(0, room)
        .toString('utf8')
        .replace(/\uFFFD+$/, '');
    const block = cut.lastIndexOf('\n\n');
    if (block > 0)
        cut = cut.slice(0, block);
    const openFence = (cut.match(/^```/gm) ?? []).length % 2 === 1 ? '\n```' : '';
    const openDetails = (cut.match(/<details>/g) ?? []).length > (cut.match(/<\/details>/g) ?? []).length ? '\n\n</details>' : '';
    return `${cut}${openFence}${openDetails}${note}`;
}
/** Writes markdown to the job summary when the runner provides one. */
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await core/* summary */.z.addRaw(fitSummary(markdown), true).write();
}

;// CONCATENATED MODULE: ./src/rollout/journal.ts
/**
 * A journal kept as one state object and saved whole after every change, before the change is
 * made, so whatever reads it after a kill (the action's post step, the CLI's `reconcile`) sees
 * every drain and lock. Subclasses say where it is saved; they call save() once constructed.
 */
class SavedJournal {
    state;
    constructor(state) {
        this.state = state;
    }
    drained(host, why, detail) {
        const entry = { ...host, why, ...(detail ? { detail } : {}) };
        this.state.drained = [...this.state.drained.filter((h) => h.name !== host.name), entry];
        this.save();
    }
    returned(host) {
        this.state.drained = this.state.drained.filter((h) => h.name !== host.name);
        this.save();
    }
    locked(target, name) {
        this.state.locks.push({ target, name });
        this.save();
    }
    unlocked(target, name) {
        this.state.locks = this.state.locks.filter((l) => !(l.name === name && l.target.host === target.host && l.target.port === target.port));
        this.save();
    }
    /** The run ended on its own: whatever is still drained was left so on purpose, and reported. */
    complete() {
        this.state.completed = true;
        this.save();
    }
}

;// CONCATENATED MODULE: ./src/action/state.ts


/** The state key under which the main step keeps its journal for the post step. */
const JOURNAL_STATE = 'journal';
/**
 * Journal kept in the runner's step state (core.saveState), which the post step reads even when
 * the main step was killed: every change is saved at once, not at the end.
 */
class StateJournal extends SavedJournal {
    constructor(owner) {
        super({ owner, drained: [], locks: [], completed: false });
        this.save();
    }
    save() {
        core/* saveState */.LZ(JOURNAL_STATE, JSON.stringify(this.state));
    }
}
/** The main step's journal, as it recorded it; null when it recorded none. */
function readJournal() {
    const raw = core/* getState */.Gu(JOURNAL_STATE);
    if (!raw)
        return null;
    try {
        return JSON.parse(raw);
    }
    catch {
        return null;
    }
}

;// CONCATENATED MODULE: ./src/action/io.ts




const input = (name) => core/* getInput */.V4(name);
/** Fails the step with a message, or quietly (exit code only) when the annotations say why. */
function io_fail(message) {
    if (message === undefined)
        process.exitCode = core/* ExitCode */.yU.Failure;
    else
        fail(message);
}
/** The main step's I/O on a GitHub runner. */
function actionMainIO() {
    return {
        input,
        env: process.env,
        fail: io_fail,
        maskSecret: (value) => core/* setSecret */.Pq(value),
        log: new ActionsLog(),
        openJournal: (owner) => new StateJournal(owner),
        publish: ({ report, plan, errors }) => publish(report, plan, errors),
        onStop: (stop) => {
            for (const signal of ['SIGINT', 'SIGTERM'])
                process.on(signal, () => stop(signal));
        },
    };
}
/** The post step's I/O on a GitHub runner. */
function actionPostIO() {
    return {
        input,
        env: process.env,
        fail: io_fail,
        readJournal: readJournal,
        log: {
            info: (message) => print(message),
            warning: (message) => annotate('warning', message),
            error: (message, title) => annotate('error', message, title),
        },
    };
}


/***/ }),

/***/ 5942:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $: () => (/* binding */ neutralise),
/* harmony export */   t: () => (/* binding */ untrustedLine)
/* harmony export */ });
/**
 * Text from hosts, users' commands and load balancers reaches the runner's log, where a line that
 * starts with `::` (after blanks) is a workflow command, and `##[` anywhere starts a legacy one:
 * `::add-mask::`, `::stop-commands::`, `##[error]`… Everything the product prints goes through
 * neutralise(), so no such line can be smuggled in. The product's own text never needs either.
 */
/** A zero-width space: invisible in the log, but it breaks the runner's command syntax. */
const BREAK = '\u200b';
/** One line: a leading `::` and every `##[` are broken up; the text is otherwise unchanged. */
function neutraliseLine(line) {
    return line.replace(/^(\s*):/, `$1${BREAK}:`).replace(/##\[/g, `#${BREAK}#[`);
}
/** Every line of `text`, neutralised (line breaks kept). */
function neutralise(text) {
    return text
        .split(/(\r\n|\r|\n)/)
        .map((part, i) => (i % 2 === 0 ? neutraliseLine(part) : part))
        .join('');
}
/**
 * Untrusted text that will be printed inside one of the product's own sentences: one line,
 * printable characters only, and at most `max` characters.
 */
function untrustedLine(text, max = 200) {
    const flat = neutralise(text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim());
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}


/***/ })

};
;
//# sourceMappingURL=485.index.js.map