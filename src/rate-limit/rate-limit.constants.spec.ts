import 'reflect-metadata';
import { SkipThrottle } from '@nestjs/throttler';
import { THROTTLER_SKIP } from './rate-limit.constants';

describe('THROTTLER_SKIP', () => {
  it('is the key prefix @SkipThrottle writes, so skipped routes stay unlimited', () => {
    @SkipThrottle()
    class Skipped {}
    @SkipThrottle({ SEARCH: true })
    class SkipsSearch {}

    expect(Reflect.getMetadata(`${THROTTLER_SKIP}default`, Skipped)).toBe(true);
    expect(Reflect.getMetadata(`${THROTTLER_SKIP}SEARCH`, SkipsSearch)).toBe(true);
  });
});
