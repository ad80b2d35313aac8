'use strict';
/*
 * Preloaded into the API process of the bench's issue-18 scenario (`node --expose-gc -r
 * bench/preload/heap-and-profile.js dist/main.js`), answering two IPC messages from the bench:
 * - `bench:heap`: runs full garbage collections, then replies with `process.memoryUsage()`
 *   (heapUsed after a full GC is the figure "memory per 1,000 idle sockets" is taken from);
 * - `bench:profile-start` / `bench:profile-stop`: a V8 CPU profile of exactly the load window
 *   (not of start-up), written as `<dir>/<name>.cpuprofile`, the same format `--cpu-prof` writes.
 * Never loaded outside the bench; src/ knows nothing of it.
 */
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

let session = null;

function post(method, params) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function handle(message) {
  switch (message.type) {
    case 'bench:heap': {
      if (typeof global.gc !== 'function') throw new Error('not started with --expose-gc');
      // Twice: objects freed by finalizers of the first collection go in the second.
      global.gc();
      await new Promise((resolve) => setImmediate(resolve));
      global.gc();
      return { memory: process.memoryUsage() };
    }
    case 'bench:profile-start': {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: message.intervalUs || 1000 });
      await post('Profiler.start');
      return {};
    }
    case 'bench:profile-stop': {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      session = null;
      const file = join(message.dir, `${message.name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return { file };
    }
    default:
      return null;
  }
}

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (!message || typeof message.type !== 'string' || !message.type.startsWith('bench:')) return;
    handle(message).then(
      (reply) => reply && process.send({ ...reply, type: message.type, id: message.id }),
      (error) => process.send({ type: message.type, id: message.id, error: String(error) }),
    );
  });
}
