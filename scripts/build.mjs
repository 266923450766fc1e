// Builds the action: ncc bundles src/index.ts into dist/ (or the directory given, which the fleet
// suite uses to check that the committed dist/ is what the sources build).
//
//   node scripts/build.mjs [out-dir]     (npm run build)
//
// ncc copies ssh2's pagent.exe (a Windows helper for the PuTTY agent, loaded only when `agent` is
// "pageant") into the output. The action runs on Linux runners and never asks for Pageant, and
// dist must hold no binaries, so it goes.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(root, process.argv[2] ?? 'dist');
const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js');
const args = ['build', 'src/index.ts', '-o', out, '--minify', '--source-map', '--license', 'licenses.txt', '--quiet'];
const built = spawnSync(process.execPath, [ncc, ...args], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
rmSync(join(out, 'pagent.exe'), { force: true });
