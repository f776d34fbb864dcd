// The check that a model distinguishes clearly different signatures, which the page runs when a
// model is imported, put to use or saved after training. The shipped models and a short
// fine-tune pass it. Models whose embeddings are zero, barely move or accept most probe pairs
// fail it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { checkModelSeparates, measureFusedSeparation, PROBE_SIGNATURES } from '../../web/model-check.js';
import { editDescription } from '../model-file.mjs';
import {
  checkProblem,
  defaultModelBytes,
  loadModule,
  penModelBytes,
  skipWithoutData,
  svc2004Folder,
} from './load-module.mjs';

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

// Stands in for the module's Model without fusion parameters: embed() returns
// `embedding(points)` as a Float32Array, and threshold() returns `threshold`.
function fakeModel(embedding, threshold = 0.7) {
  return {
    embed: (points) => Float32Array.from(embedding(points)),
    threshold: () => threshold,
    hasFusion: () => false,
  };
}

// Returns the index of the probe signature whose points are `points`.
function probeIndex(points) {
  return PROBE_SIGNATURES.findIndex((probe) => probe.points === points);
}

// Gives each probe its own axis, so that every pair has cosine 0.
const oneAxisEach = (points) => PROBE_SIGNATURES.map((_, index) => (index === probeIndex(points) ? 1 : 0));

test('zero embeddings fail the check', () => {
  assert.throws(
    () => checkModelSeparates(fakeModel((points) => (probeIndex(points) === 2 ? [0, 0, 0] : [1, probeIndex(points), 0]))),
    /^Error: the model gives an embedding of all zeros to the test shapes "zigzag", so it cannot compare such signatures/,
  );
});

test('non-finite embeddings fail the check', () => {
  assert.throws(
    () => checkModelSeparates(fakeModel((points) => (probeIndex(points) === 0 ? [Number.NaN, 1] : [1, probeIndex(points)]))),
    /^Error: the model gives an embedding that is not finite to the test shapes "straight line"/,
  );
});

test('barely moving embeddings fail the check', () => {
  // Cosines of about 0.9996 between probes, and a threshold of 1.
  const embedding = (points) => [71.5, 0, 0, probeIndex(points) === 0 ? 2 : 0.1 * probeIndex(points)];
  assert.throws(
    () => checkModelSeparates(fakeModel(embedding, 1)),
    /^Error: the model's embeddings of clearly different test shapes barely differ \(every cosine between them is 0\.99\d\d or more\) and its cosine threshold is 1\.0000/,
  );
  // The same embeddings with a lower threshold accept every pair.
  assert.throws(() => checkModelSeparates(fakeModel(embedding, 0.98)), /accepts 28 of 28 pairs/);
  // Cosines of 0.96 or more with a threshold of 0.9964, as a relu network trained at learning
  // rate 1 gave: it accepted 10 of the 28 pairs but scored every real signature within 0.05.
  const narrow = (points) => [1, 0.04 * probeIndex(points)];
  assert.throws(() => checkModelSeparates(fakeModel(narrow, 0.9964)), /barely differ \(every cosine between them is 0\.96\d\d or more\)/);
});

test('accepting most pairs fails the check', () => {
  assert.throws(
    () => checkModelSeparates(fakeModel(oneAxisEach, -0.5)),
    /^Error: at its cosine threshold -0\.5000 the model accepts 28 of 28 pairs of clearly different test shapes as the same writer \("straight line" and "row of loops" have cosine 0\.0000\)/,
  );
});

test('different directions pass the check', () => {
  assert.doesNotThrow(() => checkModelSeparates(fakeModel(oneAxisEach, 0.7)));
});

// Trains a model in the WebAssembly Trainer on SVC2004 Task 1 users 1 to `users`, with the last
// fifth (at least 1) validating, as the page splits them. Returns the model file.
function trainModel(module, users, options) {
  const trainer = new module.Trainer();
  const validationCount = Math.max(1, Math.round(users * 0.2));
  for (let user = 1; user <= users; user += 1) {
    const genuine = [];
    const forgeries = [];
    for (let index = 1; index <= 20; index += 1) {
      for (const [list, number] of [[genuine, index], [forgeries, index + 20]]) {
        const name = `U${user}S${number}.TXT`;
        list.push(module.readSvc2004Text(readFileSync(join(svc2004Folder, 'Task1', name), 'utf8'), name));
      }
    }
    trainer.addWriter(`user ${user}`, user > users - validationCount ? 'validation' : 'train', 1, genuine, forgeries);
  }
  trainer.configure({ batchSize: 32, ...options });
  while (!trainer.run(50).finished) {
    // Runs to the last epoch.
  }
  const bytes = trainer.modelBytes();
  trainer.delete();
  return bytes;
}

function checkTrained(module, bytes) {
  const model = new module.Model(bytes);
  try {
    checkModelSeparates(model);
  } finally {
    model.delete();
  }
}

test('useless trained models fail the check', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const module = await loadModule('inkprint-train');
  // Every real signature gets nearly the same embedding, and the threshold is 1.
  const oneDirection = trainModel(module, 4, {
    epochs: 3,
    pairsPerEpoch: 64,
    learningRate: 1,
    augmentedCopies: 0,
    layers: 'delay:8:3:3,relu,average,dense:4,relu',
  });
  assert.throws(() => checkTrained(module, oneDirection), /embeddings of clearly different test shapes barely differ/);
  // 8 % of real signatures get an embedding of all zeros, and 45 % of other writers' are accepted.
  const deadUnits = trainModel(module, 10, {
    epochs: 4,
    pairsPerEpoch: 1024,
    learningRate: 0.03,
    augmentedCopies: 2,
    layers: 'delay:8:5:2,tanh,average,dense:2,relu',
  });
  assert.throws(() => checkTrained(module, deadUnits), /gives an embedding of all zeros to the test shapes/);
});

test('short fine-tune passes the check', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const module = await loadModule('inkprint-train');
  const tuned = trainModel(module, 4, {
    epochs: 1,
    pairsPerEpoch: 64,
    augmentedCopies: 0,
    baseModel: defaultModelBytes(),
    baseName: 'the default model',
  });
  assert.doesNotThrow(() => checkTrained(module, tuned));
});

// Fusion parameters edited by hand can make the fused score accept or reject nearly everyone,
// while the network and its cosine threshold still pass.
test('edited fusion fails the fused check', async () => {
  const module = await loadModule();
  const messageFor = (edit) => checkProblem(module, editDescription(defaultModelBytes(), edit), checkModelSeparates);
  const shipped = new module.Model(defaultModelBytes());
  try {
    const fused = measureFusedSeparation(shipped);
    assert.ok(fused.pairsAccepted <= 2, `${fused.pairsAccepted} pairs accepted`);
    assert.equal(fused.variationsAccepted, fused.variations);
  } finally {
    shipped.delete();
  }
  assert.match(
    messageFor((d) => (d.fusion.dtwMean -= 40)),
    /^with its fused score the model accepts 56 of 56 pairs of clearly different test shapes as the same writer/,
  );
  assert.match(messageFor((d) => (d.fusion.dtwCalibration.bias += 20)), /accepts \d+ of 56 pairs/);
  assert.match(
    messageFor((d) => (d.fusion.dtwMean += 40)),
    /^with its fused score the model rejects 8 of 8 slight variations of an enrolled test shape/,
  );
  assert.match(messageFor((d) => (d.fusion.dtwCalibration.bias -= 20)), /rejects \d of 8 slight variations/);
});
