import { Injectable, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HandlesJob, JobHandlers } from './job-handlers';
import { JobHandlersModule } from './job-handlers.module';
import { CampaignJobName, EmailJobName, QueueName } from './queue-jobs';

@Injectable()
@HandlesJob(QueueName.Email, EmailJobName.Outbox)
class OutboxHandler {}

@Injectable()
@HandlesJob(QueueName.Email, EmailJobName.Outbox)
class SecondOutboxHandler {}

@Injectable()
@HandlesJob(QueueName.Email, EmailJobName.Campaign)
class CampaignEmailHandler {}

@Injectable()
@HandlesJob(QueueName.Campaigns, CampaignJobName.Send)
class CampaignSendHandler {}

async function start(...handlers: Type[]) {
  const moduleRef = await Test.createTestingModule({
    imports: [JobHandlersModule],
    providers: handlers,
  }).compile();
  return moduleRef.init();
}

describe('JobHandlers', () => {
  it('finds the one handler of every job', async () => {
    const app = await start(OutboxHandler, CampaignEmailHandler, CampaignSendHandler);
    const jobs = app.get(JobHandlers);
    expect(jobs.get(QueueName.Email, EmailJobName.Outbox)).toBeInstanceOf(OutboxHandler);
    expect(jobs.get(QueueName.Email, EmailJobName.Campaign)).toBeInstanceOf(CampaignEmailHandler);
    expect(jobs.get(QueueName.Campaigns, CampaignJobName.Send)).toBeInstanceOf(CampaignSendHandler);
    expect(jobs.get(QueueName.Email, 'nobody-sends-this')).toBeUndefined();
    await app.close();
  });

  it('refuses to start when a job has no handler', async () => {
    await expect(start(OutboxHandler, CampaignEmailHandler)).rejects.toThrow(
      'campaigns:send has no handler',
    );
  });

  it('refuses to start when a job has two handlers', async () => {
    await expect(
      start(OutboxHandler, SecondOutboxHandler, CampaignEmailHandler, CampaignSendHandler),
    ).rejects.toThrow('email:outbox has 2 handlers: OutboxHandler, SecondOutboxHandler');
  });
});
