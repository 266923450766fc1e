// Builds the action and the command: ncc bundles src/index.ts into dist/ (the action's main and
// post steps) and src/cli.ts into dist/cli.js (the zero-downtime-restart command), each in one
// pass over its own sources, both at once. The directory given replaces dist/ (the fleet suite
// uses it to check that the committed dist/ is what the sources build).
//
//   node scripts/build.mjs [out-dir]     (npm run build)
//
// ncc minifies only the entry file; esbuild (a build tool, nothing of it ships) minifies the
// on-demand chunks after it.
//
// ncc copies ssh2's pagent.exe (a Windows helper for the PuTTY agent, loaded only when `agent` is
// "pageant") into the output. The action runs on Linux runners and never asks for Pageant, and
// dist must hold no binaries, so it goes.
//
// dist/cli.js starts the command's bundle (dist/cli/) behind a shebang, with action.yml's text and
// the version embedded as globals set before the bundle runs: --help is generated from action.yml's
// descriptions and defaults at run time, from the very file the action ships, so the two cannot
// drift, and the installed command needs no file beside it.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(root, process.argv[2] ?? 'dist');
const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js');

function nccBuild(entry, dir, extra) {
  const args = ['build', entry, '-o', dir, '--minify', ...extra, '--license', 'licenses.txt', '--quiet'];
  return new Promise((done, failed) => {
    const child = spawn(process.execPath, [ncc, ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', failed);
    child.on('close', (code) => (code === 0 ? done() : failed(new Error(`ncc build ${entry} exited ${code}`))));
  });
}

// The command's bundle goes to dist/cli/ with its chunks (the core loads some code on demand), so
// that its chunk names never meet the action's in dist/; dist/cli.js is the entry behind a shebang.
const cliDir = join(out, 'cli');
rmSync(cliDir, { recursive: true, force: true });
// The action's on-demand chunks are named by module id: a change can rename them, and a chunk the
// build no longer makes must not stay behind in the committed dist/.
for (const name of existsSync(out) ? readdirSync(out) : []) if (/^\d+\.index\.js(\.map)?$/.test(name)) rmSync(join(out, name));
await Promise.all([nccBuild('src/index.ts', out, ['--source-map']), nccBuild('src/cli.ts', cliDir, [])]);
for (const dir of [out, cliDir]) rmSync(join(dir, 'pagent.exe'), { force: true });
/**
 * Each source's text as ncc's map had it. Where that map has none, esbuild reads the file from
 * disk relative to the map (so a build in dist/ and one in a temporary directory would differ);
 * ncc's map is the one record both builds share.
 */
function keepSourcesContent(mapFile, before) {
  const bare = (path) => path.replace(/^(\.\.\/)?\.\//, '$1');
  const text = new Map(before.sources.map((source, i) => [bare(source), before.sourcesContent?.[i] ?? null]));
  const after = JSON.parse(readFileSync(mapFile, 'utf8'));
  after.sourcesContent = after.sources.map((source) => text.get(bare(source)) ?? null);
  writeFileSync(mapFile, JSON.stringify(after));
}

// ncc's --minify reaches the entry file only, not its on-demand chunks: they held 1.4 MiB of the
// action's 1.42, and a cold start parses them all. esbuild minifies each chunk in place, one file
// at a time (nothing re-bundled), and its source map, where there is one, is chained through
// ncc's to the TypeScript sources.
const esbuild = createRequire(import.meta.url)('esbuild');
for (const [dir, maps] of [
  [out, true],
  [cliDir, false],
]) {
  for (const name of readdirSync(dir).filter((n) => /^\d+\.index\.js$/.test(n))) {
    const file = join(dir, name);
    const before = maps ? JSON.parse(readFileSync(`${file}.map`, 'utf8')) : null;
    esbuild.buildSync({
      entryPoints: [file],
      outfile: file,
      allowOverwrite: true,
      minify: true,
      sourcemap: maps ? 'linked' : false,
      platform: 'node',
      target: 'node24',
      // The same output wherever it is built: not the project's tsconfig for files under dist/
      // (its strictness would add "use strict"), none for a temporary directory.
      tsconfigRaw: {},
      logLevel: 'error',
    });
    if (before) keepSourcesContent(`${file}.map`, before);
  }
}
const globals = {
  __ZDR_ACTION_YML__: readFileSync(join(root, 'action.yml'), 'utf8'),
  __ZDR_VERSION__: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
};
const embed = Object.entries(globals)
  .map(([name, value]) => `globalThis.${name}=${JSON.stringify(value)};`)
  .join('');
writeFileSync(join(out, 'cli.js'), `#!/usr/bin/env node\n${embed}\nrequire('./cli/index.js');\n`);
chmodSync(join(out, 'cli.js'), 0o755);
