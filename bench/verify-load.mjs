// Load test of the verification worker (web/verify-worker.js) in headless Chromium on the
// page's origin: back-to-back verifications for a fixed time, one request in flight at a time,
// each timed on the page's main thread from the request to its reply. Prints, per window, the
// median and 99th-percentile latency, the verifications per second and the worker's heap.
//   node bench/verify-load.mjs [--seconds N] [--window N] [--points N]     after scripts/build.sh
// Defaults: 60 seconds in windows of 10 seconds, signatures of 500 points (about 5 s of pen
// input at 100 samples per second).
// NOTE: Chromium rounds performance.now() to 0.1 ms on a page that is not cross-origin isolated,
// as this one is not, so the median and p99 are multiples of 0.1 ms. The mean is printed too.
import os from 'node:os';

import { launchBrowser, loadPage, openPage, requireBuiltModule, startServer } from '../tests/browser/helpers.mjs';

function parseArguments(args) {
  const options = { seconds: 60, window: 10, points: 500 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < 1) {
      console.error(
        `invalid argument ${args[i]} ${args[i + 1]}: use --seconds N, --window N and --points N with whole numbers >= 1`,
      );
      process.exit(2);
    }
    options[name] = value;
  }
  if (options.points < 2) {
    console.error('--points must be at least 2: a signature needs two points');
    process.exit(2);
  }
  return options;
}

// Runs inside the page: verifies for `seconds` and returns one summary per window.
async function runLoad({ seconds, window: windowSeconds, points: length }) {
  const { VerifyWorker } = await import('./verify-client.js');
  const verifier = new VerifyWorker();
  await verifier.ready;
  await verifier.load(await (await fetch('models/default.inkprint')).arrayBuffer());

  const makePoints = (variant) => {
    const points = new Float64Array(length * 5);
    for (let i = 0; i < length; i += 1) {
      const stroke = i < length / 2 ? 0 : 1;
      const y = 60 * Math.sin((i * 12) / length + variant * 0.4) + stroke * 20;
      points.set([(i * 400) / length + stroke * 30, y, i * 10, Number.NaN, stroke], i * 5);
    }
    return points;
  };
  const embeddings = new Float32Array(3 * 16);
  for (let variant = 0; variant < 3; variant += 1) {
    embeddings.set((await verifier.embed(makePoints(variant))).embedding, variant * 16);
  }
  const { reference } = await verifier.reference(embeddings);
  // Ten signatures made in advance, so that the timed loop measures the worker, not makePoints.
  const signatures = Array.from({ length: 10 }, (_, variant) => makePoints(variant));

  const percentile = (sorted, share) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
  const windows = [];
  const started = performance.now();
  let count = 0;
  for (let index = 0; index * windowSeconds < seconds; index += 1) {
    const windowEnd = started + Math.min((index + 1) * windowSeconds, seconds) * 1000;
    const windowStart = performance.now();
    const latencies = [];
    while (performance.now() < windowEnd) {
      const sent = performance.now();
      await verifier.verify(reference.slice(), signatures[count % signatures.length].slice());
      latencies.push(performance.now() - sent);
      count += 1;
    }
    const elapsed = (performance.now() - windowStart) / 1000;
    latencies.sort((a, b) => a - b);
    const stats = await verifier.stats();
    windows.push({
      from: Math.round((windowStart - started) / 1000),
      to: Math.round((performance.now() - started) / 1000),
      verifications: latencies.length,
      perSecond: latencies.length / elapsed,
      meanMs: latencies.reduce((sum, value) => sum + value, 0) / latencies.length,
      medianMs: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      heapBytes: stats.heapBytes,
      heapBytesInUse: stats.heapBytesInUse,
    });
  }
  verifier.terminate();
  return { windows, userAgent: navigator.userAgent };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  requireBuiltModule();
  const startLoad = os.loadavg();
  const date = new Date().toISOString();
  const server = await startServer();
  const browser = await launchBrowser();
  let result;
  try {
    const page = await openPage(browser.context, server.origin);
    const state = await loadPage(page, server.url);
    if (state !== 'ready') {
      throw new Error(`the page did not load (data-state ${state})`);
    }
    result = await page.evaluate(runLoad, options);
  } finally {
    await browser.close();
    await server.stop();
  }
  const endLoad = os.loadavg();

  const chromium = /Chrome\/([\d.]+)/.exec(result.userAgent)?.[1] ?? result.userAgent;
  console.log(`date: ${date}`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, ${os.type()} ${os.release()}, Chromium ${chromium}`);
  console.log(
    `load average (1, 5, 15 min): start ${startLoad.map((value) => value.toFixed(2)).join(', ')}; ` +
      `end ${endLoad.map((value) => value.toFixed(2)).join(', ')}`,
  );
  console.log(`signatures of ${options.points} points, one request in flight at a time`);
  console.log('| seconds | verifications | per second | mean ms | median ms | p99 ms | heap bytes | bytes in use |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const window of result.windows) {
    console.log(
      `| ${window.from}-${window.to} | ${window.verifications} | ${window.perSecond.toFixed(0)} | ` +
        `${window.meanMs.toFixed(3)} | ${window.medianMs.toFixed(1)} | ${window.p99Ms.toFixed(1)} | ${window.heapBytes} | ${window.heapBytesInUse} |`,
    );
  }
}

main().catch((error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
