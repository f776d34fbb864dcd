// The page's Train section. Its training data are signatures captured on the pad and SVC2004
// files. Training runs in a Web Worker (train-worker.js), with a progress bar, a loss curve and
// the validation EER per epoch. Trained models are kept in IndexedDB (model-store.js).

import {
  DEFAULT_MODEL_ID,
  MISSING_MODEL_MESSAGE,
  MODEL_DATABASE_NAME,
  ModelStore,
  PEN_MODEL_ID,
} from './model-store.js';
import { isDatabaseClosed, onDatabaseClosed, savingMarker } from './idb.js';
import { checkModelSeparates } from './model-check.js';
import { CHANCE_EER, checkRecordedRates } from './recorded-rates.js';
import {
  countOf,
  describeError,
  isolate,
  modelNameProblem,
  personNameProblem,
  quote,
  quoteList,
  removeHiddenCharacters,
  sentence,
} from './text.js';

const WORKER_URL = 'train-worker.js';
// The models that come with the page, by their id in the model list, with the files of their
// cross-validated error rates, which the footer shows.
const BUILT_IN_MODELS = new Map([
  [
    DEFAULT_MODEL_ID,
    {
      name: 'default',
      url: 'models/default.inkprint',
      label: 'Default model',
      accuracyUrl: 'models/default-accuracy.json',
    },
  ],
  [
    PEN_MODEL_ID,
    {
      name: 'pen',
      url: 'models/pen.inkprint',
      label: 'Pen model, compares pressure',
      accuracyUrl: 'models/pen-accuracy.json',
    },
  ],
]);

// Returns useModel()'s options for the model choice `id`.
function useOptions(id) {
  return { accuracyUrl: BUILT_IN_MODELS.get(id)?.accuracyUrl ?? null };
}
const UPLOT_URL = './vendor/uPlot.esm.js';
const CHART_HEIGHT = 180;
// Largest model file accepted by Import: the published network's file is about 12.5 KB, and a
// much larger network would be too slow to train in a page anyway.
const MAX_MODEL_FILE_BYTES = 50_000_000;
// How long Cancel waits for the worker before it ends the worker. The worker reads Cancel
// between optimiser steps, about every 0.1 s, but one step of a very large network can take
// minutes.
const CANCEL_LIMIT_MS = 3000;
// Minimum learning rate that Start accepts.
const MIN_LEARNING_RATE = 1e-6;

const elements = {
  section: document.getElementById('training'),
  captureAdd: document.getElementById('capture-add'),
  captureClear: document.getElementById('capture-clear'),
  captureSummary: document.getElementById('capture-summary'),
  captureChoice: document.getElementById('capture-choice'),
  captureList: document.getElementById('capture-list'),
  captureRemove: document.getElementById('capture-remove'),
  drop: document.getElementById('dataset-drop'),
  datasetFiles: document.getElementById('dataset-files'),
  datasetFolder: document.getElementById('dataset-folder'),
  datasetClear: document.getElementById('dataset-clear'),
  datasetFileInput: document.getElementById('dataset-file-input'),
  datasetFolderInput: document.getElementById('dataset-folder-input'),
  datasetSummary: document.getElementById('dataset-summary'),
  datasetProblems: document.getElementById('dataset-problems'),
  base: document.getElementById('train-base'),
  epochs: document.getElementById('train-epochs'),
  pairs: document.getElementById('train-pairs'),
  learningRate: document.getElementById('train-learning-rate'),
  augment: document.getElementById('train-augment'),
  layers: document.getElementById('train-layers'),
  name: document.getElementById('train-name'),
  start: document.getElementById('train-start'),
  cancel: document.getElementById('train-cancel'),
  progress: document.getElementById('train-progress'),
  status: document.getElementById('train-status'),
  message: document.getElementById('train-message'),
  lossChart: document.getElementById('loss-chart'),
  eerChart: document.getElementById('eer-chart'),
  epochRows: document.querySelector('#train-epochs-table tbody'),
  modelList: document.getElementById('model-list'),
  modelUse: document.getElementById('model-use'),
  modelExport: document.getElementById('model-export'),
  modelDelete: document.getElementById('model-delete'),
  modelImport: document.getElementById('model-import'),
  modelImportFile: document.getElementById('model-import-file'),
  modelActive: document.getElementById('model-active'),
  modelMessage: document.getElementById('model-message'),
};

const store = new ModelStore();

// Set by setupTraining().
let page = null;
let worker = null;
let workerReady = false;
// Files sent to the worker whose dataset message has not arrived yet. Start waits for them,
// so that a run never starts on part of the files.
let readingFiles = false;
// The data set files sent to the worker since they were last removed: [{ file, path }]. A new
// worker, started after one that did not respond to Cancel, reads them again.
let sentFiles = [];
// Set when Cancel is pressed while Start still downloads its starting model, before the run
// exists; Start then stops there.
let cancelBeforeRun = false;

// Signatures captured on the pad, by person name: { genuine: [], forgeries: [] } of
// { id, points }, oldest first. The store keeps a copy under `id`, so that they survive a reload.
// The id is null when the store could not save it.
const captured = new Map();

// The run under way, or null: { config, startedFrom, losses: [[x], [loss]], eers: [[epoch], [eer]] }.
let currentRun = null;
let charts = null;
// The active model's id as this tab last read or stored it. A stored choice that differs from it
// was made in another tab, and this tab then switches to that model.
let knownActiveId = DEFAULT_MODEL_ID;
// The end of the queue of active-model changes: this tab's Use and Delete, and its following of
// other tabs. They run one at a time, so that no switch lands between this tab's loading of a
// model and its storing of the choice.
let modelChanges = Promise.resolve();

// Runs `change` after the model changes queued before it, and returns its promise.
function queueModelChange(change) {
  modelChanges = modelChanges.then(change, change);
  return modelChanges;
}

function setState(state) {
  elements.section.dataset.state = state;
  const running = state === 'preparing' || state === 'running' || state === 'cancelling';
  elements.start.disabled = running || !workerReady || readingFiles;
  elements.cancel.disabled = !running || state === 'cancelling';
}

function showMessage(element, text, kind = 'info') {
  element.textContent = text;
  element.dataset.kind = kind;
}

