import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock } from './data-dir-lock';
import { DataDirBusyError } from './data-dir.errors';

describe('DataDirLock', () => {
  let dir: string;
  const lockFile = () => join(dir, 'parcsal.lock');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parcsal-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the directory with this pid and removes the file on release', () => {
    const lock = new DataDirLock(dir);
    lock.acquire();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses while another live process holds it, naming that pid', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await new Promise((resolve) => holder.once('spawn', resolve));
      writeFileSync(lockFile(), `${holder.pid} worker\n`);
      const lock = new DataDirLock(dir);
      expect(() => lock.acquire()).toThrow(DataDirBusyError);
      expect(() => lock.acquire()).toThrow(
        new RegExp(`in use by the worker process ${holder.pid} \\(DATA_DIR\\)`),
      );
      // The holder's lock is left as it was.
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${holder.pid} worker\n`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over a lock whose process is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockFile(), `${gone} api\n`);
    const lock = new DataDirLock(dir);
    lock.acquire();
    expect(readFileSync(lockFile(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
  });

  it('never removes a lock that another process took meanwhile', () => {
    const lock = new DataDirLock(dir);
    lock.acquire();
    writeFileSync(lockFile(), `999999999 api\n`);
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe('999999999 api\n');
  });
});
