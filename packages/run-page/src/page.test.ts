import type { HistoryLine } from '@dbsim/history';
import { describe, expect, it } from 'vitest';
import { pageHtml } from './page.js';
import type { RunPageData } from './page-data.js';

/** The data a page carries, read back as its browser code reads it. */
function dataOf(html: string): unknown {
  const [, json] = /<script type="application\/json" id="run-data">(.*?)<\/script>/s.exec(html) ?? [];
  return JSON.parse(json as string);
}

describe('pageHtml', () => {
  it('carries the run’s data whole, written in parts, with nothing in it that would end its script early', () => {
    const history = Array.from({ length: 2500 }, (_, i) => ({
      k: 'fault',
      at: i,
      node: 'users',
      what: `</script><b>${i}`,
    })) as unknown as HistoryLine[];
    const rejections = Array.from({ length: 1500 }, (_, position) => ({
      table: 'orders' as const,
      id: position,
      position,
      reasons: ['user_missing' as const],
      row: `{"id":${position},"note":"</script>"}`,
    }));
    const data: RunPageData = {
      dir: '/tmp/<run>',
      served: false,
      history,
      tables: undefined,
      rejections,
      rejected: { users: 0, products: 0, orders: 1500 },
      shapes: {} as RunPageData['shapes'],
    };
    const html = pageHtml(data);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data's and the code's own ends
    expect(dataOf(html)).toEqual(JSON.parse(JSON.stringify(data)));
    expect(dataOf(pageHtml({ ...data, history: [], rejections: [] }))).toEqual(
      JSON.parse(JSON.stringify({ ...data, history: [], rejections: [] })),
    );
  });
});
