'use strict';
// The plumbing every fx-quotes service shares: JSON answers, /healthz, and a clean stop on
// SIGTERM. Kept here so each server.js reads as its routes and nothing else.

const http = require('node:http');

// In-flight answers get this long to finish after SIGTERM; the slowest one waits at most for
// the 300 ms rates timeout, so half a second is plenty.
const SHUTDOWN_GRACE_MS = 500;
// Whoever sent SIGTERM kills us at 2 s; exit on our own well before that.
const SHUTDOWN_DEADLINE_MS = 1500;

function sendJson(res, statusCode, body) {
  const payload = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

// Starts a service. `handleGet(path, res)` answers every GET except /healthz; it may be async.
function startService(serviceName, handleGet) {
  const port = Number(process.env.PORT);
  const host = process.env.HOST || '127.0.0.1';
  if (!Number.isInteger(port) || port <= 0) {
    console.error(`${serviceName}: set PORT to the port to listen on (got "${process.env.PORT}")`);
    process.exit(2);
  }

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return sendJson(res, 405, { error: `${req.method} is not allowed; use GET` });
    }
    const path = req.url.split('?', 1)[0];
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    Promise.resolve()
      .then(() => handleGet(path, res))
      .catch((error) => {
        console.error(`${serviceName}: ${req.method} ${path} failed:`, error);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });

  server.listen(port, host, () => {
    console.log(`${serviceName} listening on http://${host}:${port} (pid ${process.pid})`);
  });
  stopOnSignals(server, serviceName);
  return server;
}

function stopOnSignals(server, serviceName) {
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${serviceName} got ${signal}, closing`);
    server.close(() => process.exit(0));
    // close() alone waits for every keep-alive client to hang up, which a load generator never
    // does: drop the idle ones now and the busy ones after the grace.
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { sendJson, startService };
