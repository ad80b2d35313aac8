import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import type { BenchStack, Proc } from './stack';
import { round } from './stats';

/** The `ip:port` a Redis server sees for this client (to pick its commands out of MONITOR). */
export async function clientAddress(client: Redis): Promise<string> {
  const info = String(await client.call('CLIENT', 'INFO'));
  const addr = /(?:^| )addr=(\S+)/.exec(info);
  if (!addr) throw new Error(`CLIENT INFO without addr: ${info}`);
  return addr[1];
}

/** Redis commands by name (and in total) per request over a measured block. */
export async function redisCommandsPer(
  stack: BenchStack,
  requests: () => number,
  block: () => Promise<void>,
): Promise<{ total: number; byCommand: Record<string, number> }> {
  const before = await stack.commandCalls();
  await block();
  const after = await stack.commandCalls();
  const n = Math.max(1, requests());
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of Object.entries(after)) {
    // The bench's own INFO call is not the application's.
    if (command === 'info') continue;
    const delta = calls - (before[command] ?? 0);
    if (delta > 0) {
      byCommand[command] = round(delta / n, 2);
      total += delta;
    }
  }
  return { total: round(total / n, 2), byCommand };
}

/**
 * SQL statements per request an API process sent to PostgreSQL over a measured block (counted
 * inside the process by bench/preload/count-pg-queries.js; `block` returns its request count).
 */
export async function pgQueriesPer(
  stack: BenchStack,
  proc: Proc,
  block: () => Promise<number>,
): Promise<number> {
  const before = await stack.pgQueries(proc);
  const requests = Math.max(1, await block());
  const after = await stack.pgQueries(proc);
  return round((after - before) / requests, 2);
}

export interface RedisTraffic {
  /** Round trips per request: client commands, a MULTI...EXEC block counted once. */
  roundTrips: number;
  /** Commands sent by clients per request (a pipeline sends several in one round trip). */
  clientCommands: number;
  /** Commands run inside Lua scripts per request (no round trip of their own). */
  scriptCommands: number;
  /** Client commands by name, per request. */
  byCommand: Record<string, number>;
}

/**
 * What the application sends to Redis per request over a measured block, watched with MONITOR
 * (which tells a client's commands from those a Lua script runs). Use a small fixed number of
 * requests: MONITOR slows Redis down, so no timing is taken here. `sources` (client addresses,
 * `ip:port`) keeps only those clients' commands, and the script commands their calls ran.
 */
export async function redisTrafficPer(
  stack: BenchStack,
  block: () => Promise<number>,
  sources?: string[],
): Promise<RedisTraffic> {
  const watcher = new Redis(stack.redisUrl);
  const monitor = await watcher.monitor();
  let clientCommands = 0;
  let scriptCommands = 0;
  let roundTrips = 0;
  const inMulti = new Set<string>();
  const byCommand: Record<string, number> = {};
  const wanted = sources ? new Set(sources) : null;
  let lastWanted = true;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const command = String(args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      // Logged right after the client call that ran the script.
      if (lastWanted) scriptCommands++;
      return;
    }
    lastWanted = !wanted || wanted.has(source);
    if (!lastWanted) return;
    clientCommands++;
    byCommand[command] = (byCommand[command] ?? 0) + 1;
    if (command === 'multi') {
      inMulti.add(source);
      roundTrips++;
    } else if (command === 'exec' || command === 'discard') {
      inMulti.delete(source);
    } else if (!inMulti.has(source)) {
      roundTrips++;
    }
  });
  await sleep(200);
  let requests = 1;
  try {
    requests = Math.max(1, await block());
    await sleep(300);
  } finally {
    monitor.disconnect();
    watcher.disconnect();
  }
  const per = (n: number) => round(n / requests, 2);
  return {
    roundTrips: per(roundTrips),
    clientCommands: per(clientCommands),
    scriptCommands: per(scriptCommands),
    byCommand: Object.fromEntries(Object.entries(byCommand).map(([c, n]) => [c, per(n)])),
  };
}
