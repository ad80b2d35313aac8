import { ConfigError } from '../config';
import { RedisUnavailableError } from '../redis';

/**
 * Runs a process's start-up; a bad configuration or an unreachable Redis ends it with one clear
 * line on stderr and exit code 1 instead of a stack trace.
 */
export function startOrExit(start: () => Promise<void>): void {
  start().catch((error: Error) => {
    const known = error instanceof ConfigError || error instanceof RedisUnavailableError;
    process.stderr.write(`${known ? error.message : (error.stack ?? String(error))}\n`);
    process.exit(1);
  });
}
