/**
 * Writes the OpenAPI document the API serves at /docs-json to docs/openapi.json (or the path
 * given), without Redis or PostgreSQL: Nest's preview mode builds the module graph and reads
 * the controllers' metadata without running any provider. A test asserts the committed file
 * equals what the app serves, so a change of the API shows up in review.
 *
 *   npm run openapi:export
 */
import { NestFactory } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { buildOpenApiDocument } from '../src/openapi/openapi-document';
import { loadConfig } from '../src/config';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

async function main(): Promise<void> {
  // Nothing connects in preview mode; a DATABASE_URL keeps the embedded-only modules out.
  const config = loadConfig({ DATABASE_URL: 'postgres://unused/preview', LOG_LEVEL: 'fatal' });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = buildOpenApiDocument(app, config);
  const out = process.argv[2] ?? OPENAPI_FILE;
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${out}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  process.exit(1);
});
