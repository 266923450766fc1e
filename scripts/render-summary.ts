/**
 * Renders a job summary (markdown, as written to GITHUB_STEP_SUMMARY) to an HTML page roughly the way
 * GitHub shows it, and screenshots the page in headless Chromium, so a summary can be looked at
 * without pushing a run.
 *
 *   npx tsx scripts/render-summary.ts <summary.md> [--out .tmp/render/<name>] [--open] [--width 1012]
 *
 * Writes <out>.html, <out>.png (full page) and <out>-mermaid-<n>.png (each diagram alone). With --open every <details> is opened, to see the
 * evidence inside. Exits 1 when a Mermaid block does not render (Mermaid's own error is printed),
 * when the page has raw HTML that GitHub would strip (script, style, event handlers), or when the
 * browser fails.
 *
 * What is close to GitHub: GitHub-flavoured markdown by `marked` (tables, autolinks, raw HTML such as
 * <details>/<pre>), `> [!NOTE]`-style alerts turned into alert boxes, and ```mermaid blocks drawn by
 * the `mermaid` package's browser bundle, loaded from node_modules over file:// (no network). What is
 * not: GitHub's exact CSS, its HTML sanitizer (approximated by a check), and its Mermaid version.
 * Chromium is Debian's /usr/bin/chromium, driven by playwright-core (no browser download).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Marked, type Tokens } from 'marked';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const MERMAID = join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js');

/** Chromium flags this machine needs (see the environment notes): no sandbox as root, no background traffic. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const ALERTS: Record<string, string> = { NOTE: 'Note', TIP: 'Tip', IMPORTANT: 'Important', WARNING: 'Warning', CAUTION: 'Caution' };

/** Raw HTML GitHub's sanitizer removes: a summary that relies on it renders differently there. */
export function strippedByGitHub(markdown: string): string[] {
  const found: string[] = [];
  const outsideCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of outsideCode.matchAll(/<(script|style|iframe|object|embed|form|input|link|meta)\b/gi)) found.push(`<${m[1]}> element`);
  for (const m of outsideCode.matchAll(/<[a-z][^>]*\s(on[a-z]+|style)\s*=/gi)) found.push(`${m[1]}= attribute`);
  return found;
}

/**
 * What GitHub does to raw HTML after rendering, roughly: GFM's tagfilter (the disallowed tags are
 * shown as text) and its sanitizer's removal of event handlers and style attributes.
 */
function githubFilters(html: string): string {
  return html
    .replace(/<(\/?)(title|textarea|style|xmp|iframe|noembed|noframes|script|plaintext)\b/gi, '&lt;$1$2')
    .replace(/(<[a-z][^>]*?)\s+(?:on[a-z]+|style)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, '$1');
}

/** The HTML page for a summary: GitHub-flavoured markdown, alerts, and Mermaid blocks left for the browser. */
export function summaryPage(markdown: string, options: { open?: boolean; width?: number; title?: string } = {}): string {
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      code(token: Tokens.Code): string | false {
        if (token.lang?.trim() === 'mermaid')
          return `<div class="mermaid-box"><pre class="mermaid">${escapeHtml(token.text)}</pre></div>\n`;
        return false;
      },
      blockquote(token: Tokens.Blockquote): string | false {
        const alert = /^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*\n?/.exec(token.text);
        if (!alert) return false;
        const kind = alert[1] ?? 'NOTE';
        const body = this.parser.parse(new Marked({ gfm: true }).lexer(token.text.slice(alert[0].length)));
        return `<div class="markdown-alert markdown-alert-${kind.toLowerCase()}"><p class="markdown-alert-title">${ALERTS[kind]}</p>\n${body}</div>\n`;
      },
    },
  });
  let body = githubFilters(marked.parse(markdown, { async: false }));
  if (options.open) body = body.replace(/<details(?![^>]*\bopen\b)/g, '<details open');
  const width = options.width ?? 1012;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(options.title ?? 'job summary')}</title>
