import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvent, readLine } from '@dbsim/logger';
import { type Browser, launchBrowser, noBrowser, openRunPage, type Page } from '@dbsim/run-page';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonLines, simulate, start, useTempDirs } from './test-run.js';

// Where no browser can run, the test says why and is skipped; in CI (CI set) a missing browser is a failure.
const missing = process.env.CI ? undefined : noBrowser();
if (missing) console.warn(`run-page browser tests skipped: ${missing}`);

const dir = useTempDirs();
let browser: Browser;
beforeAll(async () => {
  if (!missing) browser = await launchBrowser();
});
/** Runs that serve their page until Ctrl-C: stopped however their test ends. */
const serving: ReturnType<typeof start>[] = [];
afterAll(async () => {
  for (const { child } of serving) if (child.exitCode === null) child.kill('SIGKILL');
  await browser?.close();
});

async function explain(page: Page, table: string, id: string): Promise<string> {
  await page.selectOption('#explorer select[name=table]', table);
  await page.fill('#explorer input[name=id]', id);
  await page.click('#explorer button[type=submit]');
  await page.locator('#answer', { hasText: `${table === 'users' ? 'user' : 'order'} ${id}` }).waitFor();
  return (await page.locator('#answer').textContent()) ?? '';
}

/** Each node's messages by type, as the node counted them itself and logged them when it stopped. */
function countedByNodes(run: string): Record<string, Record<string, number>> {
  const counted: Record<string, Record<string, number>> = {};
  for (const text of readFileSync(join(run, 'simulate.log'), 'utf8').split('\n')) {
    const stopped = readEvent(readLine(text), 'node stopped');
    if (stopped?.messages) counted[stopped.name] = stopped.messages.sent;
  }
  return counted;
}

/** The diagram's arrows, by sender and type: each arrow is labelled `users-node→orchestrator insert_ok`. */
async function arrowsBySender(page: Page): Promise<Record<string, Record<string, number>>> {
  const labels = await page
    .locator('#messages g[aria-description="messages"] > [aria-label]')
    .evaluateAll((arrows) => arrows.map((arrow) => arrow.getAttribute('aria-label') ?? ''));
  const drawn: Record<string, Record<string, number>> = {};
  for (const label of labels) {
    const [, from = '', type = ''] = /^(\S+)→\S+ (\S+)/.exec(label) ?? [];
    drawn[from] ??= {};
    drawn[from][type] = (drawn[from][type] ?? 0) + 1;
  }
  return drawn;
}

describe.skipIf(missing !== undefined)('the run’s page, in a real browser', () => {
  it('shows the classic run: a timeline series per node, every message, the outcome, and why order 8 and user 8 were rejected', async () => {
    const run = dir();
    const { code, stderr } = await simulate(['--dir', run]);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`page:   ${join(run, 'run.html')}`);
    const { page, renderMs, errors } = await openRunPage(browser, join(run, 'run.html'));
    console.info(`classic run.html: rendered in ${Math.round(renderMs)} ms`);

    expect(errors).toEqual([]);
    expect(await page.locator('#timeline g[aria-description="rows committed per second"] path').count()).toBe(3);
    expect(await page.locator('#outcome table').textContent()).toContain('orders1073'); // received, inserted, rejected
    expect(await page.locator('#outcome g[aria-description="reasons"] rect').count()).toBe(6);
    expect(await page.locator('#chaos').isHidden()).toBe(true);

    const nodes = countedByNodes(run);
    const drawn = await arrowsBySender(page);
    for (const node of ['users-node', 'products-node', 'orders-node']) expect(drawn[node], node).toEqual(nodes[node]);

    const order8 = await explain(page, 'orders', '8');
    expect(order8).toContain('rejected for quantity_not_positive: its quantity 0 is below 1');
    expect(order8).toContain('rejected for user_missing: users-node rejected user 8');
    expect(order8).toContain('rejected for email_duplicate: alice@example.com was taken by user 1');
    expect(await explain(page, 'users', '8')).toMatch(
      /^user 8 \(row 8 of the users stream.*\n {2}rejected for email_duplicate: alice@example.com was taken by user 1$/,
    );
    await page.close();
  });

  it('marks on the timeline each fault a --chaos run injected, and shows the comparison with the undisturbed run', async () => {
    const run = dir();
    const chaos = 'seed=3,kills=1,pauses=1,partitions=1,drop=0.03,duplicate=0.03';
    const args = ['--generate', 'users=2000,products=300,orders=4000', '--batch-size', '200', '--hang-timeout', '1000'];
    const { code, stdout, stderr } = await simulate([...args, '--dir', run, '--chaos', chaos]);
    expect(code, stderr).toBe(0);
    const injected = jsonLines(stdout).filter((line) => line.msg === 'chaos: fault injected').length;
    expect(injected).toBeGreaterThan(0);
    const { page, renderMs, errors } = await openRunPage(browser, join(run, 'run.html'));
    console.info(`chaos run.html: rendered in ${Math.round(renderMs)} ms`);

    expect(errors).toEqual([]);
    const rates = page.locator('#timeline figure').first();
    expect(await rates.locator('g[aria-description="rows committed per second"] path').count()).toBe(3);
    expect(await rates.locator('g[aria-description="fault"] line').count()).toBe(injected);
    const faults = await page.locator('#chaos').textContent();
    expect(faults).toContain(`--chaos ${chaos}`);
    expect(faults).toContain('The outcome matches an undisturbed run of the same data');
    await page.close();
  });

  it('serves the page live with --ui while the run goes, then until Ctrl-C', async () => {
    const run = dir();
    const running = start([
      '--generate',
      'users=3000,products=300,orders=3000',
      '--batch-size',
      '100',
      '--delay',
      'orders=100',
      '--dir',
      run,
      '--ui',
    ]);
    serving.push(running);
    const url = await vi.waitFor(() => /live at (\S+)/.exec(running.stderr())?.[1] ?? expect.fail('no address yet'), { timeout: 20_000 });
    const { page, errors } = await openRunPage(browser, url);
    // The page follows the run: opened while it goes, it says it finished without being reloaded.
    expect(await page.locator('#summary').textContent()).toContain('going');
    await page.locator('#summary', { hasText: 'finished' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('#outcome table').textContent()).toContain('received');
    // The explorer, drawn before any row was rejected, now offers the rejected rows.
    expect(await page.locator('#explorer .examples button').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await vi.waitFor(() => expect(running.stderr()).toContain('until Ctrl-C'), { timeout: 20_000 });
    running.child.kill('SIGINT');
    expect((await running.finished).code).toBe(0);
    await page.close();
  });
});
