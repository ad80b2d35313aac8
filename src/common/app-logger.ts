import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino from 'pino';

/**
 * Nest's own start-up chatter ("X dependencies initialized", one line per mapped route) and the
 * ExceptionHandler's copy of a start-up error (startOrExit reports it in one line) are details:
 * logged at debug, so the default output tells only what the process does.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'WebSocketsController',
  'ExceptionHandler',
]);

const DEBUG = pino.levels.values.debug;

function isFrameworkLine(args: unknown[]): boolean {
  const first = args[0] as { context?: unknown } | null;
  return (
    typeof first === 'object' && first !== null && FRAMEWORK_CONTEXTS.has(String(first.context))
  );
}

let root: pino.Logger | null = null;

/**
 * Standard output, one write(2) per turn of the event loop: the lines logged during one turn
 * (under load, the request lines of every request answered in it) are joined and written
 * together at its end (setImmediate), through pino's synchronous destination (which copes with
 * a full pipe). A line waits for the end of the turn at most, and none is lost on exit: the
 * pending ones are written from the 'exit' handler (process.exit, a fatal error).
 */
function stdoutPerTurn(): pino.DestinationStream {
  const out = pino.destination({ dest: 1, sync: true });
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const chunk = pending;
    pending = '';
    out.write(chunk);
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      pending += line;
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
  };
}

/**
 * The process's one pino logger: JSON lines on stdout, used by Nest (through nestjs-pino), the
 * HTTP request log and scripts. Created once; a later call only changes its level.
 */
export function rootLogger(level?: string): pino.Logger {
  if (root) {
    if (level) root.level = level;
    return root;
  }
  root = pino(
    {
      level: level ?? 'info',
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      hooks: {
        logMethod(args, method, methodLevel) {
          if (methodLevel > DEBUG && isFrameworkLine(args)) {
            // Re-enters this hook at debug level, which passes through.
            this.debug(...args);
            return;
          }
          method.apply(this, args);
        },
      },
    },
    stdoutPerTurn(),
  );
  return root;
}

/**
 * The logger handed to NestFactory, so that nothing Nest logs while building the application
 * (before nestjs-pino's own Logger is installed) comes out as coloured text.
 */
export function bootLogger(level: string): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: rootLogger(level) } }), {});
}
