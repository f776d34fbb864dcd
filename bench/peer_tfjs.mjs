// TensorFlow.js 4.22 peer of the training-step and forward-pass benchmarks, in Node, on one
// thread. The CPU backend (plain JavaScript) trains. The WebAssembly backend runs the forward
// pass only, because it has no Conv2DBackpropFilter kernel, the weight gradient of conv1d.
//   node bench/peer_tfjs.mjs [--json] [--quick] [--backend cpu|wasm]
// Prints each case's median time per iteration and the minimum and maximum over 7 samples, in
// the format of build/wasm/inkprint_bench_timed.js; names carry the backend, as in
// "tfjs-cpu:train_step/b32/t200".
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { timeCase } from './lib/timing.mjs';
import { tfjsCases } from './lib/tfjs_cases.mjs';

const require = createRequire(import.meta.url);
// The full package, because only it registers the gradients that training needs.
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const only = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : null;
if (only !== null && only !== 'cpu' && only !== 'wasm') {
  console.error(`--backend takes cpu or wasm, got '${only}'`);
  process.exit(2);
}

// The WebAssembly backend loads its .wasm files from its package folder, with one thread.
wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
wasm.setThreadsCount(1);

if (!json) console.log(`TensorFlow.js ${tf.version_core}, node ${process.version}`);
for (const backend of ['cpu', 'wasm']) {
  if (only !== null && only !== backend) continue;
  await tf.setBackend(backend);
  await tf.ready();
  for (const [name, pairs, run] of tfjsCases(tf, { trainable: backend === 'cpu', quick })) {
    const result = { name: `tfjs-${backend}:${name}`, ...timeCase(run) };
    if (json) {
      console.log(JSON.stringify(result));
    } else {
      const rate = pairs ? (pairs / (result.median_us * 1e-6)).toFixed(0).padStart(14) : '';
      const times = [result.median_us, result.min_us, result.max_us].map((t) => t.toFixed(1).padStart(12));
      console.log(`${result.name.padEnd(36)} ${times.join(' ')} ${rate}`);
    }
  }
}
