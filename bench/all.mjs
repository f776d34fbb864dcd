// Runs every benchmark and its peers in one run. Prints the figures of docs/benchmarks.md as
// Markdown tables, with ratios to the peers measured in the same run.
//   node bench/all.mjs [--skip-browser] [--skip-dataset] [--idle-load X] [--idle-wait S]
// after scripts/build.sh and scripts/setup.sh --bench.
// Programs run one after another, never two at once. The order is native (Google Benchmark),
// WebAssembly in Node, PyTorch, TensorFlow.js in Node, the training command over the SVC2004
// data with 1 and 2 threads (3 runs each, alternating), and headless Chromium
// (bench/browser.mjs). Every timed case gives the median and the spread (minimum to
// maximum) of 7 samples of about 0.2 s, or of one iteration when that takes longer. The raw
// results are also written to build/bench/results.json.
//
// Other work on the machine slows every figure, so before each program the script waits until
// the 1-minute load average falls below X (default 1.5), for at most S seconds (default 120),
// and records the load it started at.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

import { summarise } from './lib/timing.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const skipBrowser = args.includes('--skip-browser');
const skipDataset = args.includes('--skip-dataset');
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const idleLoad = option('--idle-load', 1.5);
const idleWaitSeconds = option('--idle-wait', 120);

const files = {
  nativeBench: join(root, 'build', 'native', 'inkprint_bench'),
  nativeTimed: join(root, 'build', 'native', 'inkprint_bench_timed'),
  trainTool: join(root, 'build', 'native', 'inkprint-train'),
  wasmBench: join(root, 'build', 'wasm', 'inkprint_bench_timed.js'),
  module: join(root, 'build', 'wasm', 'inkprint.wasm'),
  moduleGlue: join(root, 'build', 'wasm', 'inkprint.js'),
  trainModule: join(root, 'build', 'wasm', 'inkprint-train.wasm'),
};
for (const file of Object.values(files)) {
  if (!existsSync(file)) {
    console.error(`${file} not found: build both targets first with scripts/build.sh`);
    process.exit(1);
  }
}
const python = '/usr/bin/python3';

function log(message) {
  process.stderr.write(`all.mjs: ${message}\n`);
}

function run(command, commandArgs, options = {}) {
  return execFileSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
}

// Parses JSON lines into a Map from name to entry, prefixing each name.
function parseLines(output, prefix) {
  const entries = new Map();
  for (const line of output.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line);
    entries.set(prefix + entry.name, entry);
  }
  return entries;
}

const results = new Map();
const load = { start: os.loadavg()[0], phases: {} };

// Waits until the 1-minute load average is below idleLoad, or idleWaitSeconds have passed,
// then records the load under `phase`.
function waitForIdle(phase) {
  const deadline = Date.now() + idleWaitSeconds * 1000;
  while (os.loadavg()[0] >= idleLoad && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
  }
  load.phases[phase] = os.loadavg()[0];
  log(`${phase}: load average ${load.phases[phase].toFixed(2)}`);
}

// ---- Native, Google Benchmark: 7 repetitions of about 0.2 s each, wall-clock time ----
function runNative(program, prefix, extraArgs = []) {
  const output = run(program, [
    '--benchmark_format=json',
    '--benchmark_repetitions=7',
    '--benchmark_min_time=0.2',
    ...extraArgs,
  ]);
  const repetitions = new Map();
  for (const entry of JSON.parse(output).benchmarks) {
    if (entry.run_type !== 'iteration') continue;
    const name = entry.run_name.replace(/\/real_time$/, '');
    if (!repetitions.has(name)) repetitions.set(name, []);
    repetitions.get(name).push(entry.real_time);
  }
  for (const [name, times] of repetitions) {
    const { median, min, max } = summarise(times);
    results.set(`${prefix}${name}`, { median_us: median, min_us: min, max_us: max });
  }
}
waitForIdle('native');
runNative(files.nativeBench, 'native:');
// The opt-in build for this machine's processor (cmake -DINKPRINT_NATIVE_ARCH=ON), when present.
const archBench = join(root, 'build', 'native-arch', 'inkprint_bench');
if (existsSync(archBench)) {
  waitForIdle('native, -march=native');
  runNative(archBench, 'arch:', ['--benchmark_filter=^(train_step/|forward_one|embed_one)']);
}

// ---- WebAssembly in Node ----
waitForIdle('WebAssembly in Node');
for (const [name, entry] of parseLines(
  run(process.execPath, ['--no-experimental-fetch', files.wasmBench, '--json', '--filter', 'train_step', '--filter', 'forward_one', '--filter', 'embed_one', '--filter', 'peak']),
  'node:wasm:',
)) {
  results.set(name, entry);
}

