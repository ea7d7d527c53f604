import { describe, expect, it } from 'vitest';
import { TableIds } from './table-ids.js';

describe('the ids a table holds, in memory', () => {
  it('reads the table once, at first use, and then counts each row inserted', () => {
    const table = [1, 2];
    let reads = 0;
    const ids = new TableIds(() => {
      reads++;
      return [...table];
    });
    table.push(3); // inserted before the first use: the read finds it
    ids.inserted(3);
    expect([1, 2, 3, 4].map((id) => ids.has(id))).toEqual([true, true, true, false]);
    ids.inserted(4);
    expect(ids.has(4)).toBe(true);
    expect(reads).toBe(1);
  });

  it('reads the table again once forgotten: a transaction rolled back takes its rows with it', () => {
    const table = [1];
    const ids = new TableIds(() => table);
    ids.has(1);
    ids.inserted(2); // then rolled back: the table never held 2
    ids.forget();
    expect([ids.has(1), ids.has(2)]).toEqual([true, false]);
  });
});
