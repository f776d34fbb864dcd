// Shared helpers for the browser tests: the static server, headless Chromium, page checks and
// the SVC2004 reader and replayer.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { chromium } from 'playwright-core';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_ROOT = path.join(REPO_ROOT, 'web');

const CHROMIUM_PATH = '/usr/bin/chromium';
const SERVER_START_TIMEOUT_MS = 10_000;

// A time gap longer than this between two SVC2004 samples starts a new stroke. The tablet
// samples every 10 ms and strokes are separated by 70 ms or more.
const SVC2004_STROKE_GAP_MS = 30;

// Starts scripts/serve.mjs on a free port. Returns { url, origin, output, stop }, where output
// collects the server's stderr for failure messages.
export async function startServer(extraArgs = []) {
  const serverScript = path.join(REPO_ROOT, 'scripts', 'serve.mjs');
  const child = spawn(process.execPath, [serverScript, '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Stops the server if this process ends without calling stop(), for example on a crash.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);

  const output = { stdout: '', stderr: '' };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    output.stderr += text;
  });
  child.stdout.setEncoding('utf8');

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`serve.mjs printed no URL within ${SERVER_START_TIMEOUT_MS} ms`));
    }, SERVER_START_TIMEOUT_MS);

    child.stdout.on('data', (text) => {
      output.stdout += text;
      const match = /^Inkprint is serving at (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(output.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited with code ${code} before listening: ${output.stderr}`));
    });
  });

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  };
  return { url, origin: new URL(url).origin, output, stop };
}

// Launches headless Debian Chromium with a fresh profile. contextOptions are added to
// Playwright's context options (for example { hasTouch: true }). Returns { context, close }.
export async function launchBrowser(contextOptions = {}) {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}: install Debian's chromium package ` +
        '(apt-get install chromium).',
    );
  }

  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    ...contextOptions,
  });

  const close = async () => {
    await context.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
  };
  return { context, close };
}

// Opens a page that records every request, console error and uncaught page error. Call
// assertClean(page) at the end of a test to check them. Console errors matching one of
// allowedConsoleErrors (regular expressions) are expected by the test and not reported.
export async function openPage(context, origin, { allowedConsoleErrors = [] } = {}) {
  const page = await context.newPage();
  const record = { origin, requests: [], consoleErrors: [], pageErrors: [] };

  page.on('request', (request) => record.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() !== 'error') {
      return;
    }
    const text = message.text();
    if (!allowedConsoleErrors.some((pattern) => pattern.test(text))) {
      record.consoleErrors.push(text);
    }
  });
  page.on('pageerror', (error) => record.pageErrors.push(error.stack ?? String(error)));

  pageRecords.set(page, record);

  // Enrol, Forget and Discard save to IndexedDB after the click returns. The page marks the
  // body with data-saving until the save ends, so every click waits for that, and a test reads
  // the outcome, not a state in between.
  const click = page.click.bind(page);
  page.click = async (selector, options) => {
    await click(selector, options);
    await page.waitForSelector('body:not([data-saving])');
  };
  return page;
}

const pageRecords = new WeakMap();

// Asserts that a page from openPage made only same-origin requests and logged no errors.
export function assertClean(page) {
  const record = pageRecords.get(page);

  const foreign = record.requests.filter((url) => new URL(url).origin !== record.origin);
  assert.deepEqual(foreign, [], `requests left the page's origin ${record.origin}`);
  assert.deepEqual(record.consoleErrors, [], 'the page logged console errors');
  assert.deepEqual(record.pageErrors, [], 'the page threw uncaught errors');
}

// Loads the page and waits until the module and the model have loaded or failed. Returns the
// body's data-state, "ready" or "failed".
export async function loadPage(page, url) {
  await page.goto(url);
  await page.waitForSelector('body:not([data-state="loading"])', { timeout: 60_000 });
  return page.getAttribute('body', 'data-state');
}

