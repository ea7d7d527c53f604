import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type DataSet, referenceModel } from './test-model.js';
import { jsonLines, query, simulate, TABLES, tempDir } from './test-run.js';

/** Each case is a real run, three node processes and all; PROPERTY_RUNS raises the count for `pnpm test:chaos`. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 6);

// Small id ranges make duplicates, and orders pointing at users and products that come earlier,
// later, are rejected or never exist, common rather than rare.
const id = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 8 }) }, fc.constantFrom(0, -3, 2.5, '4', null, 2 ** 53));
const hostile = ['', '   ', 'n'.repeat(201), 'x'.repeat(10_000), "Robert'); DROP TABLE users;--", 'tab\tnul\u0000esc\u001b[31m', 'Zoë 🙂'];
const name = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Ann', 'Bob', 'Laptop') },
  fc.constantFrom(...hostile),
  fc.constantFrom(7, null),
);
const email = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a@x.io', 'A@X.io', 'b@x.io', 'c@y.org') },
  fc.constantFrom('no-at', 'a@', `${'l'.repeat(250)}@x.io`, 5),
);
const price = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 19.99, 1000, 1e9) }, fc.constantFrom(-1, 1.005, 1e9 + 0.01, '5', 1e308));
const quantity = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, fc.constantFrom(0, -1, 2.5, 1e6 + 1, '3'));

/** Most rows are records of the right shape; some lose a field, gain one (an own __proto__ too), or are no object at all. */
function rows(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown[]> {
  const defect = fc.constantFrom('none', 'none', 'none', 'none', 'none', 'drop', 'extra', 'proto', 'malformed');
  const row = fc.tuple(fc.record(fields), defect).map(([record, how]): unknown => {
    if (how === 'drop') return Object.fromEntries(Object.entries(record).slice(1));
    if (how === 'extra') return { ...record, note: 'hi' };
    if (how === 'proto') return JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(record).slice(1)}`);
    if (how === 'malformed') return [record.id];
    return record;
  });
  return fc.array(row, { maxLength: 14 });
}

const dataSet = fc.record({
  users: rows({ id, name, email }),
  products: rows({ id, name, price }),
  orders: rows({ id, user_id: id, product_id: id, quantity }),
});
const timing = fc.record({
  delays: fc.record({ users: fc.nat(25), products: fc.nat(25), orders: fc.nat(25) }),
  batchSize: fc.integer({ min: 1, max: 5 }),
  window: fc.integer({ min: 1, max: 3 }),
});
/** Half the cases run under a seeded fault schedule: any mix of the kinds, at rates up to a tenth of the messages. */
const rate = fc.constantFrom(0, 0, 0.02, 0.1);
const faults = fc.option(
  fc.record({
    seed: fc.nat(1_000_000),
    kills: fc.nat(2),
    pauses: fc.nat(1),
    partitions: fc.nat(1),
    powerloss: fc.nat(2),
    drop: rate,
    duplicate: rate,
    reorder: rate,
    latency: fc.constantFrom(0, 0, 5),
  }),
  { freq: 2 },
);

describe('the distributed run', () => {
  test.prop([dataSet, timing, faults], { numRuns: RUNS, endOnFailure: true })(
    'gives exactly the reference model’s databases, report and rejection log, whatever the data, timing and faults',
    async (data, { delays, batchSize, window }, chaos) => {
      const dir = tempDir();
      try {
        const file = join(dir, 'data.json');
        writeFileSync(file, JSON.stringify(data));
        // The model reads the file as the orchestrator does.
        const expected = referenceModel(JSON.parse(readFileSync(file, 'utf8')) as DataSet);
        const delay = Object.entries(delays).map(([node, ms]) => `${node}=${ms}`);
        const args = ['--data', file, '--dir', dir, '--delay', delay.join(','), '--batch-size', `${batchSize}`, '--window', `${window}`];
        const schedule = chaos && Object.entries(chaos).map(([key, value]) => `${key}=${value}`);
        if (schedule) args.push('--chaos', schedule.join(','), '--durability', 'normal', '--hang-timeout', '1000');
        const { code, stderr } = await simulate(args);
        expect(code, `${args.join(' ')}\n${stderr}`).toBe(0);

        const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
        expect(report.tables).toEqual(expected.tables);
        expect(JSON.stringify(report.rejections)).toBe(JSON.stringify(expected.rejections));
        for (const table of TABLES) expect(query(dir, table, `select * from ${table} order by id`)).toEqual(expected.rows[table]);
        const logged = jsonLines(readFileSync(join(dir, 'simulate.log'), 'utf8'))
          .filter((line) => line.msg === 'row rejected')
          .map(({ table, id, position, reasons, takenBy, row }) => JSON.stringify({ table, id, position, reasons, takenBy, row }));
        expect(logged.sort()).toEqual(expected.rejections.map((r) => JSON.stringify(r)).sort());
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000 + RUNS * 15_000,
  );
});
