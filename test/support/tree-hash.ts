import { createHash, Hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Feeds every file below `dir` (paths relative to it and contents, in a stable order) into `hash`,
 * skipping the files `skip` rejects: a changed file means a changed hash, wherever the checkout
 * lives.
 */
export function hashTree(
  hash: Hash,
  dir: string,
  skip: (name: string) => boolean = () => false,
  root: string = dir,
): Hash {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((x, y) =>
    x.name.localeCompare(y.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, path, skip, root);
    else if (!skip(entry.name)) hash.update(relative(root, path)).update(readFileSync(path));
  }
  return hash;
}

export function newHash(): Hash {
  return createHash('sha256');
}
