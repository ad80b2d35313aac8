import { ConfigError, loadConfig } from './load-config';

describe('CORS_ORIGINS', () => {
  it('is empty when unset: no cross-origin access', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('lists origins as browsers send them in Origin', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://app.example, http://127.0.0.1:5173,HTTPS://Admin.Example:443/',
    });
    expect(config.corsOrigins).toEqual([
      'https://app.example',
      'http://127.0.0.1:5173',
      'https://admin.example',
    ]);
  });

  it.each([
    '*',
    'app.example',
    'ftp://app.example',
    'https://app.example/path',
    'https://app.example?x=1',
    'https://user:pw@app.example',
    'http://127.0.0.1:99999',
    'https://app.example,',
  ])('refuses %j in one line naming CORS_ORIGINS', (value) => {
    let error: unknown;
    try {
      loadConfig({ CORS_ORIGINS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('CORS_ORIGINS');
    expect((error as Error).message).not.toContain('\n');
  });
});
