import { describe, expect, it } from 'vitest';
import { EncodedJson, encodeLine, LineDecoder } from './line-codec.js';

function decode(chunks: (string | Buffer)[], maxChars?: number) {
  const lines: string[] = [];
  let overflows = 0;
  const decoder = new LineDecoder(
    (line) => lines.push(line),
    () => overflows++,
    maxChars,
  );
  for (const chunk of chunks) decoder.write(chunk);
  return { lines, overflows };
}

describe('line codec', () => {
  it('encodes a message as one line of JSON', () => {
    expect(encodeLine({ a: 'x\ny' })).toBe('{"a":"x\\ny"}\n');
  });

  it('sends encoded JSON as it is, wherever it stands, and other values as they are', () => {
    const rows = [{ id: 1, name: 'a"b' }, null];
    const line = encodeLine({ body: { rows: new EncodedJson(JSON.stringify(rows)), more: [new EncodedJson('7')], text: '$&' } });
    expect(JSON.parse(line)).toEqual({ body: { rows, more: [7], text: '$&' } });
    expect(encodeLine({ rows })).toBe(`${JSON.stringify({ rows })}\n`);
  });

  it('reassembles lines split across chunks and splits chunks holding several', () => {
    expect(decode(['{"a":', '1}\n{"b"', ':2}\n{"c":3}\n']).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps a multi-byte character whole when a chunk boundary cuts it', () => {
    const bytes = Buffer.from(encodeLine({ name: 'Zoë 😀' }));
    const cut = bytes.indexOf(0xf0) + 2;
    expect(decode([bytes.subarray(0, cut), bytes.subarray(cut)]).lines).toEqual(['{"name":"Zoë 😀"}']);
  });

  it('skips blank lines', () => {
    expect(decode(['\n\n{"a":1}\n  \n']).lines).toEqual(['{"a":1}']);
  });

  it('drops an over-long line whole, reports it once, and reads the next one', () => {
    expect(decode(['x'.repeat(6), 'x'.repeat(6), '\n{"ok":1}\n'], 10)).toEqual({ lines: ['{"ok":1}'], overflows: 1 });
  });
});
