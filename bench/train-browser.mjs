// Measures training speed in pairs per second three ways, on SVC2004 Task 1 users 1-10:
// natively (inkprint-train), in the WebAssembly module under Node (the Trainer binding), and in
// the page's Web Worker in headless Chromium (the page's own buttons).
//   node bench/train-browser.mjs [--epochs N] [--pairs N]      after scripts/build.sh
// The Node and worker figures time the Trainer's run() calls, which include the validation at
// each epoch's end (80 signatures of 2 writers). The native figure is the epoch time that
// inkprint-train prints, which excludes its validation. That run trains on its default 50
// writers, since the time of one step does not depend on the number of writers, and with
// NATIVE_PAIRS_FACTOR times more pairs per epoch, because it prints epoch times to 0.1 s.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { launchBrowser, loadPage, openPage, requireBuiltModule, startServer, REPO_ROOT } from '../tests/browser/helpers.mjs';
import { loadModule, svc2004Folder } from '../tests/wasm/load-module.mjs';

const USERS = 10;
const VALIDATION_USERS = 2;
const NATIVE_PAIRS_FACTOR = 8;

function parseArguments(args) {
  const options = { epochs: 5, pairs: 2048 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < 1) {
      console.error(`invalid argument ${args[i]} ${args[i + 1]}: use --epochs N and --pairs N with whole numbers >= 1`);
      process.exit(2);
    }
    options[name] = value;
  }
  return options;
}

function svc2004Path(user, index) {
  return path.join(svc2004Folder, 'Task1', `U${user}S${index}.TXT`);
}

function measureNative({ epochs, pairs: workerPairs }) {
  const pairs = workerPairs * NATIVE_PAIRS_FACTOR;
  const tool = path.join(REPO_ROOT, 'build', 'native', 'inkprint-train');
  const folder = mkdtempSync(path.join(os.tmpdir(), 'inkprint-bench-'));
  try {
    const output = execFileSync(
      tool,
      ['--tasks', '1', '--epochs', String(epochs), '--pairs', String(pairs), '--augment', '0',
        '--out', path.join(folder, 'model.inkprint')],
      { encoding: 'utf8', env: { ...process.env, INKPRINT_SVC2004_DIR: svc2004Folder } },
    );
    const seconds = [...output.matchAll(/^epoch +\d+ .* ([\d.]+) s$/gm)].map((match) => Number(match[1]));
    if (seconds.length !== epochs) {
      throw new Error(`inkprint-train printed ${seconds.length} epoch lines, expected ${epochs}:\n${output}`);
    }
    const total = seconds.reduce((sum, value) => sum + value, 0);
    return (epochs * Math.floor(pairs / 32) * 32) / total;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function measureNode({ epochs, pairs }) {
  const module = await loadModule('inkprint-train');
  const trainer = new module.Trainer();
  for (let user = 1; user <= USERS; user += 1) {
    const read = (index) => module.readSvc2004Text(readFileSync(svc2004Path(user, index), 'utf8'), `U${user}S${index}.TXT`);
    const genuine = [];
    const forgeries = [];
    for (let index = 1; index <= 20; index += 1) {
      genuine.push(read(index));
      forgeries.push(read(index + 20));
    }
    trainer.addWriter(`user ${user}`, user > USERS - VALIDATION_USERS ? 'validation' : 'train', 1, genuine, forgeries);
  }
  trainer.configure({ epochs, pairsPerEpoch: pairs, augmentedCopies: 0 });
  let milliseconds = 0;
  let steps = 0;
  for (;;) {
    const started = performance.now();
    const chunk = trainer.run(25);
    milliseconds += performance.now() - started;
    steps += chunk.steps;
    if (chunk.finished) break;
  }
  trainer.delete();
  return (steps * 32 * 1000) / milliseconds;
}

async function measureWorker({ epochs, pairs }) {
  requireBuiltModule();
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser.context, server.origin);
    if ((await loadPage(page, server.url)) !== 'ready') {
      throw new Error(`the page did not load: ${await page.textContent('#message')}`);
    }
    await page.waitForSelector('#dataset-files:not([disabled])', { timeout: 30_000 });
    const files = [];
    for (let user = 1; user <= USERS; user += 1) {
      for (let index = 1; index <= 40; index += 1) files.push(svc2004Path(user, index));
    }
    await page.setInputFiles('#dataset-file-input', files);
    await page.waitForSelector(`#dataset-summary[data-writers="${USERS}"]`, { timeout: 60_000 });
    await page.selectOption('#train-base', 'fresh');
    await page.fill('#train-epochs', String(epochs));
    await page.fill('#train-pairs', String(pairs));
    await page.fill('#train-augment', '0');
    await page.click('#train-start');
    await page.waitForFunction(
      () => ['finished', 'failed'].includes(document.getElementById('training').dataset.state),
      null,
      { timeout: 600_000 },
    );
    if ((await page.getAttribute('#training', 'data-state')) !== 'finished') {
      throw new Error(`training failed in the page: ${await page.textContent('#train-message')}`);
    }
    return Number(await page.getAttribute('#train-status', 'data-pairs-per-second'));
  } finally {
    await browser.close();
    await server.stop();
  }
}

const options = parseArguments(process.argv.slice(2));
if (!existsSync(path.join(svc2004Folder, 'Task1'))) {
  console.error(`SVC2004 data not found at ${svc2004Folder}: set INKPRINT_SVC2004_DIR to the folder with Task1/`);
  process.exit(1);
}
console.log(`training speed, ${options.epochs} epochs of ${options.pairs} pairs, batches of 32, published network`);
console.log(`native (inkprint-train):          ${Math.round(measureNative(options))} pairs per second`);
console.log(`WebAssembly in Node (Trainer):    ${Math.round(await measureNode(options))} pairs per second`);
console.log(`WebAssembly in a Chromium worker: ${Math.round(await measureWorker(options))} pairs per second`);
