"""Drives a wshub server with the independent Python 'websockets' library (Debian python3-websockets).

usage: ws_client.py echo URI
       ws_client.py broadcast URI CLIENTS MESSAGES
Prints OK and exits 0 on success; prints the reason and exits 1 on failure. Every wait is bounded.
"""
import asyncio
import sys

import websockets

TIMEOUT = 20


async def echo(uri):
    async with websockets.connect(uri, max_size=None) as ws:
        for payload in ["hello", "h\u00e9llo \u20ac \U0001F600", "x" * 125, "y" * 126, "z" * 70000]:
            await ws.send(payload)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if got != payload:
                raise AssertionError("text echo mismatch at %d chars" % len(payload))
        for payload in [b"", b"\x00\x01\x02", bytes(range(256)) * 300]:
            await ws.send(payload)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            if got != payload:
                raise AssertionError("binary echo mismatch at %d bytes" % len(payload))
        pong = await ws.ping(b"py")
        await asyncio.wait_for(pong, TIMEOUT)
        await ws.close(1000, "done")
        if ws.close_code != 1000:
            raise AssertionError("close code %s" % ws.close_code)


async def broadcast(uri, clients, messages):
    conns = [await websockets.connect(uri) for _ in range(clients)]
    try:
        # barrier: the test waits until the hub has all of us as members, then answers GO on stdin
        print("CONNECTED", flush=True)
        line = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline), TIMEOUT)
        if line.strip() != "GO":
            raise AssertionError("expected GO on stdin, got %r" % line)
        # Every client sends its messages; every client must receive all clients * messages, each sender's in order.
        async def send(i, ws):
            for m in range(messages):
                await ws.send("%d:%d" % (i, m))

        async def receive(ws):
            last = {}
            for _ in range(clients * messages):
                text = await asyncio.wait_for(ws.recv(), TIMEOUT)
                sender, seq = (int(v) for v in text.split(":"))
                if seq != last.get(sender, -1) + 1:
                    raise AssertionError("out of order from %d: %d after %s" % (sender, seq, last.get(sender)))
                last[sender] = seq
            return last

        results = await asyncio.gather(*[receive(ws) for ws in conns], *[send(i, ws) for i, ws in enumerate(conns)])
        for last in results[:clients]:
            if len(last) != clients:
                raise AssertionError("received from %d senders, expected %d" % (len(last), clients))
    finally:
        for ws in conns:
            await ws.close()


def main():
    mode, uri = sys.argv[1], sys.argv[2]
    try:
        if mode == "echo":
            asyncio.run(asyncio.wait_for(echo(uri), 60))
        else:
            asyncio.run(asyncio.wait_for(broadcast(uri, int(sys.argv[3]), int(sys.argv[4])), 60))
    except Exception as e:  # report any failure to the JUnit test
        print("FAILED: %r" % (e,))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
