// The fused TDNN and DTW verification through the WebAssembly module, as the page calls it:
// the enrolment embeddings one after another, the enrolment signatures' points, the query.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  defaultModelBytes,
  loadModule,
  messageOf,
  penModelBytes,
  root,
  skipWithoutData,
  svc2004Folder,
} from './load-module.mjs';
import { editDescription } from '../model-file.mjs';

let mod;
let model;
let fusion;
let training;

before(async () => {
  mod = await loadModule();
  model = new mod.Model(defaultModelBytes());
  training = JSON.parse(model.describe()).training;
  fusion = training.fusion;
});

// A wavy line in the flat format [x, y, t_ms, pressure, stroke] per point, in two strokes.
// `pressure(i)` gives point i's pen pressure; without it the points have none, as a mouse's.
function wave(frequency, points = 150, pressure = () => NaN) {
  const values = [];
  for (let i = 0; i < points; i++) {
    const stroke = i < points / 2 ? 0 : 1;
    values.push(i * 3, 40 * Math.sin((frequency * i) / points), i * 10 + stroke * 90, pressure(i), stroke);
  }
  return new Float64Array(values);
}

function embeddingsOf(signatures) {
  const size = model.embeddingSize();
  const embeddings = new Float32Array(signatures.length * size);
  signatures.forEach((points, index) => embeddings.set(model.embed(points), index * size));
  return embeddings;
}

test('default model carries fusion parameters', () => {
  assert.equal(model.hasFusion(), true);
  assert.ok(fusion, 'the description has a "fusion" member');
  assert.ok(fusion.dtwWeight >= 0, `dtwWeight ${fusion.dtwWeight}`);
  assert.ok(fusion.dtwWeight <= 1, `dtwWeight ${fusion.dtwWeight}`);
  assert.ok(Number.isFinite(fusion.threshold));
});

// The page's footer shows default-accuracy.json and pen-accuracy.json as the error rates of the
// default and the pen model, so each measurement must be of the configuration its model uses.
test('the shown accuracy was measured on each model\'s configuration', () => {
  const pen = new mod.Model(penModelBytes());
  const penTraining = JSON.parse(pen.describe()).training;
  pen.delete();
  const cases = [
    ['default', training, [1, 2]],
    ['pen', penTraining, [2]],
  ];
  for (const [name, modelTraining, tasks] of cases) {
    const modelFusion = modelTraining.fusion;
    // A calibration fitted on the validation users too covers users 1 to the last of them.
    const lastValidationUser = modelTraining.validationUsers.split('-')[1];
    const calibrateOn =
      modelTraining.dtwCalibrationUsers === `1-${lastValidationUser}` ? 'training,validation' : 'training';
    // The same for the users whose scores chose the fused threshold.
    const thresholdOn =
      modelTraining.thresholdUsers === `1-${lastValidationUser}` ? 'training,validation' : 'validation';
    const accuracy = JSON.parse(readFileSync(join(root, 'web', 'models', `${name}-accuracy.json`), 'utf8'));
    assert.deepEqual(accuracy.tasks.map((task) => task.task), tasks, name);
    for (const task of accuracy.tasks) {
      assert.equal(task.method, 'fusion', `${name}, task ${task.task}`);
      assert.equal(task.dtwSequence, modelFusion.dtwSequence,
        `${name}, task ${task.task} was measured with the ${task.dtwSequence} sequence but the model uses ` +
        `${modelFusion.dtwSequence}: run scripts/measure-${name}-accuracy.sh`);
      assert.equal(task.dtwNormalisation, modelFusion.dtwNormalisation, `${name}, task ${task.task}`);
      assert.equal(task.calibrateOn ?? 'training', calibrateOn,
        `${name}, task ${task.task} was measured with a calibration on ${task.calibrateOn ?? 'training'} users ` +
        `but the model's is on ${calibrateOn} users: run scripts/measure-${name}-accuracy.sh`);
      assert.equal(task.thresholdOn ?? 'validation', thresholdOn,
        `${name}, task ${task.task} was measured with a threshold chosen on ${task.thresholdOn ?? 'validation'} ` +
        `users but the model's was chosen on ${thresholdOn} users: run scripts/measure-${name}-accuracy.sh`);
      // The footer also shows the rates at the threshold each fold chose, when the file has them.
      for (const key of ['falseRejection', 'skilledAcceptance', 'randomAcceptance']) {
        const rate = task.atChosenThreshold?.[key]?.mean;
        const missing = `${name}, task ${task.task} has no rate ${key} at the chosen threshold: ` +
          `run scripts/measure-${name}-accuracy.sh`;
        assert.ok(rate >= 0, missing);
        assert.ok(rate <= 1, missing);
      }
    }
  }
});

