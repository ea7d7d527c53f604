import { closeSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsProblem } from '@dbsim/cli';
import { loadPageData, type RunPageData } from './page-data.js';

/** Where a run's page is, in its folder. */
export const RUN_PAGE_FILE = 'run.html';

/** The page's code: the browser half of this package with its chart library, bundled at build time (dist/browser.js). */
function pageScript(): string {
  return readFileSync(new URL('../dist/browser.js', import.meta.url), 'utf8');
}

/** The page, whole. */
export function pageHtml(data: RunPageData): string {
  return [...pageParts(data)].join('');
}

/**
 * The page, self-contained, in parts: its code, its styles and its data
 * inline, so that it opens from disk with nothing loaded from anywhere. Text
 * that would end a script element early is escaped.
 */
function* pageParts(data: RunPageData, code = pageScript()): Generator<string> {
  const script = code.replace(/<\/script/gi, '<\\/script');
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dbsim run: ${escapeHtml(data.dir)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>dbsim run</h1><p id="summary"></p></header>
<main>
<section id="timeline"><h2>Timeline</h2><div class="chart"></div></section>
<section id="messages"><h2>Messages</h2><div class="chart"></div></section>
<section id="outcome"><h2>Outcome</h2><div class="chart"></div></section>
<section id="explorer"><h2>Why was a row rejected?</h2><div class="chart"></div></section>
<section id="chaos" hidden><h2>Faults</h2><div class="chart"></div></section>
</main>
<script type="application/json" id="run-data">`;
  for (const json of jsonParts(data)) yield json.replaceAll('<', '\\u003c');
  yield `</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Elements of the data's lists written at a time. */
const ELEMENTS_PER_PART = 100;

/**
 * The data's JSON, its lists (the history, the rejected rows) a hundred
 * elements at a time: the page of a long run is megabytes of text, and as
 * one string, escaped and joined, it was the orchestrator's peak. A part of
 * a thousand rejected rows (up to PAGE_ROW_CHARS each) was still a string
 * of megabytes, copied to escape and to write it: 9 MB more RSS drawing the
 * page of a run four times the default size.
 */
function* jsonParts({ history, rejections, ...rest }: RunPageData): Generator<string> {
  yield `${JSON.stringify(rest).slice(0, -1)},"history":[`;
  yield* elements(history);
  yield '],"rejections":[';
  yield* elements(rejections);
  yield ']}';
}

function* elements(list: readonly unknown[]): Generator<string> {
  for (let from = 0; from < list.length; from += ELEMENTS_PER_PART) {
    const part = list.slice(from, from + ELEMENTS_PER_PART).map((element) => JSON.stringify(element));
    yield `${from === 0 ? '' : ','}${part.join(',')}`;
  }
}

/** Writes DIR/run.html whole or not at all: a page being written is never the one a browser opens. */
export async function writeRunPage(dir: string): Promise<string> {
  const file = join(dir, RUN_PAGE_FILE);
  const data = await loadPageData(dir, false);
  const code = pageScript();
  try {
    const fd = openSync(`${file}.partial`, 'w');
    try {
      for (const part of pageParts(data, code)) writeFileSync(fd, part); // the whole part, however many writes it takes
    } finally {
      closeSync(fd);
    }
    renameSync(`${file}.partial`, file);
  } catch (error) {
    throw new Error(`cannot write ${file}: ${fsProblem(error)}`, { cause: error });
  }
  return file;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #d8dce6; --accent: #3b5bdb; --bad: #c92a2a; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; background: #f7f8fb; }
header { padding: 16px 28px 8px; background: white; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 10px; }
#summary { color: var(--muted); margin: 0 0 8px; white-space: pre-line; }
main { padding: 16px 28px 40px; display: grid; gap: 18px; max-width: 1200px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; }
.note { color: var(--muted); margin: 6px 0; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { text-align: right; padding: 3px 12px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
input, select, button { font: inherit; padding: 3px 8px; }
pre { background: #f1f3f8; padding: 10px 12px; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
.examples button { margin: 2px; padding: 1px 6px; font-size: 12px; }
.bad { color: var(--bad); font-weight: 600; }
figure { margin: 0 0 10px; }
`;
