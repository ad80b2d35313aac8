import pino from 'pino';
import { ConfigError } from '../config';
import { rootLogger } from './app-logger';

/**
 * A start-up failure whose message is already the one line a user needs: the cause and the
 * variable to fix (e.g. `Cannot reach Redis at redis://127.0.0.1:6390 (REDIS_URL): connect
 * ECONNREFUSED`). Thrown by whatever checks a dependency at start-up.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** The reason of a low-level error, without its stack: `connect ECONNREFUSED 127.0.0.1:5999`. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The one line for any start-up failure; unknown errors keep their message, never their stack. */
export function startupFailureLine(error: unknown, what = 'Start-up'): string {
  if (error instanceof StartupError || error instanceof ConfigError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const port = (error as { port?: unknown }).port;
    return `Cannot listen on port ${String(port)} (PORT): ${reasonOf(error)}`;
  }
  return `${what} failed: ${reasonOf(error)} (LOG_LEVEL=debug shows the details)`;
}

/**
 * Runs a process's start-up. Any failure ends it with exit code 1 and one JSON line on stderr
 * naming the cause and the variable to fix; the error's details (stack, cause) are logged at
 * debug level only.
 */
export function startOrExit(start: () => Promise<void>): void {
  start().catch((error: unknown) => exitOnStartupFailure(error));
}

/**
 * Ends the process: the error's details at debug level, its one line on stderr, exit code 1.
 * `what` names the step in the line of an unexpected error ("Seed failed: ...").
 */
export function exitOnStartupFailure(error: unknown, what = 'Start-up'): never {
  rootLogger().debug({ err: error }, `${what} failed`);
  pino({ base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true })).fatal(
    startupFailureLine(error, what),
  );
  process.exit(1);
}
