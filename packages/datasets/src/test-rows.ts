/** Every row a table's stream gives, read to the end. */
export async function all(rows: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const result = [];
  for await (const row of rows) result.push(row);
  return result;
}
