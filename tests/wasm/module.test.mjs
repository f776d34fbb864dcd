import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  defaultModelBytes,
  loadModule,
  messageOf,
  root,
  skipWithoutData,
  svc2004Folder,
} from './load-module.mjs';

let mod;
let model;

before(async () => {
  mod = await loadModule();
  model = new mod.Model(defaultModelBytes());
});

function readSignature(task, user, index) {
  const text = readFileSync(join(svc2004Folder, task, `U${user}S${index}.TXT`), 'utf8');
  return mod.parseSvc2004(text);
}

// A short synthetic signature in the flat format [x, y, t_ms, pressure, stroke] per point.
function spiral(turns = 2, points = 120) {
  const values = [];
  for (let i = 0; i < points; i++) {
    const angle = (turns * 2 * Math.PI * i) / points;
    values.push(100 + i * Math.cos(angle), 100 + i * Math.sin(angle), i * 8, NaN, i < points / 2 ? 0 : 1);
  }
  return new Float64Array(values);
}

test('model describes the published network', () => {
  const description = JSON.parse(model.describe());
  assert.equal(description.steps, 200);
  assert.equal(description.features.length, 8);
  assert.deepEqual(description.layers, [
    { kind: 'timeDelay', channels: 12, width: 11, stride: 3 },
    { kind: 'activation', function: 'scaledTanh' },
    { kind: 'timeDelay', channels: 16, width: 10, stride: 3 },
    { kind: 'activation', function: 'scaledTanh' },
    { kind: 'timeAverage' },
  ]);
  assert.equal(model.embeddingSize(), 16);
  assert.ok(Number.isFinite(model.threshold()));
});

test('embedding is finite and repeatable', () => {
  const first = model.embed(spiral());
  const second = model.embed(spiral());
  assert.ok(first instanceof Float32Array);
  assert.equal(first.length, 16);
  assert.ok(first.every(Number.isFinite));
  assert.deepEqual(second, first);
});

test('signature verifies against its own reference', () => {
  const embedding = model.embed(spiral());
  const reference = mod.makeReference(embedding, model.embeddingSize());
  const result = model.verify(reference, spiral());
  assert.ok(Math.abs(result.score - 1) < 1e-5, `score ${result.score}`);
  assert.equal(result.accepted, true);
  assert.equal(result.threshold, model.threshold());
});

test('bad signatures reach JavaScript as Errors', () => {
  const cases = [
    [new Float64Array(), /empty/],
    [new Float64Array([1, 2, 0, NaN, 0]), /only 1 point/],
    [new Float64Array([NaN, 2, 0, NaN, 0, 3, 4, 10, NaN, 0]), /invalid x \(NaN\)/],
    [new Float64Array([1, 2, 0, NaN, 0, 3, Infinity, 10, NaN, 0]), /invalid y \(Infinity\)/],
    [new Float64Array([1, 2, 3]), /multiple of 5/],
    [new Float64Array([1, 2, 50, NaN, 0, 3, 4, 40, NaN, 0]), /point 1 has time 40\.000000 ms, before/],
    [new Float64Array([1e300, 2, 0, NaN, 0, 3, 4, 10, NaN, 0]), /beyond 1e15/],
    [undefined, /must be a Float64Array/],
    ['1,2,3', /must be a Float64Array/],
  ];
  for (const [points, expected] of cases) {
    assert.match(messageOf(() => model.embed(points)), expected);
  }
  // The module keeps working after every error.
  assert.equal(model.embed(spiral()).length, 16);
});

test('corrupted and truncated models are rejected', () => {
  const bytes = defaultModelBytes();
  const flipped = bytes.slice();
  flipped[bytes.length - 40] ^= 0x04;
  assert.match(messageOf(() => new mod.Model(flipped)), /corrupted/);
  assert.match(messageOf(() => new mod.Model(bytes.slice(0, bytes.length - 100))), /truncated/);
  assert.match(messageOf(() => new mod.Model(new Uint8Array([1, 2, 3]))), /not an Inkprint model/);
  assert.match(messageOf(() => new mod.Model('model')), /must be a Uint8Array/);
});

