// Runs the native (Google Benchmark) and the WebAssembly (self-timed, under Node) benchmarks of
// bench/cases.hpp and prints, for each case, the median time and the speed-up over the scalar
// reference of the same kernel in each build.
//   node bench/run.mjs            after scripts/build.sh
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeBench = join(root, 'build', 'native', 'inkprint_bench');
const wasmBench = join(root, 'build', 'wasm', 'inkprint_bench_timed.js');
for (const file of [nativeBench, wasmBench]) {
  if (!existsSync(file)) {
    console.error(`${file} not found: build both targets first with scripts/build.sh`);
    process.exit(1);
  }
}

function runNative() {
  const output = execFileSync(
    nativeBench,
    ['--benchmark_format=json', '--benchmark_repetitions=5', '--benchmark_report_aggregates_only=true'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const medians = new Map();
  for (const entry of JSON.parse(output).benchmarks) {
    // Every case is timed in wall-clock time, which Google Benchmark marks with "/real_time".
    if (entry.aggregate_name === 'median') medians.set(entry.run_name.replace(/\/real_time$/, ''), entry.real_time);
  }
  return medians;
}

function runWasm() {
  const output = execFileSync(process.execPath, ['--no-experimental-fetch', wasmBench, '--json'], {
    encoding: 'utf8',
  });
  const medians = new Map();
  for (const line of output.trim().split('\n')) {
    const entry = JSON.parse(line);
    // The last line gives the memory in use, not a time.
    if (entry.median_us !== undefined) medians.set(entry.name, entry.median_us);
  }
  return medians;
}

// "layer1_forward/simd" is compared with "layer1_forward/scalar", "dot/simd/88" with
// "dot/scalar/88".
function scalarReference(name) {
  const reference = name.replace(/\/(simd|eigen)(\/|$)/, '/scalar$2');
  return reference === name ? null : reference;
}

function format(medians, name) {
  const time = medians.get(name);
  if (time === undefined) return ['', ''];
  const reference = scalarReference(name);
  const speedup = reference && medians.has(reference) ? (medians.get(reference) / time).toFixed(2) : '';
  return [time.toPrecision(4), speedup];
}

const native = runNative();
const wasm = runWasm();
console.log(`${new Date().toISOString()}  node ${process.version}`);
console.log(
  ['case', 'native_us', 'native_speedup', 'wasm_us', 'wasm_speedup'].map((s) => s.padEnd(16)).join(' '),
);
for (const name of wasm.keys()) {
  const row = [name.padEnd(28), ...format(native, name), ...format(wasm, name)];
  console.log(row.map((cell, i) => (i === 0 ? cell : String(cell).padStart(14))).join(' '));
}
