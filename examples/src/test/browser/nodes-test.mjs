// Drives the chat pages of two chat servers that share one Redis ("chat --redis URI"), one tab on each, in headless
// Chromium. Run by ChatPageBrowserTest against two nodes it started:
//
//   node nodes-test.mjs PAGE_URL_A PAGE_URL_B NODE_B
//
// NODE_B is node B's number, which its presence notices name. Prints one "ok ..." line per step; exits 0 when every
// step passed, 1 with the reason otherwise.
import { launch, openTab, say, sees, texts } from './tabs.mjs';

const [pageA, pageB, nodeB] = process.argv.slice(2);
if (!pageA || !pageB || !nodeB) {
  console.error('usage: node nodes-test.mjs PAGE_URL_A PAGE_URL_B NODE_B');
  process.exit(2);
}

let browser = null;
try {
  browser = await launch();
  const aliceContext = await browser.newContext();
  const alice = await openTab(aliceContext, pageA, 'alice');
  const bob = await openTab(await browser.newContext(), pageB, 'bob');
  console.log('ok a tab on each node connected');

  await sees(alice, 'li.system', 'someone joined (1 online on node ' + nodeB + ')');
  console.log('ok the tab on node A saw the arrival on node B');

  const hello = 'hello from node A ' + Date.now();
  await say(alice, hello);
  await sees(bob, 'li.chat', 'alice: ' + hello);
  await sees(alice, 'li.chat', 'alice: ' + hello);
  const reply = 'hello from node B ' + Date.now();
  await say(bob, reply);
  await sees(alice, 'li.chat', 'bob: ' + reply);
  console.log('ok messages from each node appeared on both');

  // Alice's tab loses its connection; bob says two things on node B; alice's tab comes back to node A and catches
  // up on exactly those two, published on the other node.
  await aliceContext.setOffline(true);
  await alice.evaluate(() => socket.close());
  await alice.waitForSelector('#state.closed');
  const missed = [1, 2].map((n) => 'while alice was away ' + n + ' ' + Date.now());
  for (const text of missed) {
    await say(bob, text);
  }
  for (const text of missed) {
    await sees(bob, 'li.chat', 'bob: ' + text);
  }
  await aliceContext.setOffline(false);
  await sees(alice, 'li.recovery', 'caught up 2 messages');
  const shown = await texts(alice);
  const at = [...missed.map((t) => 'bob: ' + t), 'caught up 2 messages'].map((t) => {
    const all = shown.filter((s) => s === t).length;
    if (all !== 1) {
      throw new Error('"' + t + '" is shown ' + all + ' times, not once: ' + JSON.stringify(shown.slice(-10)));
    }
    return shown.indexOf(t);
  });
  if (at.some((index, i) => i > 0 && index <= at[i - 1])) {
    throw new Error('the missed messages and the catch-up notice are out of order: ' + JSON.stringify(shown));
  }
  console.log('ok the tab on node A caught up on exactly the two messages sent on node B');
  console.log('passed');
} catch (e) {
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  if (browser) {
    await browser.close().catch(() => {});
  }
}
