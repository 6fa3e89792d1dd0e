// Drives the chat page in two tabs of headless Chromium. Run by ChatPageBrowserTest against a chat server it started:
//
//   node chat-test.mjs PAGE_URL [--reconnect]
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium). Prints one "ok ..." line per step; exits 0 when every step
// passed, 1 with the reason otherwise. With --reconnect it then prints "ready-for-restart" and expects the caller to
// stop the server and start it again on the same WebSocket port; it checks that both tabs notice, reconnect by
// themselves, say that the history was lost (a new server has a new epoch) and can chat again.
//
// Each tab has a browser context of its own, so that one can go offline while the other stays online. chromium.launch
// gives the browser a fresh temporary profile (--user-data-dir) and removes it on close.
import { launch, openTab as open, say, sees, seesTimes, texts } from './tabs.mjs';

const [pageUrl, ...flags] = process.argv.slice(2);
if (!pageUrl) {
  console.error('usage: node chat-test.mjs PAGE_URL [--reconnect]');
  process.exit(2);
}
const reconnect = flags.includes('--reconnect');
const LOST = 'history lost \u2014 showing new messages only';

let browser = null;
try {
  browser = await launch();
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const alice = await openTab(aliceContext, 'alice');
  const bob = await openTab(bobContext, 'bob');
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

  // Alice's tab goes offline and loses its connection; bob says three things; alice comes back online, resumes from
  // the last message it had, and shows exactly those three, once each, in order, then "caught up 3 messages".
  await aliceContext.setOffline(true);
  await alice.evaluate(() => socket.close());
  await alice.waitForSelector('#state.closed');
  const missed = [1, 2, 3].map((n) => 'while alice was away ' + n + ' ' + Date.now());
  for (const text of missed) {
    await say(bob, text);
  }
  for (const text of missed) {
    await sees(bob, 'li.chat', 'bob: ' + text);
  }
  if (await alice.evaluate(() => socket.readyState === WebSocket.OPEN)) {
    throw new Error('the offline tab reconnected while offline');
  }
  await aliceContext.setOffline(false);
  await sees(alice, 'li.recovery', 'caught up 3 messages');
  const live = 'live after the catch-up ' + Date.now();
  await say(bob, live);
  await sees(alice, 'li.chat', 'bob: ' + live); // anything replayed twice would have come before this
  const shown = await texts(alice);
  const at = [...missed.map((t) => 'bob: ' + t), 'caught up 3 messages', 'bob: ' + live].map((t) => {
    const all = shown.filter((s) => s === t).length;
    if (all !== 1) {
      throw new Error('"' + t + '" is shown ' + all + ' times, not once: ' + JSON.stringify(shown.slice(-12)));
    }
    return shown.indexOf(t);
  });
  if (at.some((index, i) => i > 0 && index <= at[i - 1])) {
    throw new Error('the missed messages, the catch-up notice and the live one are out of order: '
      + JSON.stringify(shown.slice(-12)));
  }
  console.log('ok a tab that was offline showed exactly the three messages it missed, once each, in order');

  // A position the server's history does not cover (here: an epoch it never had) brings nothing old back.
  await alice.evaluate(() => {
    position = { offset: position.offset, epoch: 'not-this-servers-epoch' };
    socket.close();
  });
  await sees(alice, 'li.recovery', LOST);
  const fresh = 'after the lost history ' + Date.now();
  await say(bob, fresh);
  await sees(alice, 'li.chat', 'bob: ' + fresh);
  const again = (await texts(alice)).filter((t) => missed.some((m) => t === 'bob: ' + m)).length;
  if (again !== 3) {
    throw new Error('after "history lost" the missed messages are shown ' + again + ' times in all, not 3');
  }
  console.log('ok a tab whose position the server no longer knows said the history was lost and showed new '
    + 'messages only');

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
    await seesTimes(alice, 'li.recovery', LOST, 2); // once above, once now
    await seesTimes(bob, 'li.recovery', LOST, 1);
    console.log('ok both tabs said the history was lost after the restart');
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
  if (browser) {
    await browser.close().catch(() => {});
  }
}

function openTab(context, name) {
  return open(context, pageUrl, name);
}
