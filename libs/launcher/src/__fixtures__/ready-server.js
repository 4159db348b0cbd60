// A stand-in for an app under the launcher: listens on PORT (0 = any free port), prints where it
// listens, answers /readyz with READYZ_STATUS (200 by default), counts the probes on /probes, and
// exits 0 on SIGTERM.
const http = require('node:http');

const readyStatus = Number(process.env.READYZ_STATUS ?? 200);
let probes = 0;

const server = http.createServer((request, response) => {
  if (request.url === '/readyz') {
    probes += 1;
    response.writeHead(readyStatus, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: readyStatus === 200 ? 'ready' : 'unavailable' }));
    return;
  }
  if (request.url === '/probes') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ probes }));
    return;
  }
  response.writeHead(404);
  response.end();
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`fixture starting, pid ${process.pid}`);
  console.log(`fixture listening on http://127.0.0.1:${server.address().port}`);
});

process.once('SIGTERM', () => {
  console.log('fixture got SIGTERM');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
