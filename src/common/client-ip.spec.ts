import { clientIp } from './client-ip';

describe('clientIp', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(clientIp('::ffff:10.0.0.1', '1.2.3.4', 0)).toBe('10.0.0.1');
  });
  it('takes the address N hops back', () => {
    expect(clientIp('10.0.0.1', '1.1.1.1, 2.2.2.2', 1)).toBe('2.2.2.2');
    expect(clientIp('10.0.0.1', '1.1.1.1, 2.2.2.2', 2)).toBe('1.1.1.1');
  });
  it('stops at the farthest address when the header is shorter than the hop count', () => {
    expect(clientIp('10.0.0.1', '1.1.1.1', 3)).toBe('1.1.1.1');
  });
  it('falls back to the socket address without a header', () => {
    expect(clientIp('10.0.0.1', undefined, 1)).toBe('10.0.0.1');
  });
});
