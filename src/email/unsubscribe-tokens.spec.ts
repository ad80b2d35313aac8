import { loadConfig } from '../config/load-config';
import { UnsubscribeTokens } from './unsubscribe-tokens';

const USER = '6f1c2b1e-58a4-4c0e-9a57-0d3c3c1f0a11';
const OTHER = '0b7c0c55-2d3e-4bd4-8f61-1f5a5f3e9c22';

describe('UnsubscribeTokens', () => {
  const tokens = new UnsubscribeTokens(loadConfig({ PUBLIC_URL: 'https://api.example/' }));

  it('verifies its own token, bound to the user and the category', () => {
    expect(tokens.verify(tokens.sign(USER, 'marketing'))).toEqual({
      userId: USER,
      category: 'marketing',
    });
  });

  it('builds the link on PUBLIC_URL', () => {
    expect(tokens.url(USER, 'marketing')).toMatch(
      new RegExp(`^https://api\\.example/email/unsubscribe\\?token=${USER}\\.marketing\\.[\\w-]+$`),
    );
  });

  it('refuses a token moved to another user, a changed signature, or another key', () => {
    const token = tokens.sign(USER, 'marketing');
    const [, category, signature] = token.split('.');
    expect(tokens.verify(`${OTHER}.${category}.${signature}`)).toBeNull();
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(tokens.verify(`${USER}.${category}.${flipped}`)).toBeNull();
    expect(tokens.verify(`${USER}.transactional.${signature}`)).toBeNull();
    expect(tokens.verify(`${token}.extra`)).toBeNull();
    expect(tokens.verify('')).toBeNull();
    const otherKey = new UnsubscribeTokens(loadConfig({ UNSUBSCRIBE_SECRET: 'x'.repeat(32) }));
    expect(otherKey.verify(token)).toBeNull();
  });
});
