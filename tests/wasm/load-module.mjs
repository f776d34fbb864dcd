// Loads the built WebAssembly module (web/wasm/) in Node, for the tests.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasmFolder = join(root, 'web', 'wasm');

// Loads `name`: 'inkprint', the page's module, or 'inkprint-train', which adds the Trainer.
export async function loadModule(name = 'inkprint') {
  const loader = join(wasmFolder, `${name}.js`);
  if (!existsSync(loader)) {
    throw new Error(`${loader} not found: build the module first with scripts/build.sh`);
  }
  const createInkprintModule = createRequire(import.meta.url)(loader);
  // Emscripten 3.1.6's loader would fetch() the .wasm file, which Node cannot do from disk.
  return createInkprintModule({ wasmBinary: readFileSync(join(wasmFolder, `${name}.wasm`)) });
}

export function defaultModelBytes() {
  return new Uint8Array(readFileSync(join(root, 'web', 'models', 'default.inkprint')));
}

// The pen model, whose time warping compares pen pressure (scripts/train-pen-model.sh).
export function penModelBytes() {
  return new Uint8Array(readFileSync(join(root, 'web', 'models', 'pen.inkprint')));
}

// Runs `action`, which must throw an Error, and returns the error's message.
export function messageOf(action) {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${typeof error}: ${error}`);
    return error.message;
  }
  assert.fail('no error was thrown');
}

// Loads the model file `bytes` with `module`, runs `check(model)` and returns the message of the
// Error it throws, or '' when it passes. The model is released either way.
export function checkProblem(module, bytes, check) {
  const model = new module.Model(bytes);
  try {
    check(model);
    return '';
  } catch (error) {
    return error.message;
  } finally {
    model.delete();
  }
}

// The SVC2004 folder: $INKPRINT_SVC2004_DIR, else ../shared/data/svc2004 beside the checkout.
export const svc2004Folder =
  process.env.INKPRINT_SVC2004_DIR || join(root, '..', 'shared', 'data', 'svc2004');

// Returns a reason to skip a data test, or false. Under INKPRINT_REQUIRE_DATA=1 a missing data
// set throws instead, so that CI cannot pass without it.
export function skipWithoutData() {
  if (existsSync(join(svc2004Folder, 'Task1'))) return false;
  const message =
    `SVC2004 data not found at ${svc2004Folder}: put the Task1 and Task2 folders of the ` +
    'SVC2004 sample sets there, or set INKPRINT_SVC2004_DIR to the folder that holds them';
  if (process.env.INKPRINT_REQUIRE_DATA === '1') throw new Error(message);
  return message;
}

// A wavy signature of `length` points in two strokes, 10 ms apart, in the flat format
// [x, y, t_ms, pressure, stroke] per point. `variant` changes its shape.
export function wave(length, variant) {
  const points = new Float64Array(length * 5);
  for (let i = 0; i < length; i += 1) {
    const stroke = i < length / 2 ? 0 : 1;
    const y = 60 * Math.sin((i * 12) / length + variant * 0.4) + stroke * 20;
    points.set([(i * 400) / length + stroke * 30, y, i * 10, 0.5, stroke], i * 5);
  }
  return points;
}
