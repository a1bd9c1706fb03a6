import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One local mode per state folder: LevelDB (dynalite) allows a single process per database, and two
 * processes writing the same sandbox and workspace files would lose each other's changes.
 */

export class StateDirInUseError extends Error {
  override readonly name = 'StateDirInUseError';
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the folder's lock (a pid file), replacing a stale one; returns its release. */
export function lockStateDir(stateDir: string): () => void {
  const path = join(stateDir, 'local-mode.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    // Our own pid: another startLocal in this process holds it.
    if (Number.isInteger(holder) && (holder === process.pid || isRunning(holder))) {
      throw new StateDirInUseError(
        `Another local mode (pid ${holder}) is using ${stateDir}; stop it first, or pass --state-dir DIR`,
      );
    }
    // Left behind by a process that is gone (killed with SIGKILL, a crash).
    rmSync(path, { force: true });
  }
  throw new StateDirInUseError(`Could not lock ${stateDir}`);
}
