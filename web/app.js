// Inkprint page: loads the WebAssembly module and the model, then enrols and verifies
// signatures drawn on the pad or imported from a file. Everything runs in the browser, and
// enrolments stay in this browser's IndexedDB.

import { EnrolmentStore, LEGACY_STORAGE_KEY, pointsFromSaved, pointsToSaved } from './enrolments.js';
import { hideExplanation, showExplanation } from './explain.js';
import { onDatabaseClosed, savingMarker } from './idb.js';
import { checkModelSeparates } from './model-check.js';
import { checkRecordedRates } from './recorded-rates.js';
import { FORMATS, MAX_FILE_BYTES, detectFormat, fromInkArrays, toInkArrays } from './ink.js';
import { NETWORK_ID_PREFIX, computeModelId } from './model-id.mjs';
import { REPLAY_PAUSE_LIMIT_MS, SignaturePad } from './pad.js';
import { countOf, describeError, isolate, personNameProblem, quote, quoteList, sentence } from './text.js';
import { setupTraining } from './training.js';

const MODULE_SCRIPT_URL = 'wasm/inkprint.js';
const MODEL_URL = 'models/default.inkprint';
// Cross-validated error rates of the default model's configuration, written by
// scripts/measure-default-accuracy.sh. The page works without it.
const ACCURACY_URL = 'models/default-accuracy.json';
// Ids of the earlier default model files and of their networks (scripts/record-default-model.mjs).
const EARLIER_MODELS_URL = 'models/earlier-default-models.json';
// The pen model that comes with the page and its cross-validated error rates, which an imported
// copy of that file shows too.
const PEN_MODEL_URL = 'models/pen.inkprint';
const PEN_ACCURACY_URL = 'models/pen-accuracy.json';

// The core's model file errors end with advice for the native tools, which the page cannot
// follow: it has no model export and no file choice. Each suffix here is replaced with advice
// that fits the page.
const PAGE_MODEL_ADVICE = new Map([
  [
    '; export or download the model again',
    `. Reload the page. If the error remains, download web/${MODEL_URL} again, or train it ` +
      'again with scripts/train-default-model.sh.',
  ],
  [
    '; choose a .inkprint file',
    `. Check that web/${MODEL_URL} is an Inkprint model file, then reload the page.`,
  ],
]);

// The same advice for a model file stored in this browser (imported or trained under Models),
// which the page reads again from its storage rather than from a file.
const STORED_MODEL_ADVICE = new Map([
  [
    '; export or download the model again',
    '; delete it under Models, then import its file again or train it again.',
  ],
]);

// The core's advice for a signature that a model comparing pen pressure cannot use, and the
// page's advice in its place.
const PAGE_SIGNATURE_ADVICE = new Map([
  [
    ': this DTW sequence compares pen pressure, so sign with a pen that measures it, or use a model ' +
      'trained with a sequence without pressure, such as dynamics-template',
    ': this model compares pen pressure, so press Clear and sign with a pen that measures it, or ' +
      'choose the default model under Models and press Use',
  ],
]);

// Returns an error message of the core with advice that names the page's controls. When a pen
// stroke on the pad was recorded without pressure, the message gives the reason.
function adviseOnSignatureError(message) {
  const advised = replaceAdvice(message, PAGE_SIGNATURE_ADVICE);
  if (advised === message) {
    return message;
  }
  const strokes = pad.signature.strokes;
  const imported = pad.importedStrokes;
  const withoutPressure = (stroke) => stroke.samples.every((sample) => sample.pressure === null);
  const importedStroke = strokes.findIndex((stroke, index) => imported[index] && withoutPressure(stroke));
  const placeholderStroke = strokes.findIndex(
    (stroke, index) => !imported[index] && stroke.pointerType === 'pen' && withoutPressure(stroke),
  );
  let reason = '';
  if (importedStroke >= 0) {
    reason = `. Stroke ${importedStroke + 1} was imported from a file that records no pressure for it`;
  } else if (placeholderStroke >= 0) {
    reason =
      `. Stroke ${placeholderStroke + 1} came from a pen that reported one pressure (0, 0.5 or 1) on ` +
      'every point, as devices without a pressure sensor do, so it was recorded without pressure';
  }
  return advised + reason;
}

// Verification needs a reference built from at least MIN_ENROLMENTS enrolment signatures, and
// the page recommends RECOMMENDED_ENROLMENTS.
const MIN_ENROLMENTS = 3;
const RECOMMENDED_ENROLMENTS = 5;
// Most enrolment signatures kept per person. Preparing an enrolment aligns every pair of its
// signatures, so its time grows with the square of their number.
const MAX_ENROLMENTS = 20;

// NOTE: The limit is a guess that leaves room for slow phones. Without it the page would show
// "Loading" for ever if the Emscripten loader never settled its promise.
const MODULE_START_TIMEOUT_MS = 60_000;

const elements = {
  person: document.getElementById('person'),
  pad: document.getElementById('pad'),
  padStatus: document.getElementById('pad-status'),
  undo: document.getElementById('undo'),
  clear: document.getElementById('clear'),
  replay: document.getElementById('replay'),
  importButton: document.getElementById('import'),
  importFile: document.getElementById('import-file'),
  exportFormat: document.getElementById('export-format'),
  exportButton: document.getElementById('export'),
  enrol: document.getElementById('enrol'),
  verify: document.getElementById('verify'),
  forget: document.getElementById('forget'),
  enrolCount: document.getElementById('enrol-count'),
  message: document.getElementById('message'),
  result: document.getElementById('result'),
  storageNotice: document.getElementById('storage-notice'),
  storageProblem: document.getElementById('storage-problem'),
  discardStorage: document.getElementById('discard-storage'),
  protectionStatus: document.getElementById('protection-status'),
  passphrase: document.getElementById('passphrase'),
  protect: document.getElementById('protect'),
  unlock: document.getElementById('unlock'),
  lock: document.getElementById('lock'),
  removeProtection: document.getElementById('remove-protection'),
  modelSummary: document.getElementById('model-summary'),
  modelDescription: document.getElementById('model-description'),
  modelDetails: document.getElementById('model-details'),
  modelAccuracy: document.getElementById('model-accuracy'),
};

// The loaded module, model, model ids and parsed model description (null when it is not JSON),
// set once loading succeeds. Also the default model's file id and its cross-validated error
// rates (null without models/default-accuracy.json), and those of the model in use (null when
// it has none).
//   modelId         the id of the model's network, under which new enrolments are stored. A
//                   model file whose fusion or threshold changed keeps its enrolments.
//   sameNetworkIds  ids of the whole model file, under which earlier versions stored
//                   enrolments, and of earlier default model files with the same network.
//                   Enrolments stored under them are this model's too.
const engine = {
  module: null,
  model: null,
  modelId: null,
  sameNetworkIds: new Set(),
  embeddingSize: 0,
  description: null,
  defaultFileId: null,
  defaultAccuracy: null,
  accuracy: null,
  earlierModels: [],
};

// The name typed in the Name field, trimmed and in Unicode's composed form (NFC), so that "é"
// typed as one character and as "e" with a combining accent name the same person. A name
// enrolled in another form before names were composed keeps that form.
function personName() {
  const typed = elements.person.value.trim();
  const composed = typed.normalize('NFC');
  return store.get(composed) === undefined && store.get(typed) !== undefined ? typed : composed;
}

