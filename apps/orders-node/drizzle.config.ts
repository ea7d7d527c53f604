import { defineConfig } from 'drizzle-kit';

// The node's own table only: the runtime's tables have their own migrations (packages/node-runtime/drizzle).
export default defineConfig({ dialect: 'sqlite', schema: './src/schema.ts', out: './drizzle' });