function formatDuration(milliseconds) {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

// Returns a speed in pairs per second: whole above 10, else with 2 significant digits, so that
// a very large network does not show 0.
function pairsRate(pairsPerSecond) {
  return pairsPerSecond >= 10 ? String(Math.round(pairsPerSecond)) : pairsPerSecond.toPrecision(2);
}

function percent(rate) {
  return `${(rate * 100).toFixed(2)} %`;
}

// ---- Captured signatures ----

// Describes a capture's points (the module's flat format, 5 values per point) by duration and
// strokes, so that two captures of one person can be distinguished in the list.
function describeCapture(points) {
  const count = points.length / 5;
  const seconds = (points[(count - 1) * 5 + 2] - points[2]) / 1000;
  const strokes = points[(count - 1) * 5 + 4] + 1;
  return `${seconds.toFixed(1)} s, ${countOf(strokes, 'stroke')}`;
}

// Each capture entry gets a key of its own, the value of its choice in the list, so that the
// choice stays on the same capture when another tab changes the list.
let nextCaptureKey = 1;

// Returns the entry { id, points } of a capture, with a new key.
function captureEntry(id, points) {
  const entry = { id, points, key: String(nextCaptureKey) };
  nextCaptureKey += 1;
  return entry;
}

// Yields { person, kind, index, entry } for every capture, by person, genuine signatures
// before forgeries, oldest first. `kind` is "genuine" or "forgery".
function* eachCapture() {
  for (const [person, writer] of captured.entries()) {
    for (const [kind, list] of [
      ['genuine', writer.genuine],
      ['forgery', writer.forgeries],
    ]) {
      for (const [index, entry] of list.entries()) {
        yield { person, kind, index, entry };
      }
    }
  }
}

// Returns the words for a capture of `kind` in messages: "genuine signature" or "forgery".
function kindLabel(kind) {
  return kind === 'forgery' ? 'forgery' : 'genuine signature';
}

// Returns { person, kind, index, entry } of the capture whose key is `key`, or null.
function findCapture(key) {
  for (const capture of eachCapture()) {
    if (capture.entry.key === key) {
      return capture;
    }
  }
  return null;
}

// Shows the counts per person, and lists every capture for Remove. Each capture is numbered
// within its person and kind from 1, as training errors number them.
function showCaptureSummary() {
  const selected = elements.captureList.value;
  const options = [];
  for (const { person, kind, index, entry } of eachCapture()) {
    const option = document.createElement('option');
    option.value = entry.key;
    option.textContent = `${isolate(person)}, ${kindLabel(kind)} ${index + 1} (${describeCapture(entry.points)})`;
    options.push(option);
  }
  elements.captureList.replaceChildren(...options);
  if (options.some((option) => option.value === selected)) {
    elements.captureList.value = selected;
  } else if (selected !== '') {
    // The chosen capture is gone (another tab removed it), so nothing is chosen, rather than
    // whichever capture comes first.
    elements.captureList.selectedIndex = -1;
  }
  elements.captureChoice.hidden = options.length === 0;
  if (captured.size === 0) {
    elements.captureSummary.textContent = 'No signatures captured for training.';
    return;
  }
  const parts = [...captured.entries()].map(
    ([name, writer]) =>
      `${quote(name)}: ${countOf(writer.genuine.length, 'genuine signature')}, ` +
      `${countOf(writer.forgeries.length, 'forgery', 'forgeries')}`,
  );
  elements.captureSummary.textContent = `Captured for training: ${parts.join('; ')}.`;
}

// Runs a write of captures with the section marked as saving, which tests wait on before they
// reload the page.
const whileSaving = savingMarker(elements.section);

// Takes `entry` out of the captured signatures, and its person when none is left. The lists
// may have been rebuilt while the store worked (after another tab's change), so it is looked
// up again.
function forgetCapture(entry) {
  for (const [person, writer] of captured.entries()) {
    for (const list of [writer.genuine, writer.forgeries]) {
      const position = list.indexOf(entry);
      if (position >= 0) {
        list.splice(position, 1);
      }
    }
    if (writer.genuine.length === 0 && writer.forgeries.length === 0) {
      captured.delete(person);
    }
  }
}

// Whether `entry` is still among the captured signatures, not removed since it was added.
function isCaptured(entry) {
  return findCapture(entry.key) !== null;
}

function addCaptured(person, kind, entry) {
  if (!captured.has(person)) {
    captured.set(person, { genuine: [], forgeries: [] });
  }
  const writer = captured.get(person);
  (kind === 'forgery' ? writer.forgeries : writer.genuine).push(entry);
}

async function handleCaptureAdd() {
  const person = page.person();
  if (person === '') {
    showMessage(elements.message, 'Enter the name of the person whose signature this is, then try again.', 'error');
    return;
  }
  const problem = personNameProblem(person);
  if (problem !== null) {
    showMessage(elements.message, problem, 'error');
    return;
  }
  const points = page.padPoints();
  if (points === null) {
    showMessage(elements.message, 'The pad is empty: sign on it, then press Add pad to training data.', 'error');
    return;
  }
  try {
    page.module.checkTrainingSignature(points);
  } catch (error) {
    showMessage(
      elements.message,
      `This signature was not added to the training data: ${describeError(error)}.`,
      'error',
    );
    return;
  }
  const kind = document.querySelector('input[name="capture-kind"]:checked').value;
  const copy = new Float64Array(points);
  const entry = captureEntry(null, copy);
  addCaptured(person, kind, entry);
  page.clearPad();
  showCaptureSummary();
  // The new capture is chosen in the list, so that Remove takes it back.
  elements.captureList.value = entry.key;
  const description = kind === 'forgery' ? `a forgery of ${quote(person)}` : `a genuine signature of ${quote(person)}`;
  await whileSaving(() => saveCapture(entry, person, kind, description));
}

// Saves a new capture in the store, and deletes it again when it was removed meanwhile.
async function saveCapture(entry, person, kind, description) {
  try {
    entry.id = await store.addCaptured({ person, kind, points: entry.points, createdAt: new Date().toISOString() });
  } catch (error) {
    showMessage(
      elements.message,
      `Added ${description} to the training data, but it could not be saved and is lost when the page ` +
        `closes: ${describeError(error)}`,
      'error',
    );
    return;
  }
  // Remove or Remove all may have taken the capture back while it was being saved.
  if (!isCaptured(entry)) {
    try {
      await store.removeCaptured(entry.id);
    } catch (error) {
      showMessage(
        elements.message,
        `${sentence(`A signature removed while it was being saved could not be removed from this ` +
          `browser's storage, so it returns after a reload: ${describeError(error)}`)} Remove it again then.`,
        'error',
      );
    }
    return;
  }
  showMessage(elements.message, `Added ${description} to the training data.`);
}

async function handleCaptureClear() {
  if (captured.size === 0) {
    showMessage(elements.message, 'There are no captured signatures to remove.', 'error');
    return;
  }
  if (!window.confirm('Remove every signature captured for training?')) {
    return;
  }
  try {
    await whileSaving(() => store.clearCaptured());
  } catch (error) {
    showMessage(elements.message, sentence(`Removing the captured signatures failed: ${describeError(error)}`), 'error');
    return;
  }
  captured.clear();
  showCaptureSummary();
  showMessage(elements.message, 'Removed the captured signatures.');
}

// Removes the capture chosen in the list, from the page and from the store.
async function handleCaptureRemove() {
  const found = findCapture(elements.captureList.value);
  if (found === null) {
    showMessage(elements.message, 'Choose a captured signature in the list, then press Remove.', 'error');
    return;
  }

  const { person, kind, index, entry } = found;
  const description = `${quote(person)}'s ${kindLabel(kind)} ${index + 1}`;
  if (entry.id !== null) {
    // Disabled while the store works, so that a second click does not remove the capture that
    // moves up into this one's place.
    elements.captureRemove.disabled = true;
    try {
      await whileSaving(() => store.removeCaptured(entry.id));
    } catch (error) {
      showMessage(elements.message, sentence(`Removing ${description} failed: ${describeError(error)}`), 'error');
      return;
    } finally {
      elements.captureRemove.disabled = false;
    }
  }

  forgetCapture(entry);
  showCaptureSummary();
  showMessage(elements.message, `Removed ${description}.`);
}

// Reads the captured signatures from the store: those of earlier visits, and after another tab
// changed them, theirs. Entries already here keep their objects, so that a save under way still
// finds its entry, and those not saved yet stay.
async function restoreCaptured() {
  const records = await store.listCaptured();
  const known = new Map();
  const unsaved = [];
  for (const { person, kind, entry } of eachCapture()) {
    if (entry.id === null) {
      unsaved.push({ person, kind, entry });
    } else {
      known.set(entry.id, entry);
    }
  }
  captured.clear();
  let unreadable = 0;
  for (const record of records) {
    if (typeof record.person !== 'string' || !isCapturePoints(record.points)) {
      unreadable += 1;
      continue;
    }
    const entry = known.get(record.id) ?? captureEntry(record.id, record.points);
    addCaptured(record.person, record.kind === 'forgery' ? 'forgery' : 'genuine', entry);
  }
  for (const { person, kind, entry } of unsaved) {
    addCaptured(person, kind, entry);
  }
  showCaptureSummary();
  if (unreadable > 0) {
    const records = unreadable === 1 ? '1 saved captured signature is' : `${unreadable} saved captured signatures are`;
    showMessage(
      elements.message,
      `${records} damaged (no person's name, or no whole points), so they are left out of the ` +
        'list and of training. Remove all captured deletes them with the others.',
      'error',
    );
  }
}

// Returns whether `points` is a capture's points in the module's flat format: at least one
// point of 5 values (x, y, time, pressure, stroke), all finite but the pressure.
function isCapturePoints(points) {
  if (!(points instanceof Float64Array) || points.length < 5 || points.length % 5 !== 0) {
    return false;
  }
  return points.every((value, index) => index % 5 === 3 || Number.isFinite(value));
}

// Follows another tab's change of the captured signatures.
async function followCapturedChange() {
  try {
    await restoreCaptured();
  } catch (error) {
    showMessage(elements.message, `The saved captured signatures could not be read: ${describeError(error)}`, 'error');
  }
}

// ---- Data set files ----

// Collects the files of dropped items, walking into dropped folders. Returns [{ file, path }].
// The entries must be taken before the first await, while the drop event's data is readable.
// A DataTransfer made by a script has no entries, so its file list is read instead.
async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items]
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry) => entry !== null && entry !== undefined);
  if (entries.length === 0) {
    return [...dataTransfer.files].map((file) => ({ file, path: file.name }));
  }
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      files.push({ file, path: entry.fullPath.replace(/^\//, '') });
      return;
    }
    const reader = entry.createReader();
    // readEntries returns the entries in batches until it returns an empty one.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) {
        break;
      }
      for (const child of batch) {
        await walk(child);
      }
    }
  };
  for (const entry of entries) {
    await walk(entry);
  }
  return files;
}