// Returns { people, isLocked }: the names of the people whose enrolment was made with the model
// file `bytes` (a Uint8Array) or another file with its network, and whether the enrolments are
// locked, so that those protected by the passphrase could not be read.
async function peopleEnrolledWith(bytes) {
  const model = new engine.module.Model(bytes);
  try {
    const { modelId, fileId } = await computeModelIds(model, bytes);
    return { people: store.peopleEnrolledWith([modelId, fileId]), isLocked: store.isLocked };
  } finally {
    model.delete();
  }
}

// Whether `entry` was enrolled with the active model's network, under its id or under the id
// of a model file with the same network.
function isActiveModels(entry) {
  return entry.modelId === engine.modelId || engine.sameNetworkIds.has(entry.modelId);
}

// The error that stopped the module or the model from loading, or null. Every later message
// repeats it, because nothing can be enrolled or verified without the model.
let loadError = null;

const store = new EnrolmentStore({ onExternalChange: handleExternalChange });
const pad = new SignaturePad(elements.pad, { onChange: handleDrawingChange });

// Runs a store change with document.body marked as saving, which tests wait on before they
// read the result of a click.
const whileSaving = savingMarker(document.body);

// Sets document.body's data-state to "loading", "ready" or "failed". Tests wait for it.
function setPageState(state) {
  document.body.dataset.state = state;
  elements.enrol.disabled = state !== 'ready';
  elements.verify.disabled = state !== 'ready';
  elements.importButton.disabled = state !== 'ready';
  elements.exportButton.disabled = state !== 'ready';
}

function showMessage(text, kind = 'info') {
  elements.message.textContent = text;
  elements.message.dataset.kind = kind;
  if (loadError !== null && text !== loadError) {
    const repeated = document.createElement('span');
    repeated.className = 'load-error';
    repeated.textContent = loadError;
    elements.message.append(' ', document.createElement('br'), repeated);
  }
}

function clearMessage() {
  if (loadError !== null) {
    showMessage(loadError, 'error');
    return;
  }
  elements.message.textContent = '';
  delete elements.message.dataset.kind;
}

// Returns the trimmed person name, or null after asking for one when the field is empty,
// contains a control character, or has no character that can be seen. A name enrolled before
// such names were rejected is still accepted, so that its enrolment can be verified and
// forgotten.
function readPerson() {
  const person = personName();
  if (person === '') {
    showMessage('Enter the name of the person who signs, then try again.', 'error');
    elements.person.focus();
    return null;
  }
  const problem = personNameProblem(person);
  if (problem !== null && store.get(person) === undefined) {
    showMessage(problem, 'error');
    elements.person.focus();
    return null;
  }
  return person;
}

// Returns whether the saved enrolment of `person` cannot be read. The storage notice lists such
// enrolments, and Enrol refuses their names until they are discarded.
function isUnreadable(person) {
  return store.get(person) === undefined && store.unreadableNames.includes(person);
}

// The label of the button that deletes unreadable enrolments, as showStorageProblem sets it
// when some person's enrolment cannot be read.
const DISCARD_UNREADABLE_LABEL = 'Discard unreadable enrolments';

function otherModelMessage(person) {
  return (
    `The enrolment of ${quote(person)} was made with another model and must be redone for this ` +
    'one: choose that model again under Models and press Use to keep using it (import its file ' +
    'again if it was deleted), or press Forget and enrol the signatures again.'
  );
}

// A verdict belongs to the drawing it was computed for, so any change of the drawing clears it.
function handleDrawingChange() {
  clearResult();
  showPadStatus();
}

// Describes the drawing under the pad: strokes, samples, pointer types and whether the
// device measured pressure. Screen readers read it as the pad's description.
function showPadStatus() {
  if (pad.isEmpty) {
    elements.padStatus.textContent = 'The pad is empty.';
    delete elements.padStatus.dataset.pressure;
    return;
  }
  const signature = pad.signature;
  const types = [...new Set(signature.strokes.map((stroke) => stroke.pointerType || 'unknown'))];
  const strokes = countOf(pad.strokeCount, 'stroke');
  const samples = countOf(pad.pointCount, 'sample');
  const pressure = pad.hasPressure ? 'with pressure' : 'no pressure';
  const outside = pad.samplesOutside;
  let outsideNote = '';
  if (outside > 0) {
    const samplesLie = outside === 1 ? '1 sample lies' : `${outside} samples lie`;
    outsideNote =
      ` ${samplesLie} past the edge of the pad: not shown, but part of the signature. Press Undo or ` +
      'Clear to take them back.';
  }
  elements.padStatus.textContent = `${strokes}, ${samples} (${types.join(', ')}, ${pressure}).${outsideNote}`;
  elements.padStatus.dataset.pressure = String(pad.hasPressure);
}

function handleUndo() {
  clearResult();
  if (!pad.undo()) {
    showMessage('The pad is empty: there is no stroke to undo.', 'error');
    return;
  }
  clearMessage();
}

async function handleReplay() {
  if (pad.isEmpty) {
    showMessage('The pad is empty: draw or import a signature, then press Replay.', 'error');
    return;
  }
  const { durationMs, shortenedPauses } = pad.replayTimeline();
  let shortened = '';
  if (shortenedPauses > 0) {
    const pauses = shortenedPauses === 1 ? '1 pause' : `${shortenedPauses} pauses`;
    shortened = `; ${pauses} longer than ${REPLAY_PAUSE_LIMIT_MS / 1000} s shortened to it`;
  }
  const announcement = `Replaying the signature at its recorded speed (${(durationMs / 1000).toFixed(1)} s${shortened}).`;
  showMessage(announcement);
  if (await pad.replay()) {
    showMessage('Replay finished.');
  } else if (elements.message.textContent === announcement) {
    // Drawing stopped the replay and showed no message of its own.
    clearMessage();
  }
}

// Reads the file chosen in the file picker into the pad. A file that cannot be read leaves
// the pad and the enrolments as they were.
async function handleImportFile() {
  const file = elements.importFile.files[0];
  // Cleared so that choosing the same file again fires another change event.
  elements.importFile.value = '';
  if (file === undefined) {
    return;
  }
  clearResult();
  if (file.size > MAX_FILE_BYTES) {
    showMessage(
      `Import failed: ${isolate(file.name)} is ${file.size} bytes, more than the limit of ` +
        `${MAX_FILE_BYTES}. Choose a signature file.`,
      'error',
    );
    return;
  }

  let text;
  try {
    text = await file.text();
  } catch (error) {
    showMessage(
      `Import failed: ${isolate(file.name)} could not be read: ${describeError(error)}`,
      'error',
    );
    return;
  }
  const format = detectFormat(text);
  if (format === null) {
    showMessage(
      `Import failed: ${isolate(file.name)} is not a signature file. Inkprint reads its own ` +
        'JSON format, InkML and SVC2004 text.',
      'error',
    );
    return;
  }

  let signature;
  try {
    // The module names the file only in its error messages.
    signature = fromInkArrays(engine.module.parseInk(format, text, isolate(file.name)));
  } catch (error) {
    showMessage(sentence(`Import failed: ${describeError(error)}`), 'error');
    return;
  }
  pad.load(signature);
  const imported =
    `Imported ${isolate(file.name)} (${FORMATS[format].name}): ` +
    `${countOf(pad.strokeCount, 'stroke')}, ${countOf(pad.pointCount, 'sample')}.`;
  // A valid file can still contain too little ink to enrol, so the import message reports it now
  // rather than at Enrol.
  try {
    engine.module.checkEnrolment(pad.toPoints());
  } catch (error) {
    showMessage(`${imported} It cannot be enrolled: ${describeError(error)}.`, 'error');
    return;
  }
  showMessage(`${imported} Enrol or verify it like a drawn signature.`);
}

