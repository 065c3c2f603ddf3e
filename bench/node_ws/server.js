// SPDX-License-Identifier: AGPL-3.0-or-later
// The Node.js baseline: a plain `ws` broadcast server. Every message
// received is sent to every open client (the sender included), with
// permessage-deflate off. usage: node server.js [PORT]  (default 7682)
'use strict';

const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || process.env.PORT || 7682);
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  backlog: 4096,
  perMessageDeflate: false,
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
});

wss.on('listening', () => console.log(`listening on ${port}`));

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => wss.close(() => process.exit(0)));
}