function sendFiles(files) {
  if (files.length === 0) {
    showMessage(elements.message, 'No file was chosen.', 'error');
    return;
  }
  showMessage(elements.message, `Reading ${countOf(files.length, 'file')}\u2026`);
  readingFiles = true;
  setState(elements.section.dataset.state);
  sentFiles.push(...files);
  worker.postMessage({ type: 'addFiles', files });
}

function handleDatasetClear() {
  sentFiles = [];
  worker.postMessage({ type: 'clearFiles' });
  showMessage(elements.message, 'Removed the loaded files.');
}

function handleFileInput(input) {
  const files = [...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  // Cleared so that choosing the same files again fires another change event.
  input.value = '';
  sendFiles(files);
}

async function handleDrop(event) {
  event.preventDefault();
  elements.drop.dataset.over = 'false';
  if (!workerReady) {
    showMessage(elements.message, 'The training worker is still starting: drop the files again in a moment.', 'error');
    return;
  }
  try {
    sendFiles(await droppedFiles(event.dataTransfer));
  } catch (error) {
    showMessage(elements.message, `The dropped files could not be read: ${describeError(error)}`, 'error');
  }
}

function showDataset(message) {
  const genuine = message.writers.reduce((sum, writer) => sum + writer.genuine, 0);
  const forgeries = message.writers.reduce((sum, writer) => sum + writer.forgeries, 0);
  elements.datasetSummary.textContent =
    message.writers.length === 0
      ? 'No data set loaded.'
      : `Loaded ${countOf(message.writers.length, 'writer')}: ` +
        `${countOf(genuine, 'genuine signature')} and ${countOf(forgeries, 'forgery', 'forgeries')}.`;
  elements.datasetSummary.dataset.writers = String(message.writers.length);
  // Training stops at a writer with fewer than 2 genuine signatures, so such writers are named
  // before it starts.
  const short = message.writers.filter((writer) => writer.genuine < 2);
  elements.datasetProblems.replaceChildren(
    ...message.problems.map((problem) => {
      const item = document.createElement('li');
      item.textContent = `${isolate(problem.file)} was not read: ${problem.message}`;
      return item;
    }),
    ...short.map((writer) => {
      const item = document.createElement('li');
      item.textContent =
        `${isolate(writer.name)} has ${countOf(writer.genuine, 'genuine signature')}, and training needs ` +
        'at least 2 per writer: add more of its genuine signatures, or load the data set without it.';
      return item;
    }),
  );
  if (message.files > 0) {
    const skipped = message.skipped ?? [];
    const read = message.files - message.problems.length - skipped.length;
    const kind = message.problems.length > 0 || short.length > 0 ? 'error' : 'info';
    const unread = message.problems.length > 0 ? `, ${message.problems.length} could not be read (listed below)` : '';
    // Files such as a README beside the data set are only counted, with a few of their names.
    const skippedNames = skipped.slice(0, 3).map(isolate).join(', ') + (skipped.length > 3 ? ', \u2026' : '');
    let left = '';
    if (skipped.length === 1) {
      left = `, 1 left out because it is not a .TXT file (${skippedNames})`;
    } else if (skipped.length > 1) {
      left = `, ${skipped.length} left out because they are not .TXT files (${skippedNames})`;
    }
    const unusable =
      short.length > 0 ? `; ${countOf(short.length, 'writer')} cannot be trained on (listed below)` : '';
    showMessage(elements.message, `Read ${read} of ${countOf(message.files, 'file')}${unread}${left}${unusable}.`, kind);
  }
}

// ---- Charts ----

async function createCharts() {
  const { default: uPlot } = await import(UPLOT_URL);
  const width = Math.max(elements.lossChart.clientWidth, 200);
  const axes = (label) => [{ label: 'epoch' }, { label }];
  // Validation runs after whole epochs only, so its chart's epoch axis has no fractions.
  const wholeEpochs = { label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] };
  const loss = new uPlot(
    {
      title: 'Training loss',
      width,
      height: CHART_HEIGHT,
      scales: { x: { time: false } },
      // A short label, because a longer one is cut off along the chart's height.
      axes: axes('loss per pair'),
      series: [{ label: 'epoch' }, { label: 'loss', stroke: '#2457c5', width: 1.5 }],
    },
    [[], []],
    elements.lossChart,
  );
  const eer = new uPlot(
    {
      title: 'Validation EER',
      width,
      height: CHART_HEIGHT,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [wholeEpochs, { label: 'EER (%)' }],
      series: [
        { label: 'epoch' },
        { label: 'EER %', stroke: '#b3261e', width: 1.5, points: { show: true, size: 6 } },
      ],
    },
    [[], []],
    elements.eerChart,
  );
  return { loss, eer };
}

// Sets each chart's width to its container's, which changes with the window.
function resizeCharts() {
  if (charts === null) {
    return;
  }
  const width = Math.max(elements.lossChart.clientWidth, 200);
  if (width !== charts.loss.width) {
    charts.loss.setSize({ width, height: CHART_HEIGHT });
    charts.eer.setSize({ width, height: CHART_HEIGHT });
  }
}

function updateCharts() {
  elements.lossChart.dataset.points = String(currentRun.losses[0].length);
  elements.eerChart.dataset.points = String(currentRun.eers[0].length);
  if (charts !== null) {
    charts.loss.setData(currentRun.losses);
    charts.eer.setData(currentRun.eers);
  }
}

