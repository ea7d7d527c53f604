import { statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UsageError } from '@dbsim/cli';
import { HISTORY_FILE } from '@dbsim/history';
import { NodeName } from '@dbsim/protocol';
import { explainRow } from './explain-row.js';
import { pageHtml } from './page.js';
import { loadPageData } from './page-data.js';
import { REPORT_FILE } from './report.js';

/** How often a served page's folder is looked at for news: its history and report. */
const WATCH_MS = 500;

export interface ServedPage {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the page of the run in `dir` on localhost, as it is now: `/` the
 * page, `/data` what it shows, `/explain?table=&id=` the explorer's answer
 * from every rejected row (not only those the page holds), and `/events`
 * an event each time the run moves on (server-sent events), which the page
 * answers by fetching `/data` again: a run still going is watched live.
 */
export async function serveRunPage(dir: string, port = 0): Promise<ServedPage> {
  const watchers = new Set<ServerResponse>();
  let bound = 0;
  const server = createServer((request, response) => {
    const answer = (type: string, body: string) => response.writeHead(200, { 'content-type': type }).end(body);
    const fail = (status: number, text: string) => response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    // The page holds the run's rows: only a page of this server may read them, not one a DNS name points here.
    const url = [`127.0.0.1:${bound}`, `localhost:${bound}`].includes(request.headers.host ?? '') ? pathOf(request.url) : undefined;
    const work = async () => {
      if (url === undefined) fail(400, 'not a path of this server');
      else if (url.pathname === '/') answer('text/html; charset=utf-8', pageHtml(await loadPageData(dir, true)));
      else if (url.pathname === '/data') answer('application/json', JSON.stringify(await loadPageData(dir, true)));
      else if (url.pathname === '/explain') {
        const table = NodeName.safeParse(url.searchParams.get('table'));
        const id = url.searchParams.get('id') ?? '';
        if (!table.success || id === '') fail(400, 'explain takes ?table=users|products|orders&id=ID');
        else answer('application/json', JSON.stringify({ lines: await explainRow(dir, table.data, id) }));
      } else if (url.pathname === '/events') {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        watchers.add(response);
        request.on('close', () => watchers.delete(response));
      } else if (url.pathname === '/favicon.ico') response.writeHead(204).end();
      else fail(404, 'not found');
    };
    work().catch((error: unknown) => fail(500, (error as Error).message));
  });
  let seen = '';
  const watch = setInterval(() => {
    const now = [HISTORY_FILE, REPORT_FILE].map((file) => statSync(join(dir, file), { throwIfNoEntry: false })?.mtimeMs).join();
    if (now === seen) return;
    seen = now;
    for (const watcher of watchers) watcher.write('event: change\ndata: {}\n\n');
  }, WATCH_MS);
  watch.unref();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve)).catch((error) => {
    clearInterval(watch);
    throw new UsageError(`cannot serve the page on port ${port} of this machine (${(error as NodeJS.ErrnoException).code ?? error})`);
  });
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => {
      clearInterval(watch);
      for (const watcher of watchers) watcher.end();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function pathOf(requested: string | undefined): URL | undefined {
  try {
    return new URL(requested ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}