test('fused score combines the standardised parts with the stored weight', () => {
  const enrolment = [wave(9), wave(10), wave(11), wave(10.5)];
  const embeddings = embeddingsOf(enrolment);
  for (const query of [wave(10.2), wave(25)]) {
    const result = model.verifyFused(embeddings, enrolment, query);
    const expected =
      fusion.dtwWeight * ((result.dtwScore - fusion.dtwMean) / fusion.dtwDeviation) +
      (1 - fusion.dtwWeight) * ((result.embeddingScore - fusion.tdnnMean) / fusion.tdnnDeviation);
    assert.ok(Math.abs(result.score - expected) < 1e-9, `${result.score} vs ${expected}`);
    assert.equal(result.threshold, fusion.threshold);
    assert.equal(result.accepted, result.score >= result.threshold);
  }
  // The existing verification path still works beside it.
  const reference = mod.makeReference(embeddings, model.embeddingSize());
  assert.ok(Number.isFinite(model.verify(reference, wave(10.2)).score));
});

test('fused verification rejects mismatched input', () => {
  const enrolment = [wave(9), wave(10), wave(11)];
  const embeddings = embeddingsOf(enrolment);
  assert.match(messageOf(() => model.verifyFused(embeddings, enrolment.slice(0, 2), wave(10))), /one embedding of 16 values per enrolment signature/);
  assert.match(messageOf(() => model.verifyFused(embeddings, 'not an array', wave(10))), /must be an Array/);
  assert.match(messageOf(() => model.verifyFused(embeddings, [wave(9), new Float64Array(3), wave(11)], wave(10))), /enrolment signature 2/);
  assert.match(messageOf(() => model.verifyFused('x', enrolment, wave(10))), /enrolment embeddings must be a Float32Array/);
});

test('fused score ranks a held-out genuine signature above its skilled forgery', (t) => {
  const reason = skipWithoutData();
  if (reason) return t.skip(reason);
  const read = (user, index) =>
    mod.parseSvc2004(readFileSync(join(svc2004Folder, 'Task1', `U${user}S${index}.TXT`), 'utf8'));
  let genuineSum = 0;
  let forgerySum = 0;
  for (const user of [31, 35, 40]) {
    const enrolment = [1, 2, 3, 4, 5].map((index) => read(user, index));
    const embeddings = embeddingsOf(enrolment);
    genuineSum += model.verifyFused(embeddings, enrolment, read(user, 15)).score;
    forgerySum += model.verifyFused(embeddings, enrolment, read(user, 25)).score;
  }
  assert.ok(genuineSum > forgerySum, `genuine ${genuineSum} vs forgery ${forgerySum}`);
});

test('an enrolment prepared ahead gives the same fused score', () => {
  const enrolment = [wave(9), wave(10), wave(11)];
  const embeddings = embeddingsOf(enrolment);
  const fresh = new mod.Model(defaultModelBytes());
  try {
    assert.equal(model.prepareEnrolment(enrolment), true);
    const query = wave(10.3);
    assert.equal(model.verifyFused(embeddings, enrolment, query).score, fresh.verifyFused(embeddings, enrolment, query).score);
  } finally {
    fresh.delete();
  }
  assert.match(messageOf(() => model.prepareEnrolment('not an array')), /must be an Array/);
  assert.match(messageOf(() => model.prepareEnrolment([wave(9), new Float64Array(3)])), /enrolment signature 2/);
  assert.match(messageOf(() => model.prepareEnrolment([])), /no enrolment signatures to prepare/);
});

// A threshold edited by hand beyond every score the model can give would accept or reject
// everyone, so such a file cannot verify. A threshold edited within those scores can.
test('edited fused threshold out of range', () => {
  const withThreshold = (threshold) =>
    editDescription(defaultModelBytes(), (description) => {
      description.fusion.threshold = threshold;
    });
  for (const [threshold, outcome] of [
    [-1000, 'accept'],
    [1000, 'reject'],
  ]) {
    // The network loads. The fusion parameters are read, and rejected, on first use.
    const edited = new mod.Model(withThreshold(threshold));
    let message;
    try {
      message = messageOf(() => edited.hasFusion());
      assert.equal(messageOf(() => edited.verifyFused(new Float32Array(16), [wave(9)], wave(10))), message);
    } finally {
      edited.delete();
    }
    assert.match(message, new RegExp(`threshold is ${threshold}, outside the fused scores .* so it would ${outcome} every signature`));
  }
  const shifted = new mod.Model(withThreshold(fusion.threshold + 0.25));
  try {
    const enrolment = [wave(9), wave(10), wave(11)];
    const result = shifted.verifyFused(embeddingsOf(enrolment), enrolment, wave(10.2));
    assert.equal(result.threshold, fusion.threshold + 0.25);
  } finally {
    shifted.delete();
  }
});

