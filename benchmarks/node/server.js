// Peer server for wshub's end-to-end benchmark: the `ws` library's own broadcast idiom
// (its README's "broadcast to all connected clients"): every received message goes to every open client.
// Usage: node server.js PORT   (binds 127.0.0.1; stops on SIGTERM/SIGINT)
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 8080);
const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws' });

wss.on('connection', (ws) => {
  ws.on('error', (e) => console.error('[ws peer]', e.message));
  ws.on('message', (data, isBinary) => {
    wss.clients.forEach((c) => {
      if (c.readyState === WebSocket.OPEN) {
        c.send(data, { binary: isBinary });
      }
    });
  });
});

wss.on('listening', () => console.log(`LISTENING node-ws ${port}`));

function stop() {
  for (const c of wss.clients) {
    c.terminate();
  }
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
