// Training worker of the page: reads SVC2004 files and trains the siamese network with the
// WebAssembly module's Trainer, a few optimiser steps at a time, so that a cancel message is
// read between two steps. It is a classic worker because the Emscripten loader is a classic
// script.
//
// Messages from the page, each { type, ... }:
//   addFiles { files: [{ file, path }] }
//                                     reads SVC2004 .TXT files into the data set; path is the
//                                     file's path in a picked or dropped folder, or its name
//   clearFiles {}                     empties the data set read from files
//   start { config, captured, baseModel, baseName }
//                                     trains: config contains epochs, learningRate, pairsPerEpoch,
//                                     batchSize, augmentedCopies, layers, seed, validationShare;
//                                     captured is [{ name, genuine: [Float64Array],
//                                     forgeries: [Float64Array] }]; baseModel the ArrayBuffer of a
//                                     model file to fine-tune, or null for fresh weights
//   cancel {}                         stops the run and keeps the best epoch so far
//   stats {}                          reports the size of the module's WebAssembly memory
// Messages to the page:
//   ready {}, dataset { writers, signatures, problems, files }, preparing { writers },
//   progress { epoch, epochs, stepInEpoch, stepsPerEpoch, loss, stepsDone, totalSteps,
//              elapsedMs, remainingMs, pairsPerSecond },
//   epoch { epoch, loss, validationEer },
//   done { cancelled, failure, model (ArrayBuffer or null), bestEpoch, validationEer,
//          epochsRun, pairsPerSecond, trainingMs, trainWriters, validationWriters,
//          validationNames }, where failure is the error that stopped training early, or null,
//          and validationNames are the validation writers' names, such as "Task1 user 31",
//   stats { heapBytes },
//   error { message }
// Point arrays and model bytes are transferred, not copied.
'use strict';

// The module with the Trainer; the page itself loads the smaller one without it.
importScripts('wasm/inkprint-train.js');

// Steps per run() call are adjusted so that one call takes about this long. Shorter calls let
// a cancel message in sooner, and longer ones waste less time between calls.
const TARGET_CHUNK_MS = 100;
const FIRST_CHUNK_STEPS = 1;
// Largest allowed file. The longest SVC2004 file has 24,310 bytes.
const MAX_FILE_BYTES = 1_000_000;
// SVC2004 file names: U<user>S<signature>.TXT, signatures 1-20 genuine and 21-40 forgeries.
const SVC2004_NAME = /^U(\d+)S(\d+)\.txt$/i;
const SVC2004_LAST_GENUINE = 20;
const DEFAULT_VALIDATION_SHARE = 0.2;

const modulePromise = createInkprintModule({
  locateFile: (file) => new URL(`wasm/${file}`, self.location.href).href,
  printErr: (text) => console.warn(text),
});

// Writers read from files, by the folder and user number: Map key -> { name, folder, user,
// genuine: Map signatureNumber -> points, forgeries: Map signatureNumber -> points }.
const fileWriters = new Map();
// The SHA-256 digest of each loaded file's text, with the file's path, so that one signature
// is not loaded twice under two paths: Map hex digest -> path.
const loadedDigests = new Map();

// The run under way, or null: { trainer, cancelled }.
let run = null;

// A zero-delay yield to the event loop, so that a waiting cancel message is handled. A
// MessageChannel avoids the 4 ms minimum of nested setTimeout calls.
const yieldChannel = new MessageChannel();
const yieldWaiters = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
function yieldToEvents() {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

function describeError(error) {
  return error instanceof Error ? error.message : String(error);
}

function datasetSummary(problems = [], files = 0, skipped = []) {
  let signatures = 0;
  const writers = [];
  for (const writer of fileWriters.values()) {
    signatures += writer.genuine.size + writer.forgeries.size;
    writers.push({ name: writer.name, genuine: writer.genuine.size, forgeries: writer.forgeries.size });
  }
  return { type: 'dataset', writers, signatures, problems, files, skipped };
}

// Returns the folder part of a file's path, or '' for a file picked alone. Task1/U1S1.TXT and
// Task2/U1S1.TXT are different writers.
function folderOf(path) {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

// Returns { user, number } from an SVC2004 file name, after checking the number and the size.
function parseName(file) {
  const match = SVC2004_NAME.exec(file.name);
  if (match === null) {
    throw new Error(
      'the name is not an SVC2004 file name U<user>S<number>.TXT, so the writer and whether it ' +
        'is genuine are unknown: rename it, or leave it out',
    );
  }
  const user = Number(match[1]);
  const number = Number(match[2]);
  if (number < 1 || number > 2 * SVC2004_LAST_GENUINE) {
    throw new Error(`signature number ${number} is outside 1-40: SVC2004 numbers genuine signatures 1-20 and forgeries 21-40`);
  }
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`the file has ${file.size} bytes, more than the limit of ${MAX_FILE_BYTES}: it is not an SVC2004 file`);
  }
  return { user, number };
}

