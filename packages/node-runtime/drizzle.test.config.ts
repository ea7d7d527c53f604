import { defineConfig } from 'drizzle-kit';

// Migrations for the runtime's own tests: the test table plus the shared tables.
export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/test-table.ts', './src/schema.ts'],
  out: './test-drizzle',
});
