// Time of one fused verification (Model.verifyFused, what the page's Verify runs with the
// default model) in the WebAssembly module under Node, for SVC2004 writers whose signatures
// are short, typical and long. Each writer enrols S1-S5 and verifies S11. The time grows with
// the signatures' duration, because the time warping compares one step per 10 ms of writing.
// The model keeps the alignments among the last enrolment's signatures, so the first
// verification after a change of enrolment costs more: the "new enrolment" figures alternate
// between S1-S5 and S2-S6 so that every call misses that cache. The page avoids that cost at
// the verdict by preparing the enrolment ahead (Model.prepareEnrolment) once it is complete or
// its person is chosen: "prepare" is the time of that call, spent before Verify is pressed.
//
//   node bench/verify-fused.mjs          after scripts/build.sh, with the SVC2004 data

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultModelBytes, loadModule, skipWithoutData, svc2004Folder } from '../tests/wasm/load-module.mjs';
import { timeCase } from './lib/timing.mjs';

const missing = skipWithoutData();
if (missing) {
  console.error(missing);
  process.exit(1);
}

const mod = await loadModule();
const model = new mod.Model(defaultModelBytes());
const read = (task, user, index) =>
  mod.parseSvc2004(readFileSync(join(svc2004Folder, `Task${task}`, `U${user}S${index}.TXT`), 'utf8'));

// Returns the duration in seconds of a signature in the flat format [x, y, t_ms, pressure, stroke].
const seconds = (points) => (points[points.length - 3] - points[2]) / 1000;

// Every writer of Task 1 with the mean duration of the six signatures used, sorted by it.
const writers = [];
for (let user = 1; user <= 40; user += 1) {
  const enrolment = [1, 2, 3, 4, 5].map((index) => read(1, user, index));
  const shifted = [2, 3, 4, 5, 6].map((index) => read(1, user, index));
  const query = read(1, user, 11);
  const duration = [...enrolment, query].reduce((sum, points) => sum + seconds(points), 0) / 6;
  writers.push({ user, enrolment, shifted, query, duration });
}
writers.sort((a, b) => a.duration - b.duration);

const size = model.embeddingSize();
console.log('fused verification, Task 1, enrol S1-S5, verify S11 (median of 7 samples, min-max)');
const milliseconds = (timing) =>
  `${(timing.median_us / 1000).toFixed(2)} ms (${(timing.min_us / 1000).toFixed(2)}-` +
  `${(timing.max_us / 1000).toFixed(2)})`;
for (const [label, writer] of [
  ['shortest', writers[0]],
  ['median', writers[Math.floor(writers.length / 2)]],
  ['longest', writers[writers.length - 1]],
]) {
  const embed = (signatures) => {
    const embeddings = new Float32Array(5 * size);
    signatures.forEach((points, index) => embeddings.set(model.embed(points), index * size));
    return embeddings;
  };
  const embeddings = embed(writer.enrolment);
  const shiftedEmbeddings = embed(writer.shifted);
  const repeated = timeCase(() => model.verifyFused(embeddings, writer.enrolment, writer.query));
  let useShifted = false;
  const changed = timeCase(() => {
    useShifted = !useShifted;
    return useShifted
      ? model.verifyFused(shiftedEmbeddings, writer.shifted, writer.query)
      : model.verifyFused(embeddings, writer.enrolment, writer.query);
  });
  let prepareShifted = false;
  const prepared = timeCase(() => {
    prepareShifted = !prepareShifted;
    return model.prepareEnrolment(prepareShifted ? writer.shifted : writer.enrolment);
  });
  console.log(
    `  ${label.padEnd(8)} writer U${writer.user}, ${writer.duration.toFixed(1)} s per signature: ` +
      `same enrolment ${milliseconds(repeated)}, new enrolment ${milliseconds(changed)}, ` +
      `prepare ${milliseconds(prepared)}`,
  );
}
model.delete();
