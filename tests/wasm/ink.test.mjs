// The module's signature file bindings (parseInk, writeInk) and computeFeatures.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import { loadModule, messageOf } from './load-module.mjs';

let mod;

before(async () => {
  mod = await loadModule();
});

// A pen stroke with pressure and tilt, then a mouse stroke without either, in the module's ink
// format [x, y, t_ms, pressure, tiltX, tiltY, stroke] per sample.
function penAndMouse() {
  const values = [];
  for (let i = 0; i < 10; i++) {
    values.push(10.5 + i * 3.25, 20 - i * 0.1, 1000 + i * 8.5, 0.2 + i * 0.05, -10 + i, 15, 0);
  }
  for (let i = 0; i < 6; i++) {
    values.push(60 + i, 30 + i * i, 1200 + i * 16, NaN, NaN, NaN, 1);
  }
  return new Float64Array(values);
}

for (const format of ['json', 'inkml']) {
  test(`${format} round trip keeps every sample`, () => {
    const points = penAndMouse();
    const text = mod.writeInk(format, points, ['pen', 'mouse']);
    const read = mod.parseInk(format, text, `signature.${format}`);
    assert.deepEqual(Array.from(read.points), Array.from(points));
    assert.deepEqual(read.pointerTypes, ['pen', 'mouse']);
  });
}

test('svc2004 round trip keeps every sample', () => {
  const values = [];
  for (let i = 0; i < 8; i++) {
    values.push(100 + i * 3, 200 - i, 5000 + i * 10, NaN, NaN, NaN, i < 4 ? 0 : 1);
  }
  const points = new Float64Array(values);
  const text = mod.writeInk('svc2004', points, ['mouse', 'mouse']);
  const read = mod.parseInk('svc2004', text, 'signature.txt');
  assert.deepEqual(Array.from(read.points), values);
  assert.deepEqual(read.pointerTypes, ['pen', 'pen'], 'SVC2004 files record a tablet pen');
});

test('parseInk names file and line', () => {
  const text = mod.writeInk('json', penAndMouse(), ['pen', 'mouse']).replace('0.25,', '0.25 0,');
  assert.match(messageOf(() => mod.parseInk('json', text, 'broken.json')), /^broken\.json: JSON line \d+, column \d+: /);
  assert.match(
    messageOf(() => mod.parseInk('inkml', '<ink/>', 'broken.inkml')),
    /^broken\.inkml: InkML line 1: <ink> must declare xmlns/,
  );
  assert.match(
    messageOf(() => mod.parseInk('svc2004', '2\n1 2 3 0\n', 'short.txt')),
    /^short\.txt: declares 2 points but has only 1/,
  );
});

test('writeInk rejects invalid arguments', () => {
  assert.match(messageOf(() => mod.writeInk('pdf', penAndMouse(), ['pen', 'mouse'])), /unknown signature file format "pdf"/);
  assert.match(messageOf(() => mod.writeInk('json', penAndMouse(), ['pen'])), /got 1 pointer types for 2 strokes/);
  assert.match(messageOf(() => mod.writeInk('json', penAndMouse(), ['pen', 7])), /pointerTypes\[1\] must be a string/);
  assert.match(messageOf(() => mod.writeInk('svc2004', penAndMouse(), ['pen', 'mouse'])), /stroke 2 has no pressure/);
});

test('computeFeatures returns the feature grid', () => {
  const points = new Float64Array([0, 0, 0, NaN, 0, 10, 5, 10, NaN, 0, 20, 0, 20, NaN, 0]);
  const features = mod.computeFeatures(points);
  assert.ok(features instanceof Float32Array);
  assert.equal(features.length, 200 * mod.FEATURE_COUNT);
  assert.equal(features[0], 1, 'the first step is pen down');
  assert.ok(features.every(Number.isFinite));
  assert.match(messageOf(() => mod.computeFeatures(new Float64Array([1, 2, 3, NaN, 0]))), /only 1 point/);
});
