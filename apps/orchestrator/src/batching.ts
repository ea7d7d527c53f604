import { RowText, type TableSource } from '@dbsim/datasets';
import { EncodedRows, MAX_BATCH_CHARS, MAX_ROW_CHARS, type Request } from '@dbsim/protocol';

/** How much of a row too large to send goes in its place: enough to recognise it by. */
const OVERSIZED_HEAD_CHARS = 4096;

/** A batch as it is sent, and sent again until acknowledged: its rows encoded once. */
export type Batch = Pick<Request<'insert'>, 'offset' | 'seal' | 'texts' | 'oversized'> & { rows: EncodedRows; seal: boolean };

/**
 * The table's rows cut into batches numbered by offset, starting at `from`,
 * ending with an empty batch that seals the stream. A batch ends at
 * `batchSize` rows or at MAX_BATCH_CHARS characters of JSON, whichever comes
 * first (a longer row goes alone). A row kept as written (RowText) goes as
 * its text beside the rows; one over MAX_ROW_CHARS, as a marker.
 */
export async function* batches(source: TableSource, batchSize: number, from: number): AsyncGenerator<Batch> {
  let position = 0;
  let cut = startBatch(from);
  for await (const row of source.rows()) {
    if (position++ < from) continue;
    const text = row instanceof RowText ? row.text : (JSON.stringify(row) ?? 'null');
    const oversized = text.length > MAX_ROW_CHARS;
    const chars = oversized ? OVERSIZED_HEAD_CHARS : text.length;
    if (cut.parts.length === batchSize || (cut.parts.length > 0 && cut.chars + chars > MAX_BATCH_CHARS)) {
      yield finish(cut);
      cut = startBatch(position - 1);
    }
    const index = String(cut.parts.length);
    cut.chars += chars;
    if (oversized) cut.oversized[index] = { chars: text.length, head: text.slice(0, OVERSIZED_HEAD_CHARS) };
    else if (row instanceof RowText) cut.texts[index] = text;
    cut.parts.push(oversized || row instanceof RowText ? 'null' : text);
  }
  if (cut.parts.length > 0) yield finish(cut);
  yield { offset: position, rows: new EncodedRows('[]', 0), seal: true };
}

interface Cut {
  offset: number;
  parts: string[];
  chars: number;
  texts: Record<string, string>;
  oversized: Record<string, { chars: number; head: string }>;
}

const startBatch = (offset: number): Cut => ({ offset, parts: [], chars: 0, texts: {}, oversized: {} });

function finish({ offset, parts, texts, oversized }: Cut): Batch {
  const batch: Batch = { offset, rows: new EncodedRows(`[${parts.join(',')}]`, parts.length), seal: false };
  if (Object.keys(texts).length > 0) batch.texts = texts;
  if (Object.keys(oversized).length > 0) batch.oversized = oversized;
  return batch;
}
