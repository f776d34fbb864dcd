// The verification worker (web/verify-worker.js through web/verify-client.js) on the page's
// origin: its replies and errors, and 10,000 verifications that leave its WebAssembly memory
// where it was after a warm-up.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertClean, launchBrowser, loadPage, openPage, requireBuiltModule, startServer } from './helpers.mjs';

const VERIFICATIONS = 10_000;
const WARM_UP_VERIFICATIONS = 500;

let server;
let browser;
let page;

before(async () => {
  requireBuiltModule();
  server = await startServer();
  browser = await launchBrowser();
  page = await openPage(browser.context, server.origin);
  assert.equal(await loadPage(page, server.url), 'ready');
  await page.evaluate(async () => {
    const { VerifyWorker } = await import('./verify-client.js');
    window.VerifyWorker = VerifyWorker;

    // A wavy signature of `length` points in two strokes, 10 ms apart, in the module's flat
    // format [x, y, t_ms, pressure, stroke]. `variant` changes its shape.
    window.makePoints = (length, variant) => {
      const points = new Float64Array(length * 5);
      for (let i = 0; i < length; i += 1) {
        const stroke = i < length / 2 ? 0 : 1;
        const x = (i * 400) / length + stroke * 30;
        const y = 60 * Math.sin((i * 12) / length + variant * 0.4) + stroke * 20;
        points.set([x, y, i * 10, Number.NaN, stroke], i * 5);
      }
      return points;
    };
    window.defaultModel = async () => (await fetch('models/default.inkprint')).arrayBuffer();
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('worker embeds, verifies and reports errors', async () => {
  const outcome = await page.evaluate(async () => {
    const verifier = new window.VerifyWorker();
    await verifier.ready;
    const errorOf = (promise) => promise.then(() => 'no error', (error) => error.message);

    const beforeLoad = await errorOf(verifier.embed(window.makePoints(100, 0)));
    const loaded = await verifier.load(await window.defaultModel());
    const badModel = await errorOf(verifier.load(new Uint8Array(100).buffer));

    const embeddings = new Float32Array(3 * loaded.embeddingSize);
    for (let variant = 0; variant < 3; variant += 1) {
      const { embedding } = await verifier.embed(window.makePoints(300, variant));
      embeddings.set(embedding, variant * loaded.embeddingSize);
    }
    const { reference } = await verifier.reference(embeddings);
    const genuine = await verifier.verify(reference.slice(), window.makePoints(300, 1));
    const other = await verifier.verify(reference.slice(), window.makePoints(300, 7));

    const empty = await errorOf(verifier.verify(reference.slice(), new Float64Array(0)));
    const notFinite = window.makePoints(50, 0);
    notFinite[1] = Number.NaN;
    const nan = await errorOf(verifier.verify(reference.slice(), notFinite));
    const wrongType = await errorOf(verifier.verify(reference.slice(), new Float32Array(10)));
    const stats = await verifier.stats();
    verifier.terminate();
    const afterTerminate = await errorOf(verifier.stats());
    return { beforeLoad, loaded, badModel, genuine, other, empty, nan, wrongType, stats, afterTerminate };
  });

  assert.match(outcome.beforeLoad, /no model is loaded/);
  assert.equal(outcome.loaded.embeddingSize, 16);
  assert.ok(Number.isFinite(outcome.loaded.threshold));
  assert.equal(JSON.parse(outcome.loaded.description).steps, 200);
  assert.match(outcome.badModel, /^not an Inkprint model file/);

  // Variant 1 was enrolled, so it is close to the reference, and variant 7 was not.
  assert.ok(outcome.genuine.score > outcome.other.score, JSON.stringify(outcome));
  assert.equal(outcome.genuine.accepted, outcome.genuine.score >= outcome.genuine.threshold);
  assert.equal(outcome.genuine.threshold, outcome.loaded.threshold);

  assert.match(outcome.empty, /signature is empty/);
  assert.match(outcome.nan, /point 0 has an invalid y \(NaN\)/);
  assert.match(outcome.wrongType, /points must be a Float64Array, got Float32Array/);
  assert.ok(outcome.stats.heapBytes >= 16 * 1024 * 1024, `heap ${outcome.stats.heapBytes}`);
  assert.ok(outcome.stats.heapBytesInUse > 0);
  assert.match(outcome.afterTerminate, /terminated/);
  assertClean(page);
});

test('10,000 verifications keep the heap flat', { timeout: 120_000 }, async () => {
  const outcome = await page.evaluate(
    async ([verifications, warmUp]) => {
      const verifier = new window.VerifyWorker();
      await verifier.ready;
      await verifier.load(await window.defaultModel());

      const embeddings = new Float32Array(3 * 16);
      for (let variant = 0; variant < 3; variant += 1) {
        embeddings.set((await verifier.embed(window.makePoints(400, variant))).embedding, variant * 16);
      }
      const { reference } = await verifier.reference(embeddings);

      // Signatures of 2 to 20,000 points, and three that fail: empty, a NaN coordinate and a
      // point array whose length is not a whole number of points.
      const makeCase = (index) => {
        const lengths = [2, 17, 150, 600, 1500, 5000, 20000];
        const kind = index % 10;
        if (kind < lengths.length) {
          return window.makePoints(lengths[kind], index % 13);
        }
        if (kind === 7) {
          return new Float64Array(0);
        }
        if (kind === 8) {
          const points = window.makePoints(300, 2);
          points[5 * 150] = Number.NaN;
          return points;
        }
        return new Float64Array(12);
      };

      const scores = new Map();
      const errors = new Map();
      let mismatches = 0;
      const verifyOne = async (index) => {
        const key = `${index % 10}/${index % 13}`;
        try {
          const { score } = await verifier.verify(reference.slice(), makeCase(index));
          if (scores.has(key) && scores.get(key) !== score) {
            mismatches += 1;
          }
          scores.set(key, score);
        } catch (error) {
          const kind = index % 10;
          errors.set(kind, (errors.get(kind) ?? new Set()).add(error.message));
        }
      };

      for (let index = 0; index < warmUp; index += 1) {
        await verifyOne(index);
      }
      const warm = await verifier.stats();
      const started = performance.now();
      for (let index = warmUp; index < warmUp + verifications; index += 1) {
        await verifyOne(index);
      }
      const elapsedMs = performance.now() - started;
      const end = await verifier.stats();
      verifier.terminate();
      return {
        warm,
        end,
        elapsedMs,
        mismatches,
        scoreKeys: scores.size,
        errors: Object.fromEntries([...errors].map(([kind, messages]) => [kind, [...messages]])),
      };
    },
    [VERIFICATIONS, WARM_UP_VERIFICATIONS],
  );
  console.log(
    `verify-worker: ${VERIFICATIONS} verifications in ${Math.round(outcome.elapsedMs)} ms; heap ` +
      `${outcome.warm.heapBytes} -> ${outcome.end.heapBytes} bytes, in use ` +
      `${outcome.warm.heapBytesInUse} -> ${outcome.end.heapBytesInUse} bytes`,
  );

  // Every valid signature kind verified, each time with the same score, and only the three
  // invalid kinds failed, each always with one message.
  assert.equal(outcome.mismatches, 0);
  assert.equal(outcome.scoreKeys, 7 * 13);
  assert.deepEqual(Object.keys(outcome.errors), ['7', '8', '9']);
  assert.match(outcome.errors[7].join(), /^signature is empty/);
  assert.match(outcome.errors[8].join(), /^point 150 has an invalid x \(NaN\)/);
  assert.match(outcome.errors[9].join(), /^point array has 12 values, which is not a multiple of 5/);

  // After the warm-up each request frees what it allocates, so neither figure may change.
  assert.equal(outcome.end.heapBytesInUse, outcome.warm.heapBytesInUse, 'bytes in use after warm-up and at the end');
  assert.equal(outcome.end.heapBytes, outcome.warm.heapBytes, 'heap size after warm-up and at the end');
  assert.equal(outcome.end.handles, outcome.warm.handles, 'JavaScript values held by the module');
  assertClean(page);
});