// ---- Training ----

function readNumber(input, label, { min, max, whole }) {
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    input.focus();
    // A number field hands over "" for text that is not a number, so the typed text is unknown.
    let found = JSON.stringify(input.value);
    if (input.validity?.badInput) {
      found = 'not a number';
    } else if (input.value.trim() === '') {
      found = 'empty';
    }
    throw new Error(
      `${label} is ${found}: enter ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}.`,
    );
  }
  return value;
}

// Returns whether two Uint8Arrays contain the same bytes.
function sameBytes(first, second) {
  return first.length === second.length && first.every((byte, index) => byte === second[index]);
}

// Returns whether `bytes` (an ArrayBuffer) are those of a model file that comes with the page,
// as for a stored copy imported from it. A failed download counts as no.
async function isBuiltInCopy(bytes) {
  const fileBytes = new Uint8Array(bytes);
  for (const id of BUILT_IN_MODELS.keys()) {
    try {
      if (sameBytes(new Uint8Array(await fetchBuiltInModel(id)), fileBytes)) {
        return true;
      }
    } catch {
      // Only the note after training depends on this result.
    }
  }
  return false;
}

// Downloads the file of a model that comes with the page, by default the default model.
async function fetchBuiltInModel(id = DEFAULT_MODEL_ID) {
  const { url } = BUILT_IN_MODELS.get(id);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Downloading ${url} failed: HTTP ${response.status}. Reload the page.`);
  }
  return response.arrayBuffer();
}

// Returns { bytes, name } of the model to fine-tune, or null for fresh weights.
async function startingModel(choice) {
  if (choice === 'fresh') {
    return null;
  }
  const activeId = choice === 'active' ? await store.activeId() : DEFAULT_MODEL_ID;
  if (BUILT_IN_MODELS.has(activeId)) {
    return {
      bytes: await fetchBuiltInModel(activeId),
      name: `${BUILT_IN_MODELS.get(activeId).name} model`,
      builtIn: true,
    };
  }
  const record = await store.get(activeId);
  if (record !== undefined) {
    return {
      bytes: record.bytes.slice(0),
      name: `model ${JSON.stringify(record.name)}`,
      builtIn: record.config?.fromBuiltIn === true || (await isBuiltInCopy(record.bytes)),
    };
  }
  return { bytes: await fetchBuiltInModel(), name: 'default model', builtIn: true };
}

// Shows why Start did not begin a run. The status line, the epoch table and the charts still
// describe the previous run, so the status line states that instead of reading as this run's result.
function showStartProblem(message) {
  showMessage(elements.message, message, 'error');
  if (elements.status.textContent !== '') {
    elements.status.textContent = 'Training did not start. The table and charts below show the previous run.';
  }
}

async function handleStart() {
  let config;
  try {
    config = {
      epochs: readNumber(elements.epochs, 'Epochs', { min: 1, max: 1000, whole: true }),
      pairsPerEpoch: readNumber(elements.pairs, 'Pairs per epoch', { min: 32, max: 1_000_000, whole: true }),
      learningRate: readNumber(elements.learningRate, 'Learning rate', { min: MIN_LEARNING_RATE, max: 1, whole: false }),
      augmentedCopies: readNumber(elements.augment, 'Varied copies per signature', { min: 0, max: 100, whole: true }),
      batchSize: 32,
      layers: elements.layers.value.trim(),
    };
  } catch (error) {
    showStartProblem(describeError(error));
    return;
  }
  // The model list would show such a name blank, or two different names alike.
  const modelName = elements.name.value.trim();
  const nameError = modelNameProblem(modelName);
  if (nameError !== null) {
    showStartProblem(nameError);
    return;
  }

  setState('preparing');
  cancelBeforeRun = false;
  elements.epochRows.replaceChildren();
  elements.progress.value = 0;
  elements.status.textContent = 'Preparing the training data\u2026';
  showMessage(elements.message, '');
  let base;
  try {
    base = await startingModel(elements.base.value);
  } catch (error) {
    setState('failed');
    // Nothing is being prepared, so the status is emptied as the epoch table was above.
    elements.status.textContent = '';
    showMessage(elements.message, `Training did not start: ${describeError(error)}`, 'error');
    return;
  }
  if (cancelBeforeRun) {
    setState('cancelled');
    elements.status.textContent = 'Training was cancelled before it started.';
    return;
  }
  if (base !== null) {
    // The layers of a fine-tuned model are those of its starting model.
    delete config.layers;
  }

  // A captured writer needs 2 genuine signatures to form genuine pairs. One who has fewer (for
  // example only forgeries signed in forgery mode) is left out of this run and named.
  const leftOut = [...captured.entries()].filter(([, writer]) => writer.genuine.length < 2);
  // Copies are sent, so that the captured signatures stay here for the next run.
  const transfer = [];
  const capturedWriters = [...captured.entries()].filter(([, writer]) => writer.genuine.length >= 2).map(([name, writer]) => {
    const copy = (list) =>
      list.map(({ points }) => {
        const clone = points.slice();
        transfer.push(clone.buffer);
        return clone;
      });
    return { name: `captured ${name}`, genuine: copy(writer.genuine), forgeries: copy(writer.forgeries) };
  });
  if (base !== null) {
    transfer.push(base.bytes);
  }

  currentRun = {
    config,
    startedFrom: base === null ? 'fresh weights' : base.name,
    fromBuiltIn: base?.builtIn === true,
    name: elements.name.value.trim(),
    losses: [[], []],
    eers: [[], []],
    cancelRequestedAt: null,
  };
  updateCharts();
  if (leftOut.length > 0) {
    showMessage(
      elements.message,
      `Left out of this run: ${leftOut
        .map(([name, writer]) => `${quote(name)} (${countOf(writer.genuine.length, 'genuine signature')})`)
        .join(', ')}. A captured writer needs at least 2 genuine signatures to train; capture more ` +
        'of them, or forgeries of writers who have them.',
    );
  }
  worker.postMessage(
    {
      type: 'start',
      config,
      captured: capturedWriters,
      baseModel: base?.bytes ?? null,
      baseName: base?.name ?? '',
    },
    transfer,
  );
}

function handleCancel() {
  if (currentRun === null) {
    if (elements.section.dataset.state === 'preparing') {
      cancelBeforeRun = true;
      setState('cancelling');
      elements.status.textContent = 'Cancelling\u2026';
    }
    return;
  }
  const run = currentRun;
  run.cancelRequestedAt = performance.now();
  // Before the first progress message, the worker may still be building the network, so the
  // message after an unresponsive worker does not blame an optimiser step then.
  run.preparingAtCancel = elements.section.dataset.state === 'preparing';
  setState('cancelling');
  elements.status.textContent = 'Cancelling\u2026';
  worker.postMessage({ type: 'cancel' });
  setTimeout(() => {
    if (currentRun === run) {
      endUnresponsiveRun(run);
    }
  }, CANCEL_LIMIT_MS);
}

// Ends a run whose worker did not respond to Cancel in time, by ending the worker. Its model, if an
// epoch had ended, is lost with it. A new worker reads the loaded files again.
function endUnresponsiveRun(run) {
  worker.terminate();
  currentRun = null;
  elements.section.dataset.cancelMs = String(Math.round(performance.now() - run.cancelRequestedAt));
  workerReady = false;
  setState('cancelled');
  const cause = run.preparingAtCancel
    ? 'before its first training steps had ended, because this network is too large to prepare and train quickly'
    : 'because one optimiser step of this network takes longer';
  elements.status.textContent =
    `Training was stopped: the worker did not respond to Cancel within ${CANCEL_LIMIT_MS / 1000} s, ` +
    `${cause}, so no model was kept. Choose smaller layers to train in this page.`;
  startWorker();
  if (sentFiles.length > 0) {
    readingFiles = true;
    setState('cancelled');
    worker.postMessage({ type: 'addFiles', files: sentFiles });
  } else {
    // The files may have been removed while Cancel waited, so the summary is renewed.
    worker.postMessage({ type: 'clearFiles' });
  }
}

function showProgress(message) {
  if (elements.section.dataset.state === 'preparing') {
    setState('running');
  }
  const x = message.epoch + message.stepInEpoch / message.stepsPerEpoch;
  currentRun.losses[0].push(x);
  currentRun.losses[1].push(message.loss);
  updateCharts();
  elements.progress.value = message.totalSteps > 0 ? message.stepsDone / message.totalSteps : 0;
  if (elements.section.dataset.state === 'cancelling') {
    return;
  }
  const epoch = Math.min(message.epoch + 1, message.epochs);
  const step = message.stepInEpoch === 0 && message.epoch > 0 ? message.stepsPerEpoch : message.stepInEpoch;
  const shownEpoch = message.stepInEpoch === 0 && message.epoch > 0 ? message.epoch : epoch;
  elements.status.textContent =
    `Epoch ${shownEpoch} of ${message.epochs}, step ${step} of ${message.stepsPerEpoch}, ` +
    `loss ${message.loss.toFixed(4)}, about ${formatDuration(message.remainingMs)} left ` +
    `(${pairsRate(message.pairsPerSecond)} pairs per second).`;
  elements.status.dataset.epoch = String(shownEpoch);
}

function showEpoch(message) {
  currentRun.eers[0].push(message.epoch);
  currentRun.eers[1].push(message.validationEer * 100);
  updateCharts();
  const row = document.createElement('tr');
  for (const text of [String(message.epoch), message.loss.toFixed(4), percent(message.validationEer)]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset.loss = String(message.loss);
  row.dataset.eer = String(message.validationEer);
  elements.epochRows.append(row);
}

// The built-in models were trained and validated on SVC2004 users 1 to this number of each task.
const BUILT_IN_TRAINING_USERS = 30;

// Returns the names among `names` (as the training worker gives them, "FOLDER user N") whose
// user number is one that trained or validated the built-in models.
function writersSeenByBuiltIn(names) {
  return names.filter((name) => {
    const match = /(?:^|\s)user (\d+)$/.exec(name);
    return match !== null && Number(match[1]) <= BUILT_IN_TRAINING_USERS;
  });
}

// Returns the Error of checkModelSeparates() for the trained model file `bytes` when the model
// cannot tell signatures apart, or null when it can. An error of the model's embed() counts as
// such an Error too, because Use would meet it. Throws when the module cannot read the file,
// in which case the check did not run.
function findSeparationProblem(bytes) {
  const model = new page.module.Model(new Uint8Array(bytes));
  try {
    checkModelSeparates(model);
    return null;
  } catch (error) {
    return error;
  } finally {
    model.delete();
  }
}

// Returns the message for a trained model that was not saved because `problem` (an Error of
// checkModelSeparates()) shows that it cannot tell signatures apart, with the settings to change.
function unseparatedModelMessage(problem, config) {
  // The reason without the advice for a model file, which the settings to change replace.
  const reason = problem.reason ?? describeError(problem);
  const changes = [];
  if (typeof config?.learningRate === 'number' && config.learningRate > MIN_LEARNING_RATE) {
    changes.push(`a lower learning rate than ${config.learningRate}`);
  }
  // A relu unit whose input is negative for every signature outputs 0 and gets no gradient, so
  // it stays at 0 for the rest of the run.
  if (/(^|,)\s*relu\s*(,|$)/.test(config?.layers ?? '')) {
    changes.push('tanh in place of relu under Layers');
  }
  changes.push('more writers', 'more epochs');
  const last = changes.pop();
  return (
    `The trained model was not saved: ${reason}. Train again with ${changes.join(', ')} or ${last}.`
  );
}

// Returns the notes on the validation EER of a finished run (`message`).
function describeValidation(run, message) {
  const notes = [];
  const seen = run?.fromBuiltIn ? writersSeenByBuiltIn(message.validationNames ?? []) : [];
  if (seen.length > 0) {
    notes.push(
      `The validation EER looks better than it is if ${seen.map(quote).join(', ')} ` +
        `${seen.length === 1 ? 'is an SVC2004 writer' : 'are SVC2004 writers'}: this run started, ` +
        'directly or through a copy, from a built-in model, which was trained and validated on ' +
        `SVC2004 users 1 to ${BUILT_IN_TRAINING_USERS}, so the model has seen them. Load users above ` +
        `${BUILT_IN_TRAINING_USERS} as well, because the writers with the highest numbers validate.`,
    );
  }
  return notes;
}

// Returns the message for a trained model that was not saved because its validation EER is 50 %
// or more, with the settings to change.
function chanceLevelMessage(message) {
  return (
    `The trained model was not saved: its validation EER is ${percent(message.validationEer)}, no ` +
    "better than chance, so at its threshold it rejects at least half of the validation writers' " +
    'genuine signatures and accepts at least half of their forgeries. Train again with more writers, ' +
    'more epochs or a lower learning rate.'
  );
}

async function handleDone(message) {
  const run = currentRun;
  currentRun = null;
  if (run !== null && run.cancelRequestedAt !== null) {
    elements.section.dataset.cancelMs = String(Math.round(performance.now() - run.cancelRequestedAt));
  }

  let state = 'finished';
  let verb = 'Training finished';
  // Messages for the Train section, shown together at the end.
  const notes = [];
  let notesKind = 'info';
  if (message.cancelled) {
    state = 'cancelled';
    verb = 'Training was cancelled';
  } else if (message.failure) {
    state = 'failed';
    verb = 'Training stopped early';
    notes.push(message.failure);
    notesKind = 'error';
  }
  if (message.model === null) {
    setState(state);
    if (notes.length > 0) {
      showMessage(elements.message, notes.join(' '), notesKind);
    }
    elements.status.textContent = `${verb} before the first epoch ended, so no model was kept.`;
    return;
  }

  // The model is checked before it is stored, so that the list offers no model that Use would
  // reject for giving every signature the same embedding, unless the check itself failed.
  let problem = null;
  try {
    problem = findSeparationProblem(message.model);
  } catch (error) {
    // Use runs the same check, so the model is kept and the error reported.
    console.warn(`Checking the trained model failed: ${describeError(error)}`);
    notes.push(
      `The check that the trained model tells signatures apart failed (${describeError(error)}), ` +
        'so the model is kept unchecked, and Use runs the check again.',
    );
    notesKind = 'error';
  }

  elements.status.dataset.pairsPerSecond = String(message.pairsPerSecond);
  // A model that cannot beat chance on its own validation writers would only mislead at Use, so
  // it is not saved either.
  const chanceLevel = problem === null && message.validationEer >= CHANCE_EER;
  if (problem !== null || chanceLevel) {
    setState('failed');
    const summary =
      `best epoch ${message.bestEpoch}, validation EER ${percent(message.validationEer)}, ` +
      `${pairsRate(message.pairsPerSecond)} pairs per second, ` +
      `${countOf(message.trainWriters, 'training writer')} and ${countOf(message.validationWriters, 'validation writer')}`;
    const reason = chanceLevel ? 'it is no better than chance' : 'it cannot tell signatures apart';
    elements.status.textContent =
      `${verb} after ${countOf(message.epochsRun, 'epoch')} (${summary}), but its model was not saved ` +
      `because ${reason}.`;
    notes.push(chanceLevel ? chanceLevelMessage(message) : unseparatedModelMessage(problem, run?.config));
    showMessage(elements.message, notes.join(' '), 'error');
    return;
  }

  setState(state);
  elements.status.textContent =
    `${verb} after ${countOf(message.epochsRun, 'epoch')}; kept epoch ${message.bestEpoch} ` +
    `(validation EER ${percent(message.validationEer)}), ${pairsRate(message.pairsPerSecond)} pairs per second, ` +
    `${countOf(message.trainWriters, 'training writer')} and ${countOf(message.validationWriters, 'validation writer')}.`;
  notes.push(...describeValidation(run, message));
  if (notes.length > 0) {
    showMessage(elements.message, notes.join(' '), notesKind);
  }
  await saveTrainedModel(run, message);
}

// Stores the model of a finished run. When the browser refuses the write, the model file is
// downloaded instead, so that the training is not lost.
async function saveTrainedModel(run, message) {
  const createdAt = new Date();
  let name = run?.name || `Trained ${localTime(createdAt)}`;
  try {
    name = uniqueModelName(name, (await store.list()).map((record) => record.name));
  } catch {
    // The list is only read to number the name. Saving below reports what went wrong.
  }
  try {
    const id = await store.add({
      name,
      createdAt: createdAt.toISOString(),
      config: {
        ...(run?.config ?? {}),
        startedFrom: run?.startedFrom,
        // Kept so that fine-tuning this model again gets the note about the built-in model's writers.
        fromBuiltIn: run?.fromBuiltIn === true,
        trainWriters: message.trainWriters,
        validationWriters: message.validationWriters,
      },
      validationEer: message.validationEer,
      bestEpoch: message.bestEpoch,
      epochsRun: message.epochsRun,
      bytes: message.model,
    });
    await showModels(id);
    showMessage(
      elements.modelMessage,
      `Saved the model as ${quote(name)}. Choose it under Models and press Use to enrol and verify with it.`,
    );
  } catch (error) {
    const fileName = `${safeFileName(name)}.inkprint`;
    downloadBytes(message.model, fileName);
    const advice = isDatabaseClosed(MODEL_DATABASE_NAME) ? 'Reload the page' : 'Free some storage';
    showMessage(
      elements.modelMessage,
      `The trained model could not be saved in this browser (${describeError(error)}), so it was ` +
        `downloaded as ${fileName}. ${advice}, then import that file with Import model.`,
      'error',
    );
  }
}

function handleWorkerMessage(event) {
  const message = event.data;
  switch (message.type) {
    case 'ready':
      workerReady = true;
      elements.datasetFiles.disabled = false;
      elements.datasetFolder.disabled = false;
      setState(elements.section.dataset.state);
      break;
    case 'dataset':
      readingFiles = false;
      setState(elements.section.dataset.state);
      showDataset(message);
      break;
    case 'preparing':
      elements.status.textContent =
        `Preparing ${countOf(message.trainWriters, 'training writer')} and ` +
        `${countOf(message.validationWriters, 'validation writer')}\u2026`;
      break;
    case 'progress':
      if (currentRun !== null) {
        showProgress(message);
      }
      break;
    case 'epoch':
      if (currentRun !== null) {
        showEpoch(message);
      }
      break;
    case 'done':
      handleDone(message);
      break;
    case 'error':
      if (message.request === 'addFiles') {
        readingFiles = false;
        setState(elements.section.dataset.state);
      }
      if (message.request === 'start') {
        currentRun = null;
        setState('failed');
        elements.status.textContent = '';
        // The module's own words start in lower case and do not say that nothing ran.
        const text = /^Training /.test(message.message)
          ? message.message
          : `Training did not start: ${sentence(message.message)}`;
        showMessage(elements.message, text, 'error');
        break;
      }
      showMessage(elements.message, message.message, 'error');
      break;
    default:
      console.warn(`training worker sent an unknown message type ${JSON.stringify(message.type)}`);
  }
}

function startWorker() {
  worker = new Worker(WORKER_URL);
  worker.addEventListener('message', handleWorkerMessage);
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    workerReady = false;
    currentRun = null;
    setState('failed');
    showMessage(
      elements.message,
      `The training worker failed: ${event.message || 'it could not be loaded'}. Reload the page to try again.`,
      'error',
    );
  });
}

// ---- Models ----

// Returns `date` as "YYYY-MM-DD HH:MM" in the browser's time zone.
function localTime(date) {
  const two = (value) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}`
  );
}

