// Looks at one HAProxy backend every EVERY_MS over the runtime API and prints each answer as one
// JSON line {at, text}, until SIGTERM. A process of its own: in the test's process the looks share
// an event loop with the load generator and the runs' output, and a busy loop stretched the gap
// between two looks past what the test allows (202 ms for a 200 ms bound).
import { createConnection } from 'node:net';

const [backend, socketPath, everyArg] = process.argv.slice(2);
const everyMs = Number(everyArg);
let running = true;
process.on('SIGTERM', () => (running = false));

function showStat() {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('show stat timed out')));
    socket.on('connect', () => socket.write(`show stat ${backend} 4 -1\n`));
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

while (running) {
  const at = Date.now();
  const text = await showStat();
  process.stdout.write(`${JSON.stringify({ at, text })}\n`);
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - at))));
}
