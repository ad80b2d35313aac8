import { ipTracker, loginEmailTracker, trackerFor } from './rate-limit-trackers';

describe('throttle trackers', () => {
  const noRefresh = () => Promise.resolve(null);

  it('keys IPv4 and IPv4-mapped IPv6 clients by their address', () => {
    expect(ipTracker({ ip: '203.0.113.7' })).toBe('ip:203.0.113.7');
    expect(ipTracker({ ip: '::ffff:203.0.113.7' })).toBe('ip:203.0.113.7');
  });

  it('groups IPv6 clients by /64, so rotating the host part does not reset a limit', () => {
    expect(ipTracker({ ip: '2001:db8:1:2:aaaa::1' })).toBe(ipTracker({ ip: '2001:db8:1:2::ffff' }));
    expect(ipTracker({ ip: '2001:db8:1:2::1' })).not.toBe(ipTracker({ ip: '2001:db8:1:3::1' }));
  });

  it('keys LOGIN_EMAIL by the normalised email, hashed, and skips a body without one', () => {
    const key = loginEmailTracker({ body: { email: 'Ada@Example.com ' } });
    expect(key).toBe(loginEmailTracker({ body: { email: 'ada@example.com' } }));
    expect(key).toMatch(/^email:[0-9a-f]{64}$/);
    expect(loginEmailTracker({ body: { email: 42 } })).toBeNull();
    expect(loginEmailTracker({ body: null })).toBeNull();
    expect(loginEmailTracker({})).toBeNull();
  });

  it('keys REFRESH by the verified token owner, else by IP', async () => {
    const owner = (token: string) => Promise.resolve(token === 'good' ? 'user-1' : null);
    const ip = '198.51.100.1';
    expect(await trackerFor('REFRESH', { ip, body: { refreshToken: 'good' } }, owner)).toBe(
      'user:user-1',
    );
    expect(await trackerFor('REFRESH', { ip, body: { refreshToken: 'forged' } }, owner)).toBe(
      `ip:${ip}`,
    );
    expect(await trackerFor('REFRESH', { ip, body: { refreshToken: ['x'] } }, owner)).toBe(
      `ip:${ip}`,
    );
  });

  it('keys BOOKING by the signed-in user, IP-keyed limits by IP whoever is signed in', async () => {
    const req = { ip: '198.51.100.2', user: { id: 'u-9' } };
    expect(await trackerFor('BOOKING', req, noRefresh)).toBe('user:u-9');
    expect(await trackerFor('GLOBAL', req, noRefresh)).toBe('ip:198.51.100.2');
    expect(await trackerFor('SEARCH', req, noRefresh)).toBe('ip:198.51.100.2');
  });
});
