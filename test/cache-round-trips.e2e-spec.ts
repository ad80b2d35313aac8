import Redis from 'ioredis';
import { registerCompany } from './support/fixtures';
import { TEST_REDIS_URL } from './support/test-env';
import { ApiInstance, TestStack } from './support/test-stack';

/**
 * What a cache hit costs in Redis: one command (a script that reads the entry and checks its
 * tags' versions), seen by MONITOR on the stack's own keys. Plain Redis only: MONITOR sees one
 * node.
 */
describe('response cache round trips', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let monitor: Redis;
  let lines: string[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    api = await stack.startApi();
    monitor = new Redis(TEST_REDIS_URL);
    const feed = await monitor.monitor();
    feed.on('monitor', (_time: string, args: string[], source: string) => {
      lines.push(`${source} ${args.join(' ')}`);
    });
  });
  afterAll(async () => {
    monitor.disconnect();
    await stack.close();
  });

  /** The top-level commands (not the ones a script ran) on this stack's keys during `work`. */
  async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
    lines = [];
    await work();
    // MONITOR streams in order: once our marker shows up, everything before it has too.
    const marker = `${stack.prefix}marker:${Date.now()}`;
    await stack.redis().get(marker);
    await waitFor(() => lines.some((line) => line.includes(marker)));
    const end = lines.findIndex((line) => line.includes(marker));
    return lines
      .slice(0, end)
      .filter((line) => line.includes(stack.prefix) && !line.startsWith('lua'));
  }

  it('a hit on a public route (company by slug, a tag only the response revealed) is one command', async () => {
    const owner = await registerCompany(api);
    const path = `/companies/${owner.company!.slug}`;
    await api.http().get(path).expect(200);
    let hit: string | undefined;
    const commands = await commandsOf(async () => {
      hit = (await api.http().get(path).expect(200)).headers['x-cache'];
    });
    expect(hit).toBe('HIT');
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/ evalsha /i);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  // Never hangs: a generous bound, not a timing assertion.
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('MONITOR never showed the marker');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
