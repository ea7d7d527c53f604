import { defineConfig } from 'drizzle-kit';

// The node's own table plus the tables every node shares (rejections, delivery record).
export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/schema.ts', '../../packages/node-runtime/src/schema.ts'],
  out: './drizzle',
});