function modelLabel(record) {
  const date = localTime(new Date(record.createdAt));
  const eer = typeof record.validationEer === 'number' ? `, validation EER ${percent(record.validationEer)}` : '';
  // Isolated, so that a name written right to left does not reverse the date and rate after it.
  return `${isolate(record.name)} (${date}${eer})`;
}

// Fills the model list and selects `selectedId`, or keeps the current choice.
async function showModels(selectedId = elements.modelList.value) {
  const records = await store.list();
  const activeId = await store.activeId();
  const builtIn = [...BUILT_IN_MODELS].map(([id, { url, label }]) => new Option(`${label} (${url})`, id));
  const defaultOption = builtIn[0];
  const options = [...builtIn];
  for (const record of records) {
    const option = new Option(modelLabel(record), String(record.id));
    option.dataset.name = record.name;
    options.push(option);
  }
  elements.modelList.replaceChildren(...options);
  const ids = options.map((option) => option.value);
  elements.modelList.value = ids.includes(String(selectedId)) ? String(selectedId) : DEFAULT_MODEL_ID;
  const active = options.find((option) => option.value === String(activeId)) ?? defaultOption;
  elements.modelActive.textContent = `Active model: ${active.textContent}.`;
  elements.modelActive.dataset.activeId = active.value;
  elements.modelList.dataset.count = String(records.length);
  updateDeleteButton();
}

