import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { type Many, none } from 'stream-chain/defs.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import type { VerifierError } from 'stream-json/core/utils/verifier.js';
import { verifyFile } from 'stream-json/file/verifier.js';
import { withoutBom } from './bom.js';
import { unreadable } from './unreadable.js';

export type { Token };

/** stream-json's own block size: larger blocks measured slower, as each gives the tokenizer a longer text and a longer array of tokens. */
const BLOCK_BYTES = 64 * 1024;

/**
 * A JSON file's tokens, a block's worth at a time, by stream-json's
 * tokenizer. Chosen over @streamparser/json, the other well-kept streaming
 * JSON parser, as it was the faster on a 163 MB data file here: 50-60 MB/s
 * to tokenize and 35-43 MB/s to assemble every row as well, against 31-33
 * and 18-22 MB/s. It is widely used, released often, reports where a file
 * goes wrong (its verifier), and its one dependency is its author's
 * stream-chain. Values come packed (a key, string or number whole,
 * the number as its text), so memory holds a block and one value whatever
 * the size of the file. A file that cannot be read, or is not JSON, is one
 * UsageError line naming it.
 */
export async function* jsonTokens(file: string): AsyncGenerator<Token[]> {
  const parse = jsonParser({ streamValues: false });
  // A stream-chain flushable is told the text has ended by `none`, which its types do not admit.
  const end = parse as unknown as (input: typeof none) => Many<Token> | typeof none;
  let length = 0;
  try {
    for await (const text of blocks(file)) {
      length += text.length;
      yield tokensOf(parse(text));
    }
    yield tokensOf(end(none));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw await notJson(file, error, length);
  }
}

const tokensOf = (tokens: Many<Token> | typeof none): Token[] => (tokens === none ? [] : tokens.values);

/** The file's text a block at a time, without a byte-order mark; a file that cannot be read is a UsageError. */
async function* blocks(file: string): AsyncGenerator<string> {
  let first = true;
  try {
    for await (const text of createReadStream(file, { encoding: 'utf8', highWaterMark: BLOCK_BYTES })) {
      yield first ? withoutBom(text as string) : (text as string);
      first = false;
    }
  } catch (error) {
    throw unreadable(file, error);
  }
}

/**
 * The tokenizer says what it expected but not where, so the file is read
 * again by stream-json's verifier (which stops at the same place) for the
 * line and column. Where that is the end of the text, the file is cut short.
 */
async function notJson(file: string, error: unknown, length: number): Promise<UsageError> {
  const name = basename(file);
  // Found nothing wrong, or could not read it: the file changed since it was read.
  const at = await verifyFile(file).then(
    () => undefined,
    (problem: Partial<VerifierError>) => (problem.line === undefined ? undefined : (problem as VerifierError)),
  );
  const where = at === undefined ? '' : `line ${at.line}, column ${at.pos}`;
  const problem =
    at === undefined
      ? (error as Error).message
      : at.offset >= length
        ? `it ends at ${where}, inside the data: is the file cut short?`
        : `${at.message.replace(/^.*cannot parse input: /, '')} at ${where}`;
  // A table file given alone is the likely mistake: say how table files are given.
  const tableFile = /\.(csv|ndjson|jsonl)$/i.test(name) ? ` (table files go as --data users=FILE,products=FILE,orders=FILE)` : '';
  return new UsageError(`data file ${name} is not valid JSON: ${problem}${tableFile}`, { cause: error });
}

/** How a token changes the depth of nesting: +1 as an object or array opens, -1 as it closes. */
export function nesting(token: Token): number {
  if (token.name === 'startObject' || token.name === 'startArray') return 1;
  return token.name === 'endObject' || token.name === 'endArray' ? -1 : 0;
}
