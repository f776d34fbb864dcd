// Runs one benchmark job in a fresh Web Worker (worker.js) and collects its result lines.
// bench/browser.mjs calls window.runBenchmark(job) through Playwright.

// Returns a promise of the parsed JSON lines that the worker posts for `job` (see worker.js),
// rejected when the worker reports an error.
window.runBenchmark = (job) =>
  new Promise((resolve, reject) => {
    const worker = new Worker('worker.js');
    const lines = [];
    worker.onmessage = ({ data }) => {
      if (data.log) {
        console.warn(data.log);
      } else if (data.error) {
        worker.terminate();
        reject(new Error(data.error));
      } else if (data.done) {
        worker.terminate();
        resolve(lines);
      } else {
        lines.push(data.result);
      }
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(`worker failed: ${event.message}`));
    };
    worker.postMessage(job);
  });
