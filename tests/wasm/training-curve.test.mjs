// The same seeded training run, built natively and as WebAssembly, must give the same loss
// curve. Both builds use this repository's own random sampling, so only the math library
// (tanh, exp, log, cos) and nothing else can tell them apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { root } from './load-module.mjs';

// Relative difference allowed per epoch: float32 rounding of differing last bits in the math
// library, accumulated over 6 epochs of 8 Adam steps (measured: below 1e-7).
const TOLERANCE = 1e-5;

function runCurve(command, args) {
  const output = execFileSync(command, args, { encoding: 'utf8', timeout: 120000 });
  return output.trim().split('\n').map(Number);
}

test('native and WebAssembly training curves match', () => {
  const native = join(root, 'build', 'native', 'inkprint_training_curve');
  const wasm = join(root, 'build', 'wasm', 'inkprint_training_curve.js');
  for (const file of [native, wasm]) {
    assert.ok(existsSync(file), `${file} not found: build both targets with scripts/build.sh`);
  }
  const nativeCurve = runCurve(native, []);
  const wasmCurve = runCurve(process.execPath, ['--no-experimental-fetch', wasm]);

  assert.equal(nativeCurve.length, 6);
  assert.equal(wasmCurve.length, nativeCurve.length);
  assert.ok(nativeCurve.at(-1) < nativeCurve[0], `the loss did not fall: ${nativeCurve.join(', ')}`);
  for (let epoch = 0; epoch < nativeCurve.length; epoch++) {
    const difference = Math.abs(wasmCurve[epoch] - nativeCurve[epoch]) / Math.abs(nativeCurve[epoch]);
    assert.ok(
      difference <= TOLERANCE,
      `epoch ${epoch + 1}: native ${nativeCurve[epoch]}, WebAssembly ${wasmCurve[epoch]}`,
    );
  }
});
