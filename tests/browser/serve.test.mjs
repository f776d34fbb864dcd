// Tests of scripts/serve.mjs over real HTTP on 127.0.0.1: MIME types, security headers,
// directory traversal, errors and a port that is already taken.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { REPO_ROOT, startServer } from './helpers.mjs';

const EXPECTED_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'";

const SECRET = 'secret outside the served folder';

// A folder with one file of each served type, and a secret file beside it that traversal
// attempts try to reach.
let sandbox;
let root;
let server;

before(async () => {
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-serve-'));
  root = path.join(sandbox, 'root');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(sandbox, 'secret.txt'), SECRET);

  const files = {
    'index.html': '<!doctype html><title>root</title>',
    'sub/index.html': '<!doctype html><title>sub</title>',
    'app.js': 'export {};',
    'module.mjs': 'export {};',
    'style.css': 'body {}',
    'data.json': '{}',
    'module.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    'model.inkprint': Buffer.from([1, 2, 3, 4]),
    'unknown.xyz': 'x',
  };
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(root, name), content);
  }

  server = await startServer(['--root', root]);
});

after(async () => {
  await server?.stop();
  if (sandbox !== undefined) {
    fs.rmSync(sandbox, { recursive: true, force: true });
  }
});

// Sends one request with the path exactly as given (no normalisation) and returns
// { status, headers, body }.
function request(urlPath, method = 'GET', port = new URL(server.url).port) {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: urlPath, method };
    const outgoing = http.request(options, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function assertSecurityHeaders(response, requestLabel) {
  assert.equal(response.headers['content-security-policy'], EXPECTED_CSP, `${requestLabel}: CSP`);
  assert.equal(response.headers['x-content-type-options'], 'nosniff', `${requestLabel}: nosniff`);
  assert.equal(response.headers['cache-control'], 'no-cache', `${requestLabel}: Cache-Control`);
}

test('files are served with MIME types', async () => {
  const cases = [
    ['/', 'text/html; charset=utf-8', 'root'],
    ['/index.html', 'text/html; charset=utf-8', 'root'],
    ['/sub/', 'text/html; charset=utf-8', 'sub'],
    ['/app.js', 'text/javascript; charset=utf-8', 'export'],
    ['/module.mjs', 'text/javascript; charset=utf-8', 'export'],
    ['/style.css', 'text/css; charset=utf-8', 'body'],
    ['/data.json', 'application/json; charset=utf-8', '{}'],
    ['/module.wasm', 'application/wasm', 'asm'],
    ['/model.inkprint', 'application/octet-stream', ''],
    ['/unknown.xyz', 'application/octet-stream', 'x'],
    ['/app.js?version=2', 'text/javascript; charset=utf-8', 'export'],
  ];

  for (const [urlPath, contentType, bodyPart] of cases) {
    const response = await request(urlPath);
    assert.equal(response.status, 200, `${urlPath}: status`);
    assert.equal(response.headers['content-type'], contentType, `${urlPath}: Content-Type`);
    assert.ok(response.body.includes(bodyPart), `${urlPath}: body ${response.body}`);
    assertSecurityHeaders(response, urlPath);
  }
});

test('traversal outside root is rejected', async () => {
  const attempts = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '//../secret.txt',
  ];

  for (const urlPath of attempts) {
    const response = await request(urlPath);
    assert.ok([403, 404].includes(response.status), `${urlPath}: status ${response.status}`);
    assert.ok(!response.body.includes(SECRET), `${urlPath}: body leaks the secret`);
    assertSecurityHeaders(response, urlPath);
  }
  assert.match(server.output.stderr, /\/\.\.\/secret\.txt: 403/);
});

test('errors have status and headers', async () => {
  const cases = [
    ['/missing.js', 'GET', 404],
    ['/sub/missing/', 'GET', 404],
    ['/%ff', 'GET', 400],
    ['/a%00b', 'GET', 400],
    ['/', 'POST', 405],
    ['/', 'DELETE', 405],
    // Longer than a file name may be: not one of the served files.
    [`/${'a'.repeat(5000)}`, 'GET', 404],
    [`/${'a/'.repeat(3000)}`, 'GET', 404],
  ];

  for (const [urlPath, method, status] of cases) {
    const response = await request(urlPath, method);
    assert.equal(response.status, status, `${method} ${urlPath}: status`);
    assertSecurityHeaders(response, `${method} ${urlPath}`);
  }
  assert.match(server.output.stderr, /GET \/missing\.js: 404/);
  assert.match(server.output.stderr, /\(5001 characters\): 404/);
  const longest = Math.max(...server.output.stderr.split('\n').map((line) => line.length));
  assert.ok(longest < 600, `a log line of ${longest} characters`);
});

test('HEAD returns headers only', async () => {
  const response = await request('/app.js', 'HEAD');

  assert.equal(response.status, 200);
  assert.equal(response.headers['content-length'], String('export {};'.length));
  assert.equal(response.body, '');
  assertSecurityHeaders(response, 'HEAD /app.js');
});

// Starts serve.mjs on the port the test server uses, with `env` added to its environment, and
// returns { exitCode, stdout, stderr } once it exits.
async function serveOnTakenPort(env = {}) {
  const port = new URL(server.url).port;
  const serverScript = path.join(REPO_ROOT, 'scripts', 'serve.mjs');
  const child = spawn(process.execPath, [serverScript, '--port', port], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });

  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (text) => {
    stdout += text;
  });
  child.stderr.on('data', (text) => {
    stderr += text;
  });
  const exitCode = await new Promise((resolve) => child.on('exit', resolve));
  return { exitCode, stdout, stderr };
}

test('taken port exits with message', async () => {
  const port = new URL(server.url).port;
  const { exitCode, stdout, stderr } = await serveOnTakenPort();
  assert.equal(exitCode, 1);
  assert.match(stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  assert.match(stderr, /pick another port with --port N \(--port 0 picks a free one\)\.\n$/);
  assert.equal(stdout, '');

  // scripts/start.sh takes the port from PORT, so the advice names PORT when start.sh starts the server.
  const viaStart = await serveOnTakenPort({ INKPRINT_PORT_FROM: 'PORT' });
  assert.equal(viaStart.exitCode, 1);
  assert.match(viaStart.stderr, /pick another port with PORT=N scripts\/start\.sh \(PORT=0 picks a free one\)\.\n$/);
  assert.ok(
    fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'start.sh'), 'utf8').includes('INKPRINT_PORT_FROM=PORT exec node scripts/serve.mjs'),
    'scripts/start.sh sets INKPRINT_PORT_FROM=PORT',
  );
});

test('default root serves the page', async (t) => {
  const pageServer = await startServer();
  t.after(() => pageServer.stop());

  const response = await request('/', 'GET', new URL(pageServer.url).port);

  assert.equal(response.status, 200);
  assert.match(response.body, /<canvas\s+id="pad"/);
  assert.match(pageServer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});
