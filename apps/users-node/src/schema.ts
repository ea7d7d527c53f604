import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable(
  'users',
  {
    id: integer().primaryKey(),
    name: text().notNull(),
    email: text().notNull(),
  },
  // Emails are unique case-insensitively; the node checks first, the index is the second line of defence.
  (table) => [uniqueIndex('users_email_lower_unique').on(sql`lower(${table.email})`)],
);