// Disables Delete while a model that comes with the page is selected, since it cannot be deleted.
function updateDeleteButton() {
  const builtIn = BUILT_IN_MODELS.has(elements.modelList.value);
  elements.modelDelete.disabled = builtIn;
  elements.modelDelete.title = builtIn ? 'The models that come with the page cannot be deleted.' : '';
}

function selectedModelId() {
  const value = elements.modelList.value;
  return BUILT_IN_MODELS.has(value) ? value : Number(value);
}

// Returns { name, bytes } of a model choice, downloading a model that comes with the page.
async function modelBytes(id) {
  if (BUILT_IN_MODELS.has(id)) {
    return { name: BUILT_IN_MODELS.get(id).name, bytes: await fetchBuiltInModel(id) };
  }
  const record = await store.get(id);
  if (record === undefined) {
    throw new Error(MISSING_MODEL_MESSAGE);
  }
  return { name: record.name, bytes: record.bytes };
}

// Makes the chosen model the one that enrols and verifies. The page loads it first, which checks
// the file, and only then is the choice stored, so the stored choice is a model that loaded. When
// storing the choice fails, the page goes back to the previous model, so that the page and the
// stored choice agree.
async function handleUse() {
  const id = selectedModelId();
  try {
    const { name, bytes } = await modelBytes(id);
    const previousId = await store.activeId();
    await page.useModel(new Uint8Array(bytes), useOptions(id));
    try {
      await store.setActiveId(id);
      knownActiveId = id;
    } catch (error) {
      await useStoredChoice(previousId);
      throw new Error(`the choice could not be saved (${describeError(error)}), so the previous model is still used`);
    }
    await showModels(id);
    const label = BUILT_IN_MODELS.get(id)?.label ?? name;
    showMessage(elements.modelMessage, `Now enrolling and verifying with ${quote(label)}.`);
  } catch (error) {
    const reason = describeError(error);
    const stop = /[.!?]$/.test(reason) ? '' : '.';
    showMessage(elements.modelMessage, `The model could not be used: ${reason}${stop}`, 'error');
  }
}

