// Node's http client against `ustack serve` (test_peer_node_http.sh): GETs through a keep-alive
// Agent with one socket (reused), the strict llhttp parser (insecureHTTPParser off), a HEAD in
// between, and bodies compared with the files. Prints one "ok ..." or "FAIL ..." line per check.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const [host, www] = process.argv.slice(2);
let fails = 0;
function check(desc, cond) {
  console.log((cond ? 'ok   ' : 'FAIL ') + desc);
  if (!cond) fails++;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function request(method, p, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: 80, method, path: p, agent, headers, insecureHTTPParser: false,
                               timeout: 10000 }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ res, body: Buffer.concat(parts), reused: req.reusedSocket, socket: req.socket }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

(async () => {
  const files = ['big.bin', 'small.txt', 'dir/inner.txt', 'big.bin', 'small.txt'];
  let firstSocket = null;
  for (let i = 0; i < files.length; i++) {
    const want = fs.readFileSync(path.join(www, files[i]));
    const { res, body, reused, socket } = await request('GET', '/' + files[i]);
    if (i === 0) firstSocket = socket;
    check(`GET /${files[i]}: 200, ${want.length} bytes equal`, res.statusCode === 200 && body.equals(want));
    check(`GET /${files[i]}: Content-Length ${res.headers['content-length']}`,
          res.headers['content-length'] === String(want.length));
    check(`GET /${files[i]}: ${i === 0 ? 'new socket' : 'socket reused'}`,
          i === 0 ? !reused : reused && socket === firstSocket);
    check(`GET /${files[i]}: HTTP/1.1, keep-alive`, res.httpVersion === '1.1' && res.headers.connection !== 'close');
  }
  const head = await request('HEAD', '/big.bin');
  check('HEAD: 200, no body, Content-Length of the file',
        head.res.statusCode === 200 && head.body.length === 0 &&
        head.res.headers['content-length'] === String(fs.statSync(path.join(www, 'big.bin')).size));
  check('HEAD: socket reused', head.reused && head.socket === firstSocket);
  const dir = await request('GET', '/dir/');
  check('GET /dir/: generated index page', dir.res.statusCode === 200 && dir.body.toString().includes('inner.txt'));
  const nf = await request('GET', '/missing');
  check('GET /missing: 404 and the socket stays', nf.res.statusCode === 404 && nf.reused);
  const redirect = await request('GET', '/dir');
  check('GET /dir: 301 Location /dir/', redirect.res.statusCode === 301 && redirect.res.headers.location === '/dir/');
  agent.destroy();
  process.exit(fails ? 1 : 0);
})().catch((e) => {
  console.log('FAIL request error: ' + e.message);
  process.exit(1);
});
