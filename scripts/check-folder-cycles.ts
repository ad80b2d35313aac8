import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/*
 * `npm run lint`: no import cycle between the folders of src/ (issue 19). A folder is a module:
 * an arrow from a primitive (config, redis, database, common, ...) or a lower feature to one above
 * it closes a loop that makes both hard to change alone. Builds the folder graph from every
 * relative import of src/ (specs and the composition roots at src/ itself left out) and fails on
 * any cycle, except through the arrows of ALLOWED: the cycles found when the check came in, each
 * listed with why it is still there. The list only shrinks: an entry whose arrow is gone fails the
 * check too, so it is deleted when its cycle is fixed. Exit code 1 on any finding.
 */

interface Allowed {
  from: string;
  to: string;
  why: string;
}

// Empty since the account flows left auth (issue 19.2): every folder cycle of src/ is gone.
const ALLOWED: Allowed[] = [];

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'src');

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) yield path;
  }
}

/**
 * The top folder of src/ a path is in, or null for src/ itself and outside it. An import of the
 * folder itself (`'../config'`: its index.ts) is an import of that folder too.
 */
function folderOf(path: string): string | null {
  const parts = relative(SRC, path).split(sep);
  if (parts[0] === '..' || parts[0] === '') return null;
  if (parts.length > 1) return parts[0];
  return isDirectory(path) ? parts[0] : null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** from → to → where the first such import is (file:line). */
const edges = new Map<string, Map<string, string>>();
for (const file of sourceFiles(SRC)) {
  const from = folderOf(file);
  if (!from) continue;
  const text = readFileSync(file, 'utf8');
  for (const ref of preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const to = folderOf(resolve(dirname(file), ref.fileName));
    if (!to || to === from) continue;
    const targets = edges.get(from) ?? new Map<string, string>();
    edges.set(from, targets);
    if (!targets.has(to)) {
      const line = text.slice(0, ref.pos).split('\n').length;
      targets.set(to, `${relative(ROOT, file)}:${line}`);
    }
  }
}

/** Tarjan's strongly connected components with more than one folder: the cycles. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const isAllowed = (from: string, to: string) => ALLOWED.some((a) => a.from === from && a.to === to);
const graph = (skipAllowed: boolean) =>
  new Map(
    [...edges].map(([from, targets]) => [
      from,
      new Set([...targets.keys()].filter((to) => !(skipAllowed && isAllowed(from, to)))),
    ]),
  );

const findings: string[] = [];
for (const component of cycles(graph(true))) {
  const arrows = component.flatMap((from) =>
    [...(edges.get(from) ?? [])]
      .filter(([to]) => component.includes(to) && !isAllowed(from, to))
      .map(([to, where]) => `    ${from} → ${to} (${where})`),
  );
  findings.push(`folders in an import cycle: ${component.join(', ')}\n${arrows.join('\n')}`);
}
for (const { from, to } of ALLOWED) {
  if (!edges.get(from)?.has(to)) {
    findings.push(`${from} → ${to} no longer exists: delete it from ALLOWED`);
  }
}

const remaining = cycles(graph(false));
if (remaining.length > 0) {
  console.log(
    `folder cycles still allowed (scripts/check-folder-cycles.ts ALLOWED):\n${remaining
      .map((c) => `  ${c.join(', ')}`)
      .join('\n')}`,
  );
}
if (findings.length > 0) {
  console.error(`New import cycles between folders of src/:\n${findings.join('\n')}`);
  process.exit(1);
}