// Parses the text of a file named by parseName() and adds its signature to its writer.
// `digest` is the SHA-256 digest of the text.
function storeFile(module, { file, path, user, number }, text, digest) {
  let points;
  try {
    points = module.readSvc2004Text(text, file.name);
  } catch (error) {
    // The problem list names the file already.
    const message = describeError(error);
    throw new Error(message.startsWith(`${file.name}: `) ? message.slice(file.name.length + 2) : message);
  }
  // Long pauses and durations, which enrolment turns away, would mislead training too.
  module.checkTrainingSignature(points);

  const earlier = loadedDigests.get(digest);
  if (earlier === path) {
    throw new Error('it is loaded already');
  }
  if (earlier !== undefined) {
    throw new Error(
      `it has the same content as ${earlier}, which is loaded already, and one signature must not ` +
        'count twice: leave one of them out',
    );
  }
  const folder = folderOf(path);
  const key = `${folder}\u0000${user}`;
  const writer = fileWriters.get(key) ?? {
    name: folder === '' ? `user ${user}` : `${folder} user ${user}`,
    folder,
    user,
    genuine: new Map(),
    forgeries: new Map(),
    paths: new Map(),
  };
  if (writer.paths.has(number)) {
    throw new Error(
      `signature ${number} of ${writer.name} is loaded already, from ${writer.paths.get(number)}: to ` +
        'load writers of several folders, choose or drop the folders so that they stay apart, or ' +
        'press Remove loaded files first',
    );
  }
  fileWriters.set(key, writer);
  const group = number <= SVC2004_LAST_GENUINE ? writer.genuine : writer.forgeries;
  group.set(number, points);
  writer.paths.set(number, path);
  loadedDigests.set(digest, path);
}

