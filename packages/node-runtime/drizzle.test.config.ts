import { defineConfig } from 'drizzle-kit';

// The table of the runtime's own tests, standing in for a node's.
export default defineConfig({ dialect: 'sqlite', schema: './src/test-table.ts', out: './test-drizzle' });
