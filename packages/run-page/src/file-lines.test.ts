import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eachLine } from './file-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'dbsim-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(text: string, stopAt = Number.POSITIVE_INFINITY): Promise<string[]> {
  const file = join(dir, 'lines.txt');
  writeFileSync(file, text);
  const lines: string[] = [];
  await eachLine(file, (line) => {
    lines.push(line.toString());
    return lines.length < stopAt;
  });
  return lines;
}

describe('eachLine', () => {
  it('gives every line whole, across reads and longer than a read, the last one without its newline too', async () => {
    // Lines of every length around the 1 MB read, one of 3 MB, and a last one with no newline.
    const lines = [...Array.from({ length: 300 }, (_, i) => `${i}:${'x'.repeat(i * 97)}`), 'y'.repeat(3 * 1024 * 1024), 'é€ last'];
    expect(await linesOf(lines.join('\n'))).toEqual(lines);
    expect(await linesOf(`${lines.join('\n')}\n`)).toEqual(lines);
  });

  it('gives empty lines as they are, and nothing for an empty file', async () => {
    expect(await linesOf('a\n\nb\n')).toEqual(['a', '', 'b']);
    expect(await linesOf('')).toEqual([]);
  });

  it('stops when told', async () => {
    expect(await linesOf('a\nb\nc\n', 2)).toEqual(['a', 'b']);
  });
});