// Returns the SHA-256 digest of `text` as hexadecimal.
async function digestOf(text) {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function addFiles(files) {
  const module = await modulePromise;
  // Problems with the index of their file, so that they are listed in the order of the files.
  const problems = [];
  const skipped = [];
  const named = [];
  files.forEach(({ file, path }, index) => {
    // A folder of SVC2004 files may hold a README or checksums beside them.
    if (!/\.txt$/i.test(file.name)) {
      skipped.push(path ?? file.name);
      return;
    }
    try {
      named.push({ file, path: path ?? file.name, index, ...parseName(file) });
    } catch (error) {
      problems.push({ index, file: path ?? file.name, message: describeError(error) });
    }
  });
  // Read all at once: while a run trains, each await here waits for a chunk of optimiser steps
  // (about 0.1 s), so reading file by file would take that long per file.
  const texts = await Promise.all(named.map(({ file }) => file.text().catch((error) => new ReadFailure(error))));
  const digests = await Promise.all(texts.map((text) => (text instanceof ReadFailure ? null : digestOf(text))));
  named.forEach((entry, k) => {
    try {
      if (texts[k] instanceof ReadFailure) {
        throw texts[k].error;
      }
      storeFile(module, entry, texts[k], digests[k]);
    } catch (error) {
      problems.push({ index: entry.index, file: entry.path, message: describeError(error) });
    }
  });
  problems.sort((a, b) => a.index - b.index);
  const listed = problems.map(({ file, message }) => ({ file, message }));
  postMessage(datasetSummary(listed, files.length, skipped));
}

// A file that could not be read, kept in the list of texts in its place.
class ReadFailure {
  constructor(error) {
    this.error = error;
  }
}

function sortedPoints(map) {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
}

// Splits the writers into training and validation writers. The last writers read from files,
// in folder and user order, validate; captured writers always train.
function splitWriters(captured, validationShare) {
  const fromFiles = [...fileWriters.values()].sort(
    (a, b) => a.folder.localeCompare(b.folder) || a.user - b.user,
  );
  const folders = [...new Set(fromFiles.map((writer) => writer.folder))];
  const datasetWriters = fromFiles.map((writer) => ({
    name: writer.name,
    group: folders.indexOf(writer.folder) + 1,
    genuine: sortedPoints(writer.genuine),
    forgeries: sortedPoints(writer.forgeries),
  }));
  const capturedWriters = captured.map((writer) => ({ ...writer, group: 0 }));

  let validationCount = Math.max(1, Math.round(datasetWriters.length * validationShare));
  // At least 2 writers must be left to train.
  validationCount = Math.min(validationCount, datasetWriters.length + capturedWriters.length - 2);
  const captures = `${capturedWriters.length} captured on the page with 2 or more genuine signatures`;
  if (datasetWriters.length === 0) {
    throw new Error(
      'Training needs at least 1 writer from SVC2004 files, because the validation writers, ' +
        'which choose the threshold, come from files only, and captured writers only train. ' +
        `There are no writers from files and ${captures}. Load SVC2004 files (Choose files).`,
    );
  }
  if (validationCount < 1) {
    throw new Error(
      'Training needs at least 3 writers, 2 to train and 1 from files to validate, but there ' +
        `are ${datasetWriters.length} from files and ${captures}. Load SVC2004 files of more ` +
        'writers, or capture more writers.',
    );
  }
  const validation = datasetWriters.slice(datasetWriters.length - validationCount);
  const train = [...capturedWriters, ...datasetWriters.slice(0, datasetWriters.length - validationCount)];
  return { train, validation };
}

function postDone(state, cancelled, failure = null) {
  const { trainer } = state;
  let model = null;
  if (trainer.hasModel()) {
    model = trainer.modelBytes().buffer;
  }
  const trainingMs = state.trainingMs;
  postMessage(
    {
      type: 'done',
      cancelled,
      failure,
      model,
      bestEpoch: trainer.bestEpoch(),
      validationEer: trainer.hasModel() ? trainer.bestValidationEer() : null,
      epochsRun: state.epochsRun,
      pairsPerSecond: trainingMs > 0 ? (state.stepsDone * state.batchSize * 1000) / trainingMs : 0,
      trainingMs,
      trainWriters: state.trainWriters,
      validationWriters: state.validationWriters,
      validationNames: state.validationNames,
    },
    model === null ? [] : [model],
  );
}

async function startTraining(message) {
  if (run !== null) {
    throw new Error('Training is already running: cancel it or wait for it to finish.');
  }
  const module = await modulePromise;
  const config = message.config ?? {};
  const { train, validation } = splitWriters(message.captured ?? [], config.validationShare ?? DEFAULT_VALIDATION_SHARE);

  const trainer = new module.Trainer();
  const state = {
    trainer,
    cancelled: false,
    stepsDone: 0,
    trainingMs: 0,
    epochsRun: 0,
    batchSize: config.batchSize ?? 32,
    trainWriters: train.length,
    validationWriters: validation.length,
    validationNames: validation.map((writer) => writer.name),
  };
  run = state;
  try {
    for (const writer of train) {
      trainer.addWriter(writer.name, 'train', writer.group, writer.genuine, writer.forgeries);
    }
    for (const writer of validation) {
      trainer.addWriter(writer.name, 'validation', writer.group, writer.genuine, writer.forgeries);
    }
    postMessage({ type: 'preparing', trainWriters: train.length, validationWriters: validation.length });
    await yieldToEvents();
    if (state.cancelled) {
      postMessage({ type: 'done', cancelled: true, failure: null, model: null, bestEpoch: 0, validationEer: null, epochsRun: 0 });
      return;
    }
    const options = {
      epochs: config.epochs,
      learningRate: config.learningRate,
      pairsPerEpoch: config.pairsPerEpoch,
      batchSize: config.batchSize,
      augmentedCopies: config.augmentedCopies,
      seed: config.seed,
      layers: config.layers || undefined,
      baseModel: message.baseModel ? new Uint8Array(message.baseModel) : null,
      baseName: message.baseName ?? '',
      data: `${train.length} training and ${validation.length} validation writers`,
    };
    try {
      trainer.configure(options);
    } catch (error) {
      // The module's words name the layer but not the page's field.
      if (config.layers && /layer|channel/i.test(describeError(error))) {
        throw new Error(
          `Training did not start: the Layers field ${JSON.stringify(config.layers)} is invalid: ` +
            `${describeError(error)}. Correct it, or empty it to train the published network.`,
        );
      }
      throw error;
    }
    try {
      await trainLoop(state);
    } catch (error) {
      // A run that fails after an epoch has ended (the loss diverged, say) still gives the
      // best epoch so far.
      if (!trainer.hasModel()) {
        throw error;
      }
      postDone(state, false, describeError(error));
      return;
    }
    postDone(state, state.cancelled);
  } finally {
    trainer.delete();
    run = null;
  }
}

async function trainLoop(state) {
  const { trainer } = state;
  let steps = FIRST_CHUNK_STEPS;
  let totalSteps = 0;
  while (!state.cancelled) {
    const started = performance.now();
    const chunk = trainer.run(steps);
    const elapsed = performance.now() - started;
    state.trainingMs += elapsed;
    state.stepsDone += chunk.steps;
    totalSteps = chunk.stepsPerEpoch * chunk.epochs;
    state.epochsRun = chunk.epoch;

    const stepsDone = chunk.epoch * chunk.stepsPerEpoch + chunk.stepInEpoch;
    const msPerStep = state.trainingMs / Math.max(state.stepsDone, 1);
    postMessage({
      type: 'progress',
      epoch: chunk.epoch,
      epochs: chunk.epochs,
      stepInEpoch: chunk.stepInEpoch,
      stepsPerEpoch: chunk.stepsPerEpoch,
      loss: chunk.loss,
      stepsDone,
      totalSteps,
      elapsedMs: state.trainingMs,
      remainingMs: (totalSteps - stepsDone) * msPerStep,
      pairsPerSecond: (state.stepsDone * state.batchSize * 1000) / Math.max(state.trainingMs, 1),
    });
    if (chunk.epochEnded) {
      postMessage({ type: 'epoch', epoch: chunk.epoch, loss: chunk.epochLoss, validationEer: chunk.validationEer });
    }
    if (chunk.finished) {
      return;
    }
    // The next call aims at TARGET_CHUNK_MS, from this call's time per step. An epoch's end
    // adds the validation, so that call is not used to adjust.
    if (!chunk.epochEnded && chunk.steps > 0 && elapsed > 0) {
      const perStep = elapsed / chunk.steps;
      steps = Math.max(1, Math.min(1000, Math.round(TARGET_CHUNK_MS / perStep)));
    }
    await yieldToEvents();
  }
}

async function handleMessage(message) {
  switch (message?.type) {
    case 'addFiles':
      await addFiles(message.files ?? []);
      break;
    case 'clearFiles':
      fileWriters.clear();
      loadedDigests.clear();
      postMessage(datasetSummary());
      break;
    case 'start':
      await startTraining(message);
      break;
    case 'cancel':
      if (run !== null) {
        run.cancelled = true;
      }
      break;
    case 'stats':
      postMessage({ type: 'stats', heapBytes: (await modulePromise).HEAPU8.length });
      break;
    default:
      throw new Error(
        `unknown message type ${JSON.stringify(message?.type)}: use addFiles, clearFiles, start, cancel or stats`,
      );
  }
}

self.onmessage = (event) => {
  handleMessage(event.data).catch((error) => {
    postMessage({ type: 'error', request: event.data?.type ?? null, message: describeError(error) });
  });
};

modulePromise.then(
  () => postMessage({ type: 'ready' }),
  (error) => postMessage({ type: 'error', request: null, message: `The WebAssembly module failed to start: ${describeError(error)}` }),
);
