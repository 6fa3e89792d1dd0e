"""Drives a wshub server with the Python `websockets` library, an independent client.

Usage: websockets_client.py URI echo|broadcast
Exits 0 when every check passed; prints what failed and exits 1 otherwise. Every wait is bounded.
"""
import asyncio
import sys

import websockets

TIMEOUT = 20


async def echo(uri):
    async with websockets.connect(uri, open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        for text in ["hello", "h\u00e9llo w\u00f6rld \u20ac \U0001F600", "x" * 70000]:
            await ws.send(text)
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert got == text, f"echo text: sent {len(text)} chars, got {len(got)}"
        data = bytes(range(256)) * 300
        await ws.send(data)
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert got == data, "echo binary differs"
        pong = await ws.ping(b"py")
        await asyncio.wait_for(pong, TIMEOUT)
        await ws.close(code=1000, reason="bye")
        assert ws.close_code == 1000, f"close code {ws.close_code}"


async def broadcast(uri):
    clients = [await websockets.connect(uri, open_timeout=TIMEOUT, close_timeout=TIMEOUT) for _ in range(3)]
    try:
        sender = clients[0]
        await until_all_joined(clients)
        sent = [f"msg {i}" for i in range(50)]
        for m in sent:
            await sender.send(m)
        for k, c in enumerate(clients):
            got = []
            while len(got) < len(sent):
                m = await asyncio.wait_for(c.recv(), TIMEOUT)
                if not m.startswith("sync "):
                    got.append(m)
            assert got == sent, f"client {k} got {got[:5]}..., expected the 50 messages in order"
    finally:
        for c in clients:
            await c.close()


async def until_all_joined(clients):
    """Broadcasts sync messages until every client has received one: each has joined the hub by then."""
    seen = [False] * len(clients)
    for i in range(100):
        await clients[0].send(f"sync {i}")
        for k, c in enumerate(clients):
            try:
                while True:
                    m = await asyncio.wait_for(c.recv(), 0.2)
                    seen[k] = seen[k] or m.startswith("sync ")
            except asyncio.TimeoutError:
                pass
        if all(seen):
            return
    raise AssertionError(f"not every client received a broadcast: {seen}")


def main():
    uri, mode = sys.argv[1], sys.argv[2]
    try:
        asyncio.run(asyncio.wait_for(echo(uri) if mode == "echo" else broadcast(uri), 60))
    except Exception as e:  # noqa: BLE001 - report any failure to the Java test
        print(f"FAILED {mode}: {type(e).__name__}: {e}")
        sys.exit(1)
    print(f"OK {mode}")


if __name__ == "__main__":
    main()
