// Helpers shared by the browser scripts: launching Debian's Chromium, opening a chat tab, typing, and waiting for what
// the page shows. Every wait is bounded by STEP_TIMEOUT.
import { chromium } from 'playwright-core';

export const STEP_TIMEOUT = 30_000; // generous: two cores shared by several builds

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function openTab(context, pageUrl, name) {
  context.setDefaultTimeout(STEP_TIMEOUT);
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.error('page error in ' + name + "'s tab: " + e));
  await tab.goto(pageUrl);
  await tab.waitForSelector('#state.open');
  await tab.fill('#name', name);
  return tab;
}

export async function say(tab, text) {
  await tab.fill('#text', text);
  await tab.press('#text', 'Enter');
}

// Every item of the message list, as shown.
export async function texts(tab) {
  return tab.evaluate(() => [...document.querySelectorAll('#messages li')].map((li) => li.textContent));
}

// Waits until exactly n items of the message list, matched by selector, have this text.
export async function seesTimes(tab, selector, text, n) {
  await tab.waitForFunction(([s, t, count]) => [...document.querySelectorAll('#messages ' + s)]
    .filter((li) => li.textContent === t).length === count, [selector, text, n], { timeout: STEP_TIMEOUT });
}

// Waits until an item of the message list, matched by selector, has exactly this text.
export async function sees(tab, selector, text) {
  await tab.waitForFunction(([s, t]) => [...document.querySelectorAll('#messages ' + s)]
    .some((li) => li.textContent === t), [selector, text], { timeout: STEP_TIMEOUT });
}
