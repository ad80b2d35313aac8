import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate` (drizzle-kit) to write SQL migrations into ./drizzle.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/database/schema.ts',
  out: './drizzle',
});
