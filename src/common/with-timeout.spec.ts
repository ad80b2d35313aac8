import { TimeoutError, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('resolves with the value when in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
  });

  it('rejects after the bound when the call hangs', async () => {
    const started = Date.now();
    await expect(withTimeout(new Promise(() => undefined), 30)).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(Date.now() - started).toBeLessThan(5000); // bounded, not hung (generous: loaded CI)
  });

  it('passes errors through and swallows a late rejection', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 50)).rejects.toThrow('boom');
    // Rejects only after the bound has fired, whatever the machine's load.
    let rejectLate: (error: Error) => void = () => undefined;
    const late = new Promise((_, reject) => (rejectLate = reject));
    await expect(withTimeout(late, 5)).rejects.toBeInstanceOf(TimeoutError);
    rejectLate(new Error('late'));
    await new Promise((r) => setTimeout(r, 30)); // no unhandled rejection
  });

  it('names what did not answer', async () => {
    await expect(withTimeout(new Promise(() => undefined), 5, 'queue Redis')).rejects.toThrow(
      'queue Redis did not answer within 5 ms',
    );
  });
});
