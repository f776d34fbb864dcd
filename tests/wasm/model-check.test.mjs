// The check that a model distinguishes signatures, run by the page when a model is imported or
// put to use: the shipped models pass it, and models whose embeddings are all zeros or all the
// same direction fail it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkModelSeparates } from '../../web/model-check.js';
import { defaultModelBytes, loadModule, penModelBytes } from './load-module.mjs';

test('shipped models pass the check', async () => {
  const module = await loadModule();
  for (const bytes of [defaultModelBytes(), penModelBytes()]) {
    const model = new module.Model(bytes);
    try {
      assert.doesNotThrow(() => checkModelSeparates(model));
    } finally {
      model.delete();
    }
  }
});

// Stands in for the module's Model: embed() returns `embedding(points)` as a Float32Array.
function fakeModel(embedding) {
  return { embed: (points) => Float32Array.from(embedding(points)) };
}

test('zero embeddings fail the check', () => {
  assert.throws(
    () => checkModelSeparates(fakeModel(() => [0, 0, 0, 0])),
    /^Error: the model gives an embedding of all zeros, so it cannot compare signatures/,
  );
});

test('one direction for all fails the check', () => {
  // Scaled copies of one vector: the cosine between any two is 1.
  assert.throws(
    () => checkModelSeparates(fakeModel((points) => [1, 2, 3].map((value) => value * (1 + points[5])))),
    /^Error: the model gives a straight line and a loop the same embedding \(cosine 1\.000000\)/,
  );
});

test('different directions pass the check', () => {
  assert.doesNotThrow(() => checkModelSeparates(fakeModel((points) => [points[5], 1, 0])));
});