// Writes the drawing in the chosen format and offers it as a download.
function handleExport() {
  if (pad.isEmpty) {
    showMessage('The pad is empty: draw or import a signature, then press Export.', 'error');
    return;
  }
  const format = elements.exportFormat.value;
  const { points, pointerTypes } = toInkArrays(pad.signature);

  let text;
  try {
    text = engine.module.writeInk(format, points, pointerTypes);
  } catch (error) {
    showMessage(sentence(`Export failed: ${describeError(error)}`), 'error');
    return;
  }

  const fileName = `signature${FORMATS[format].extension}`;
  const url = URL.createObjectURL(new Blob([text], { type: FORMATS[format].type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, because some browsers start reading the download after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  showMessage(`Exported the signature as ${fileName} (${FORMATS[format].name}).`);
}

// Set when the browser closed one of the page's databases while the page was open, after
// which nothing can be saved until a reload.
let storageClosed = false;

// Updates the enrolment count line for the person in the name field, and prepares that
// person's enrolment for the next verification.
function showEnrolmentCount() {
  prepareEnrolmentSoon();
  const entry = store.get(personName());
  shownEnrolment = fingerprintOf(entry);
  const count = entry?.embeddings.length ?? 0;

  if (entry !== undefined && engine.modelId !== null && !isActiveModels(entry)) {
    const signatures = countOf(count, 'enrolment signature');
    elements.enrolCount.textContent = `${signatures} made with another model`;
    elements.enrolCount.dataset.otherModel = 'true';
    return;
  }

  delete elements.enrolCount.dataset.otherModel;
  if (storageClosed) {
    // The records may be gone with the cleared data, and locked ones cannot be unlocked.
    elements.enrolCount.textContent = 'Saved enrolments were closed by the browser: reload the page';
    return;
  }
  if (store.isLocked && entry === undefined) {
    elements.enrolCount.textContent = 'Enrolments are locked by a passphrase';
    return;
  }
  if (isUnreadable(personName())) {
    elements.enrolCount.textContent =
      `The saved enrolment cannot be read: press ${DISCARD_UNREADABLE_LABEL}, or use another name`;
    return;
  }
  elements.enrolCount.textContent =
    count <= RECOMMENDED_ENROLMENTS
      ? `${count} of ${RECOMMENDED_ENROLMENTS} enrolment signatures`
      : `${count} enrolment signatures`;
}

// Delay after the last change of the name or the enrolment before preparing it, so that typing
// a name does not prepare the enrolment of every prefix that names someone.
const PREPARE_DELAY_MS = 150;
let prepareTimer = null;

// Aligns the enrolment signatures of the person in the name field with each other after a
// short wait (see Model.prepareEnrolment), so that the verdict aligns only the query. Sets
// data-prepared-for on the body to the name when done. A failure is only logged, because the
// verification that follows reports it where the person looks.
function prepareEnrolmentSoon() {
  clearTimeout(prepareTimer);
  delete document.body.dataset.preparedFor;
  prepareTimer = setTimeout(() => {
    prepareTimer = null;
    // The preparation can take a frame or two, which would make the ink stutter.
    if (pad.isDrawing || pad.isReplaying) {
      prepareEnrolmentSoon();
      return;
    }
    const person = personName();
    try {
      const entry = store.get(person);
      // Nothing is prepared while enrolments are locked or being saved. Verify rejects a locked
      // enrolment, and a save changes the enrolment when it ends.
      const ready =
        !store.isLocked &&
        document.body.dataset.saving === undefined &&
        engine.model !== null &&
        entry !== undefined &&
        isActiveModels(entry) &&
        entry.signatures.length >= MIN_ENROLMENTS &&
        entry.signatures.every((saved) => saved !== null) &&
        engine.model.hasFusion();
      if (ready && engine.model.prepareEnrolment(entry.signatures.map(pointsFromSaved))) {
        document.body.dataset.preparedFor = person;
      }
    } catch (error) {
      console.warn(`Preparing the enrolment of ${quote(person)} failed: ${describeError(error)}`);
    }
  }, PREPARE_DELAY_MS);
}

// Shows the passphrase buttons that fit the store's state.
function showProtection() {
  if (storageClosed) {
    // Nothing can be encrypted, unlocked or written until a reload shows what is still stored.
    for (const button of [elements.protect, elements.unlock, elements.lock, elements.removeProtection]) {
      button.hidden = true;
    }
    elements.passphrase.parentElement.hidden = true;
    elements.protectionStatus.textContent =
      "The browser closed this page's saved enrolments, as it does when the site's data is cleared: " +
      'reload the page to see which are still stored.';
    document.body.dataset.protection = 'closed';
    return;
  }
  const locked = store.isLocked;
  const protectedStore = store.isProtected;
  elements.protect.hidden = protectedStore;
  elements.unlock.hidden = !locked;
  elements.lock.hidden = !protectedStore || locked;
  elements.removeProtection.hidden = !protectedStore || locked;
  elements.passphrase.parentElement.hidden = protectedStore && !locked;
  elements.protectionStatus.textContent = !protectedStore
    ? 'Enrolments are stored unencrypted in this browser. A passphrase encrypts them (AES-GCM ' +
      'with a key derived by PBKDF2); it is not stored, and without it they cannot be read.'
    : locked
      ? 'Enrolments are encrypted and locked. Enter the passphrase to unlock them.'
      : 'Enrolments are encrypted and unlocked until the page is closed or locked.';
  let protection = 'unlocked';
  if (!protectedStore) {
    protection = 'none';
  } else if (locked) {
    protection = 'locked';
  }
  document.body.dataset.protection = protection;
}

// Runs a passphrase action of the store, then refreshes what depends on the enrolments.
async function handleProtection(action, done) {
  const passphrase = elements.passphrase.value;
  try {
    await whileSaving(() => action(passphrase));
  } catch (error) {
    const text = describeError(error);
    showMessage(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`, 'error');
    return;
  } finally {
    showProtection();
    showStorageProblem();
    showEnrolmentCount();
  }
  elements.passphrase.value = '';
  clearResult();
  showMessage(done);
}

onDatabaseClosed(() => {
  storageClosed = true;
  showStorageProblem();
  showProtection();
  showEnrolmentCount();
});

function showStorageProblem() {
  const problem = storageClosed
    ? "The browser closed this page's saved data while the page was open, as it does when the " +
      "site's data is cleared. What the page shows may no longer be saved, and saving fails: " +
      'reload the page.'
    : store.problem;
  elements.storageNotice.hidden = problem === null;
  elements.storageProblem.textContent = problem ?? '';
  elements.discardStorage.hidden = storageClosed || !store.hasUnreadableValue;
  elements.discardStorage.textContent =
    store.unreadableNames.length > 0 ? DISCARD_UNREADABLE_LABEL : 'Discard saved enrolments';
}

// Counts the results shown and cleared, so that a late explanation is drawn only under the
// verdict it explains.
let resultVersion = 0;

function clearResult() {
  resultVersion += 1;
  hideExplanation();
  elements.result.textContent = '';
  delete elements.result.dataset.verdict;
  delete elements.result.dataset.method;
  delete elements.result.dataset.nearestPathDistance;
  delete elements.result.dataset.score;
  delete elements.result.dataset.threshold;
}

// Descriptions of the network's part of a fused score, by the model's "embeddingScore".
const EMBEDDING_SCORE_TEXT = {
  reference: 'cosine to the mean of the enrolment embeddings',
  mean: 'mean of the cosines to each enrolment signature',
  max: 'largest cosine to one enrolment signature',
  normalised: 'minus the mean cosine distance to the enrolment signatures over the mean among them',
  nearest: 'minus the cosine distance to the nearest enrolment signature over their own spread',
};

// Descriptions of the time warping part of a fused score, by the model's "dtwNormalisation".
const DTW_SCORE_TEXT = {
  calibrated: 'log-odds that the signature is genuine, from its distances to the enrolment signatures',
  mean: 'minus the mean distance to the enrolment signatures over the mean distance among them',
  nearest: 'minus the distance to the nearest enrolment signature over their own spread',
};

// Describes the two parts of a fused score, as the loaded model's description names them.
function describeFusedParts(fused) {
  const fusion = engine.description?.fusion ?? engine.description?.training?.fusion;
  const network = EMBEDDING_SCORE_TEXT[fusion?.embeddingScore] ?? 'its score';
  const warping = DTW_SCORE_TEXT[fusion?.dtwNormalisation] ?? 'its score';
  return (
    `network: ${network} ${fused.embeddingScore.toFixed(3)}; ` +
    `time warping: ${warping} ${fused.dtwScore.toFixed(3)}`
  );
}

// Shows the verdict. `copy` is { index, distance } when the query is a copy of an enrolment
// signature, which rejects it whatever its score.
function showResult({ score, threshold, accepted, copy, nearestPathDistance, fused }) {
  clearResult();

  const verdict = document.createElement('strong');
  verdict.className = 'verdict';
  const kind = copy ? 'replay' : accepted ? 'genuine' : 'forgery';
  verdict.textContent = { replay: 'Rejected: replay', genuine: 'Genuine', forgery: 'Forgery' }[kind];

  const details = document.createElement('span');
  details.className = 'score';
  details.textContent = fused
    ? `fused score ${score.toFixed(3)}, threshold ${threshold.toFixed(3)} (${describeFusedParts(fused)})`
    : `score ${score.toFixed(3)}, threshold ${threshold.toFixed(3)}`;

  elements.result.append(verdict, ' ', details);
  if (copy) {
    const warning = document.createElement('p');
    warning.className = 'replay-warning';
    warning.textContent =
      `This signature is a near-exact copy of enrolment signature ${copy.index + 1}: their ` +
      `pen paths differ by ${copy.distance.toFixed(4)} signature sizes, less than the limit of ` +
      `${copy.limit.toFixed(4)} (${engine.module.REPLAY_DISTANCE}, or half the distance between ` +
      "this person's two most alike enrolment signatures when that is smaller). Hardly anyone " +
      'signs twice this alike (whole genuine signatures in the SVC2004 data differ by 0.049 or ' +
      'more), so it was probably replayed from captured data and is rejected. If you signed it by ' +
      'hand, sign again.';
    elements.result.append(warning);
  }
  elements.result.dataset.verdict = kind;
  elements.result.dataset.method = fused ? 'fused' : 'cosine';
  if (nearestPathDistance !== null) {
    elements.result.dataset.nearestPathDistance = String(nearestPathDistance);
  }
  elements.result.dataset.score = String(score);
  elements.result.dataset.threshold = String(threshold);
}

async function handleEnrol(event) {
  // The second click of a double click would find the pad already cleared by the first.
  if (event?.detail > 1 || document.body.dataset.saving !== undefined) {
    return;
  }
  clearResult();
  const person = readPerson();
  if (person === null) {
    return;
  }
  if (pad.isEmpty) {
    showMessage('The pad is empty: draw a signature, then press Enrol.', 'error');
    return;
  }
  if (pad.samplesOutside > 0) {
    // The writer did not see that ink, so the enrolment would hold a signature they never drew.
    const outside = pad.samplesOutside;
    const samplesLie = outside === 1 ? '1 sample of this signature lies' : `${outside} samples of this signature lie`;
    showMessage(
      `${samplesLie} past the edge of the pad, where they are not shown, so it was not enrolled. ` +
        'Press Clear and sign inside the pad.',
      'error',
    );
    return;
  }
  const entry = store.get(person);
  if (entry !== undefined && !isActiveModels(entry)) {
    showMessage(otherModelMessage(person), 'error');
    return;
  }
  if (entry !== undefined && entry.embeddings.length >= MAX_ENROLMENTS) {
    showMessage(
      `${quote(person)} has ${entry.embeddings.length} enrolment signatures, the most the page keeps, because ` +
        'each one more makes verification slower: verify now, or press Forget and enrol ' +
        `${RECOMMENDED_ENROLMENTS} fresh ones.`,
      'error',
    );
    return;
  }

  let embedding;
  const points = pad.toPoints();
  try {
    engine.module.checkEnrolment(points);
    // A model that compares pen pressure could not verify against this signature later.
    engine.model.checkSignature(points);
    // Stored as a plain array of numbers, which IndexedDB and JSON keep alike.
    embedding = Array.from(engine.model.embed(points));
    // A copy adds nothing and makes the person look less variable than they are, so the
    // fused score would then reject their genuine signatures more often.
    if (entry !== undefined && !store.isLocked) {
      const enrolled = entry.signatures.map((saved) => (saved === null ? null : pointsFromSaved(saved)));
      // A scribble far smaller or larger than the person's other signatures would make the
      // enrolment look so variable that almost any query passed.
      engine.module.checkEnrolmentSize(
        points,
        enrolled.filter((saved) => saved !== null),
      );
      const nearest = findNearestPath(entry.signatures, enrolled, points);
      if (isCopy(nearest)) {
        showMessage(
          `This signature is a near-exact copy of enrolment signature ${nearest.index + 1} of ` +
            `${quote(person)} (their pen paths differ by ${nearest.distance.toFixed(4)}, and hardly ` +
            'anyone signs twice this alike), so it was not enrolled. Press Clear and sign again by hand.',
          'error',
        );
        return;
      }
    }
  } catch (error) {
    showMessage(sentence(`Enrolment failed: ${adviseOnSignatureError(describeError(error))}`), 'error');
    return;
  }

  let count;
  try {
    // An enrolment keeps the id it was started under, which may be an earlier file's id.
    const modelId = entry?.modelId ?? engine.modelId;
    count = await whileSaving(() => store.add(person, modelId, embedding, pointsToSaved(points), MAX_ENROLMENTS));
  } catch (error) {
    // Another tab may have enrolled this person with another model, or up to the limit, since
    // the checks above, or the browser refused the write. Nothing was saved, and the drawing stays on the pad.
    showStorageProblem();
    showEnrolmentCount();
    showMessage(
      `Enrolment failed: ${describeError(error)}. The signature was not enrolled and is still ` +
        'on the pad.',
      'error',
    );
    return;
  }
  pad.clear();
  showEnrolmentCount();
  showStorageProblem();

  let advice = '';
  if (count < MIN_ENROLMENTS) {
    advice = ` Enrol ${MIN_ENROLMENTS - count} more before verifying.`;
  } else if (count < RECOMMENDED_ENROLMENTS) {
    const missing = RECOMMENDED_ENROLMENTS - count;
    const verb = missing === 1 ? 'is' : 'are';
    advice = ` Verification works now, and ${missing} more ${verb} recommended.`;
  }
  showMessage(`Enrolled signature ${count} of ${quote(person)}.${advice}`);
}

// Returns { reference, embeddings } of the person's enrolment (the reference vector and the
// enrolment embeddings one after another), or null after showing why there is none.
function buildReference(person) {
  if (store.isLocked) {
    showMessage(
      'The enrolments are locked: unlock them with the passphrase (Passphrase protection), then verify.',
      'error',
    );
    return null;
  }
  const entry = store.get(person);
  const count = entry?.embeddings.length ?? 0;

  if (entry !== undefined && !isActiveModels(entry)) {
    showMessage(otherModelMessage(person), 'error');
    return null;
  }
  if (isUnreadable(person)) {
    showMessage(
      `The saved enrolment of ${quote(person)} cannot be read, so there is nothing to verify ` +
        `against: press ${DISCARD_UNREADABLE_LABEL} to delete it, then enrol ${quote(person)} again.`,
      'error',
    );
    return null;
  }
  if (count < MIN_ENROLMENTS) {
    showMessage(
      `${quote(person)} has ${countOf(count, 'enrolment signature')}, and verification needs ` +
        `at least ${MIN_ENROLMENTS}: enrol ${MIN_ENROLMENTS - count} more first.`,
      'error',
    );
    return null;
  }

  const size = engine.embeddingSize;
  const concatenated = new Float32Array(count * size);
  for (const [index, embedding] of entry.embeddings.entries()) {
    if (embedding.length !== size) {
      showMessage(
        `Enrolment signature ${index + 1} of ${quote(person)} has ` +
          `${countOf(embedding.length, 'value')} ` +
          `but the model makes ${size}: press Forget, then enrol again.`,
        'error',
      );
      return null;
    }
    concatenated.set(embedding, index * size);
  }
  return {
    reference: new Float32Array(engine.module.makeReference(concatenated, size)),
    embeddings: concatenated,
  };
}

function handleVerify() {
  clearResult();

  const person = readPerson();
  if (person === null) {
    return;
  }
  if (storageClosed) {
    // The enrolments in memory may have been deleted with the site's data.
    showMessage(
      "Verification failed: the browser closed this page's saved data, as it does when the site's " +
        'data is cleared, so the enrolments may be gone: reload the page.',
      'error',
    );
    return;
  }
  if (pad.isEmpty) {
    showMessage('The pad is empty: draw a signature, then press Verify.', 'error');
    return;
  }

  const points = pad.toPoints();
  let result;
  let explanation = null;
  let explanationError = null;
  let enrolmentPoints = null;
  try {
    const enrolment = buildReference(person);
    if (enrolment === null) {
      return;
    }
    try {
      explanation = engine.model.explain(enrolment.reference, points);
    } catch (error) {
      // A model whose score does not split over time still verifies.
      explanationError = describeError(error);
    }
    const verification = explanation ?? engine.model.verify(enrolment.reference, points);
    // Converted once, because the fusion, the replay check and the explanation all need them.
    const savedSignatures = store.get(person).signatures;
    enrolmentPoints = savedSignatures.map((saved) => (saved === null ? null : pointsFromSaved(saved)));
    const fused = verifyFused(enrolment.embeddings, enrolmentPoints, points);
    const decision = fused ?? verification;
    const nearest = findNearestPath(savedSignatures, enrolmentPoints, points);
    const copy = isCopy(nearest) ? nearest : null;
    result = {
      nearestPathDistance: nearest?.distance ?? null,
      score: decision.score,
      threshold: decision.threshold,
      accepted: decision.accepted && copy === null,
      copy,
      fused,
    };
  } catch (error) {
    showMessage(sentence(`Verification failed: ${adviseOnSignatureError(describeError(error))}`), 'error');
    return;
  }

  clearMessage();
  showResult(result);
  if (explanation === null) {
    showMessage(`The verdict stands, but it cannot be explained: ${explanationError}`);
    return;
  }
  // The verdict is painted first. The explanation takes longer (profiles of every enrolment
  // signature, five canvases), so it is drawn one frame later, unless the result was cleared
  // or replaced by then.
  const shownResult = resultVersion;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (shownResult !== resultVersion) {
        return;
      }
      try {
        showExplanation(gatherExplanation(person, enrolmentPoints, points, explanation, result));
      } catch (error) {
        // The pictures are an aid: the verdict above stays valid when they fail.
        console.error('Drawing the explanation failed:', error);
        hideExplanation();
        showMessage(`The verdict stands, but drawing its explanation failed: ${describeError(error)}`);
      }
    }),
  );
}

// Returns the fused verification of the TDNN with dynamic time warping against the enrolment
// signatures ({ score, threshold, accepted, embeddingScore, dtwScore }), or null when the model
// carries no fusion or some enrolment signature was saved without its points. The model's
// training chose the fusion on writers it never trained on; it separates forgeries better than
// the cosine alone (see docs/accuracy.md).
function verifyFused(embeddings, enrolmentPoints, points) {
  if (!engine.model.hasFusion() || enrolmentPoints.some((enrolled) => enrolled === null)) {
    return null;
  }
  return engine.model.verifyFused(embeddings, enrolmentPoints, points);
}

// Replay limits by the saved signatures of an enrolment (the store's signatures array, which a
// change replaces), so that the distances among them are measured once, not at every
// verification.
const replayLimits = new WeakMap();

// Returns { index, distance, limit } of the enrolment signature whose pen path is nearest the
// query's (see trajectory_distance in the core), or null when no enrolment signature was saved
// with its points. `enrolmentPoints` has the points of each of `savedSignatures`, or null.
// Below `limit` the query counts as a copy (see replay_limit in the core): REPLAY_DISTANCE,
// or less for a person whose own signatures repeat closely.
function findNearestPath(savedSignatures, enrolmentPoints, points) {
  let nearest = null;
  for (const [index, enrolled] of enrolmentPoints.entries()) {
    if (enrolled === null) {
      continue;
    }
    const distance = engine.module.trajectoryDistance(points, enrolled);
    if (nearest === null || distance < nearest.distance) {
      nearest = { index, distance };
    }
  }
  if (nearest !== null) {
    if (!replayLimits.has(savedSignatures)) {
      replayLimits.set(savedSignatures, engine.module.replayLimit(enrolmentPoints.filter((enrolled) => enrolled !== null)));
    }
    nearest.limit = replayLimits.get(savedSignatures);
  }
  return nearest;
}

// Returns whether `nearest` (from findNearestPath) shows that the query copies an enrolment
// signature.
function isCopy(nearest) {
  return nearest !== null && nearest.distance < nearest.limit;
}

// Collects what showExplanation draws: the query's profile, each enrolment signature's points,
// profile and cosine with the query, and the closest enrolment signature that has points (the
// copied one when the verdict found a copy).
function gatherExplanation(person, enrolmentPoints, points, explanation, result) {
  const entry = store.get(person);
  const queryEmbedding = engine.model.embed(points);
  const enrolments = entry.embeddings.map((embedding, index) => {
    const enrolled = enrolmentPoints[index];
    const similarity = engine.module.cosine(queryEmbedding, Float32Array.from(embedding));
    if (enrolled === null) {
      return { points: null, profile: null, similarity };
    }
    return { points: enrolled, profile: engine.model.profile(enrolled), similarity };
  });
  // A copy shows the enrolment signature it copies, numbered as in the verdict's warning.
  let closest = result.copy?.index ?? -1;
  for (const [index, enrolment] of enrolments.entries()) {
    if (result.copy) {
      break;
    }
    if (enrolment.points !== null && (closest < 0 || enrolment.similarity > enrolments[closest].similarity)) {
      closest = index;
    }
  }
  return {
    explanation,
    query: { points, profile: explanation.profile },
    enrolments,
    closest,
    copied: Boolean(result.copy),
    description: engine.description,
    stride: engine.module.POINT_STRIDE,
    decision: {
      fused: result.fused !== null,
      score: result.score,
      threshold: result.threshold,
      accepted: result.fused?.accepted ?? explanation.accepted,
    },
  };
}

async function handleForget() {
  const person = readPerson();
  if (person === null) {
    return;
  }
  const entry = store.get(person);
  if (entry === undefined && store.isLocked) {
    showMessage(
      `The enrolments are locked, so that of ${quote(person)} cannot be forgotten: unlock ` +
        'them with the passphrase first.',
      'error',
    );
    return;
  }
  if (entry === undefined && isUnreadable(person)) {
    showMessage(
      `The saved enrolment of ${quote(person)} cannot be read, so Forget cannot delete it: press ` +
        `${DISCARD_UNREADABLE_LABEL} to delete it.`,
      'error',
    );
    return;
  }
  if (entry === undefined) {
    showMessage(`There is no enrolment of ${quote(person)} to forget.`, 'error');
    return;
  }

  const count = entry.embeddings.length;
  const signatures =
    count === 1 ? 'the enrolment signature' : `the ${countOf(count, 'enrolment signature')}`;
  if (!window.confirm(`Delete ${signatures} of ${quote(person)}?`)) {
    return;
  }
  try {
    await whileSaving(() => store.remove(person));
  } catch (error) {
    // After the browser closed the saved data, the enrolment may already be gone with it.
    const keptNote = storageClosed ? '' : ' It is kept.';
    showMessage(`Deleting the enrolment failed: ${describeError(error)}.${keptNote}`, 'error');
    return;
  }
  clearResult();
  showEnrolmentCount();
  showStorageProblem();
  showMessage(`Deleted the enrolment of ${quote(person)}.`);
}

// Deletes what cannot be read in the saved enrolments after asking: the saved enrolments of
// the people named in the notice, or the whole saved value when it cannot be read at all.
async function handleDiscardStorage() {
  const names = store.unreadableNames;
  const parts = [];
  if (names.length > 0) {
    parts.push(`the unreadable saved enrolments of ${quoteList(names)}`);
  }
  // The earlier version's value goes too when it cannot be read as a whole, so the question
  // names it beside any person.
  if (names.length === 0 || store.hasUnreadableLegacyValue) {
    parts.push(`the unreadable enrolments of an earlier version (localStorage key ${LEGACY_STORAGE_KEY})`);
  }
  const what = parts.join(' and ');
  const question = `Delete ${what}? The readable enrolments are kept.`;
  if (!window.confirm(question)) {
    return;
  }
  try {
    await whileSaving(() => store.discardUnreadable(names));
  } catch (error) {
    showStorageProblem();
    showEnrolmentCount();
    showMessage(sentence(`Deleting the saved enrolments failed: ${describeError(error)}`), 'error');
    return;
  }
  showStorageProblem();
  showEnrolmentCount();
  showMessage(`Deleted ${what}.`);
}

// Another tab changed the saved enrolments, and the store has read them again. A verdict is
// cleared when the enrolment of the person in the name field changed.
let shownEnrolment = null;

// Returns what identifies an enrolment's state for the page: its model and its size. The
// store only appends or deletes, so a change of either is a change of the enrolment.
function fingerprintOf(entry) {
  return entry === undefined ? 'none' : `${entry.modelId} ${entry.embeddings.length}`;
}

function handleExternalChange() {
  showProtection();
  const current = fingerprintOf(store.get(personName()));
  if (shownEnrolment !== null && current !== shownEnrolment) {
    clearResult();
  }
  showStorageProblem();
  showEnrolmentCount();
}

// Loads a classic (non-module) script, which the Emscripten loader is.
function loadClassicScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => {
      reject(
        new Error(
          `The WebAssembly module ${url} could not be loaded. Build it (the build writes ` +
            'web/wasm/), then reload the page.',
        ),
      );
    });
    document.head.append(script);
  });
}

async function startModule() {
  await loadClassicScript(MODULE_SCRIPT_URL);
  if (typeof globalThis.createInkprintModule !== 'function') {
    throw new Error(
      `${MODULE_SCRIPT_URL} loaded but did not define createInkprintModule: ` +
        'rebuild the WebAssembly module.',
    );
  }

  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${MODULE_START_TIMEOUT_MS / 1000} s`));
    }, MODULE_START_TIMEOUT_MS);
  });
  const factoryOptions = {
    // Finds inkprint.wasm beside inkprint.js without relying on document.currentScript.
    locateFile: (file) => new URL(`wasm/${file}`, document.baseURI).href,
    // The module's stderr is logged as a warning, because its failures reach the page as
    // thrown errors and are shown there.
    printErr: (text) => console.warn(text),
  };

  try {
    return await Promise.race([globalThis.createInkprintModule(factoryOptions), timeout]);
  } catch (error) {
    throw new Error(`The WebAssembly module failed to start: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

async function downloadModel() {
  let response;
  try {
    response = await fetch(MODEL_URL);
  } catch (error) {
    throw new Error(`Downloading the model ${MODEL_URL} failed: ${describeError(error)}`);
  }
  if (!response.ok) {
    throw new Error(
      `Downloading the model ${MODEL_URL} failed: HTTP ${response.status} ` +
        `${response.statusText}. Check that the model file is in web/models/.`,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

// Labels of the error rates in describe()'s held-out results. They are fractions from 0 to 1
// and are shown as percentages.
const RATE_LABELS = new Map([
  ['skilledEer', 'skilled-forgery EER'],
  ['randomEer', 'random-forgery EER'],
  ['farSkilled', 'skilled forgeries accepted'],
  ['farRandom', 'random forgeries accepted'],
  ['frr', 'genuine rejected'],
]);

// Formats one value of describe()'s JSON for the footer: numbers to 4 significant digits,
// objects as "key value" lists, and arrays by their length unless they contain only numbers
// or strings.
function formatDescriptionValue(value) {
  if (typeof value === 'number') {
    return String(Number(value.toPrecision(4)));
  }
  if (Array.isArray(value)) {
    const isSimple = value.every((item) => ['number', 'string'].includes(typeof item));
    return isSimple ? value.map(formatDescriptionValue).join(', ') : `${value.length} items`;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([key, item]) => `${key} ${formatDescriptionValue(item)}`)
      .join(', ');
  }
  return String(value);
}

function formatHeldOutResults(heldOut) {
  if (typeof heldOut !== 'object' || heldOut === null) {
    return formatDescriptionValue(heldOut);
  }
  // The score histograms are drawn with each verification, not listed here.
  return Object.entries(heldOut)
    .filter(([key]) => key !== 'scoreHistogram')
    .map(([key, value]) => {
      const label = RATE_LABELS.get(key);
      if (label !== undefined && typeof value === 'number') {
        return `${label} ${(value * 100).toFixed(1)} %`;
      }
      return `${key} ${formatDescriptionValue(value)}`;
    })
    .join(', ');
}

// Shows a one-line summary of the model's describe() JSON in the footer, and the whole JSON
// under it. The held-out results are read from heldOut or training.heldOut. `shipped` is true
// for a model file that comes with the page, whose recorded rates this repository measured.
function showModelDescription(description, shipped) {
  let fields;
  try {
    fields = JSON.parse(description);
  } catch {
    elements.modelSummary.textContent = 'Model description (not JSON)';
    elements.modelDetails.textContent = description;
    elements.modelDescription.hidden = false;
    return;
  }

  const sentences = [];
  const version = fields.version ?? fields.formatVersion;
  const summary = [];
  if (version !== undefined) {
    summary.push(`format ${formatDescriptionValue(version)}`);
  }
  // A model with a fusion compares the fused score with the fusion's own threshold. The
  // network's cosine threshold applies only to enrolments stored without their points.
  const fusionThreshold = (fields.fusion ?? fields.training?.fusion)?.threshold;
  if (typeof fusionThreshold === 'number') {
    summary.push(`verdict threshold ${fusionThreshold.toFixed(3)} on the fused score`);
  }
  if (typeof fields.threshold === 'number') {
    const label = typeof fusionThreshold === 'number' ? 'network cosine threshold' : 'threshold';
    summary.push(`${label} ${fields.threshold.toFixed(3)}`);
  }
  sentences.push(`Model: ${summary.join(', ') || 'no summary fields'}.`);

  const heldOut = fields.heldOut ?? fields.training?.heldOut;
  const heldOutFused = fields.training?.heldOutFused;
  const users = fields.training?.heldOutUsers;
  const heading = users === undefined ? 'Held-out test' : `Held-out users ${users}`;
  if (heldOutFused !== undefined) {
    // The verdict uses the fused score whenever the enrolment signatures' points are stored.
    sentences.push(`${heading}, verdict with time warping: ${formatHeldOutResults(heldOutFused)}.`);
  }
  if (heldOut !== undefined) {
    const which = heldOutFused === undefined ? heading : 'Network alone';
    sentences.push(`${which}: ${formatHeldOutResults(heldOut)}.`);
  }
  if (!shipped && (heldOut !== undefined || heldOutFused !== undefined)) {
    // The checksum detects damage, not edits, and the page has no held-out writers to test on.
    sentences.push(
      'These rates are the ones this model file records: the page cannot measure them again, ' +
        'so they hold only if the file is unchanged since its training.',
    );
  }

  elements.modelSummary.textContent = sentences.join(' ');
  elements.modelDetails.textContent = JSON.stringify(fields, null, 2);
  elements.modelDescription.hidden = false;
}

// Returns a model file error of the core with its advice replaced by PAGE_MODEL_ADVICE.
function adviseOnModelError(message) {
  return replaceAdvice(message, PAGE_MODEL_ADVICE);
}

// Returns `message` with the native advice it ends with replaced by the page's, from `advice`
// (a Map from the one to the other), or `message` itself when it ends with none of them.
function replaceAdvice(message, advice) {
  for (const [nativeAdvice, pageAdvice] of advice) {
    if (message.endsWith(nativeAdvice)) {
      return message.slice(0, -nativeAdvice.length) + pageAdvice;
    }
  }
  return message;
}

// Returns { modelId, fileId }: the ids of `model`'s network (see engine) and of its file `bytes`.
async function computeModelIds(model, bytes) {
  return {
    modelId: NETWORK_ID_PREFIX + (await computeModelId(model.networkBytes())),
    fileId: await computeModelId(bytes),
  };
}

// Returns the list of EARLIER_MODELS_URL: [{ fileIds: [...], networkIds: [...] }], or an empty
// list when the file is missing or not as scripts/record-default-model.mjs writes it. Without
// it only enrolments of the current default model file and of this version's ids are kept.
async function downloadEarlierModels() {
  try {
    const response = await fetch(EARLIER_MODELS_URL);
    if (!response.ok) {
      return [];
    }
    const list = await response.json();
    const strings = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string');
    return Array.isArray(list) ? list.filter((item) => strings(item?.fileIds) && strings(item?.networkIds)) : [];
  } catch {
    return [];
  }
}

async function loadEngine() {
  const module = await startModule();
  const bytes = await downloadModel();

  let model;
  try {
    model = new module.Model(bytes);
  } catch (error) {
    throw new Error(
      `The model ${MODEL_URL} could not be loaded: ${adviseOnModelError(describeError(error))}`,
    );
  }

  let ids;
  try {
    ids = await computeModelIds(model, bytes);
  } catch (error) {
    model.delete();
    throw error;
  }
  engine.module = module;
  engine.defaultFileId = ids.fileId;
  engine.defaultAccuracy = await downloadAccuracy();
  engine.earlierModels = await downloadEarlierModels();
  installModel(model, ids);
}

// Returns the summaries of `url`, or null when the file is missing or not as
// scripts/measure-default-accuracy.sh writes it. The footer then leaves the line out.
async function downloadAccuracy(url = ACCURACY_URL) {
  try {
    const response = await fetch(url);
    if (!response.ok) {
      return null;
    }
    const accuracy = await response.json();
    const valid =
      Array.isArray(accuracy.tasks) &&
      accuracy.tasks.length > 0 &&
      accuracy.tasks.every(
        (task) =>
          Number.isInteger(task.task) &&
          ['skilledGlobal', 'randomGlobal'].every((key) => Number.isFinite(task[key]?.mean)),
      );
    return valid ? accuracy : null;
  } catch {
    return null;
  }
}

// The footer line with the cross-validated error rates, for the models that come with the page
// only: a model trained in the page was not measured this way.
function showAccuracy() {
  const accuracy = engine.accuracy;
  elements.modelAccuracy.hidden = accuracy === null;
  if (accuracy === null) {
    elements.modelAccuracy.textContent = '';
    return;
  }
  const percent = (rate) => `${(rate * 100).toFixed(1)} %`;
  const rates = (key) =>
    accuracy.tasks.map((task) => `${percent(task[key].mean)} (task ${task.task})`).join(', ');
  const folds = accuracy.tasks[0].folds;
  // The equal error rate sets the threshold on the tested writers themselves. A trained model
  // keeps a threshold chosen on other writers before testing, so the rates at that one follow.
  const atThreshold = accuracy.tasks.every((task) =>
    ['falseRejection', 'skilledAcceptance'].every((key) => Number.isFinite(task.atChosenThreshold?.[key]?.mean)),
  );
  const chosen = (key) =>
    accuracy.tasks.map((task) => `${percent(task.atChosenThreshold[key].mean)} (task ${task.task})`).join(', ');
  elements.modelAccuracy.textContent =
    `Cross-validated on SVC2004 (${folds} folds, each testing writers its network never saw, ` +
    `verdict with time warping): equal error rate ${rates('skilledGlobal')} for skilled ` +
    `forgeries, ${rates('randomGlobal')} for random forgeries. ` +
    (atThreshold
      ? `At the threshold each fold chose on other writers, it rejected ${chosen('falseRejection')} of ` +
        `genuine signatures and accepted ${chosen('skilledAcceptance')} of skilled forgeries. `
      : '') +
    'Every writer of each task is tested once, so these rates are a better estimate than the ' +
    'held-out rates above, which come from one split of fewer writers.';
}

// Makes `model` the one the page enrols and verifies with, and releases the previous one. `ids`
// are its computeModelIds(), and `accuracy` its downloadAccuracy() or null. `shipped` is true for
// a model file that comes with the page. The default model's file gets the default model's
// accuracy whichever way it was loaded.
function installModel(model, { modelId, fileId }, accuracy = null, shipped = true) {
  engine.model?.delete();
  engine.model = model;
  engine.accuracy = fileId === engine.defaultFileId ? engine.defaultAccuracy : accuracy;
  engine.modelId = modelId;
  engine.sameNetworkIds = new Set([fileId]);
  for (const earlier of engine.earlierModels) {
    if (earlier.networkIds.includes(modelId)) {
      earlier.fileIds.forEach((id) => engine.sameNetworkIds.add(id));
    }
  }
  engine.embeddingSize = model.embeddingSize();
  const description = model.describe();
  try {
    engine.description = JSON.parse(description);
  } catch {
    engine.description = null;
  }
  showModelDescription(description, shipped || fileId === engine.defaultFileId);
  showAccuracy();
}

// Makes the page enrol and verify with the model file `bytes` (a Uint8Array), for example one
// trained in the Train section. `accuracyUrl` names the file of its cross-validated error rates,
// for a model that comes with the page; without it, the file is one stored under Models. Throws
// Error when the file cannot be loaded, and keeps the current model then.
async function useModel(bytes, { accuracyUrl = null } = {}) {
  let model = null;
  try {
    model = new engine.module.Model(bytes);
    // Reads the fusion parameters of the description, which the constructor leaves for later,
    // so that a damaged description fails here and not at every Enrol.
    model.hasFusion();
    checkRecordedRates(model);
    checkModelSeparates(model);
  } catch (error) {
    model?.delete();
    const stored = accuracyUrl === null;
    throw stored ? new Error(replaceAdvice(describeError(error), STORED_MODEL_ADVICE)) : error;
  }
  let ids;
  let accuracy;
  // The address of the cross-validated rates of a model file that comes with the page, or null.
  let url;
  try {
    ids = await computeModelIds(model, bytes);
    url = accuracyUrl ?? ((await isPenModelFile(ids.fileId)) ? PEN_ACCURACY_URL : null);
    accuracy = url === null ? null : await downloadAccuracy(url);
  } catch (error) {
    model.delete();
    throw error;
  }
  installModel(model, ids, accuracy, url !== null);
  clearResult();
  // A message about the previous model, such as advice to choose another one, no longer applies.
  showModelMessage();
}

// The download of the pen model that comes with the page, resolving to its file id or to null
// when it failed. A failed download is tried again on the next call.
let penModelFileIdRequest = null;

// Returns whether `fileId` is the id of the pen model file that comes with the page, for example
// of a stored copy of it. False when that file cannot be downloaded.
async function isPenModelFile(fileId) {
  if (penModelFileIdRequest === null) {
    penModelFileIdRequest = (async () => {
      try {
        const response = await fetch(PEN_MODEL_URL);
        return response.ok ? await computeModelId(new Uint8Array(await response.arrayBuffer())) : null;
      } catch {
        return null;
      }
    })();
  }
  const penFileId = await penModelFileIdRequest;
  if (penFileId === null) {
    penModelFileIdRequest = null;
  }
  return penFileId === fileId;
}

// Replaces the message with the one the loaded model calls for: none, or that the enrolment of
// the person in the name field was made with another model. Updates the enrolment count too.
function showModelMessage() {
  clearMessage();
  showEnrolmentCount();
  const person = personName();
  const entry = store.get(person);
  if (entry !== undefined && !isActiveModels(entry)) {
    showMessage(otherModelMessage(person), 'error');
  }
}

async function main() {
  setPageState('loading');

  elements.clear.addEventListener('click', () => {
    pad.clear();
    clearMessage();
    clearResult();
  });
  elements.undo.addEventListener('click', handleUndo);
  elements.replay.addEventListener('click', handleReplay);
  elements.importButton.addEventListener('click', () => elements.importFile.click());
  elements.importFile.addEventListener('change', handleImportFile);
  elements.exportButton.addEventListener('click', handleExport);
  elements.enrol.addEventListener('click', handleEnrol);
  elements.verify.addEventListener('click', handleVerify);
  elements.forget.addEventListener('click', handleForget);
  elements.discardStorage.addEventListener('click', handleDiscardStorage);
  elements.protect.addEventListener('click', () =>
    handleProtection(
      (passphrase) => store.protect(passphrase),
      'The enrolments are encrypted with the passphrase. Keep it: without it they cannot be read.',
    ),
  );
  elements.unlock.addEventListener('click', () =>
    handleProtection((passphrase) => store.unlock(passphrase), 'The enrolments are unlocked.'),
  );
  elements.lock.addEventListener('click', () =>
    handleProtection(() => store.lock(), 'The enrolments are locked.'),
  );
  elements.removeProtection.addEventListener('click', () => {
    if (!window.confirm('Remove the passphrase and store the enrolments unencrypted?')) {
      return;
    }
    handleProtection(() => store.removeProtection(), 'The enrolments are stored unencrypted again.');
  });
  // A message about the person named before, such as advice to press Forget, must not stay
  // beside another name.
  elements.person.addEventListener('input', () => {
    clearResult();
    clearMessage();
    showEnrolmentCount();
  });

  await store.open();
  showProtection();
  showStorageProblem();
  showEnrolmentCount();
  showMessage('Loading the signature model\u2026');

  try {
    await loadEngine();
  } catch (error) {
    elements.modelSummary.textContent = 'No model loaded.';
    loadError = describeError(error);
    showMessage(loadError, 'error');
    setPageState('failed');
    return;
  }

  showModelMessage();
  setPageState('ready');

  await setupTraining({
    module: engine.module,
    person: () => personName(),
    peopleEnrolledWith,
    padPoints: () => (pad.isEmpty ? null : pad.toPoints()),
    clearPad: () => pad.clear(),
    useModel,
  });
}

main();
