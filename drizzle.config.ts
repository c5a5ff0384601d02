import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  // Stage types keep their settings table in their folder (src/stages/<type>/<type>.table.ts).
  schema: ['./src/db/schema.ts', './src/stages/*/*.table.ts'],
  out: './drizzle',
});
