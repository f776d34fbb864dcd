// Benchmarks in headless Chromium, on 127.0.0.1 only:
//   node bench/browser.mjs [--json] [--repetitions N]      after scripts/build.sh
//
// 1. In a Web Worker of bench/browser/index.html, which scripts/serve.mjs serves from the
//    repository's root. The WebAssembly benchmark program (build/wasm/inkprint_bench_timed.js)
//    runs the training step, forward pass, embedding and peak cases. Then the TensorFlow.js
//    peer runs on its CPU backend (training at batch 32 and 200 steps, forward pass) and on its
//    WebAssembly backend (forward pass only).
// 2. On the page itself (web/, served by scripts/serve.mjs): the time from pointer-up to the
//    verdict. The page verifies when Verify is clicked, not at pointer-up, so the measurement
//    clicks Verify from script within the pointerup dispatch, after the pad's handler (see
//    installVerdictProbe). A person's click comes later, so this is the page's own share. It
//    runs N single-stroke signatures (default 50) against a person enrolled with 5.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  REPO_ROOT,
  WEB_ROOT,
  enrolScribbles,
  launchBrowser,
  loadPage,
  replaySignature,
  requireBuiltModule,
  startServer,
} from '../tests/browser/helpers.mjs';
import { summarise } from './lib/timing.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const repetitions = args.includes('--repetitions') ? Number(args[args.indexOf('--repetitions') + 1]) : 50;
if (!Number.isInteger(repetitions) || repetitions < 1) {
  console.error('--repetitions needs a whole number from 1');
  process.exit(2);
}

const benchProgram = join(REPO_ROOT, 'build', 'wasm', 'inkprint_bench_timed.js');
if (!existsSync(benchProgram)) {
  console.error(`${benchProgram} not found: build the WebAssembly target first with scripts/build.sh`);
  process.exit(1);
}
requireBuiltModule();

const results = [];
function report(result) {
  results.push(result);
  if (json) {
    console.log(JSON.stringify(result));
  } else if (result.median_us !== undefined) {
    const times = [result.median_us, result.min_us, result.max_us].map((t) => t.toFixed(1).padStart(12));
    console.log(`${result.name.padEnd(44)} ${times.join(' ')}`);
  } else {
    console.log(`${result.name.padEnd(44)} ${JSON.stringify({ ...result, name: undefined })}`);
  }
}

// A wavy single stroke of 60 samples, 10 ms apart, different for each variant.
function singleStroke(variant) {
  return Array.from({ length: 60 }, (_, i) => ({
    x: i * 8,
    y: 50 * Math.sin(i / 6 + variant * 0.4) + 20 * Math.cos(i / 3),
    t: i * 10,
    stroke: 0,
  }));
}

// Installs window.measureNextVerdict(). At the next pointerup it clicks Verify from script in
// the same event dispatch, right after the pad's own pointerup handler has ended the stroke.
// It resolves with milliseconds from the event's timestamp to the verdict in the DOM and to the
// end of the next frame, and the time of Verify's click handler alone.
function installVerdictProbe() {
  window.measureNextVerdict = () =>
    new Promise((resolve) => {
      const verify = document.getElementById('verify');
      const result = document.getElementById('result');
      const onPointerUp = (event) => {
        const start = event.timeStamp;
        // The pad adds its pointerup listener to window when a stroke starts, so a listener
        // added now runs after it.
        window.addEventListener(
          'pointerup',
          () => {
            const clicked = performance.now();
            verify.click();
            const inDom = performance.now();
            requestAnimationFrame(() => {
              // A task queued from requestAnimationFrame runs after that frame is drawn.
              setTimeout(() => {
                resolve({
                  domMs: inDom - start,
                  frameMs: performance.now() - start,
                  verifyMs: inDom - clicked,
                  verdict: result.dataset.verdict ?? null,
                });
              }, 0);
            });
          },
          { once: true },
        );
      };
      window.addEventListener('pointerup', onPointerUp, { capture: true, once: true });
    });
}

const benchServer = await startServer(['--root', REPO_ROOT]);
const pageServer = await startServer(['--root', WEB_ROOT]);
const { context, close } = await launchBrowser();
try {
  const version = context.browser()?.version() ?? 'unknown';
  report({ name: 'chromium', version });

  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`bench page error: ${error.message}`));
  await page.goto(new URL('bench/browser/index.html', benchServer.url).href);
  await page.waitForFunction(() => typeof window.runBenchmark === 'function');
  const jobs = [
    { kind: 'inkprint', filters: ['train_step/', 'forward_one', 'embed_one', 'peak'] },
    { kind: 'tfjs', backend: 'cpu', quick: true },
    { kind: 'tfjs', backend: 'wasm', quick: false },
  ];
  for (const job of jobs) {
    const lines = await page.evaluate((j) => window.runBenchmark(j), job);
    for (const line of lines) {
      report({ ...line, name: line.name.startsWith('tfjs-') ? `chromium:${line.name}` : `chromium:wasm:${line.name}` });
    }
  }
  await page.close();

  const app = await context.newPage();
  app.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  if ((await loadPage(app, pageServer.url)) !== 'ready') throw new Error('the page failed to load its module or model');
  await enrolScribbles(app, 'Benchmark', 5);
  await app.evaluate(installVerdictProbe);
  const dom = [];
  const frame = [];
  const handler = [];
  const verdicts = new Set();
  for (let i = 0; i < repetitions; i += 1) {
    await app.click('#clear');
    const measured = app.evaluate(() => window.measureNextVerdict());
    await replaySignature(app, singleStroke(i));
    const { domMs, frameMs, verifyMs, verdict } = await measured;
    if (verdict === null) throw new Error('Verify showed no verdict; see the page message');
    dom.push(domMs);
    frame.push(frameMs);
    handler.push(verifyMs);
    verdicts.add(verdict);
  }
  report({ name: 'chromium:verdict_ms/to_dom', ...summarise(dom), repetitions });
  report({ name: 'chromium:verdict_ms/to_next_frame', ...summarise(frame), repetitions });
  report({ name: 'chromium:verdict_ms/verify_handler', ...summarise(handler), repetitions });
  report({ name: 'chromium:verdict_ms/verdicts', seen: [...verdicts] });
} finally {
  await close();
  await benchServer.stop();
  await pageServer.stop();
}
