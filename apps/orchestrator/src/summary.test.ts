import { describe, expect, it } from 'vitest';
import { fit, formatSummary } from './summary.js';

const reasons = {
  row_malformed: 4511,
  field_missing: 4498,
  field_type: 923,
  field_unknown: 9153,
  id_invalid: 3707,
  id_duplicate: 4336,
  name_empty: 4545,
  name_too_long: 4550,
  email_invalid: 4530,
  email_duplicate: 4387,
};
const stats = {
  users: { received: 1_000_000, inserted: 954_860, rejected: 45_140, reasons },
  products: { received: 100_000, inserted: 100_000, rejected: 0, reasons: {} },
  orders: { received: 1_000_000, inserted: 999_999, rejected: 1, reasons: { user_missing: 1 } },
};

describe('the summary', () => {
  it('shows counts with thousands separators and keeps every line inside the width, however many reasons', () => {
    const text = formatSummary(stats, { users: 9600, products: 1080, orders: 10_590 }, { users: 0, products: 2, orders: 0 }, 80);
    const lines = text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'table      received  inserted  rejected     time  restarts',
      'users     1,000,000   954,860    45,140   9.60 s         0',
      'products    100,000   100,000         0   1.08 s         2',
      'orders    1,000,000   999,999         1  10.59 s         0',
    ]);
    expect(lines[4]).toBe('rejected for');
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    expect(text).toContain('  users     row_malformed 4,511, field_missing 4,498,');
    expect(text).toContain('  orders    user_missing 1');
    expect(text).not.toMatch(/^ {2}products/m);
    for (const [reason, n] of Object.entries(reasons)) expect(text).toContain(`${reason} ${n.toLocaleString('en-US')}`);
  });

  it('leaves room for the comma that ends a wrapped line, at any width', () => {
    for (let width = 40; width <= 120; width++) {
      const text = formatSummary(stats, { users: 1, products: 1, orders: 1 }, { users: 0, products: 0, orders: 0 }, width);
      const reasonLines = text.split('\n').slice(5);
      for (const line of reasonLines) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(reasonLines.every((line) => line.trim() !== ',')).toBe(true);
    }
  });
});

describe('a line that fits', () => {
  it('wraps at spaces within the width, its later lines indented, and leaves a short line alone', () => {
    const line = 'simulate: run 1 of generated users=1,000,000,products=100,000,orders=1,000,000 (invalid rate 0.05, seed 1) in /tmp/x';
    const lines = fit(line, 80).split('\n');
    expect(lines).toEqual([
      'simulate: run 1 of generated users=1,000,000,products=100,000,orders=1,000,000',
      '  (invalid rate 0.05, seed 1) in /tmp/x',
    ]);
    expect(fit('report: /tmp/x/report.json', 80)).toBe('report: /tmp/x/report.json');
    expect(fit('  messages to and from orders: 40 dropped, 30 duplicated, 84 reordered', 40)).toBe(
      '  messages to and from orders: 40\n    dropped, 30 duplicated, 84 reordered',
    );
  });
});
