// A classic Web Worker that runs one benchmark job and posts { result } per case, then
// { done: true }, or { error } on failure, and { log } for warnings. The page is served from the repository's root, so
// the build and node_modules are reachable by absolute paths.
//
// Jobs:
//   { kind: 'inkprint', filters: [...] }  build/wasm/inkprint_bench_timed.js, the cases whose
//                                         names contain one of the filters
//   { kind: 'tfjs', backend: 'cpu' | 'wasm', quick }  the TensorFlow.js peer (bench/lib/)

function fail(error) {
  postMessage({ error: error?.stack ?? String(error) });
}

// The Emscripten program reads its command line from Module.arguments and writes through
// Module.print. It has no exit callback here, so its last line (the memory in use) ends the job.
function runInkprint(filters) {
  self.Module = {
    arguments: ['--json', ...filters.flatMap((text) => ['--filter', text])],
    print(line) {
      const result = JSON.parse(line);
      postMessage({ result });
      if (result.name === 'memory') postMessage({ done: true });
    },
    // The program's files sit in build/wasm/, not beside this worker.
    locateFile: (file) => `/build/wasm/${file}`,
    // Warnings only: a failure ends in onAbort.
    printErr: (line) => postMessage({ log: `inkprint_bench_timed: ${line}` }),
    onAbort(reason) {
      fail(new Error(`inkprint_bench_timed aborted: ${reason}`));
    },
  };
  importScripts('/build/wasm/inkprint_bench_timed.js');
}

// The ES2017 bundles, because the ES5 ones carry polyfills that call Function(), which the
// server's Content-Security-Policy rejects.
async function runTfjs(backend, quick) {
  importScripts('/node_modules/@tensorflow/tfjs/dist/tf.es2017.min.js');
  if (backend === 'wasm') {
    importScripts('/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js');
    self.tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    self.tf.wasm.setThreadsCount(1);
  }
  const { timeCase } = await import('/bench/lib/timing.mjs');
  const { tfjsCases } = await import('/bench/lib/tfjs_cases.mjs');
  const tf = self.tf;
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to start`);
  await tf.ready();
  for (const [name, , run] of tfjsCases(tf, { trainable: backend === 'cpu', quick })) {
    postMessage({ result: { name: `tfjs-${backend}:${name}`, ...timeCase(run) } });
  }
  postMessage({ done: true });
}

self.onmessage = ({ data: job }) => {
  try {
    if (job.kind === 'inkprint') runInkprint(job.filters ?? []);
    else if (job.kind === 'tfjs') runTfjs(job.backend, job.quick).catch(fail);
    else throw new Error(`unknown job kind ${job.kind}`);
  } catch (error) {
    fail(error);
  }
};
