import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EncodedRows, encodeLine, type InsertLine, LineDecoder, lineHead, writeLine } from './line-codec.js';

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
  const error = { type: 'error', code: 'unavailable', definite: true, text: 'x\ny' } as const;

  it('encodes a message as one line of JSON', () => {
    expect(encodeLine({ src: 'a', dest: 'b', body: error })).toBe(`${JSON.stringify({ src: 'a', dest: 'b', body: error })}\n`);
    expect(encodeLine({ src: 'a', dest: 'b', body: error })).not.toMatch(/\n./);
  });

  it('splices an insert’s encoded rows into its line as they are, and sends other rows as they are', () => {
    const rows = [{ id: 1, name: 'a"b$&' }, null];
    const insert = { type: 'insert', msg_id: 3, producer: 1, offset: 0, seal: false } as const;
    const encoded = EncodedRows.of(rows);
    const bytes = encodeLine({ src: 'a', dest: 'b', body: { ...insert, rows: encoded } }) as InsertLine;
    expect(bytes.parts).toContain(encoded.bytes); // the batch's own bytes, not a copy
    const line = Buffer.concat(bytes.parts).toString();
    expect(bytes.length).toBe(Buffer.byteLength(line));
    expect(JSON.parse(line)).toEqual({ src: 'a', dest: 'b', body: { ...insert, rows } });
    expect(encodeLine({ src: 'a', dest: 'b', body: { ...insert, rows } })).toBe(line);
    expect(lineHead(bytes, 12)).toBe(line.slice(0, 12));
    expect(lineHead(bytes, 10_000)).toBe(line);
  });

  it('writes an insert’s parts whole, one write, and says when the line is out', async () => {
    const rows = EncodedRows.of([{ id: 1 }]);
    const line = encodeLine({ src: 'a', dest: 'b', body: { type: 'insert', msg_id: 1, producer: 1, offset: 0, seal: false, rows } });
    const writes: Buffer[][] = [];
    const stream = new Writable({
      writev(chunks, done) {
        writes.push(chunks.map(({ chunk }) => chunk as Buffer));
        done();
      },
    });
    const written = new Promise((resolve) => writeLine(stream, line, resolve));
    writeLine(stream, 'next\n');
    expect(await written).toBeNull(); // no error
    expect(writes[0]).toEqual((line as InsertLine).parts);
    expect(Buffer.concat(writes.flat()).toString()).toMatch(/^\{"src".*\]\}\}\nnext\n$/);
    // To a stream that takes one chunk at a time, slowly: done once the last part is taken.
    const taken: number[] = [];
    const slow = new Writable({
      write(chunk: Buffer, _encoding, next) {
        setImmediate(() => {
          taken.push(chunk.length);
          next();
        });
      },
    });
    (line as InsertLine).rows.hold(); // written again: a hold of its own
    await new Promise((resolve) => writeLine(slow, line, resolve));
    expect(taken).toEqual((line as InsertLine).parts.map((part) => part.length));
  });

  it('hands lent rows back only once the sender and every line carrying them have let go, and never twice', async () => {
    let handedBack = 0;
    const rows = new EncodedRows(Buffer.from('[{"id":1}]'), 1, () => handedBack++);
    const insert = () =>
      encodeLine({ src: 'a', dest: 'b', body: { type: 'insert', msg_id: 1, producer: 1, offset: 0, seal: false, rows } });
    const pending: (() => void)[] = [];
    const stream = new Writable({
      write(_chunk, _encoding, next) {
        pending.push(next);
      },
    });
    writeLine(stream, insert());
    const resent = insert(); // made, not written yet
    rows.release(); // acknowledged: the sender lets go
    expect(handedBack).toBe(0);
    while (pending.length > 0) (pending.shift() as () => void)();
    await new Promise(setImmediate);
    expect(handedBack).toBe(0); // the resend still holds them
    writeLine(new Writable({ write: (_chunk, _encoding, next) => next() }), resent);
    await new Promise(setImmediate);
    expect(handedBack).toBe(1);
    expect(() => rows.release()).toThrow(/let go more often than held/);
    expect(() => insert()).toThrow(/held after they were handed back/);
  });

  it('reassembles lines split across chunks and splits chunks holding several', () => {
    expect(decode(['{"a":', '1}\n{"b"', ':2}\n{"c":3}\n']).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps a multi-byte character whole when a chunk boundary cuts it', () => {
    const bytes = Buffer.from(`${JSON.stringify({ name: 'Zoë 😀' })}\n`);
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