test('a tap or a dash cannot be enrolled', () => {
  const tap = new Float64Array([5, 5, 0, NaN, 0, 6, 5, 8, NaN, 0]);
  assert.match(messageOf(() => mod.checkEnrolment(tap)), /only 2 samples, fewer than the 10 an enrolment signature needs/);
  assert.match(messageOf(() => mod.checkEnrolment(wave(10, 12))), /pen was down for only 100 ms, less than the 200 ms/);
  assert.equal(mod.checkEnrolment(wave(10)), undefined);
  assert.match(messageOf(() => mod.checkEnrolment(new Float64Array(0))), /signature is empty/);
});

test('enrolment size check', () => {
  // `points` with x and y multiplied by `factor`; time, pressure and strokes stay.
  const scaled = (points, factor) => points.map((value, index) => (index % 5 < 2 ? value * factor : value));
  const enrolled = [wave(9), wave(10), wave(11)];
  assert.equal(mod.checkEnrolmentSize(wave(10.5), enrolled), undefined);
  assert.equal(mod.checkEnrolmentSize(scaled(wave(10.5), 0.001), []), undefined);
  assert.match(
    messageOf(() => mod.checkEnrolmentSize(scaled(wave(10.5), 0.01), enrolled)),
    /^this signature is 100\.0 times smaller than every enrolment signature so far/,
  );
  assert.match(messageOf(() => mod.checkEnrolmentSize(wave(10), 'not an array')), /must be an Array/);
  assert.match(messageOf(() => mod.checkEnrolmentSize(wave(10), [wave(9), new Float64Array(3)])), /enrolment signature 2/);
});

test('training check rejects long pauses', () => {
  // The second stroke of the wave starts 75 s after the first ends, instead of 100 ms.
  const paused = wave(10);
  for (let i = 0; i < paused.length; i += 5) {
    if (paused[i + 4] === 1) paused[i + 2] += 75000 - 100;
  }
  assert.match(
    messageOf(() => mod.checkTrainingSignature(paused)),
    /pauses for 75\.0 s between strokes 1 and 2, longer than the 60 s a signature for training may pause: leave it out/,
  );
  assert.match(messageOf(() => mod.checkEnrolment(paused)), /longer than the 60 s an enrolment signature may pause/);
  // A tap may be trained on, though it cannot be enrolled.
  const tap = new Float64Array([5, 5, 0, NaN, 0, 6, 5, 8, NaN, 0]);
  assert.equal(mod.checkTrainingSignature(tap), undefined);
  assert.equal(mod.checkTrainingSignature(wave(10)), undefined);
  assert.match(messageOf(() => mod.checkTrainingSignature(new Float64Array(0))), /signature is empty/);
});

test('pen model rejects signatures without pressure', () => {
  const pen = new mod.Model(penModelBytes());
  try {
    const fusionOfPen = JSON.parse(pen.describe()).training.fusion;
    assert.equal(fusionOfPen.dtwSequence, 'dynamics-pressure-template');
    const pressed = (frequency, phase) => wave(frequency, 150, (i) => 0.5 + 0.3 * Math.sin(i / 9 + phase));
    const enrolment = [pressed(9, 0), pressed(10, 0.1), pressed(11, 0.2)];
    const size = pen.embeddingSize();
    const embeddings = new Float32Array(enrolment.length * size);
    enrolment.forEach((points, index) => embeddings.set(pen.embed(points), index * size));
    pen.checkSignature(pressed(10, 0.1));
    const inPhase = pen.verifyFused(embeddings, enrolment, pressed(10, 0.1)).score;
    const outOfPhase = pen.verifyFused(embeddings, enrolment, pressed(10, 3)).score;
    assert.ok(inPhase > outOfPhase, `pressure in phase ${inPhase} vs out of phase ${outOfPhase}`);

    // A mouse signature, or a pen signature with a mouse stroke, cannot be compared.
    assert.match(messageOf(() => pen.checkSignature(wave(10))), /no pen pressure.*sign with a pen that measures it/);
    const mixed = wave(10, 150, (i) => (i < 75 ? 0.5 : NaN));
    assert.match(messageOf(() => pen.checkSignature(mixed)), /stroke 2 of this signature has no pen pressure/);
    assert.match(messageOf(() => pen.verifyFused(embeddings, enrolment, wave(10))), /no pen pressure/);
    // The default model takes either.
    model.checkSignature(wave(10));
    model.checkSignature(pressed(10, 0));
  } finally {
    pen.delete();
  }
});