test('reference rejects bad input', () => {
  assert.match(messageOf(() => mod.makeReference(new Float32Array(3), 2)), /cannot build a reference/);
  assert.match(messageOf(() => mod.makeReference(new Float32Array(4), 0)), /must be positive/);
  assert.match(messageOf(() => model.verify(new Float32Array(3), spiral())), /reference has 3 values/);
});

test('huge signature is rejected with the limit', () => {
  const values = new Float64Array(100001 * 5);
  for (let i = 0; i < 100001; i++) values.set([i, i % 7, i, NaN, 0], i * 5);
  assert.match(messageOf(() => model.embed(values)), /limit of 100000/);
});

test('returned arrays survive heap growth', () => {
  const embedding = model.embed(spiral());
  const copy = Array.from(embedding);
  // A signature near the point limit makes the heap grow; earlier results are copies.
  const values = new Float64Array(90000 * 5);
  for (let i = 0; i < 90000; i++) values.set([Math.sin(i / 50) * 100, i / 100, i, NaN, 0], i * 5);
  model.embed(values);
  assert.deepEqual(Array.from(embedding), copy);
});

test('SVC2004 parser reads a real file', (t) => {
  const skip = skipWithoutData();
  if (skip) return t.skip(skip);
  const points = readSignature('Task2', 1, 1);
  assert.equal(points.length, 84 * 5);
  assert.deepEqual(Array.from(points.slice(0, 3)), [2933, 5678, 31275775]);
  assert.ok(Math.abs(points[3] - 439 / 1023) < 1e-12);
  assert.match(messageOf(() => mod.parseSvc2004('3\n1 2 3 0\n')), /truncated/);
});

test('held-out genuine scores above its forgery on average', (t) => {
  const skip = skipWithoutData();
  if (skip) return t.skip(skip);
  let genuineSum = 0;
  let forgerySum = 0;
  for (let user = 31; user <= 40; user++) {
    const enrolled = [];
    for (let i = 1; i <= 5; i++) enrolled.push(...model.embed(readSignature('Task1', user, i)));
    const reference = mod.makeReference(new Float32Array(enrolled), model.embeddingSize());
    genuineSum += model.verify(reference, readSignature('Task1', user, 11)).score;
    forgerySum += model.verify(reference, readSignature('Task1', user, 21)).score;
  }
  assert.ok(genuineSum > forgerySum, `genuine mean ${genuineSum / 10}, forgery mean ${forgerySum / 10}`);
});

test('network bytes embed as the model does', () => {
  const bytes = model.networkBytes();
  assert.ok(bytes instanceof Uint8Array);
  // They form a model file of their own, without the description, that embeds alike.
  const network = new mod.Model(bytes);
  try {
    assert.deepEqual(network.embed(spiral()), model.embed(spiral()));
    assert.deepEqual(network.networkBytes(), bytes);
    assert.deepEqual(JSON.parse(network.describe()).training, {});
  } finally {
    network.delete();
  }
});

test('earlier default models are listed with both ids', async () => {
  const { NETWORK_ID_PREFIX, fnv1aId, sha256Id } = await import('../../web/model-id.mjs');
  const list = JSON.parse(readFileSync(join(root, 'web', 'models', 'earlier-default-models.json'), 'utf8'));
  assert.ok(list.length > 0);
  for (const entry of list) {
    assert.match(entry.fileIds[0], /^sha256:[0-9a-f]{64}$/);
    assert.match(entry.fileIds[1], /^fnv1a32:[0-9a-f]{8}:\d+$/);
    assert.match(entry.networkIds[0], /^network-sha256:[0-9a-f]{64}$/);
    assert.match(entry.networkIds[1], /^network-fnv1a32:[0-9a-f]{8}:\d+$/);
  }
  // scripts/train-default-model.sh records every default model it writes, the current one too.
  const file = defaultModelBytes();
  const current = list.find((entry) => entry.fileIds.includes(fnv1aId(file)));
  assert.ok(current !== undefined, 'the default model is not listed: run node scripts/record-default-model.mjs web/models/default.inkprint');
  assert.equal(current.fileIds[0], await sha256Id(file));
  const network = model.networkBytes();
  assert.deepEqual(current.networkIds, [NETWORK_ID_PREFIX + (await sha256Id(network)), NETWORK_ID_PREFIX + fnv1aId(network)]);
});
