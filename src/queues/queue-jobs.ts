import type { DefaultJobOptions } from 'bullmq';

/**
 * Every BullMQ queue of Parcsal and its jobs, named once (processors, producers and the dashboard
 * use these). Adding a job: a name in its queue's enum, its payload in QueueJobs (the compiler
 * refuses JOB_NAMES otherwise), and exactly one provider marked @HandlesJob(queue, name)
 * (JobHandlers refuses to start otherwise).
 */
export enum QueueName {
  /** One job per email: transactional (from the outbox) and campaign recipients. Rate-limited. */
  Email = 'email',
  /** One job per campaign: snapshots its recipients and fans out email jobs. */
  Campaigns = 'campaigns',
}

/** Job names on the email queue; the processor dispatches on them. */
export enum EmailJobName {
  /** A row of email_outbox; job id = outboxJobId(row). */
  Outbox = 'outbox',
  /** One campaign recipient; job id = `campaign-<campaignId>-<userId>`. */
  Campaign = 'campaign',
}

export enum CampaignJobName {
  Send = 'send',
}

export interface OutboxEmailJob {
  outboxId: string;
  /** For the dashboard only; the processor reads the row. */
  event: string;
  to: string;
}

export interface CampaignEmailJob {
  campaignId: string;
  userId: string;
  to: string;
}

export interface CampaignSendJob {
  campaignId: string;
}

/** The payload of every job, by queue and job name. */
export interface QueueJobs {
  [QueueName.Email]: {
    [EmailJobName.Outbox]: OutboxEmailJob;
    [EmailJobName.Campaign]: CampaignEmailJob;
  };
  [QueueName.Campaigns]: {
    [CampaignJobName.Send]: CampaignSendJob;
  };
}

export type JobName<Q extends QueueName> = keyof QueueJobs[Q] & string;
export type JobOf<Q extends QueueName, N extends JobName<Q>> = QueueJobs[Q][N];

/** Every job name of every queue at run time: the start-up check walks this. */
export const JOB_NAMES: { [Q in QueueName]: readonly JobName<Q>[] } = {
  [QueueName.Email]: Object.values(EmailJobName),
  [QueueName.Campaigns]: Object.values(CampaignJobName),
};

/** Base of the exponential backoff: retries after 1 s, 2 s, 4 s, ... */
export const EMAIL_BACKOFF_MS = 1000;

/**
 * Bounded retries, and finished jobs trimmed by age and count so Redis does not grow without
 * bound. Kept jobs also make custom job ids (outbox row id) deduplicate re-queues for that long.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: EMAIL_BACKOFF_MS },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

/** The row id, then a new id per admin retry (a failed job keeps its id in BullMQ for a week). */
export const outboxJobId = (outboxId: string, retries: number): string =>
  retries === 0 ? outboxId : `${outboxId}-retry-${retries}`;

export const campaignEmailJobId = (campaignId: string, userId: string): string =>
  `campaign-${campaignId}-${userId}`;
