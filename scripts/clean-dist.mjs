// ncc copies ssh2's pagent.exe (a Windows helper for the PuTTY agent, loaded only when `agent` is
// "pageant") into dist. The action runs on Linux runners and never asks for Pageant, and dist must
// hold no binaries, so it goes.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist/pagent.exe', import.meta.url), { force: true });
