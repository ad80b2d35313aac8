import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (what `--cpu-prof` and the inspector's Profiler.stop write). */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeShare {
  owner: string;
  ms: number;
  /** Of the busy time (idle excluded). */
  share: number;
}

/** The two HTTP adapters NestJS ships. */
export type AdapterName = 'Express' | 'Fastify';

/**
 * The packages whose self time is "the HTTP adapter" of a request: on @nestjs/platform-express,
 * Express itself, its router, body parsing and final handler, and Nest's adapter; on
 * @nestjs/platform-fastify, Fastify and its own packages (routing, hooks, plugins, parsing).
 */
export const ADAPTER_PACKAGES: Record<AdapterName, string[]> = {
  Express: ['express', 'router', 'body-parser', 'finalhandler', '@nestjs/platform-express'],
  Fastify: [
    'fastify',
    '@nestjs/platform-fastify',
    'find-my-way',
    'avvio',
    'light-my-request',
    'fast-querystring',
    'fast-json-stringify',
    'secure-json-parse',
    'toad-cache',
    'fastify-plugin',
  ],
};

/** Whether a profile owner (see ownerOf) is part of the given adapter. */
export function isAdapterPackage(adapter: AdapterName, owner: string): boolean {
  return (
    ADAPTER_PACKAGES[adapter].includes(owner) ||
    (adapter === 'Fastify' && owner.startsWith('@fastify/'))
  );
}

/** Who owns a frame: node_modules/<pkg>, the app (dist/ = compiled src/), node internals... */
export function ownerOf(url: string, functionName: string): string | null {
  if (!url) {
    if (functionName === '(idle)' || functionName === '(root)') return null;
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)') return 'V8: (program), native code outside JS';
    return 'V8 built-ins and native bindings (no script)';
  }
  if (url.startsWith('node:')) return 'Node.js internals (node:*)';
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/dist/')) return 'src/ (the application, compiled in dist/)';
  if (url.includes('/bench/')) return 'bench preloads';
  return 'other scripts';
}

/** Self time per owner, largest first, from a .cpuprofile file. */
export function selfTimeByOwner(file: string): { shares: SelfTimeShare[]; busyMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const ownerById = new Map(
    profile.nodes.map((n) => [n.id, ownerOf(n.callFrame.url, n.callFrame.functionName)]),
  );
  const us = new Map<string, number>();
  // Sample i lasts until sample i + 1 (timeDeltas[i + 1], in µs); the last one is dropped.
  for (let i = 0; i < profile.samples.length - 1; i++) {
    const owner = ownerById.get(profile.samples[i]);
    if (!owner) continue;
    us.set(owner, (us.get(owner) ?? 0) + profile.timeDeltas[i + 1]);
  }
  const busyUs = [...us.values()].reduce((a, b) => a + b, 0);
  const shares = [...us]
    .map(([owner, t]) => ({ owner, ms: t / 1000, share: busyUs ? t / busyUs : NaN }))
    .sort((a, b) => b.ms - a.ms);
  return { shares, busyMs: busyUs / 1000 };
}
