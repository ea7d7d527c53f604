import type { NodeName } from '@dbsim/protocol';
import { jsonTokens, nesting } from './json-tokens.js';
import { RowAssembler } from './row-assembler.js';

/**
 * One table's rows, streamed from a data file whose shape has been checked:
 * the elements of its array one at a time. Other tables are passed over,
 * and reading stops where the table's array ends.
 */
export async function* tableRows(file: string, table: NodeName): AsyncGenerator<unknown> {
  const assembler = new RowAssembler();
  let inTable = false;
  let depth = 0;
  for await (const tokens of jsonTokens(file)) {
    for (const token of tokens) {
      if (inTable && depth >= 2) {
        if (depth === 2 && token.name === 'endArray') return;
        assembler.consume(token);
        depth += nesting(token);
        if (depth === 2) yield assembler.row();
        continue;
      }
      if (depth === 1 && token.name === 'keyValue') inTable = token.value === table;
      depth += nesting(token);
    }
  }
}
