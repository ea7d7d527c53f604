import type { Payload, ReplyTo } from '@dbsim/protocol';
import type Database from 'better-sqlite3';

export type QueryResult = Payload<ReplyTo<'query'>>;

/** However many rows match, an answer holds at most this much of them. */
const MAX_CHARS = 8 * 1024 * 1024;

/**
 * A person's read-only SQL on a node's file, through the node while it runs
 * (`dbsim query`) or on the file itself when it does not. A statement that
 * would write is refused before it runs.
 */
export function readOnlyQuery(sqlite: Database.Database, sql: string, limit: number): QueryResult {
  const statement = sqlite.prepare(sql);
  if (!statement.reader || !statement.readonly) throw new Error('only a statement that reads (select, a read-only pragma) can run here');
  const columns = statement.columns().map((column) => column.name);
  const rows: unknown[][] = [];
  let chars = 0;
  const cursor = statement.raw().iterate() as IterableIterator<unknown[]>;
  for (const row of cursor) {
    chars += JSON.stringify(row).length;
    if (rows.length === limit || chars > MAX_CHARS) {
      cursor.return?.();
      return { columns, rows, truncated: true };
    }
    rows.push(row);
  }
  return { columns, rows, truncated: false };
}
