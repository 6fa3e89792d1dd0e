// Drives the chat page in two tabs of headless Chromium. Run by ChatPageBrowserTest against a chat server it started:
//
//   node chat-test.mjs PAGE_URL [--reconnect]
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium). Prints one "ok ..." line per step; exits 0 when every step
// passed, 1 with the reason otherwise. With --reconnect it then prints "ready-for-restart" and expects the caller to
// stop the server and start it again on the same WebSocket port; it checks that both tabs notice, reconnect by
// themselves and can chat again.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [pageUrl, ...flags] = process.argv.slice(2);
if (!pageUrl) {
  console.error('usage: node chat-test.mjs PAGE_URL [--reconnect]');
  process.exit(2);
}
const reconnect = flags.includes('--reconnect');
const STEP_TIMEOUT = 30_000; // generous: two cores shared by several builds

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wshub-chromium-'));
let context = null;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const alice = await openTab('alice');
  const bob = await openTab('bob');
  console.log('ok both tabs connected');

  await sees(alice, 'li.system', 'someone joined (2 online)');
  console.log('ok the first tab saw the second join');

  const hello = 'hello from alice ' + Date.now();
  await say(alice, hello);
  await sees(bob, 'li.chat', 'alice: ' + hello);
  await sees(alice, 'li.chat', 'alice: ' + hello);
  console.log('ok a message from one tab appeared in both');

  const attack = '<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = \'img\'"> & <b>';
  await say(bob, attack);
  await sees(alice, 'li.chat', 'bob: ' + attack);
  // An image that fails to load fires onerror at once; give it a round trip to do so before looking.
  const after = 'after the markup ' + Date.now();
  await say(bob, after);
  await sees(alice, 'li.chat', 'bob: ' + after);
  for (const tab of [alice, bob]) {
    const found = await tab.evaluate(() => ({
      pwned: window.__pwned ?? null,
      elements: document.querySelectorAll('#messages script, #messages img, #messages b').length,
    }));
    if (found.pwned !== null || found.elements !== 0) {
      throw new Error('markup in a message was interpreted, not shown as text: ' + JSON.stringify(found));
    }
  }
  console.log('ok markup in a message was shown as text and not executed');

  // Another kind of client on the same hub: plain text and binary, shown as they came.
  await bob.evaluate((wsUrl) => new Promise((resolve, reject) => {
    const other = new WebSocket(wsUrl);
    other.onopen = () => {
      other.send('plain text, not JSON');
      other.send(new Uint8Array([1, 2, 3]));
      other.close();
      resolve();
    };
    other.onerror = () => reject(new Error('could not connect to ' + wsUrl));
  }), await bob.evaluate(() => url));
  await sees(alice, 'li.other', 'plain text, not JSON');
  await sees(alice, 'li.other', '[binary message, 3 bytes]');
  console.log('ok messages from other kinds of client were shown as they came');

  if (reconnect) {
    console.log('ready-for-restart');
    for (const tab of [alice, bob]) {
      await tab.waitForSelector('#state.closed', { timeout: 60_000 });
    }
    console.log('ok both tabs saw the server go away');
    for (const tab of [alice, bob]) {
      await tab.waitForSelector('#state.open', { timeout: 60_000 });
    }
    console.log('ok both tabs reconnected');
    const back = 'back again ' + Date.now();
    await say(bob, back);
    await sees(alice, 'li.chat', 'bob: ' + back);
    console.log('ok chat works after reconnecting');
  }
  console.log('passed');
} catch (e) {
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  if (context) {
    await context.close().catch(() => {});
  }
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

async function openTab(name) {
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.error('page error in ' + name + "'s tab: " + e));
  await tab.goto(pageUrl);
  await tab.waitForSelector('#state.open');
  await tab.fill('#name', name);
  return tab;
}

async function say(tab, text) {
  await tab.fill('#text', text);
  await tab.press('#text', 'Enter');
}

// Waits until an item of the message list, matched by selector, has exactly this text.
async function sees(tab, selector, text) {
  await tab.waitForFunction(([s, t]) => [...document.querySelectorAll('#messages ' + s)]
    .some((li) => li.textContent === t), [selector, text], { timeout: STEP_TIMEOUT });
}
