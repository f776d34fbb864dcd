// The timing rule of every benchmark script, the same as in bench/bench_timed.cpp and
// bench/peer_torch.py. Double the iteration count until a run takes over 50 ms. Scale it so
// that one sample takes about 0.2 s, with at least one iteration, then take 7 samples. Works in
// Node and in the browser (performance.now() in both).

// Returns { median_us, min_us, max_us } per call of run(), a synchronous function.
export function timeCase(run) {
  let iterations = 1;
  let elapsed;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) run();
    elapsed = performance.now() - start;
    if (elapsed > 50) break;
    iterations *= 2;
  }
  iterations = Math.max(1, Math.round((iterations * 200) / elapsed));
  const samples = [];
  for (let s = 0; s < 7; s += 1) {
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) run();
    samples.push(((performance.now() - start) * 1000) / iterations);
  }
  samples.sort((a, b) => a - b);
  return { median_us: samples[3], min_us: samples[0], max_us: samples[6] };
}

// Returns the median, minimum and maximum of a list of numbers.
export function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}
