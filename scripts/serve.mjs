// Static file server for the Inkprint page in web/, bound to 127.0.0.1 and free of dependencies.
//
// Usage: node scripts/serve.mjs [--port N] [--root DIR]
// The default port is 8080, and port 0 picks a free one. --root serves another folder, which
// the server tests use. Once listening, the server prints
// exactly one line on stdout, "Inkprint is serving at http://127.0.0.1:PORT/", which the
// browser tests parse. Errors go to stderr.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
const DEFAULT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');

const MIME_TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.wasm', 'application/wasm'],
  ['.inkprint', 'application/octet-stream'],
]);

// The page runs only its own scripts and WebAssembly ('wasm-unsafe-eval' allows
// WebAssembly compilation but not JavaScript eval), and fetches only from this origin.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
    "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const USAGE = `Usage: node scripts/serve.mjs [--port N] [--root DIR]

Serves the Inkprint page in web/ at http://${HOST}:PORT/.

Options:
  --port N     TCP port to listen on, 0-65535 (default ${DEFAULT_PORT}; 0 picks a free port)
  --root DIR   Folder to serve instead of web/
  --help       Print this help and exit
`;

// Returns { port, root } from the command-line arguments, or exits with a usage error.
function parseArguments(args) {
  const values = { port: String(DEFAULT_PORT), root: DEFAULT_ROOT };

  for (let i = 0; i < args.length; i += 1) {
    const argument = args[i];
    const [name, inlineValue] = argument.split(/=(.*)/s, 2);

    if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (name === '--port' || name === '--root') {
      let value = inlineValue;
      if (value === undefined) {
        if (i + 1 >= args.length) {
          exitWithUsageError(`${name} needs a value`);
        }
        i += 1;
        value = args[i];
      }
      values[name.slice(2)] = value;
    } else {
      exitWithUsageError(`unknown argument '${argument}'`);
    }
  }

  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    exitWithUsageError(`invalid port '${values.port}': use a whole number from 0 to 65535`);
  }

  const root = path.resolve(values.root);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`serve.mjs: the folder to serve, ${root}, does not exist.\n`);
    process.exit(1);
  }
  return { port, root };
}

function exitWithUsageError(message) {
  process.stderr.write(`serve.mjs: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// Returns the decoded URL path, or null when its percent-encoding is invalid or it contains a
// NUL byte.
function decodeUrlPath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  return decoded.includes('\0') ? null : decoded;
}

// Returns whether filePath is root or inside it. Symbolic links inside root are followed when
// the file is read, so a link placed there can still point elsewhere.
function isInside(root, filePath) {
  return filePath === root || filePath.startsWith(root + path.sep);
}

// Maximum length of a request target or reason written to the log; longer ones are cut so that one request
// cannot flood the log.
const MAX_LOGGED_URL = 200;

function shorten(text) {
  return text.length > MAX_LOGGED_URL ? `${text.slice(0, MAX_LOGGED_URL)}... (${text.length} characters)` : text;
}

function loggedUrl(request) {
  return shorten(request.url ?? '');
}

function sendError(request, response, status, reason) {
  process.stderr.write(`serve.mjs: ${request.method} ${loggedUrl(request)}: ${status} ${shorten(reason)}\n`);

  const body = `${status} ${http.STATUS_CODES[status]}\n`;
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

// Returns the stats of a regular file, following a directory to its index.html. Returns null
// when neither exists.
async function findFile(filePath) {
  try {
    let stats = await fs.promises.stat(filePath);
    if (stats.isDirectory()) {
      filePath = path.join(filePath, 'index.html');
      stats = await fs.promises.stat(filePath);
    }
    return stats.isFile() ? { filePath, stats } : null;
  } catch (error) {
    // A name longer than the file system allows cannot name one of our files either.
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'ENAMETOOLONG') {
      return null;
    }
    throw error;
  }
}

async function handleRequest(root, request, response) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendError(request, response, 405, 'only GET and HEAD are supported');
    return;
  }

  const decodedPath = decodeUrlPath(request.url.split(/[?#]/, 1)[0]);
  if (decodedPath === null) {
    sendError(request, response, 400, 'invalid percent-encoding or NUL byte in the path');
    return;
  }

  // path.join resolves ".." segments, so a traversal attempt ends up outside root.
  const requestedPath = path.join(root, decodedPath);
  if (!isInside(root, requestedPath)) {
    sendError(request, response, 403, 'path is outside the served folder');
    return;
  }

  const found = await findFile(requestedPath);
  if (found === null) {
    sendError(request, response, 404, `no file at ${path.relative(root, requestedPath)}`);
    return;
  }

  const extension = path.extname(found.filePath).toLowerCase();
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': MIME_TYPES.get(extension) ?? 'application/octet-stream',
    'Content-Length': found.stats.size,
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }

  const stream = fs.createReadStream(found.filePath);
  stream.on('error', (error) => {
    // The status line is already sent, so the only way to signal the failure is to cut the
    // connection short of Content-Length.
    process.stderr.write(`serve.mjs: GET ${request.url}: read failed: ${error.message}\n`);
    response.destroy(error);
  });
  stream.pipe(response);
}

// scripts/start.sh sets INKPRINT_PORT_FROM=PORT, because it takes the port from the PORT
// environment variable, not from --port.
function anotherPortAdvice() {
  return process.env.INKPRINT_PORT_FROM === 'PORT'
    ? 'pick another port with PORT=N scripts/start.sh (PORT=0 picks a free one)'
    : 'pick another port with --port N (--port 0 picks a free one)';
}

function main() {
  const { port, root } = parseArguments(process.argv.slice(2));

  const server = http.createServer((request, response) => {
    handleRequest(root, request, response).catch((error) => {
      if (response.headersSent) {
        process.stderr.write(`serve.mjs: ${request.method} ${loggedUrl(request)}: ${error.message}\n`);
        response.destroy(error);
      } else {
        sendError(request, response, 500, error.message);
      }
    });
  });

  server.on('clientError', (error, socket) => {
    process.stderr.write(`serve.mjs: malformed request rejected: ${error.message}\n`);
    if (socket.writable) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } else {
      socket.destroy();
    }
  });

  server.on('error', (error) => {
    if (error.code === 'EADDRINUSE') {
      process.stderr.write(
        `serve.mjs: port ${port} on ${HOST} is already in use. Stop the program that uses it, ` +
          `or ${anotherPortAdvice()}.\n`,
      );
    } else {
      process.stderr.write(`serve.mjs: cannot listen on ${HOST}:${port}: ${error.message}\n`);
    }
    process.exit(1);
  });

  server.listen(port, HOST, () => {
    const actualPort = server.address().port;
    process.stdout.write(`Inkprint is serving at http://${HOST}:${actualPort}/\n`);
  });

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      process.stderr.write(`serve.mjs: stopping on ${signal}\n`);
      process.exit(0);
    });
  }
}

main();