// ---- PyTorch, one thread ----
waitForIdle('PyTorch');
for (const [name, entry] of parseLines(run(python, [join(root, 'bench', 'peer_torch.py'), '--json']), 'torch:')) {
  results.set(name, entry);
}
const torchVersion = run(python, ['-c', 'import torch; print(torch.__version__)']).trim();

// ---- TensorFlow.js in Node ----
waitForIdle('TensorFlow.js in Node (about a second per training step)');
for (const [name, entry] of parseLines(
  run(process.execPath, [join(root, 'bench', 'peer_tfjs.mjs'), '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }),
  'node:',
)) {
  results.set(name, entry);
}

// ---- Peak memory while training, natively: the resident set of a training-step process ----
log('native peak memory of the training step');
const nativeMemory = parseLines(run(files.nativeTimed, ['--json', '--filter', 'train_step/b32/t200']), '').get('memory');
const wasmMemory = results.get('node:wasm:memory');

// ---- The training command over SVC2004, 1 and 2 threads ----
const dataset = { runs: { 1: [], 2: [] }, rss: {} };
if (!skipDataset) {
  waitForIdle('inkprint-train over SVC2004, 1 and 2 threads');
  for (let round = 0; round < 3; round += 1) {
    for (const threads of [1, 2]) {
      const trainArgs = ['--out', join(os.tmpdir(), 'inkprint-bench-model.inkprint'), '--epochs', '2',
        '--pairs', '32768', '--threads', String(threads)];
      // /usr/bin/time -v reports the peak resident set on stderr.
      const child = spawnSync('/usr/bin/time', ['-v', files.trainTool, ...trainArgs], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`inkprint-train failed: ${child.stderr}`);
      const seconds = [...child.stdout.matchAll(/^epoch +\d+ .* ([\d.]+) s$/gm)].map((m) => Number(m[1]));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
      dataset.rss[threads] = Math.max(dataset.rss[threads] ?? 0, Number(rss[1]) * 1024);
      dataset.runs[threads].push(seconds.reduce((a, b) => a + b, 0));
    }
  }
}

// ---- Headless Chromium ----
let browserVersion = null;
if (!skipBrowser) {
  waitForIdle('headless Chromium (bench/browser.mjs)');
  for (const [name, entry] of parseLines(run(process.execPath, [join(root, 'bench', 'browser.mjs'), '--json']), '')) {
    if (name === 'chromium') browserVersion = entry.version;
    else results.set(name, entry);
  }
}
load.end = os.loadavg()[0];

// ---- Module size ----
function sizes(file) {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const moduleSize = sizes(files.module);
const glueSize = sizes(files.moduleGlue);
const trainModuleSize = sizes(files.trainModule);

// ---- Floating-point operations per training pair ----
// Multiply-adds of the two time-delay layers count 2 operations each. Per branch they are the
// forward pass, the weight gradient of both layers and the input gradient of the second layer.
// The first layer's input gradient is not computed. The scaled tanh, the mean, the cosine and
// Adam are not counted.
function flopsPerPair(steps) {
  const steps1 = Math.floor((steps - 11) / 3) + 1;
  const steps2 = Math.floor((steps1 - 10) / 3) + 1;
  const layer1 = steps1 * 12 * 11 * 8;
  const layer2 = steps2 * 16 * 10 * 12;
  return 2 * 2 * (2 * layer1 + 3 * layer2);
}

// ---- Output ----
const fmt = (value, digits = 3) => (value >= 100 ? value.toFixed(0) : value.toPrecision(digits));
const time = (entry) => (entry ? `${fmt(entry.median_us)} (${fmt(entry.min_us)}–${fmt(entry.max_us)})` : 'n/a');
const get = (name) => results.get(name);
// Returns how many times faster `fast` is than `slow`, as text.
function ratio(slow, fast) {
  if (!slow || !fast) return 'n/a';
  const value = slow.median_us / fast.median_us;
  return value.toFixed(value >= 10 ? 0 : 2);
}
const gflops = (entry, flops) => (entry ? flops / (entry.median_us * 1e3) : NaN);
// A peak is the highest rate reached, so it comes from the fastest sample: other work on the
// machine can only lower it.
const peakGflops = (entry, flops) => (entry ? flops / (entry.min_us * 1e3) : NaN);

const lines = [];
const print = (line = '') => lines.push(line);

print(`Date: ${new Date().toISOString()}. Machine: ${os.cpus()[0].model}, ${os.cpus().length} virtual cores, ` +
  `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB. Node ${process.version}, PyTorch ${torchVersion}, ` +
  `Chromium ${browserVersion ?? 'not run'}. Load average (1 min) at the start of each program: ` +
  Object.entries(load.phases).map(([phase, value]) => `${phase} ${value.toFixed(2)}`).join(', ') +
  `; ${load.end.toFixed(2)} at the end.`);
print();

print('### Training step, batch 32, 200 steps, one thread');
print();
print("| implementation | time per step, us: median (min–max) | pairs per second | time / Inkprint native's |");
print('|---|---|---|---|');
const step = 'train_step/b32/t200';
const ours = get(`native:${step}`);
const stepRows = [
  ['Inkprint native', `native:${step}`],
  ['Inkprint native, -march=native (opt-in)', `arch:${step}`],
  ['Inkprint WebAssembly, Node', `node:wasm:${step}`],
  ['Inkprint WebAssembly, Chromium worker', `chromium:wasm:${step}`],
  ['PyTorch CPU', `torch:${step}`],
  ['TensorFlow.js CPU, Node', `node:tfjs-cpu:${step}`],
  ['TensorFlow.js CPU, Chromium worker', `chromium:tfjs-cpu:${step}`],
];
for (const [label, name] of stepRows) {
  const entry = get(name);
  print(`| ${label} | ${time(entry)} | ${entry ? fmt(32 / (entry.median_us * 1e-6)) : 'n/a'} | ${ratio(entry, ours)} |`);
}
print();

print('### Forward pass of one signature (200 steps), and embedding it with preprocessing');
print();
print('| implementation | forward pass, us | embedding (features + forward), us |');
print('|---|---|---|');
for (const [label, prefix] of [
  ['Inkprint native', 'native:'],
  ['Inkprint native, -march=native (opt-in)', 'arch:'],
  ['Inkprint WebAssembly, Node', 'node:wasm:'],
  ['Inkprint WebAssembly, Chromium worker', 'chromium:wasm:'],
  ['PyTorch CPU', 'torch:'],
  ['TensorFlow.js CPU, Node', 'node:tfjs-cpu:'],
  ['TensorFlow.js CPU, Chromium worker', 'chromium:tfjs-cpu:'],
  ['TensorFlow.js WebAssembly, Node', 'node:tfjs-wasm:'],
  ['TensorFlow.js WebAssembly, Chromium worker', 'chromium:tfjs-wasm:'],
]) {
  const embedding = get(`${prefix}embed_one/t200`);
  print(`| ${label} | ${time(get(`${prefix}forward_one/t200`))} | ${embedding ? time(embedding) : '(no preprocessing)'} |`);
}
print();

print('### Growth with batch size and sequence length');
print();
print('Training step, median microseconds per pair (time per step divided by the batch):');
print();
const sweep = ['b8/t200', 'b32/t200', 'b128/t200', 'b32/t400', 'b32/t800'];
print(`| implementation | ${sweep.join(' | ')} |`);
print(`|---|${sweep.map(() => '---').join('|')}|`);
for (const [label, prefix] of [
  ['Inkprint native', 'native:'],
  ['Inkprint native, -march=native (opt-in)', 'arch:'],
  ['Inkprint WebAssembly, Node', 'node:wasm:'],
  ['Inkprint WebAssembly, Chromium', 'chromium:wasm:'],
  ['PyTorch CPU', 'torch:'],
  ['TensorFlow.js CPU, Node', 'node:tfjs-cpu:'],
]) {
  const cells = sweep.map((key) => {
    const entry = get(`${prefix}train_step/${key}`);
    const pairs = Number(/b(\d+)/.exec(key)[1]);
    return entry ? fmt(entry.median_us / pairs) : 'n/a';
  });
  print(`| ${label} | ${cells.join(' | ')} |`);
}
print();
print('Forward pass of one signature, median microseconds, by sequence length:');
print();
print('| implementation | 200 | 400 | 800 |');
print('|---|---|---|---|');
for (const [label, prefix] of [
  ['Inkprint native', 'native:'],
  ['Inkprint native, -march=native (opt-in)', 'arch:'],
  ['Inkprint WebAssembly, Node', 'node:wasm:'],
  ['Inkprint WebAssembly, Chromium', 'chromium:wasm:'],
  ['PyTorch CPU', 'torch:'],
  ['TensorFlow.js CPU, Node', 'node:tfjs-cpu:'],
  ['TensorFlow.js WebAssembly, Node', 'node:tfjs-wasm:'],
  ['TensorFlow.js WebAssembly, Chromium', 'chromium:tfjs-wasm:'],
]) {
  const cells = [200, 400, 800].map((steps) => {
    const entry = get(`${prefix}forward_one/t${steps}`);
    return entry ? fmt(entry.median_us) : 'n/a';
  });
  print(`| ${label} | ${cells.join(' | ')} |`);
}
print();

print('### Fraction of one core\'s peak');
print();
const flops = flopsPerPair(200);
print(`Floating-point operations per training pair at 200 steps: ${flops} (multiply-adds of the time-delay layers, 2 each).`);
print();
print('| build | training GFLOP/s (median step) | peak GFLOP/s (fastest sample) | fraction |');
print('|---|---|---|---|');
const nativeRate = gflops(ours, 32 * flops);
const peaks = [
  ['native, SSE2 (what the build uses: separate multiply and add)', 'native:peak/simd_mul_add', 'simd'],
  ['native, AVX2 with FMA (the machine)', 'native:peak/avx2_fma', 'avx2'],
  ['native, AVX-512 with FMA (the machine)', 'native:peak/avx512_fma', 'avx512'],
];
const peakFlops = { simd: 2 * 16 * 4096 * 4, avx2: 2 * 16 * 4096 * 8, avx512: 2 * 16 * 4096 * 16 };
for (const [label, name, kind] of peaks) {
  const peak = peakGflops(get(name), peakFlops[kind]);
  print(`| ${label} | ${nativeRate.toFixed(1)} | ${peak.toFixed(1)} | ${((100 * nativeRate) / peak).toFixed(0)} % |`);
}
const archStep = get(`arch:${step}`);
if (archStep) {
  const archRate = gflops(archStep, 32 * flops);
  const machine = peakGflops(get('native:peak/avx512_fma'), peakFlops.avx512);
  print(`| native, -march=native (opt-in), against AVX-512 with FMA | ${archRate.toFixed(1)} | ${machine.toFixed(1)} | ${((100 * archRate) / machine).toFixed(0)} % |`);
}
for (const [label, prefix] of [['WebAssembly SIMD128, Node', 'node:wasm:'], ['WebAssembly SIMD128, Chromium', 'chromium:wasm:']]) {
  if (!get(`${prefix}${step}`)) continue;
  const rate = gflops(get(`${prefix}${step}`), 32 * flops);
  const peak = peakGflops(get(`${prefix}peak/simd_mul_add`), peakFlops.simd);
  print(`| ${label} | ${rate.toFixed(1)} | ${peak.toFixed(1)} | ${((100 * rate) / peak).toFixed(0)} % |`);
}
print();

print('### Threads over the batch (native)');
print();
const threaded = get(`native:${step}/threads2`);
print(`Training step, batch 32: 1 thread ${time(ours)} us, 2 threads ${time(threaded)} us, speed-up ${ratio(ours, threaded)}.`);
if (!skipDataset) {
  const oneThread = summarise(dataset.runs[1]);
  const twoThreads = summarise(dataset.runs[2]);
  print();
  print(`inkprint-train over SVC2004 (2 epochs of 32,768 pairs, epoch times summed, 3 runs each): ` +
    `1 thread ${oneThread.median.toFixed(2)} s (${oneThread.min.toFixed(2)}–${oneThread.max.toFixed(2)}), ` +
    `2 threads ${twoThreads.median.toFixed(2)} s (${twoThreads.min.toFixed(2)}–${twoThreads.max.toFixed(2)}), ` +
    `speed-up ${(oneThread.median / twoThreads.median).toFixed(2)}.`);
}
print();

print('### Verdict, module size, memory');
print();
const toDom = get('chromium:verdict_ms/to_dom');
const toFrame = get('chromium:verdict_ms/to_next_frame');
const handler = get('chromium:verdict_ms/verify_handler');
if (toDom) {
  const ms = (entry) => `${entry.median.toFixed(1)} ms (${entry.min.toFixed(1)}–${entry.max.toFixed(1)})`;
  print(`Pointer-up to verdict in the page, ${toDom.repetitions} signatures: in the DOM ${ms(toDom)}, ` +
    `at the end of the next frame ${ms(toFrame)}; Verify's click handler alone ${ms(handler)}.`);
  print();
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
print(`WebAssembly module (inkprint.wasm): ${kb(moduleSize.raw)} raw, ${kb(moduleSize.gzip)} gzip -9, ` +
  `${kb(moduleSize.brotli)} brotli -q 11. Its JavaScript loader (inkprint.js): ${kb(glueSize.raw)} raw, ` +
  `${kb(glueSize.gzip)} gzip, ${kb(glueSize.brotli)} brotli. The training worker's module ` +
  `(inkprint-train.wasm, with the Trainer): ${kb(trainModuleSize.raw)} raw, ${kb(trainModuleSize.gzip)} gzip -9.`);
print();
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const chromiumMemory = get('chromium:wasm:memory');
print(`Memory after the training-step cases: native peak resident set ${mb(nativeMemory.bytes)} ` +
  `(the whole process, batch 32); WebAssembly heap ${mb(wasmMemory.bytes)} in Node` +
  (chromiumMemory ? ` and ${mb(chromiumMemory.bytes)} in Chromium (every case up to batch 128 and 800 steps)` : '') + '.' +
  (skipDataset ? '' : ` inkprint-train over SVC2004: peak resident set ${mb(dataset.rss[1])} with 1 thread, ` +
    `${mb(dataset.rss[2])} with 2 (data, augmented copies and network).`));
print();

print('### Targets');
print();
const torchStep = get(`torch:${step}`);
const chromiumStep = get(`chromium:wasm:${step}`);
const tfjsCpuStep = get(`chromium:tfjs-cpu:${step}`);
// Both forward passes come from the same environment: Chromium, or Node without the browser.
const forwardPlace = get('chromium:wasm:forward_one/t200') ? 'chromium' : 'node';
const forwardOurs = get(`${forwardPlace}:wasm:forward_one/t200`);
const forwardTfjs = get(`${forwardPlace}:tfjs-wasm:forward_one/t200`);
const machinePeak = peakGflops(get('native:peak/avx512_fma') ?? get('native:peak/avx2_fma'), get('native:peak/avx512_fma') ? peakFlops.avx512 : peakFlops.avx2);
const isaPeak = peakGflops(get('native:peak/simd_mul_add'), peakFlops.simd);
const archRate = archStep ? gflops(archStep, 32 * flops) : NaN;
const targets = [
  ['native training ≥ 3 × PyTorch, one thread (default build, SSE2)', `${ratio(torchStep, ours)} ×`, torchStep.median_us / ours.median_us >= 3],
  ['native training ≥ 40 % of one core\'s peak (the machine: AVX-512 FMA)', `${((100 * nativeRate) / machinePeak).toFixed(0)} %`, nativeRate / machinePeak >= 0.4],
  ['the same against the SSE2 peak the default build can use', `${((100 * nativeRate) / isaPeak).toFixed(0)} %`, nativeRate / isaPeak >= 0.4],
  ['native training ≥ 3 × PyTorch, -march=native build (opt-in)', archStep ? `${ratio(torchStep, archStep)} ×` : 'not built', Boolean(archStep) && torchStep.median_us / archStep.median_us >= 3],
  ['≥ 40 % of the AVX-512 FMA peak, -march=native build (opt-in)', archStep ? `${((100 * archRate) / machinePeak).toFixed(0)} %` : 'not built', Boolean(archStep) && archRate / machinePeak >= 0.4],
  ['WebAssembly training in the browser ≥ 10 × TensorFlow.js CPU', `${ratio(tfjsCpuStep, chromiumStep)} ×`, Boolean(tfjsCpuStep && chromiumStep) && tfjsCpuStep.median_us / chromiumStep.median_us >= 10],
  [`WebAssembly forward pass faster than TensorFlow.js WebAssembly (${forwardPlace})`, `${ratio(forwardTfjs, forwardOurs)} ×`, Boolean(forwardTfjs && forwardOurs) && forwardTfjs.median_us > forwardOurs.median_us],
  ['verdict within 16 ms of pointer-up (end of next frame)', toFrame ? `${toFrame.median.toFixed(1)} ms` : 'n/a', Boolean(toFrame) && toFrame.median <= 16],
  ['compressed module < 150 KB (gzip)', kb(moduleSize.gzip), moduleSize.gzip < 150 * 1000],
];
print('| target | measured | met |');
print('|---|---|---|');
for (const [label, value, met] of targets) {
  // A figure of a program that did not run (--skip-browser) is neither met nor missed.
  const verdict = /n\/a|not built/.test(value) ? 'not measured' : met ? 'yes' : 'no';
  print(`| ${label} | ${value} | ${verdict} |`);
}

console.log(lines.join('\n'));
mkdirSync(join(root, 'build', 'bench'), { recursive: true });
writeFileSync(
  join(root, 'build', 'bench', 'results.json'),
  JSON.stringify(
    { results: Object.fromEntries(results), dataset, moduleSize, glueSize, trainModuleSize, nativeMemory, load },
    null,
    1,
  ),
);
