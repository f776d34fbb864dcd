// The explanation of a verification through the WebAssembly module: the score split over time
// steps and samples, and the speed and pressure profiles.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultModelBytes, loadModule, messageOf, skipWithoutData, svc2004Folder } from './load-module.mjs';

let mod;
let model;

before(async () => {
  mod = await loadModule();
  model = new mod.Model(defaultModelBytes());
});

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

// A wavy line in the flat format [x, y, t_ms, pressure, stroke] per point, in two strokes.
function wave(frequency, points = 150, pressure = NaN) {
  const values = [];
  for (let i = 0; i < points; i++) {
    const stroke = i < points / 2 ? 0 : 1;
    values.push(i * 3, 40 * Math.sin((frequency * i) / points), i * 10 + stroke * 90, pressure, stroke);
  }
  return new Float64Array(values);
}

function referenceOf(...signatures) {
  const size = model.embeddingSize();
  const embeddings = new Float32Array(signatures.length * size);
  signatures.forEach((points, index) => embeddings.set(model.embed(points), index * size));
  return mod.makeReference(embeddings, size);
}

test('contributions add up to the score that verify gives', () => {
  const reference = referenceOf(wave(9), wave(10), wave(11));
  for (const query of [wave(10), wave(25), wave(4)]) {
    const explanation = model.explain(reference, query);
    const verification = model.verify(reference, query);
    assert.equal(explanation.score, verification.score);
    assert.equal(explanation.accepted, verification.accepted);
    assert.equal(explanation.stepCount, 200);
    assert.equal(explanation.stepContributions.length, 19);
    assert.equal(explanation.stepWindows.length, 38);
    assert.deepEqual(Array.from(explanation.stepWindows.slice(0, 4)), [0, 38, 9, 47]);
    assert.equal(explanation.sampleContributions.length, 150);
    assert.equal(explanation.sampleLocalScores.length, 150);
    assert.equal(explanation.samplePositions.length, 150);
    assert.ok(Math.abs(sum(explanation.stepContributions) - explanation.score) < 1e-5);
    assert.ok(Math.abs(sum(explanation.sampleContributions) - explanation.score) < 1e-5);
    assert.ok(explanation.sampleLocalScores.every(Number.isFinite));
  }
});

test('profile gives speed on the grid and pressure only when the device has it', () => {
  const without = model.profile(wave(10));
  assert.equal(without.speed.length, 200);
  assert.ok(without.speed.every((value) => Number.isFinite(value) && value >= 0));
  assert.ok(without.pressure.every(Number.isNaN));
  const withPressure = model.profile(wave(10, 150, 0.6));
  withPressure.pressure.forEach((value, step) => {
    assert.equal(value, withPressure.penDown[step] === 1 ? 0.6 : 0, `step ${step}`);
  });
  // The query's profile in an explanation is the same.
  const explanation = model.explain(referenceOf(wave(9)), wave(10));
  assert.deepEqual(explanation.profile.speed, without.speed);
});

test('bad input to explain reaches JavaScript as an Error', () => {
  assert.match(messageOf(() => model.explain(new Float32Array(3), wave(10))), /reference has 3 values/);
  assert.match(messageOf(() => model.explain(referenceOf(wave(9)), new Float64Array())), /empty/);
  assert.match(messageOf(() => model.profile('signature')), /points .* must be a Float64Array/);
});

test('on SVC2004 signatures the shares add up and the samples span the grid', (t) => {
  const reason = skipWithoutData();
  if (reason) return t.skip(reason);
  const read = (user, index) =>
    mod.parseSvc2004(readFileSync(join(svc2004Folder, 'Task2', `U${user}S${index}.TXT`), 'utf8'));
  for (const user of [31, 35, 40]) {
    const reference = referenceOf(...[1, 2, 3, 4, 5].map((index) => read(user, index)));
    for (const index of [11, 21]) {
      const points = read(user, index);
      const explanation = model.explain(reference, points);
      const label = `user ${user} signature ${index}`;
      assert.equal(explanation.samplePositions.length, points.length / mod.POINT_STRIDE, label);
      assert.ok(Math.abs(sum(explanation.sampleContributions) - explanation.score) < 1e-5, label);
      const positions = Array.from(explanation.samplePositions);
      assert.equal(positions[0], 0, label);
      assert.ok(Math.abs(positions.at(-1) - 199) < 1e-9, label);
      assert.ok(positions.every((p, i) => i === 0 || p >= positions[i - 1]), `${label}: positions go back`);
      // Task 2 records pressure, so the profile has it on the strokes.
      assert.ok(explanation.profile.pressure.some((value) => value > 0), label);
    }
  }
});

test('a copy of a signature is within the replay distance', () => {
  const original = wave(10);
  const copy = original.map((value, index) => {
    const field = index % mod.POINT_STRIDE;
    if (field === 0) return value * 2 + 40;
    if (field === 1) return value * 2 - 7;
    if (field === 2) return value + 5000;
    return value;
  });
  assert.ok(mod.trajectoryDistance(original, copy) < 1e-6);
  assert.ok(mod.trajectoryDistance(original, wave(12)) > mod.REPLAY_DISTANCE);
  assert.equal(mod.REPLAY_DISTANCE, 0.03);
  assert.match(messageOf(() => mod.trajectoryDistance(original, new Float64Array(5))), /only 1 point/);

  // The limit is REPLAY_DISTANCE unless the enrolment's own signatures lie closer than twice it,
  // and half of it for a single signature.
  assert.equal(mod.replayLimit([original]), mod.REPLAY_DISTANCE / 2);
  assert.equal(mod.replayLimit([original, wave(12)]), mod.REPLAY_DISTANCE);
  const closest = mod.trajectoryDistance(original, wave(10.2));
  assert.ok(closest < 2 * mod.REPLAY_DISTANCE, `closest ${closest}`);
  assert.ok(Math.abs(mod.replayLimit([original, wave(10.2), wave(12)]) - closest / 2) < 1e-12);
  assert.match(messageOf(() => mod.replayLimit([original, 3])), /enrolment signature 2/);
});
