// Tests of the WebAssembly Trainer, which the page's training worker uses.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultModelBytes, loadModule, messageOf, skipWithoutData, svc2004Folder } from './load-module.mjs';

let mod;

before(async () => {
  mod = await loadModule('inkprint-train');
});

function readSignature(user, index) {
  const name = `U${user}S${index}.TXT`;
  return mod.readSvc2004Text(readFileSync(join(svc2004Folder, 'Task1', name), 'utf8'), name);
}

// Adds SVC2004 Task 1 users 1-4 as training and 5-6 as validation writers.
function addWriters(trainer) {
  for (let user = 1; user <= 6; user += 1) {
    const genuine = [];
    const forgeries = [];
    for (let index = 1; index <= 20; index += 1) {
      genuine.push(readSignature(user, index));
      forgeries.push(readSignature(user, index + 20));
    }
    trainer.addWriter(`user ${user}`, user <= 4 ? 'train' : 'validation', 1, genuine, forgeries);
  }
}

function trainAll(trainer, stepsPerCall) {
  const epochs = [];
  for (;;) {
    const chunk = trainer.run(stepsPerCall);
    assert.ok(chunk.steps >= 1 && chunk.steps <= stepsPerCall, `steps ${chunk.steps}`);
    if (chunk.epochEnded) {
      epochs.push({ loss: chunk.epochLoss, eer: chunk.validationEer });
    }
    if (chunk.finished) {
      return epochs;
    }
  }
}

test('trainer runs epochs in chunks', { skip: skipWithoutData() }, () => {
  const trainer = new mod.Trainer();
  addWriters(trainer);
  assert.equal(trainer.writerCount('train'), 4);
  assert.equal(trainer.writerCount('validation'), 2);
  trainer.configure({ epochs: 3, pairsPerEpoch: 256, augmentedCopies: 1, data: 'SVC2004 users 1-6' });
  assert.equal(trainer.hasModel(), false);
  assert.equal(trainer.parameterCount(), 3004);

  const epochs = trainAll(trainer, 3);
  assert.equal(epochs.length, 3);
  for (const epoch of epochs) {
    assert.ok(Number.isFinite(epoch.loss) && epoch.loss > 0, `loss ${epoch.loss}`);
    assert.ok(epoch.eer >= 0 && epoch.eer <= 1, `EER ${epoch.eer}`);
  }
  assert.ok(trainer.hasModel());
  assert.equal(trainer.bestValidationEer(), Math.min(...epochs.map((epoch) => epoch.eer)));

  const description = JSON.parse(new mod.Model(trainer.modelBytes()).describe());
  assert.equal(description.training.trainedIn, 'browser');
  assert.equal(description.training.startedFrom, 'fresh weights');
  assert.equal(description.training.data, 'SVC2004 users 1-6');
  assert.equal(description.training.bestEpoch, trainer.bestEpoch());
  trainer.delete();
});

test('trainer fine-tunes the default model', { skip: skipWithoutData() }, () => {
  const trainer = new mod.Trainer();
  addWriters(trainer);
  trainer.configure({
    epochs: 1,
    pairsPerEpoch: 64,
    augmentedCopies: 0,
    layers: 'delay:4:11:3,tanh,average',
    baseModel: defaultModelBytes(),
    baseName: 'default model',
  });
  // The base model's layers are kept, so the layers option is not used.
  assert.equal(trainer.parameterCount(), 3004);
  trainAll(trainer, 100);
  const description = JSON.parse(new mod.Model(trainer.modelBytes()).describe());
  assert.equal(description.training.startedFrom, 'default model');
  assert.equal(description.training.layers, 'delay:12:11:3,tanh,delay:16:10:3,tanh,average');
  trainer.delete();
});

test('trainer rejects invalid input', { skip: skipWithoutData() }, () => {
  const points = readSignature(1, 1);
  const trainer = new mod.Trainer();
  assert.match(
    messageOf(() => trainer.addWriter('Ann', 'test', 1, [points, points], [])),
    /writer role "test" of Ann is unknown/,
  );
  assert.match(messageOf(() => trainer.addWriter('Ann', 'train', 1, [points], [])), /^Ann has 1 genuine signature, and training needs at least 2 per writer/);
  assert.match(
    messageOf(() => trainer.addWriter('Ann', 'train', 1, [points, new Float64Array([1, 2, 3])], [])),
    /Ann genuine signature 2: /,
  );
  // A pause of 70 s in the middle of the second genuine signature.
  const paused = new Float64Array(points);
  for (let i = 5 * Math.floor(paused.length / 10) + 2; i < paused.length; i += 5) paused[i] += 70000;
  assert.match(
    messageOf(() => trainer.addWriter('Ann', 'train', 1, [points, paused], [])),
    /^Ann genuine signature 2: the signature pauses for 70\.\d s .*longer than the 60 s a signature for training may pause/,
  );
  assert.match(messageOf(() => trainer.run(5)), /not configured: call configure\(\) first/);
  assert.match(messageOf(() => trainer.configure({ epochs: 1.5 })), /epochs is 1.5: use a whole number/);
  assert.match(messageOf(() => trainer.configure({ learningRate: 'fast' })), /learningRate must be a number/);
  assert.match(messageOf(() => trainer.configure({ layers: 'delay:x' })), /delay:x/);
  assert.match(
    messageOf(() => trainer.configure({ baseModel: new Uint8Array([1, 2, 3]) })),
    /the starting model cannot be read/,
  );
  assert.match(messageOf(() => trainer.configure({})), /at least 2 training writers, got 0/);
  assert.match(messageOf(() => mod.readSvc2004Text('3\n1 2', 'bad.TXT')), /^bad.TXT: line 2/);
  trainer.delete();
});
