// SPDX-License-Identifier: MIT
// Starts a MongoDB wire-compatible test server on loopback: the in-memory "CongoDB" server of
// @push.rocks/smartmongo (see README.md here for where this recipe comes from and its gaps).
// usage: node start-congodb.mjs [port (0: a free one)] [host] [max idle seconds (0: forever)]
// Prints "READY mongodb://HOST:PORT" once it listens; stops on SIGTERM/SIGINT, or by itself
// after the idle time without any connection (so a test run killed before its cleanup does
// not leave it behind forever).
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const maxIdle = Number(process.argv[4] || 0);
const server = new CongoServer({ port, host, storage: 'memory' });
await server.start();
const actual = server.server.address().port;
console.log(`READY mongodb://${host}:${actual}`);

const stop = async () => { await server.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

if (maxIdle > 0) {
  let last = Date.now();
  server.server.on('connection', (socket) => {
    last = Date.now();
    socket.on('data', () => { last = Date.now(); });
  });
  setInterval(() => {
    if (server.getConnectionCount() === 0 && Date.now() - last > maxIdle * 1000) {
      console.log(`idle for ${maxIdle} s: stopping`);
      stop();
    }
  }, 5000).unref();
}
