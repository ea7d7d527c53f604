import { describe, expect, it } from 'vitest';
import { csvJson, csvRow, splitCsvLine } from './csv.js';

const texts = (line: string) => {
  const split = splitCsvLine(line);
  return 'problem' in split ? split : split.fields.map((field) => field.text);
};

describe('splitCsvLine', () => {
  it('splits at commas, keeping empty fields', () => {
    expect(texts('1,Alice,,x')).toEqual(['1', 'Alice', '', 'x']);
  });

  it('reads quoted fields with commas and doubled quotes', () => {
    expect(texts('1,"Smith, ""Bob""",b@x.io')).toEqual(['1', 'Smith, "Bob"', 'b@x.io']);
  });

  it('names what is wrong with a line it cannot read', () => {
    expect(texts('1,"open')).toEqual({ problem: 'a quoted field is not closed' });
    expect(texts('1,"a"b')).toEqual({ problem: 'text after a quoted field' });
    expect(texts('1,a"b')).toEqual({ problem: 'a quote inside an unquoted field' });
  });
});

describe('csvRow', () => {
  const row = (line: string, header = ['id', 'name', 'price']) => {
    const split = splitCsvLine(line);
    if ('problem' in split) throw new Error(split.problem);
    return csvRow(header, split.fields);
  };

  it('types values by how they are written: unquoted numbers are numbers, quoted values strings, empty ones missing', () => {
    expect(row('7,Pen,19.99')).toEqual({ id: 7, name: 'Pen', price: 19.99 });
    expect(row('"7",007,')).toEqual({ id: '7', name: '007' });
    expect(row('1e3,-0.5,1e309')).toEqual({ id: 1000, name: -0.5, price: Number.POSITIVE_INFINITY });
  });

  it('makes a __proto__ column an own field', () => {
    const parsed = row('1,x', ['id', '__proto__']);
    expect(Object.keys(parsed)).toEqual(['id', '__proto__']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });
});

describe('csvJson', () => {
  it('writes the object csvRow makes as JSON, keys in header order and every number as written', () => {
    const split = splitCsvLine('1e309,"007",,-2E+400,"say ""hi"""');
    if ('problem' in split) throw new Error(split.problem);
    expect(csvJson(['id', 'name', 'email', 'price', '__proto__'], split.fields)).toBe(
      '{"id":1e309,"name":"007","price":-2E+400,"__proto__":"say \\"hi\\""}',
    );
  });
});
