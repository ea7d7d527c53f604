import { basename } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { NODES, type NodeName, perNode } from '@dbsim/protocol';
import { jsonTokens, nesting, type Token } from './json-tokens.js';

const EXPECTED = `an object with arrays ${NODES.join(', ')}`;

/**
 * Reads a data file through once to check its shape, `{"users": [...],
 * "products": [...], "orders": [...]}`, and count each table's rows.
 * Anything else is one UsageError line naming the file. Rows are checked
 * by the node that owns them, not here.
 */
export async function checkShape(file: string): Promise<Record<NodeName, number>> {
  const name = basename(file);
  const counts = new Map<string, number>();
  let table = '';
  let rows = 0;
  let depth = 0;
  for await (const tokens of jsonTokens(file)) {
    for (const token of tokens) {
      if (depth === 0 && token.name !== 'startObject')
        throw new UsageError(`data file ${name} must hold ${EXPECTED}, not ${describe(token)}`);
      if (depth === 1 && token.name === 'keyValue') table = tableNamed(token.value, counts, name);
      else if (depth === 1 && token.name !== 'endObject') {
        if (token.name !== 'startArray') throw new UsageError(`data file ${name}: "${table}" must be an array, not ${describe(token)}`);
        rows = 0;
      } else if (depth === 2 && token.name !== 'endArray') rows++;
      else if (depth === 2) counts.set(table, rows);
      depth += nesting(token);
    }
  }
  return perNode((node) => {
    const count = counts.get(node);
    if (count === undefined) throw new UsageError(`data file ${name} has no "${node}" array: expected ${EXPECTED}`);
    return count;
  });
}

/** A top-level key must name a table, once: JSON.parse would keep only the last of two. */
function tableNamed(key: string, counts: ReadonlyMap<string, number>, name: string): string {
  if (!(NODES as readonly string[]).includes(key))
    throw new UsageError(`data file ${name} has unknown key ${JSON.stringify(key)}: expected ${EXPECTED}`);
  if (counts.has(key)) throw new UsageError(`data file ${name} has "${key}" twice: expected ${EXPECTED}`);
  return key;
}

const KIND: Partial<Record<Token['name'], string>> = {
  startObject: 'an object',
  startArray: 'an array',
  stringValue: 'a string',
  numberValue: 'a number',
  trueValue: 'a boolean',
  falseValue: 'a boolean',
  nullValue: 'null',
};

/** What a value is, from its first token. */
function describe(token: Token): string {
  return KIND[token.name] ?? token.name;
}