// Switches the page back to the model `id`, or to the default model when that model cannot be
// read.
async function useStoredChoice(id) {
  let bytes;
  let used = id;
  try {
    ({ bytes } = await modelBytes(id));
  } catch {
    ({ bytes } = await modelBytes(DEFAULT_MODEL_ID));
    used = DEFAULT_MODEL_ID;
  }
  await page.useModel(new Uint8Array(bytes), useOptions(used));
}

// Returns `name` with every run of characters other than ASCII letters, digits, _ and - turned
// into one -, so that a model named "../x" or "v1.2" downloads as "x" or "v1-2".
function safeFileName(name) {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

function downloadBytes(bytes, fileName) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, because some browsers start reading the download after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function handleExport() {
  const id = selectedModelId();
  try {
    const { name, bytes } = await modelBytes(id);
    const fileName = `${safeFileName(name)}.inkprint`;
    downloadBytes(bytes, fileName);
    showMessage(elements.modelMessage, `Exported ${quote(name)} as ${fileName}.`);
  } catch (error) {
    showMessage(elements.modelMessage, sentence(`Export failed: ${describeError(error)}`), 'error');
  }
}

async function handleDelete() {
  const id = selectedModelId();
  if (BUILT_IN_MODELS.has(id)) {
    const { name } = BUILT_IN_MODELS.get(id);
    showMessage(elements.modelMessage, `The ${name} model is part of the page and cannot be deleted.`, 'error');
    return;
  }
  const name = elements.modelList.selectedOptions[0]?.dataset.name ?? '';
  // Enrolments keep the id of the model's network, so those made with this model could not be
  // verified by any other model afterwards. Say whose they are before deleting.
  let consequence = '';
  try {
    const { bytes } = await modelBytes(id);
    const { people: enrolled, isLocked } = await page.peopleEnrolledWith(new Uint8Array(bytes));
    // Another model with the same network, such as the default model of which this one is a
    // copy, still verifies those enrolments.
    let people = enrolled;
    if (people.length > 0) {
      const others = [...BUILT_IN_MODELS.keys(), ...(await store.list()).map((record) => record.id)];
      for (const other of others.filter((otherId) => otherId !== id)) {
        const stillVerified = await page.peopleEnrolledWith(new Uint8Array((await modelBytes(other)).bytes));
        people = people.filter((person) => !stillVerified.people.includes(person));
      }
    }
    if (people.length > 0) {
      consequence =
        ` The enrolment of ${quoteList(people)} was made with it, and no other model in this ` +
        'browser can verify against it. To keep it usable, press Cancel and Export the model ' +
        'first; it can be imported again later.';
    }
    if (isLocked) {
      consequence += ' The enrolments are locked, so those made with this model could not be counted.';
    }
  } catch (error) {
    consequence = ` Which enrolments were made with it could not be checked (${describeError(error)}).`;
  }
  if (!window.confirm(`Delete the model ${quote(name)} from this browser?${consequence}`)) {
    return;
  }
  try {
    const wasActive = (await store.activeId()) === id;
    await store.remove(id);
    if (wasActive) {
      knownActiveId = DEFAULT_MODEL_ID;
      await page.useModel(new Uint8Array(await fetchBuiltInModel()), useOptions(DEFAULT_MODEL_ID));
    }
    await showModels(DEFAULT_MODEL_ID);
    const switched = wasActive ? ' The default model is active again.' : '';
    showMessage(elements.modelMessage, `Deleted the model ${quote(name)}.${switched}`);
  } catch (error) {
    showMessage(elements.modelMessage, sentence(`Deleting the model failed: ${describeError(error)}`), 'error');
  }
}

// Returns the "training" object of a model's description, or {} when it has none. Throws a
// readable error when the description is not a JSON object.
function readTrainingRecord(description) {
  let parsed;
  try {
    parsed = JSON.parse(description);
  } catch (error) {
    throw new Error(
      `its description (${description.length} characters) is not valid JSON (${describeError(error)}): ` +
        'the file is damaged, so export the model again or train it again',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('its description is not a JSON object: the file is damaged, so export the model again or train it again');
  }
  const training = parsed.training ?? {};
  return training !== null && typeof training === 'object' ? training : {};
}

// Returns `name`, or when a stored model has that name already, `name` followed by the lowest
// free number from 2, as in "default (2)", so that the two differ in the list.
function uniqueModelName(name, storedNames) {
  const usedNames = new Set(storedNames);
  if (!usedNames.has(name)) {
    return name;
  }
  let number = 2;
  while (usedNames.has(`${name} (${number})`)) {
    number += 1;
  }
  return `${name} (${number})`;
}

// Returns the name for a model imported from the file `fileName`: the file name without
// ".inkprint", cleaned by removeHiddenCharacters so that it passes the checks of a typed model
// name. A longer name is cut between two graphemes to the maximum length of the model name
// field, counted in UTF-16 code units as the field counts them. A name with nothing visible
// left becomes "Imported model".
function importedModelName(fileName) {
  const maxLength = elements.name.maxLength;
  let name = removeHiddenCharacters(fileName.replace(/\.inkprint$/i, ''));
  if (name.length > maxLength) {
    let cut = '';
    for (const { segment } of new Intl.Segmenter().segment(name)) {
      if (cut.length + segment.length > maxLength) {
        break;
      }
      cut += segment;
    }
    // The cut can leave a joiner or a space at the end.
    name = removeHiddenCharacters(cut);
  }
  return name === '' ? 'Imported model' : name;
}

// Returns the id of a stored model whose file has exactly `bytes` (an ArrayBuffer), or null.
async function findStoredCopy(bytes) {
  const fileBytes = new Uint8Array(bytes);
  for (const summary of await store.list()) {
    if (summary.size !== fileBytes.length) {
      continue;
    }
    const record = await store.get(summary.id);
    if (record !== undefined && sameBytes(new Uint8Array(record.bytes), fileBytes)) {
      return summary.id;
    }
  }
  return null;
}

async function handleImport() {
  const file = elements.modelImportFile.files[0];
  elements.modelImportFile.value = '';
  if (file === undefined) {
    return;
  }
  if (file.size > MAX_MODEL_FILE_BYTES) {
    showMessage(
      elements.modelMessage,
      `Import failed: ${isolate(file.name)} has ${file.size} bytes, more than the limit of ${MAX_MODEL_FILE_BYTES}. Choose an Inkprint model file.`,
      'error',
    );
    return;
  }
  try {
    const bytes = await file.arrayBuffer();
    // Reading the file with the module checks it (format, version, checksum) before storing.
    const model = new page.module.Model(new Uint8Array(bytes));
    let training = {};
    try {
      // Reads the fusion parameters too, which the constructor does not check.
      model.hasFusion();
      checkRecordedRates(model);
      checkModelSeparates(model);
      training = readTrainingRecord(model.describe());
    } finally {
      model.delete();
    }
    const copyId = await findStoredCopy(bytes);
    const storedModels = await store.list();
    const name = uniqueModelName(
      importedModelName(file.name),
      storedModels.map((record) => record.name),
    );
    const id = await store.add({
      name,
      createdAt: new Date().toISOString(),
      config: { importedFrom: file.name, training },
      validationEer: typeof training.validationEer === 'number' ? training.validationEer : null,
      bestEpoch: training.bestEpoch ?? null,
      epochsRun: training.epochsRun ?? training.epochs ?? null,
      bytes,
    });
    await showModels(id);
    const copyName = storedModels.find((record) => record.id === copyId)?.name;
    const sameFile = copyName === undefined ? '' : ` It is the same file as the stored model ${quote(copyName)}.`;
    showMessage(
      elements.modelMessage,
      `Imported ${isolate(file.name)} as ${quote(name)}.${sameFile} Press Use to enrol and verify with it.`,
    );
  } catch (error) {
    showMessage(
      elements.modelMessage,
      `Import failed: ${isolate(file.name)}: ${describeError(error)}.`,
      'error',
    );
  }
}

// Switches to the model that was active when the page was last used, if it is not the default.
async function restoreActiveModel() {
  const activeId = await store.activeId();
  knownActiveId = activeId;
  if (activeId === DEFAULT_MODEL_ID) {
    return;
  }
  if (BUILT_IN_MODELS.has(activeId)) {
    try {
      await page.useModel(new Uint8Array(await fetchBuiltInModel(activeId)), useOptions(activeId));
    } catch (error) {
      // The choice goes back to the default model, so that the list names the model in use.
      await store.setActiveId(DEFAULT_MODEL_ID);
      knownActiveId = DEFAULT_MODEL_ID;
      showMessage(
        elements.modelMessage,
        `The ${BUILT_IN_MODELS.get(activeId).name} model could not be loaded, so the default model is used: ${describeError(error)}`,
        'error',
      );
    }
    return;
  }
  const record = await store.get(activeId);
  if (record === undefined) {
    showMessage(elements.modelMessage, 'The active model is no longer stored, so the default model is used.', 'error');
    await store.setActiveId(DEFAULT_MODEL_ID);
    knownActiveId = DEFAULT_MODEL_ID;
    return;
  }
  try {
    await page.useModel(new Uint8Array(record.bytes));
  } catch (error) {
    // The stored model is kept, so that it can be deleted and imported again. The choice goes
    // back to the default model, so that the list names the model in use.
    await store.setActiveId(DEFAULT_MODEL_ID);
    knownActiveId = DEFAULT_MODEL_ID;
    showMessage(
      elements.modelMessage,
      `The active model ${quote(record.name)} could not be loaded, so the default model is used: ${describeError(error)}`,
      'error',
    );
  }
}

// Reads the model list again after another tab has stored, deleted or chosen a model. When the
// other tab chose another active model, this tab switches to it too, so that all tabs enrol and
// verify with the same model.
async function followOtherTab() {
  let activeId = knownActiveId;
  try {
    activeId = await store.activeId();
    if (activeId !== knownActiveId) {
      knownActiveId = activeId;
      const { name, bytes } = await modelBytes(activeId);
      await page.useModel(new Uint8Array(bytes), useOptions(activeId));
      const label = BUILT_IN_MODELS.get(activeId)?.label ?? name;
      showMessage(
        elements.modelMessage,
        `Another tab chose ${quote(label)}, so this tab now enrols and verifies with it too.`,
      );
    }
    await showModels();
  } catch (error) {
    const id = JSON.stringify(activeId);
    console.warn(`Switching to the model ${id} chosen in another tab failed: ${describeError(error)}`);
    showMessage(
      elements.modelMessage,
      `This tab could not switch to the model chosen in another tab, so reload the page: ${describeError(error)}`,
      'error',
    );
  }
}

// Starts the Train section. `options`:
//   module      the started WebAssembly module (to check imported model files)
//   person()    returns the trimmed name in the page's name field
//   padPoints() returns the pad's drawing as flat points, or null when the pad is empty
//   clearPad()  clears the pad
//   useModel(bytes, { accuracyUrl })  makes the page enrol and verify with a model file's
//               bytes, and show the error rates of accuracyUrl for a model that comes with the
//               page; throws when the file cannot be loaded, keeping the current model
export async function setupTraining(options) {
  page = options;
  elements.captureAdd.addEventListener('click', handleCaptureAdd);
  elements.captureClear.addEventListener('click', handleCaptureClear);
  elements.captureRemove.addEventListener('click', handleCaptureRemove);
  elements.datasetFiles.addEventListener('click', () => elements.datasetFileInput.click());
  elements.datasetFolder.addEventListener('click', () => elements.datasetFolderInput.click());
  elements.datasetFileInput.addEventListener('change', () => handleFileInput(elements.datasetFileInput));
  elements.datasetFolderInput.addEventListener('change', () => handleFileInput(elements.datasetFolderInput));
  elements.datasetClear.addEventListener('click', handleDatasetClear);
  elements.drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    elements.drop.dataset.over = 'true';
  });
  elements.drop.addEventListener('dragleave', () => {
    elements.drop.dataset.over = 'false';
  });
  elements.drop.addEventListener('drop', handleDrop);
  elements.start.addEventListener('click', handleStart);
  elements.cancel.addEventListener('click', handleCancel);
  elements.modelUse.addEventListener('click', () => queueModelChange(handleUse));
  elements.modelExport.addEventListener('click', handleExport);
  elements.modelDelete.addEventListener('click', () => queueModelChange(handleDelete));
  elements.modelImport.addEventListener('click', () => elements.modelImportFile.click());
  elements.modelImportFile.addEventListener('change', handleImport);
  elements.modelList.addEventListener('change', updateDeleteButton);
  elements.modelUse.disabled = false;
  elements.modelImport.disabled = false;

  startWorker();
  setState('idle');

  try {
    charts = await createCharts();
    new ResizeObserver(resizeCharts).observe(elements.lossChart);
  } catch (error) {
    showMessage(
      elements.message,
      `The charts could not be loaded (${describeError(error)}); training works, and the table ` +
        'below lists each epoch. Run scripts/build.sh, which copies the chart library into web/vendor/.',
      'error',
    );
  }

  store.onExternalChange = () => {
    queueModelChange(followOtherTab);
  };
  store.onCapturedChange = followCapturedChange;
  onDatabaseClosed((name) => {
    if (name !== MODEL_DATABASE_NAME) {
      return;
    }
    showMessage(
      elements.modelMessage,
      "The browser closed this page's saved models and captured signatures while the page was " +
        "open, as it does when the site's data is cleared. Saving them fails until you reload the page.",
      'error',
    );
  });
  await store.open();
  if (store.problem !== null) {
    showMessage(elements.modelMessage, store.problem, 'error');
  }
  try {
    await restoreActiveModel();
    await showModels();
  } catch (error) {
    showMessage(elements.modelMessage, `The stored models could not be read: ${describeError(error)}`, 'error');
  }
  try {
    await restoreCaptured();
  } catch (error) {
    showMessage(elements.message, `The saved captured signatures could not be read: ${describeError(error)}`, 'error');
  }
  // Enabled only now, so that a signature added during the restore is not read twice.
  elements.captureAdd.disabled = false;
  elements.section.dataset.models = 'ready';
}
