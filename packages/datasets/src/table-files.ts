import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '@dbsim/cli';
import { NODES, type NodeName } from '@dbsim/protocol';
import { withoutBom } from './bom.js';
import { csvJson, csvRow, splitCsvLine } from './csv.js';
import { holdsInfinity, jsonRow } from './overflow.js';
import { type DataSource, RowText, type TableSource } from './source.js';
import { unreadable } from './unreadable.js';

/** A line that could not be read as a row: it goes to its node as that line, a string, and is rejected as row_malformed. */
export type OnMalformed = (where: { table: NodeName; file: string; line: number; problem: string }) => void;

const FORMATS = { '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.csv': 'csv' } as const;

/**
 * One file per table, NDJSON (one JSON row per line) or CSV (a header line
 * naming the fields, then one row per line), read as a stream: any size
 * fits in memory. Files that cannot be opened, or a CSV without a header,
 * are one UsageError before any database is touched; a bad line later on is
 * a rejected row, reported through `onMalformed`.
 */
export async function openTableFiles(files: Record<NodeName, string>, onMalformed: OnMalformed): Promise<DataSource> {
  const sources = await Promise.all(
    NODES.map(async (table): Promise<[NodeName, TableSource]> => {
      const file = files[table];
      const format = FORMATS[extname(file).toLowerCase() as keyof typeof FORMATS];
      if (format === undefined) throw new UsageError(`${basename(file)}: name a table's file .ndjson, .jsonl or .csv`);
      const header = await firstLine(file);
      if (format === 'ndjson') return [table, { count: undefined, rows: () => ndjsonRows(table, file, onMalformed) }];
      const fields = header === undefined ? undefined : splitCsvLine(header);
      if (fields === undefined || 'problem' in fields || fields.fields.some((field) => field.text === '')) {
        throw new UsageError(`${basename(file)}: a CSV file starts with a header line naming the fields, like id,name,email`);
      }
      const names = fields.fields.map((field) => field.text);
      return [table, { count: undefined, rows: () => csvRows(table, file, names, onMalformed) }];
    }),
  );
  return Object.fromEntries(sources) as DataSource;
}

/** The file's first line, or undefined for an empty file; a file that cannot be read is a UsageError. */
async function firstLine(file: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    if (!(await handle.stat()).isFile()) throw unreadable(file, 'it is not a file');
    for await (const line of handle.readLines()) return withoutBom(line);
    return undefined;
  } finally {
    await handle.close();
  }
}

async function* lines(file: string): AsyncGenerator<{ text: string; number: number }> {
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    number++;
    const text = number === 1 ? withoutBom(line) : line;
    if (text.trim() !== '') yield { text, number };
  }
}

async function* ndjsonRows(table: NodeName, file: string, onMalformed: OnMalformed): AsyncGenerator<unknown> {
  for await (const { text, number } of lines(file)) {
    try {
      yield jsonRow(text);
    } catch (error) {
      onMalformed({ table, file, line: number, problem: `not JSON: ${(error as Error).message}` });
      yield text;
    }
  }
}

async function* csvRows(table: NodeName, file: string, header: readonly string[], onMalformed: OnMalformed): AsyncGenerator<unknown> {
  let first = true;
  for await (const { text, number } of lines(file)) {
    if (first) {
      first = false;
      continue;
    }
    const split = splitCsvLine(text);
    if ('problem' in split || split.fields.length !== header.length) {
      const problem = 'problem' in split ? split.problem : `${split.fields.length} fields where the header has ${header.length}`;
      onMalformed({ table, file, line: number, problem });
      yield text;
      continue;
    }
    const row = csvRow(header, split.fields);
    yield holdsInfinity(row) ? new RowText(csvJson(header, split.fields)) : row;
  }
}
