// The training worker's results after its WebAssembly memory grows: a model file it sent
// before the growth, and the signatures it read before the growth, must still be whole.
// Growing the memory detaches every view of the old buffer, so a result that was a view into
// the heap would turn empty here.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertClean, launchBrowser, loadPage, openPage, requireBuiltModule, startServer } from './helpers.mjs';

// Points per signature of the second data set: 18 signatures of 40,000 points take about
// 23 MB in the worker's heap (32 bytes per point), more than the initial 16 MB.
const LONG_POINTS = 40_000;

let server;
let browser;

before(async () => {
  requireBuiltModule();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('training results survive heap growth', { timeout: 120_000 }, async () => {
  const page = await openPage(browser.context, server.origin);
  assert.equal(await loadPage(page, server.url), 'ready');

  const outcome = await page.evaluate(async (longPoints) => {
    const worker = new Worker('train-worker.js');
    // Resolves with the worker's next message of `type`, and rejects on an error message.
    const next = (type) =>
      new Promise((resolve, reject) => {
        const listener = (event) => {
          if (event.data.type !== type && event.data.type !== 'error') {
            return;
          }
          worker.removeEventListener('message', listener);
          if (event.data.type === 'error') {
            reject(new Error(event.data.message));
          } else {
            resolve(event.data);
          }
        };
        worker.addEventListener('message', listener);
      });
    const heapBytes = async () => {
      worker.postMessage({ type: 'stats' });
      return (await next('stats')).heapBytes;
    };
    // SVC2004 text: the point count, then "x y t_ms button" per point. The points are 2 ms
    // apart, so that the longest signature here (40,000 points) lasts 80 s, within what
    // training accepts.
    const svc2004Text = (points, variant) => {
      const lines = [String(points)];
      for (let i = 0; i < points; i += 1) {
        const x = Math.round((i * 4000) / points);
        const y = Math.round(1000 + 600 * Math.sin((i * 12) / points + variant * 0.4));
        lines.push(`${x} ${y} ${i * 2} 1`);
      }
      return `${lines.join('\n')}\n`;
    };
    // Genuine signatures S1-S4 and forgeries S21-S22 of each user.
    const addWriters = async (users, points) => {
      const files = [];
      for (const user of users) {
        for (const number of [1, 2, 3, 4, 21, 22]) {
          // Every file differs, because the worker reads a repeated file once.
          const variant = user * 3 + (number > 20 ? 1.5 + (number - 21) * 0.2 : number * 0.1);
          const name = `U${user}S${number}.TXT`;
          files.push({ file: new File([svc2004Text(points, variant)], name), path: name });
        }
      }
      worker.postMessage({ type: 'addFiles', files });
      return next('dataset');
    };
    const train = async () => {
      const config = { epochs: 1, pairsPerEpoch: 32, batchSize: 32, augmentedCopies: 0, seed: 1 };
      worker.postMessage({ type: 'start', config, captured: [], baseModel: null, baseName: '' });
      return next('done');
    };

    await next('ready');
    const firstDataset = await addWriters([1, 2, 3], 200);
    const firstRun = await train();
    const firstModel = firstRun.model;
    const firstCopy = Array.from(new Uint8Array(firstModel));
    const heapAfterFirst = await heapBytes();

    const secondDataset = await addWriters([4, 5, 6], longPoints);
    const secondRun = await train();
    const heapAfterSecond = await heapBytes();
    worker.terminate();

    const { VerifyWorker } = await import('./verify-client.js');
    const verifier = new VerifyWorker();
    const firstLoaded = await verifier.load(firstModel.slice(0));
    const secondLoaded = await verifier.load(secondRun.model);
    verifier.terminate();

    return {
      problems: [...firstDataset.problems, ...secondDataset.problems],
      writers: secondDataset.writers.length,
      firstFailure: firstRun.failure,
      secondFailure: secondRun.failure,
      secondWriters: [secondRun.trainWriters, secondRun.validationWriters],
      heapAfterFirst,
      heapAfterSecond,
      firstModelUnchanged:
        firstModel.byteLength === firstCopy.length &&
        new Uint8Array(firstModel).every((byte, index) => byte === firstCopy[index]),
      firstModelBytes: firstModel.byteLength,
      firstLoaded: firstLoaded.embeddingSize,
      secondLoaded: secondLoaded.embeddingSize,
    };
  }, LONG_POINTS);
  console.log(
    `training worker heap: ${outcome.heapAfterFirst} bytes after the first run, ` +
      `${outcome.heapAfterSecond} after the second`,
  );

  assert.deepEqual(outcome.problems, []);
  assert.equal(outcome.writers, 6);
  assert.equal(outcome.firstFailure, null);
  assert.equal(outcome.secondFailure, null);
  // The second run read the first three writers' points again after they had been kept in the
  // worker while its heap grew: all six writers trained or validated.
  assert.deepEqual(outcome.secondWriters, [5, 1]);
  assert.ok(
    outcome.heapAfterSecond > outcome.heapAfterFirst,
    `the heap did not grow: ${outcome.heapAfterFirst} bytes, then ${outcome.heapAfterSecond}`,
  );
  assert.ok(outcome.firstModelBytes > 0, 'the first model is empty');
  assert.ok(outcome.firstModelUnchanged, 'the first model changed after the heap grew');
  assert.equal(outcome.firstLoaded, 16);
  assert.equal(outcome.secondLoaded, 16);
  assertClean(page);
});