// Throws unless the WebAssembly build and the default model exist.
export function requireBuiltModule() {
  const required = [
    'wasm/inkprint.js',
    'wasm/inkprint.wasm',
    'wasm/inkprint-train.js',
    'wasm/inkprint-train.wasm',
    'models/default.inkprint',
    'models/pen.inkprint',
  ];
  const missing = required.filter((file) => !fs.existsSync(path.join(WEB_ROOT, file)));
  if (missing.length > 0) {
    throw new Error(
      `missing in web/: ${missing.join(', ')}. Build the WebAssembly module with ` +
        'scripts/build.sh, and train the models with scripts/train-default-model.sh and ' +
        'scripts/train-pen-model.sh.',
    );
  }
}

// Returns the SVC2004 data folder: INKPRINT_SVC2004_DIR, or ../shared/data/svc2004 beside the
// repository. Throws when it has no Task1 folder.
export function svc2004Folder() {
  const folder =
    process.env.INKPRINT_SVC2004_DIR || path.resolve(REPO_ROOT, '..', 'shared', 'data', 'svc2004');
  if (!fs.existsSync(path.join(folder, 'Task1'))) {
    throw new Error(
      `SVC2004 data not found: ${folder} has no Task1 folder. Place the SVC2004 Task 1 and ` +
        'Task 2 files there (Task1/U1S1.TXT ... Task2/U40S40.TXT), or set INKPRINT_SVC2004_DIR ' +
        'to the folder that contains Task1/ and Task2/.',
    );
  }
  return folder;
}

// Reads one SVC2004 file. Returns its samples as { x, y, t, stroke }, with x and y in tablet
// units (y grows downward) and t in milliseconds as recorded. A stroke starts at a sample whose
// button column is 0, or after a time gap of more than SVC2004_STROKE_GAP_MS.
export function readSvc2004File(filePath) {
  const lines = fs.readFileSync(filePath, 'utf8').trim().split(/\r?\n/);
  const declared = Number(lines[0]);
  assert.equal(lines.length - 1, declared, `${filePath}: point count on line 1`);

  const samples = [];
  let stroke = -1;
  for (const line of lines.slice(1)) {
    const [x, y, t, button] = line.trim().split(/\s+/).map(Number);
    const previous = samples[samples.length - 1];
    if (previous === undefined || button === 0 || t - previous.t > SVC2004_STROKE_GAP_MS) {
      stroke += 1;
    }
    samples.push({ x, y, t, stroke });
  }
  return samples;
}

