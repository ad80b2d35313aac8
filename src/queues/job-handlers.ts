import { Injectable, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { JOB_NAMES, JobName, QueueName } from './queue-jobs';

const HANDLES_JOB = 'queues:handlesJob';

interface JobKey {
  queue: QueueName;
  name: string;
}

/** This provider handles job `name` of `queue`; JobHandlers finds it at start-up. */
export const HandlesJob = <Q extends QueueName>(queue: Q, name: JobName<Q>) =>
  SetMetadata<string, JobKey>(HANDLES_JOB, { queue, name });

const label = ({ queue, name }: JobKey) => `${queue}:${name}`;

/**
 * The handler of every job, found among the providers marked @HandlesJob. Start-up fails unless
 * every job name of JOB_NAMES has exactly one (as Immich does): a job nobody handles would wait
 * in Redis forever, and two handlers would leave which one runs to module order.
 */
@Injectable()
export class JobHandlers implements OnModuleInit {
  private handlers?: Map<string, object>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    this.index();
  }

  /** The handler of job `name` of `queue`, or undefined for a name no handler declared. */
  get<T>(queue: QueueName, name: string): T | undefined {
    return this.index().get(label({ queue, name })) as T | undefined;
  }

  /**
   * Built on first use, at start-up or by a job that a worker took before this module's init ran
   * (module init order is not ours to choose); every provider instance exists by then.
   */
  private index(): Map<string, object> {
    if (this.handlers) return this.handlers;
    const handlers = new Map<string, object>();
    const found = new Map<string, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype;
      const instance: unknown = wrapper.instance;
      if (!metatype || !instance || typeof instance !== 'object') continue;
      const key = this.reflector.get<JobKey | undefined>(HANDLES_JOB, metatype);
      if (!key) continue;
      found.set(label(key), [...(found.get(label(key)) ?? []), metatype.name]);
      handlers.set(label(key), instance);
    }
    const problems: string[] = [];
    const declared = new Set<string>();
    for (const queue of Object.values(QueueName)) {
      for (const name of JOB_NAMES[queue]) {
        const job = label({ queue, name });
        declared.add(job);
        const classes = found.get(job) ?? [];
        if (classes.length === 0) problems.push(`${job} has no handler`);
        if (classes.length > 1)
          problems.push(`${job} has ${classes.length} handlers: ${classes.join(', ')}`);
      }
    }
    for (const [job, classes] of found) {
      if (!declared.has(job)) problems.push(`${job} (${classes.join(', ')}) is not in QueueJobs`);
    }
    if (problems.length > 0) {
      throw new Error(
        `every queue job needs exactly one @HandlesJob provider (src/queues/queue-jobs.ts): ${problems.join('; ')}`,
      );
    }
    this.handlers = handlers;
    return handlers;
  }
}