<style>
  body { margin: 0; background: #f6f8fa; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
  .summary { box-sizing: border-box; width: ${width}px; margin: 16px auto; padding: 16px 24px; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; }
  h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 8px 0 16px; }
  h3 { font-size: 1.25em; margin: 24px 0 16px; }
  table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; margin-bottom: 16px; }
  th, td { border: 1px solid #d1d9e0; padding: 6px 13px; vertical-align: top; }
  th { font-weight: 600; background: #f6f8fa; }
  tr:nth-child(2n) td { background: #f6f8fa; }
  pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
  code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff2f5; padding: .2em .4em; border-radius: 6px; }
  pre code { background: none; padding: 0; }
  details { margin-bottom: 16px; }
  summary { cursor: pointer; }
  blockquote { margin: 0 0 16px; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
  .markdown-alert { padding: 8px 16px; margin-bottom: 16px; border-left: .25em solid #d1d9e0; }
  .markdown-alert-title { font-weight: 500; margin: 0 0 4px; }
  .markdown-alert-warning { border-left-color: #9a6700; } .markdown-alert-warning .markdown-alert-title { color: #9a6700; }
  .markdown-alert-caution { border-left-color: #d1242f; } .markdown-alert-caution .markdown-alert-title { color: #d1242f; }
  .markdown-alert-note { border-left-color: #0969da; } .markdown-alert-note .markdown-alert-title { color: #0969da; }
  .mermaid-box { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px; margin-bottom: 16px; }
  pre.mermaid { background: #fff; padding: 0; }
  .render-error { color: #d1242f; white-space: pre-wrap; }
</style></head>
<body><article class="summary">
${body}
</article>
<script src="${pathToFileURL(MERMAID).href}"></script>
<script>
  (async () => {
    const errors = [];
    try {
      mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
      const blocks = [...document.querySelectorAll('pre.mermaid')];
      for (const [i, block] of blocks.entries()) {
        const source = block.textContent;
        try {
          const { svg } = await mermaid.render('mermaid-' + i, source);
          block.innerHTML = svg;
        } catch (e) {
          errors.push('block ' + (i + 1) + ': ' + (e && e.message ? e.message : String(e)));
          block.insertAdjacentHTML('afterend', '<pre class="render-error"></pre>');
          block.nextElementSibling.textContent = 'Mermaid error: ' + (e && e.message ? e.message : String(e));
        }
      }
      document.body.dataset.mermaidBlocks = String(blocks.length);
    } catch (e) {
      errors.push('mermaid failed to load: ' + (e && e.message ? e.message : String(e)));
    }
    document.body.dataset.errors = JSON.stringify(errors);
    document.body.dataset.rendered = 'yes';
  })();
</script>
</body></html>
`;
}

export interface RenderResult {
  html: string;
  png: string;
  /** A PNG of each Mermaid block alone. */
  diagrams: string[];
  mermaidBlocks: number;
  errors: string[];
}

/** Writes <out>.html and screenshots it to <out>.png in headless Chromium. */
export async function renderSummary(
  markdown: string,
  out: string,
  options: { open?: boolean; width?: number } = {},
): Promise<RenderResult> {
  mkdirSync(dirname(out), { recursive: true });
  const html = `${out}.html`;
  const png = `${out}.png`;
  writeFileSync(html, summaryPage(markdown, { ...options, title: basename(out) }));
  const width = (options.width ?? 1012) + 120;
  const profile = mkdtempSync(join(tmpdir(), 'render-summary-'));
  const executablePath = existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height: 900 },
  });
  try {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-rendered="yes"]', { timeout: 60_000 });
    const errors = [...(JSON.parse((await page.getAttribute('body', 'data-errors')) ?? '[]') as string[]), ...pageErrors];
    const mermaidBlocks = Number((await page.getAttribute('body', 'data-mermaid-blocks')) ?? '0');
    await page.screenshot({ path: png, fullPage: true });
    // Each diagram on its own too: a long summary's full-page PNG is too tall to read the chart in.
    const diagrams: string[] = [];
    const boxes = await page.locator('.mermaid-box').all();
    for (const [i, box] of boxes.entries()) {
      const path = `${out}-mermaid-${i + 1}.png`;
      await box.screenshot({ path });
      diagrams.push(path);
    }
    return { html, png, diagrams, mermaidBlocks, errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const flag = (name: string): boolean => {
    const i = args.indexOf(name);
    if (i >= 0) args.splice(i, 1);
    return i >= 0;
  };
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, v] = args.splice(i, 2);
    return v;
  };
  const open = flag('--open');
  const out = value('--out');
  const width = value('--width');
  const input = args[0];
  if (!input || args.length > 1) {
    console.error('usage: npx tsx scripts/render-summary.ts <summary.md> [--out .tmp/render/<name>] [--open] [--width 1012]');
    return 2;
  }
  const markdown = readFileSync(input, 'utf8');
  const target = out ?? join(ROOT, '.tmp/render', basename(input).replace(/\.md$/, '') + (open ? '-open' : ''));
  const stripped = strippedByGitHub(markdown);
  const result = await renderSummary(markdown, target, { open, width: width ? Number(width) : undefined });
  console.log([result.html, result.png, ...result.diagrams].join('\n'));
  console.log(`${result.mermaidBlocks} mermaid block(s), ${Buffer.byteLength(markdown)} bytes of markdown`);
  for (const s of stripped) console.error(`GitHub would strip: ${s}`);
  for (const e of result.errors) console.error(e);
  return result.errors.length || stripped.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