// Maps samples to page coordinates that fit inside `box` (from locator.boundingBox()) less a
// margin, centred and keeping the aspect ratio, then `shrink` times smaller.
export function fitToBox(samples, box, margin, shrink = 1) {
  const xs = samples.map((sample) => sample.x);
  const ys = samples.map((sample) => sample.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const width = Math.max(Math.max(...xs) - minX, 1);
  const height = Math.max(Math.max(...ys) - minY, 1);

  const scale = Math.min((box.width - 2 * margin) / width, (box.height - 2 * margin) / height) / shrink;
  const left = box.x + (box.width - width * scale) / 2;
  const top = box.y + (box.height - height * scale) / 2;

  return samples.map((sample) => ({
    ...sample,
    pageX: left + (sample.x - minX) * scale,
    pageY: top + (sample.y - minY) * scale,
  }));
}

// Draws samples on the pad as real mouse strokes, each sample at its recorded time relative
// to the first. The button goes down at a stroke's first sample and up right after its last,
// and the mouse moves without a button to the next stroke's start when that stroke is due.
// A sample whose time has already passed is sent at once, so a slow machine stretches the
// signature but never drops samples. Returns { recordedMs, replayedMs, maxLagMs }.
//
// The events go through the browser's input pipeline with the DevTools protocol's
// Input.dispatchMouseEvent, which page.mouse also uses. page.mouse cannot keep a 10 ms pace,
// because each of its moves with the button down waits for a rendered frame and runs drag
// detection scripts: U31S1 (1.8 s) took 2.6 s to replay through it. Sending without waiting
// for each reply keeps the order, because one protocol session handles commands in order.
//
// With `pressure`, a function from a sample's index to a value from 0 to 1, the events come
// from a pen that measures that pressure instead of from a mouse. `shrink` draws the signature
// that many times smaller than the pad fits, still centred.
export async function replaySignature(page, samples, { pressure = null, shrink = 1 } = {}) {
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const points = fitToBox(samples, box, Math.min(box.width, box.height) * 0.08, shrink);

  const session = await page.context().newCDPSession(page);
  const sent = [];
  const dispatch = (type, point, buttonDown, index) => {
    const event = {
      type,
      x: point.pageX,
      y: point.pageY,
      button: type === 'mouseMoved' && !buttonDown ? 'none' : 'left',
      buttons: buttonDown ? 1 : 0,
      clickCount: type === 'mouseMoved' ? 0 : 1,
    };
    if (pressure !== null) {
      event.pointerType = 'pen';
      event.force = buttonDown ? pressure(index) : 0;
    }
    sent.push(session.send('Input.dispatchMouseEvent', event));
  };

  const startTime = performance.now();
  const firstT = points[0].t;
  let maxLagMs = 0;

  for (const [index, point] of points.entries()) {
    const dueTime = startTime + (point.t - firstT);
    const waitMs = dueTime - performance.now();
    if (waitMs > 0) {
      await sleep(waitMs);
    }
    maxLagMs = Math.max(maxLagMs, performance.now() - dueTime);

    const startsStroke = index === 0 || point.stroke !== points[index - 1].stroke;
    const endsStroke = index === points.length - 1 || point.stroke !== points[index + 1].stroke;
    if (startsStroke) {
      dispatch('mouseMoved', point, false, index);
      dispatch('mousePressed', point, true, index);
    } else {
      dispatch('mouseMoved', point, true, index);
    }
    if (endsStroke) {
      dispatch('mouseReleased', point, false, index);
    }
  }

  await Promise.all(sent);
  const replayedMs = performance.now() - startTime;
  await session.detach();

  return { recordedMs: points[points.length - 1].t - firstT, replayedMs, maxLagMs };
}

export async function textOf(page, selector) {
  return (await page.textContent(selector)).trim();
}

// Returns samples of a wavy two-stroke scribble, different for each variant, 10 ms apart.
export function makeScribble(variant) {
  const samples = [];
  for (let i = 0; i < 40; i += 1) {
    samples.push({ x: i * 10, y: 60 * Math.sin(i / 5 + variant * 0.3), t: i * 10, stroke: 0 });
  }
  for (let i = 0; i < 15; i += 1) {
    samples.push({ x: 100 + i * 12, y: 90 + i * 2, t: 500 + i * 10, stroke: 1 });
  }
  return samples;
}

// Enrols `count` scribbles for `person`, variants first, first + 1, ... The page refuses to
// enrol a copy of a person's earlier enrolment signature, so later calls for the same person
// start after the variants already enrolled.
export async function enrolScribbles(page, person, count, first = 0) {
  await page.fill('#person', person);
  for (let variant = first; variant < first + count; variant += 1) {
    await replaySignature(page, makeScribble(variant));
    await page.click('#enrol');
    assert.notEqual(
      await page.getAttribute('#message', 'data-kind'),
      'error',
      await textOf(page, '#message'),
    );
  }
}

// Adds a second pad, window.testPad, on a canvas at a known place (window.testCanvas). The
// canvas is 20 px from the left and 30 px from the top, 300 x 150 CSS pixels with a 4 px
// border inside, so its content box starts at (24, 34).
export async function installTestPad(page) {
  await page.evaluate(async () => {
    const { SignaturePad } = await import('./pad.js');
    const canvas = document.createElement('canvas');
    Object.assign(canvas.style, {
      position: 'fixed',
      left: '20px',
      top: '30px',
      width: '300px',
      height: '150px',
      border: '4px solid black',
      touchAction: 'none',
      color: 'black',
    });
    document.body.append(canvas);
    window.testCanvas = canvas;
    window.testPad = new SignaturePad(canvas);
  });
}

// The page keeps enrolments in IndexedDB (see web/enrolments.js): one record per person in the
// object store "people" of the database "inkprint-enrolments".
export const ENROLMENT_DATABASE = 'inkprint-enrolments';
export const LEGACY_ENROLMENT_KEY = 'inkprint.enrolments.v1';

// Runs one call on the page's enrolment object store, inside the page: "getAll" returns every
// record, "clear" deletes them all with the passphrase settings, and "put" writes `value`.
// The page's Content-Security-Policy forbids evaluating code from text, so the call is named,
// not passed as a function.
async function callEnrolmentStore(page, method, value = null) {
  return page.evaluate(
    ([name, method, value]) =>
      new Promise((resolve, reject) => {
        // Opens the current version, creating the page's object stores if the page never ran.
        const open = indexedDB.open(name);
        open.onupgradeneeded = () => {
          open.result.createObjectStore('people', { keyPath: 'person' });
        };
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const database = open.result;
          const mode = method === 'getAll' ? 'readonly' : 'readwrite';
          // "clear" empties every object store, the passphrase settings too.
          const names = method === 'clear' ? [...database.objectStoreNames] : ['people'];
          const transaction = database.transaction(names, mode);
          const store = transaction.objectStore('people');
          const request = method === 'put' ? store.put(value) : store[method]();
          for (const name of names.filter((name) => name !== 'people')) {
            transaction.objectStore(name).clear();
          }
          transaction.oncomplete = () => {
            database.close();
            resolve(request.result);
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    [ENROLMENT_DATABASE, method, value],
  );
}

// Returns the stored enrolment records as an object from person name to record.
export async function readEnrolments(page) {
  const records = await callEnrolmentStore(page, 'getAll');
  return Object.fromEntries(records.map((record) => [record.person, record]));
}

// Writes raw records, readable or not, as another program or an older page could have.
export async function writeEnrolmentRecords(page, records) {
  for (const record of records) {
    await callEnrolmentStore(page, 'put', record);
  }
}

// Deletes every stored enrolment and the localStorage value of earlier versions.
export async function clearEnrolments(page) {
  await callEnrolmentStore(page, 'clear');
  await page.evaluate(() => localStorage.clear());
}

// Starts the page's server and a headless Chromium before a test file's tests and stops them
// after. Returns an object whose `server` and `browser` are set once the tests start, and whose
// `folder` is a fresh temporary folder when `folderPrefix` is given. With `skip` true (the data
// is missing) nothing starts.
export function usePageSession({ folderPrefix = null, skip = false } = {}) {
  const session = { server: null, browser: null, folder: null };
  before(async () => {
    if (skip) return;
    requireBuiltModule();
    session.server = await startServer();
    session.browser = await launchBrowser();
    if (folderPrefix !== null) {
      session.folder = fs.mkdtempSync(path.join(os.tmpdir(), folderPrefix));
    }
  });
  after(async () => {
    await session.browser?.close();
    await session.server?.stop();
    if (session.folder !== null) {
      fs.rmSync(session.folder, { recursive: true, force: true });
    }
  });
  return session;
}

// Returns why a test that needs the SVC2004 data must be skipped, or false. Under
// INKPRINT_REQUIRE_DATA=1 (set under CI) it is never skipped, and svc2004Folder() fails with
// instructions instead.
export function svc2004SkipReason() {
  if (process.env.INKPRINT_REQUIRE_DATA === '1') return false;
  const folder =
    process.env.INKPRINT_SVC2004_DIR || path.resolve(REPO_ROOT, '..', 'shared', 'data', 'svc2004');
  if (fs.existsSync(path.join(folder, 'Task1'))) return false;
  return (
    `SVC2004 data not found at ${folder}: set INKPRINT_SVC2004_DIR to the folder that ` +
    'contains Task1/ and Task2/'
  );
}

// Imports a file into the pad through the Import button and the file picker, and waits for the
// page's message about it.
export async function importFile(page, filePath) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#import')]);
  await chooser.setFiles(filePath);
  await page.waitForFunction(() => document.getElementById('message').textContent.includes('Import'));
}
