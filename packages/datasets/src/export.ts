import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NODES, type NodeName } from '@dbsim/protocol';
import { csvLine } from './csv.js';
import { type DataSource, jsonTexts } from './source.js';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Writes a data set as one file per table (users.ndjson, ... or .csv), as a
 * stream, so that any size fits in memory; `--data users=FILE,...` reads them
 * back. NDJSON keeps every row exactly. CSV cannot carry every row (one that
 * is not an object, has a field the table does not have, or a value of
 * another JSON type): such a row is written as its JSON text, a line the CSV
 * reader cannot read, so it is rejected as row_malformed rather than for
 * what is wrong with it. `fields` name each table's columns, for the CSV
 * header. Returns how many rows each file got.
 */
export async function exportDataSet(
  source: DataSource,
  dir: string,
  format: ExportFormat,
  fields: Record<NodeName, readonly string[]>,
): Promise<Record<NodeName, number>> {
  mkdirSync(dir, { recursive: true });
  const written = { users: 0, products: 0, orders: 0 };
  for (const table of NODES) {
    const out = createWriteStream(join(dir, `${table}.${format}`));
    const write = async (line: string) => {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    };
    if (format === 'csv') await write(fields[table].join(','));
    // A source that writes its rows' JSON itself (the generator): as NDJSON, that text as it comes, not parsed first.
    const { count, writeJson } = source[table];
    if (format === 'ndjson' && writeJson && count !== undefined)
      for (const text of jsonTexts({ count, writeJson })) {
        await write(text);
        written[table]++;
      }
    else
      for await (const row of source[table].rows()) {
        await write(format === 'csv' ? (csvLine(fields[table], row) ?? JSON.stringify(row)) : JSON.stringify(row));
        written[table]++;
      }
    out.end();
    await once(out, 'close');
  }
  return written;
}
