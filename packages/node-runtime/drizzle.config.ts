import { defineConfig } from 'drizzle-kit';

// The tables every node has besides its own: rejections, the delivery record, held-back rows.
export default defineConfig({ dialect: 'sqlite', schema: './src/schema.ts', out: './drizzle' });
