import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataDirBusyError } from './data-dir.errors';

/** A takeover left by a process killed in the middle of one is cleared after this long. */
const TAKEOVER_STALE_MS = 10_000;
/** An empty lock file younger than this is a holder between its create and its write. */
const UNWRITTEN_GRACE_MS = 2_000;

/** What this process is, for the message a second one shows: `api`, `worker`, `db:seed`. */
function role(): string {
  const script = basename(process.argv[1] ?? 'node').replace(/\.[jt]s$/, '');
  return ({ main: 'api', seed: 'db:seed' } as Record<string, string>)[script] ?? script;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `{pid, role}` of the lock's holder, or null when the file is gone or unreadable. */
function readHolder(path: string): { pid: number; role: string } | null {
  try {
    const [pid, role] = readFileSync(path, 'utf8').trim().split(/\s+/, 2);
    return /^\d+$/.test(pid) ? { pid: Number(pid), role: role ?? 'unknown' } : null;
  } catch {
    return null;
  }
}

function createExclusive(path: string, content: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * PGlite is one PostgreSQL in this process's memory over the files in DATA_DIR: a second process
 * opening the same files (a second API, a worker, `npm run db:seed`) does not see the first one's
 * writes and corrupts the directory. This lock lets one process at a time open it: a file created
 * with O_EXCL holding `<pid> <role>`. A lock whose process is gone (killed, crashed) is taken
 * over; a clean shutdown or any exit of this process removes it.
 */
export class DataDirLock {
  private readonly path: string;
  private held = false;
  private readonly releaseOnExit = () => this.release();

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'parcsal.lock');
  }

  /** Takes the lock or throws DataDirBusyError naming the holder. */
  acquire(): void {
    const content = `${process.pid} ${role()}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createExclusive(this.path, content)) {
        this.held = true;
        process.once('exit', this.releaseOnExit);
        return;
      }
      const holder = readHolder(this.path);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new DataDirBusyError(
          resolve(this.dataDir),
          `the ${holder.role} process ${holder.pid}`,
        );
      }
      const mtime = statSync(this.path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (holder || Date.now() - mtime > UNWRITTEN_GRACE_MS) this.takeOverStale(holder);
    }
    throw new DataDirBusyError(resolve(this.dataDir), 'another process starting at the same time');
  }

  /**
   * Removes a lock whose holder is gone. Two processes finding the same stale lock must not both
   * remove it (the second would remove the first one's new lock): the removal itself happens
   * under a second O_EXCL file, re-checking that the lock is still the stale one.
   */
  private takeOverStale(stale: { pid: number } | null): void {
    const takeover = `${this.path}.takeover`;
    const age = Date.now() - (statSync(takeover, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > TAKEOVER_STALE_MS) rmSync(takeover, { force: true });
    if (!createExclusive(takeover, `${process.pid}\n`)) return;
    try {
      if (readHolder(this.path)?.pid === stale?.pid) rmSync(this.path, { force: true });
    } finally {
      rmSync(takeover, { force: true });
    }
  }

  /** Removes the lock if this process holds it (idempotent). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    process.off('exit', this.releaseOnExit);
    if (readHolder(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
