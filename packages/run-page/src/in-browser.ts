import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export type { Browser, Page };

/** The browser the tests and the bench drive: Debian's Chromium (apt-get install chromium), or the one CHROMIUM names. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why no browser can be driven here, or undefined when one can. */
export function noBrowser(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM to one`;
}

/** A headless Chromium, through playwright-core: imported only here, so that nothing else ever loads it. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // Chromium's sandbox refuses to run as root, which a container often is.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface OpenedPage {
  page: Page;
  /** From asking for the page to its timeline drawn. */
  renderMs: number;
  /** What the page said on its console as errors, and what it threw. */
  errors: string[];
}

/** Opens a run's page (a file, or a served address) and waits until it is drawn. */
export async function openRunPage(browser: Browser, address: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  const started = performance.now();
  await page.goto(address.includes('://') ? address : `file://${address}`);
  await page.locator('#timeline .chart > *').first().waitFor();
  return { page, renderMs: performance.now() - started, errors };
}
