// Training in the page. A short run in the worker on SVC2004 files from the file input must
// lower the loss, plot the validation EER and cause no long task on the main thread. A
// cancelled run keeps its best epoch, stored models survive a reload, and models import and
// export. Captured signatures and dropped files train too.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

import {
  assertClean,
  importFile,
  loadPage,
  makeScribble,
  openPage,
  replaySignature,
  usePageSession,
  WEB_ROOT,
} from './helpers.mjs';
import { editDescription } from '../model-file.mjs';
import { skipWithoutData, svc2004Folder } from '../wasm/load-module.mjs';

// The main thread must never be blocked longer than this while training runs. The Long Tasks
// API reports only tasks longer than 50 ms, so every reported task counts.
const LONG_TASK_MS = 50;
const USERS = 10;

const env = usePageSession({ folderPrefix: 'inkprint-train-' });

// Records the main thread's long tasks in window.longTasks as { start, end } from page start.
function recordLongTasks() {
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.longTasks.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
}

async function waitForTraining(page) {
  await page.waitForSelector('#training[data-models="ready"]', { timeout: 30_000 });
  await page.waitForSelector('#dataset-files:not([disabled])', { timeout: 30_000 });
}

async function trainingState(page) {
  return page.getAttribute('#training', 'data-state');
}

async function epochRows(page) {
  return page.$$eval('#train-epochs-table tbody tr', (rows) =>
    rows.map((row) => ({ loss: Number(row.dataset.loss), eer: Number(row.dataset.eer) })),
  );
}

// Long tasks that overlap [from, to] in the page's performance.now() time.
async function longTasksBetween(page, from, to) {
  const tasks = await page.evaluate(() => window.longTasks);
  return tasks.filter((task) => task.end >= from && task.start <= to);
}

async function setSettings(page, { base, epochs, pairs, augment, name }) {
  await page.selectOption('#train-base', base);
  await page.fill('#train-epochs', String(epochs));
  await page.fill('#train-pairs', String(pairs));
  await page.fill('#train-augment', String(augment));
  await page.fill('#train-name', name);
}

test('training in the worker', { skip: skipWithoutData(), timeout: 240_000 }, async () => {
  const context = env.browser.context;
  await context.addInitScript(recordLongTasks);
  const page = await openPage(context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);

  // Ten Task 1 writers, S1-S40 each, and two files that cannot be read.
  const files = [];
  for (let user = 1; user <= USERS; user += 1) {
    for (let index = 1; index <= 40; index += 1) {
      files.push(path.join(svc2004Folder, 'Task1', `U${user}S${index}.TXT`));
    }
  }
  const badName = path.join(env.folder, 'notes.txt');
  const badContent = path.join(env.folder, 'U77S3.TXT');
  // A valid file that pauses for 70 s, which enrolment and training turn away. The reader
  // starts a new stroke at the gap.
  const paused = path.join(env.folder, 'U78S3.TXT');
  await writeFile(badName, 'shopping list\n');
  await writeFile(badContent, '3\n1 2 3 1\n');
  await writeFile(paused, '3\n1 2 0 1\n5 6 10 1\n9 9 70010 1\n');
  await page.setInputFiles('#dataset-file-input', [...files, badName, badContent, paused]);
  await page.waitForSelector(`#dataset-summary[data-writers="${USERS}"]`, { timeout: 60_000 });
  const problems = await page.$$eval('#dataset-problems li', (items) => items.map((item) => item.textContent));
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems[0], /notes\.txt.* was not read: the name is not an SVC2004 file name/);
  assert.match(problems[1], /U77S3\.TXT.* was not read: declares 3 points but has only 1/);
  assert.match(
    problems[2],
    /U78S3\.TXT.* was not read: the signature pauses for 70\.0 s between strokes 1 and 2, longer than the 60 s a signature for training may pause/,
  );

  // A short fresh run: 3 epochs of 16 steps.
  await setSettings(page, { base: 'fresh', epochs: 3, pairs: 512, augment: 1, name: 'first run' });
  const started = await page.evaluate(() => performance.now());
  await page.click('#train-start');
  await page.waitForFunction(
    () => ['finished', 'failed'].includes(document.getElementById('training').dataset.state),
    null,
    { timeout: 120_000 },
  );
  const ended = await page.evaluate(() => performance.now());
  assert.equal(await trainingState(page), 'finished', await page.textContent('#train-message'));

  const epochs = await epochRows(page);
  assert.equal(epochs.length, 3);
  assert.ok(epochs[2].loss < epochs[0].loss, `loss did not fall: ${epochs.map((e) => e.loss).join(', ')}`);
  for (const epoch of epochs) {
    assert.ok(epoch.eer >= 0, `EER ${epoch.eer}`);
    assert.ok(epoch.eer <= 1, `EER ${epoch.eer}`);
  }
  assert.equal(await page.getAttribute('#eer-chart', 'data-points'), '3');
  assert.ok(Number(await page.getAttribute('#loss-chart', 'data-points')) >= 3);
  assert.equal(await page.locator('#eer-chart canvas').count(), 1, 'the EER chart has no canvas');
  assert.match(await page.textContent('#train-status'), /Training finished after 3 epochs; kept epoch \d/);
  await page.waitForSelector('#model-list[data-count="1"]', { state: 'attached' });
  assert.deepEqual(await longTasksBetween(page, started, ended), [], 'long tasks while training ran');

  // A long run, cancelled once its first epoch has ended.
  await setSettings(page, { base: 'default', epochs: 200, pairs: 512, augment: 0, name: 'cancelled run' });
  const secondStart = await page.evaluate(() => performance.now());
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="running"]', { timeout: 60_000 });
  await page.waitForSelector('#train-epochs-table tbody tr', { timeout: 60_000 });
  await page.click('#train-cancel');
  await page.waitForFunction(() => document.getElementById('training').dataset.state === 'cancelled', null, {
    timeout: 10_000,
  });
  const secondEnd = await page.evaluate(() => performance.now());
  const cancelMs = Number(await page.getAttribute('#training', 'data-cancel-ms'));
  assert.ok(cancelMs < 1000, `cancelling took ${cancelMs} ms`);
  assert.match(await page.textContent('#train-status'), /Training was cancelled after \d+ epochs?; kept epoch \d/);
  assert.ok((await epochRows(page)).length < 200);
  await page.waitForSelector('#model-list[data-count="2"]', { state: 'attached' });
  assert.deepEqual(await longTasksBetween(page, secondStart, secondEnd), [], 'long tasks while training ran');

  // The page recovered: training can start again and verification still works.
  assert.equal(await page.isDisabled('#train-start'), false);
  assert.equal(await page.isDisabled('#train-cancel'), true);
  assert.equal(await page.getAttribute('body', 'data-state'), 'ready');

  // A setting that is not a number is named, and nothing starts.
  const stateBefore = await trainingState(page);
  await page.fill('#train-epochs', '');
  await page.click('#train-start');
  assert.equal(await page.textContent('#train-message'), 'Epochs is empty: enter a whole number from 1 to 1000.');
  await page.keyboard.type('e');
  await page.click('#train-start');
  assert.equal(await page.textContent('#train-message'), 'Epochs is not a number: enter a whole number from 1 to 1000.');
  assert.equal(await trainingState(page), stateBefore);
  // The status line no longer reads as if this click had trained something.
  assert.equal(
    await page.textContent('#train-status'),
    'Training did not start. The table and charts below show the previous run.',
  );
  await page.fill('#train-epochs', '1');

  // Use the first trained model, then reload: both models and the choice are still there.
  const firstId = await page.$eval('#model-list', (select) =>
    [...select.options].find((option) => option.dataset.name === 'first run').value,
  );
  await page.selectOption('#model-list', firstId);
  await page.click('#model-use');
  await page.waitForSelector(`#model-active[data-active-id="${firstId}"]`);
  assert.match(await page.textContent('#model-summary'), /threshold/);
  // The cross-validated rates belong to the default model's configuration only.
  assert.equal(await page.isVisible('#model-accuracy'), false);

  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  assert.equal(await page.getAttribute('#model-list', 'data-count'), '2');
  assert.equal(await page.getAttribute('#model-active', 'data-active-id'), firstId);
  const names = await page.$$eval('#model-list option', (options) => options.map((option) => option.dataset.name));
  assert.ok(names.includes('first run'), names.join(', '));
  assert.ok(names.includes('cancelled run'), names.join(', '));
  assert.equal(await page.textContent('#model-message'), '');
  assert.match(await page.textContent('#model-details'), /"trainedIn": "browser"/);

  // Fine-tune the active model: the new model names it as its start.
  await page.setInputFiles('#dataset-file-input', files);
  await page.waitForSelector(`#dataset-summary[data-writers="${USERS}"]`, { timeout: 60_000 });
  await setSettings(page, { base: 'active', epochs: 1, pairs: 64, augment: 0, name: 'from first run' });
  await page.click('#train-start');
  await page.waitForFunction(
    () => ['finished', 'failed'].includes(document.getElementById('training').dataset.state),
    null,
    { timeout: 60_000 },
  );
  assert.equal(await trainingState(page), 'finished', await page.textContent('#train-message'));
  // The page stores the model after it shows the run as finished.
  await page.waitForSelector('#model-list option[data-name="from first run"]', { state: 'attached' });
  const tunedId = await page.$eval('#model-list', (select) =>
    [...select.options].find((option) => option.dataset.name === 'from first run').value,
  );
  await page.selectOption('#model-list', tunedId);
  await page.click('#model-use');
  await page.waitForSelector(`#model-active[data-active-id="${tunedId}"]`);
  assert.match(await page.textContent('#model-details'), /"startedFrom": "model \\"first run\\""/);
  assertClean(page);
});

test('model import and export', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser.context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  const before = Number(await page.getAttribute('#model-list', 'data-count'));

  // The default model was written by the native training command.
  await page.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'default.inkprint'));
  await page.waitForSelector(`#model-list[data-count="${before + 1}"]`);
  assert.match(await page.textContent('#model-message'), /Imported .*default\.inkprint/);

  // The same file again gets a name of its own, and the message names the stored copy.
  await page.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'default.inkprint'));
  await page.waitForSelector(`#model-list[data-count="${before + 2}"]`);
  assert.equal(
    await page.textContent('#model-message'),
    'Imported \u2068default.inkprint\u2069 as \u201c\u2068default (2)\u2069\u201d. It is the same file as the ' +
      'stored model \u201c\u2068default\u2069\u201d. Press Use to enrol and verify with it.',
  );
  const names = await page.$$eval('#model-list option', (options) => options.map((option) => option.dataset.name));
  assert.ok(names.includes('default (2)'), names.join(', '));

  const damaged = path.join(env.folder, 'damaged.inkprint');
  const bytesOfDefault = fs.readFileSync(path.join(WEB_ROOT, 'models', 'default.inkprint'));
  const bytes = Buffer.from(bytesOfDefault);
  bytes[100] ^= 0xff;
  await writeFile(damaged, bytes);
  await page.setInputFiles('#model-import-file', damaged);
  await page.waitForSelector('#model-message[data-kind="error"]');
  assert.match(await page.textContent('#model-message'), /Import failed: .*damaged\.inkprint.*: .*(checksum|CRC)/i);
  assert.equal(await page.getAttribute('#model-list', 'data-count'), String(before + 2));

  // A file whose checksum fits but whose fused threshold was edited beyond every score the
  // model can give would accept everyone, so it is not stored either.
  await page.setInputFiles('#model-import-file', {
    name: 'edited.inkprint',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(
      editDescription(bytesOfDefault, (description) => {
        description.fusion.threshold = -1000;
      }),
    ),
  });
  await page.waitForFunction(() => document.getElementById('model-message').textContent.includes('edited.inkprint'));
  assert.match(
    await page.textContent('#model-message'),
    /^Import failed: \u2068edited\.inkprint\u2069: .*threshold is -1000, outside the fused scores .* so it would accept every signature/,
  );
  assert.equal(await page.getAttribute('#model-message', 'data-kind'), 'error');
  assert.equal(await page.getAttribute('#model-list', 'data-count'), String(before + 2));

  // A threshold of -10 lies within those scores, but not where the file's own held-out score
  // histograms put the rates it records, so that edit is caught too.
  await page.setInputFiles('#model-import-file', {
    name: 'lowered.inkprint',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(
      editDescription(bytesOfDefault, (description) => {
        description.fusion.threshold = -10;
      }),
    ),
  });
  await page.waitForFunction(() => document.getElementById('model-message').textContent.includes('lowered.inkprint'));
  assert.match(
    await page.textContent('#model-message'),
    /^Import failed: \u2068lowered\.inkprint\u2069: the model file records 8\.0 % as the share of genuine signatures rejected at its threshold .* the file was changed after training\./,
  );
  assert.equal(await page.getAttribute('#model-list', 'data-count'), String(before + 2));

  // Held-out rates edited by hand cannot be distinguished from measured ones, so the footer of a
  // model that did not come with the page states where its rates come from. The default model's
  // footer does not.
  const recordedNote = 'These rates are the ones this model file records';
  assert.ok(!(await page.textContent('#model-summary')).includes(recordedNote));
  await page.setInputFiles('#model-import-file', {
    name: 'flattering.inkprint',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(
      editDescription(bytesOfDefault, (description) => {
        description.heldOutFused.skilledEer = 0.001;
      }),
    ),
  });
  await page.waitForSelector(`#model-list[data-count="${before + 3}"]`);
  const flatteringId = await page.$eval('#model-list', (select) =>
    [...select.options].find((option) => option.dataset.name === 'flattering').value,
  );
  await page.selectOption('#model-list', flatteringId);
  await page.click('#model-use');
  await page.waitForSelector(`#model-active[data-active-id="${flatteringId}"]`);
  const summary = await page.textContent('#model-summary');
  assert.match(summary, /skilled.*0\.1 ?%/i);
  assert.ok(summary.includes(recordedNote), summary);
  await page.selectOption('#model-list', 'default');
  await page.click('#model-use');
  await page.waitForSelector('#model-active[data-active-id="default"]');
  assert.ok(!(await page.textContent('#model-summary')).includes(recordedNote));

  // Export gives back the same bytes as the imported file.
  const importedId = await page.$eval('#model-list', (select) =>
    [...select.options].find((option) => option.dataset.name === 'default').value,
  );
  await page.selectOption('#model-list', importedId);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#model-export')]);
  const exported = path.join(env.folder, 'exported.inkprint');
  await download.saveAs(exported);
  assert.deepEqual(fs.readFileSync(exported), fs.readFileSync(path.join(WEB_ROOT, 'models', 'default.inkprint')));

  // An imported model is named after its file, without the characters that a typed model name
  // may not contain, and with at most the 100 characters that the name field takes.
  const importCases = [
    ['Mine.inkprint', 'Mine'],
    ['Mine\u200b.inkprint', 'Mine (2)'],
    ['Mi\u00a0ne.inkprint', 'Mi ne'],
    ['Mi  ne\t.inkprint', 'Mi ne (2)'],
    ['Ann\u200ca\ufe0f.inkprint', 'Anna'],
    ['\u200b.inkprint', 'Imported model'],
    [' \u2060 .inkprint', 'Imported model (2)'],
    [`${'x'.repeat(300)}.inkprint`, 'x'.repeat(100)],
  ];
  let count = before + 3;
  for (const [fileName, name] of importCases) {
    await page.setInputFiles('#model-import-file', {
      name: fileName,
      mimeType: 'application/octet-stream',
      buffer: bytesOfDefault,
    });
    count += 1;
    await page.waitForSelector(`#model-list[data-count="${count}"]`);
    const message = await page.textContent('#model-message');
    assert.ok(message.includes(` as \u201c\u2068${name}\u2069\u201d.`), `${JSON.stringify(fileName)}: ${message}`);
  }
  const importedNames = await page.$$eval('#model-list option', (options) => options.map((option) => option.dataset.name));
  for (const [, name] of importCases) {
    assert.ok(importedNames.includes(name), `${name} is not in ${importedNames.join(', ')}`);
  }
  assertClean(page);
});

test('captured signatures and dropped files', { skip: skipWithoutData(), timeout: 120_000 }, async () => {
  const page = await openPage(env.browser.context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);

  // Three genuine signatures of "Ann" and, in forgery mode, two forgeries of them.
  await page.fill('#person', 'Ann');
  for (let variant = 0; variant < 3; variant += 1) {
    await replaySignature(page, makeScribble(variant));
    await page.click('#capture-add');
  }
  await page.check('input[name="capture-kind"][value="forgery"]');
  for (let variant = 5; variant < 7; variant += 1) {
    await replaySignature(page, makeScribble(variant));
    await page.click('#capture-add');
  }
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 3 genuine signatures, 2 forgeries\./);
  await page.click('#capture-add');
  assert.match(await page.textContent('#train-message'), /The pad is empty/);

  // A signature imported to the pad with a pause of 70 s is not added, and stays on the pad.
  const pausedFile = path.join(env.folder, 'paused.txt');
  await writeFile(pausedFile, '4\n1 2 0 1\n50 60 10 1\n90 20 70010 1\n120 40 70020 1\n');
  await importFile(page, pausedFile);
  await page.click('#capture-add');
  assert.match(
    await page.textContent('#train-message'),
    /^This signature was not added to the training data: the signature pauses for 70\.0 s between strokes 1 and 2/,
  );
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 3 genuine signatures, 2 forgeries\./);
  assert.match(await page.textContent('#pad-status'), /^2 strokes, 4 samples/);
  await page.click('#clear');

  // A name with a control character is not added.
  await page.fill('#person', 'An\u0007n');
  await replaySignature(page, makeScribble(8));
  await page.click('#capture-add');
  assert.match(await page.textContent('#train-message'), /^The name contains the control character U\+0007, which cannot be seen/);
  await page.fill('#person', '\u200b');
  await page.click('#capture-add');
  assert.equal(
    await page.textContent('#train-message'),
    "The name has no visible character (U+200B): type the person's name, then try again.",
  );
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 3 genuine signatures, 2 forgeries\./);
  await page.click('#clear');
  await page.fill('#person', 'Ann');

  // Each capture is listed, numbered within its person and kind.
  const labels = await page.locator('#capture-list option').allTextContents();
  assert.equal(labels.length, 5);
  assert.match(labels[0], /^\u2068Ann\u2069, genuine signature 1 \(\d+\.\d s, \d+ strokes?\)$/);
  assert.match(labels[4], /^\u2068Ann\u2069, forgery 2 \(/);
  // The last capture is chosen, so that Remove would take it back.
  assert.equal(await page.$eval('#capture-list', (list) => list.selectedOptions[0].textContent), labels[4]);

  // The captured signatures are saved and read back after a reload.
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 3 genuine signatures, 2 forgeries\./);
  assert.deepEqual(await page.locator('#capture-list option').allTextContents(), labels);

  // One capture is removed, from the page and from the store: the second genuine signature,
  // after which the third is numbered 2.
  await page.selectOption('#capture-list', { label: labels[1] });
  await page.click('#capture-remove');
  await page.waitForSelector('#train-message:has-text("genuine signature 2.")');
  assert.equal(await page.textContent('#train-message'), 'Removed \u201c\u2068Ann\u2069\u201d\'s genuine signature 2.');
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 2 genuine signatures, 2 forgeries\./);
  const remaining = await page.locator('#capture-list option').allTextContents();
  assert.deepEqual(remaining, [labels[0], labels[2].replace('genuine signature 3', 'genuine signature 2'), labels[3], labels[4]]);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.deepEqual(await page.locator('#capture-list option').allTextContents(), remaining);

  // A capture removed while it is being saved stays removed after a reload. Both clicks run in
  // one task, so Remove runs before the store has finished saving.
  await page.fill('#person', 'Ann');
  await replaySignature(page, makeScribble(9));
  await page.evaluate(() => {
    document.getElementById('capture-add').click();
    document.getElementById('capture-remove').click();
  });
  await page.waitForSelector('#train-message:has-text("genuine signature 3.")');
  assert.deepEqual(await page.locator('#capture-list option').allTextContents(), remaining);
  await page.waitForSelector('#training:not([data-saving])');
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.deepEqual(await page.locator('#capture-list option').allTextContents(), remaining);

  // A third genuine signature again, so that the run below has the writer it expects.
  await page.fill('#person', 'Ann');
  await replaySignature(page, makeScribble(2));
  await page.click('#capture-add');
  await page.waitForSelector('#train-message:has-text("Added a genuine signature")');
  assert.match(await page.textContent('#capture-summary'), /Ann.*: 3 genuine signatures, 2 forgeries\./);

  // Captured writers only train, so without files nothing can validate.
  await setSettings(page, { base: 'fresh', epochs: 1, pairs: 64, augment: 0, name: 'captures only' });
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="failed"]', { timeout: 30_000 });
  assert.equal(
    await page.textContent('#train-message'),
    'Training needs at least 1 writer from SVC2004 files, because the validation writers, which ' +
      'choose the threshold, come from files only, and captured writers only train. There are no ' +
      'writers from files and 1 captured on the page with 2 or more genuine signatures. Load ' +
      'SVC2004 files (Choose files).',
  );

  // Three writers dropped as files. A DataTransfer made by a script has no folder entries, so
  // the page reads its file list.
  const texts = [];
  for (let user = 11; user <= 13; user += 1) {
    for (let index = 1; index <= 40; index += 1) {
      const name = `U${user}S${index}.TXT`;
      texts.push({ name, text: fs.readFileSync(path.join(svc2004Folder, 'Task1', name), 'utf8') });
    }
  }
  await page.evaluate((files) => {
    const transfer = new DataTransfer();
    for (const { name, text } of files) {
      transfer.items.add(new File([text], name, { type: 'text/plain' }));
    }
    const drop = document.getElementById('dataset-drop');
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, texts);
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });

  // The captured writer trains with two of the dropped writers, and the third validates.
  await setSettings(page, { base: 'default', epochs: 1, pairs: 64, augment: 0, name: 'with Ann' });
  await page.click('#train-start');
  await page.waitForFunction(
    () => ['finished', 'failed'].includes(document.getElementById('training').dataset.state),
    null,
    { timeout: 60_000 },
  );
  assert.equal(await trainingState(page), 'finished', await page.textContent('#train-message'));
  assert.match(await page.textContent('#train-status'), /3 training writers and 1 validation writer\./);
  // The default model has seen SVC2004 user 13, which validated this run.
  assert.match(
    await page.textContent('#train-message'),
    /^The validation EER looks better than it is if \u201c\u2068user 13\u2069\u201d is an SVC2004 writer: this run started, directly or through a copy, from a built-in model, which was trained and validated on SVC2004 users 1 to 30/,
  );

  // When the browser refuses to store the model, the model file is downloaded instead.
  await page.evaluate(() => {
    IDBObjectStore.prototype.add = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await setSettings(page, { base: 'default', epochs: 1, pairs: 64, augment: 0, name: 'not stored' });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#train-start')]);
  assert.equal(download.suggestedFilename(), 'not-stored.inkprint');
  await page.waitForSelector('#model-message[data-kind="error"]');
  assert.match(
    await page.textContent('#model-message'),
    /could not be saved in this browser \(the browser's storage for this page is full: .+\), so it was downloaded as not-stored\.inkprint/,
  );
  const saved = path.join(env.folder, 'not-stored.inkprint');
  await download.saveAs(saved);
  assert.equal(fs.readFileSync(saved).subarray(0, 8).toString('latin1'), 'INKPRINT');
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);

  // Remove asks first, then deletes the saved signatures too.
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#capture-clear');
  await page.waitForSelector('#train-message:has-text("Removed the captured signatures.")');
  assert.equal(await page.textContent('#capture-summary'), 'No signatures captured for training.');
  assert.equal(await page.isHidden('#capture-choice'), true);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.equal(await page.textContent('#capture-summary'), 'No signatures captured for training.');
  assertClean(page);
});

// Copies S1-S4 of user 1 of each task into `name`/Task1/ and `name`/Task2/ in the test folder:
// the same user number in two folders, so two writers. Returns the folder.
function copyUserOneOfEachTask(name) {
  const root = path.join(env.folder, name);
  for (const task of ['Task1', 'Task2']) {
    fs.mkdirSync(path.join(root, task), { recursive: true });
    for (let index = 1; index <= 4; index += 1) {
      const file = `U1S${index}.TXT`;
      fs.copyFileSync(path.join(svc2004Folder, task, file), path.join(root, task, file));
    }
  }
  return root;
}

// Opens the page and waits until its Train section is ready.
test('failed start leaves no stale status', { timeout: 60_000 }, async () => {
  const page = await openPage(env.browser.context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  // The starting model cannot be downloaded once the page has loaded.
  await page.route('**/models/default.inkprint', (route) => route.fulfill({ status: 404, body: '' }));
  await setSettings(page, { base: 'default', epochs: 1, pairs: 64, augment: 0, name: 'no start' });
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="failed"]');
  assert.match(await page.textContent('#train-message'), /^Training did not start: Downloading .*default\.inkprint failed: HTTP 404/);
  assert.equal(await page.textContent('#train-status'), '');
  assert.equal(await page.isDisabled('#train-start'), false);
  await page.unroute('**/models/default.inkprint');
});

async function openTrainingPage() {
  const page = await openPage(env.browser.context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  return page;
}

test('damaged saved captures are left out', { timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  // Records as a hand edit or an older page could leave them: no points, a partial point, a
  // number that is not finite, and no name.
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('inkprint-training');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const transaction = open.result.transaction('captured', 'readwrite');
          const store = transaction.objectStore('captured');
          store.add({ person: 'Empty', kind: 'genuine', points: new Float64Array(0) });
          store.add({ person: 'Partial', kind: 'genuine', points: new Float64Array([1, 2, 3]) });
          store.add({ person: 'Infinite', kind: 'genuine', points: new Float64Array([1, 2, Infinity, 0.5, 0]) });
          store.add({ kind: 'genuine', points: new Float64Array([1, 2, 3, 0.5, 0]) });
          store.add({ person: 'Whole', kind: 'genuine', points: new Float64Array([1, 2, 3, Number.NaN, 0, 4, 6, 13, Number.NaN, 0]) });
          transaction.oncomplete = () => {
            open.result.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
  );
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.equal(
    await page.textContent('#train-message'),
    "4 saved captured signatures are damaged (no person's name, or no whole points), so they " +
      'are left out of the list and of training. Remove all captured deletes them with the others.',
  );
  const labels = await page.locator('#capture-list option').allTextContents();
  assert.equal(labels.length, 1, labels.join(' | '));
  assert.match(labels[0], /Whole/);
  assert.doesNotMatch(labels[0], /NaN/);

  // Remove all captured deletes the damaged records too, so later tests start empty.
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#capture-clear');
  await page.waitForSelector('#train-message:has-text("Removed the captured signatures.")');
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await page.waitForSelector('#capture-add:not([disabled])');
  assert.doesNotMatch(await page.textContent('#train-message'), /damaged/);
  assertClean(page);
  await page.close();
});

test('folder picker keeps folders apart', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const root = copyUserOneOfEachTask('picked');
  const page = await openTrainingPage();
  await page.setInputFiles('#dataset-folder-input', root);
  await page.waitForSelector('#dataset-summary[data-writers]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('#dataset-summary', 'data-writers'), '2');
  assert.equal(await page.textContent('#dataset-summary'), 'Loaded 2 writers: 8 genuine signatures and 0 forgeries.');
  assert.equal(await page.textContent('#train-message'), 'Read 8 of 8 files.');
  assertClean(page);
});

test('dropped folder is walked', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const root = copyUserOneOfEachTask('dropped');
  const page = await openTrainingPage();

  // The DevTools protocol's drag events carry real file system paths, so the page receives
  // folder entries as from a drop out of a file manager.
  const drop = page.locator('#dataset-drop');
  await drop.scrollIntoViewIfNeeded();
  const box = await drop.boundingBox();
  const session = await page.context().newCDPSession(page);
  const data = { items: [], files: [root], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop']) {
    await session.send('Input.dispatchDragEvent', {
      type,
      x: box.x + box.width / 2,
      y: box.y + box.height / 2,
      data,
    });
  }
  await session.detach();
  await page.waitForSelector('#dataset-summary[data-writers]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('#dataset-summary', 'data-writers'), '2');
  assert.equal(await page.textContent('#train-message'), 'Read 8 of 8 files.');
  assertClean(page);
});

test('writer with one genuine file is named', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const root = path.join(env.folder, 'one-genuine', 'Task1');
  fs.mkdirSync(root, { recursive: true });
  for (const file of ['U1S1.TXT', 'U1S2.TXT', 'U2S1.TXT', 'U2S21.TXT']) {
    fs.copyFileSync(path.join(svc2004Folder, 'Task1', file), path.join(root, file));
  }
  const page = await openTrainingPage();
  await page.setInputFiles('#dataset-folder-input', path.dirname(root));
  await page.waitForSelector('#dataset-summary[data-writers]', { timeout: 30_000 });
  assert.equal(await page.textContent('#dataset-summary'), 'Loaded 2 writers: 3 genuine signatures and 1 forgery.');
  const problems = await page.$$eval('#dataset-problems li', (items) => items.map((item) => item.textContent));
  assert.deepEqual(problems, [
    '\u2068one-genuine/Task1 user 2\u2069 has 1 genuine signature, and training needs at least 2 per writer: add more of ' +
      'its genuine signatures, or load the data set without it.',
  ]);
  assert.equal(
    await page.textContent('#train-message'),
    'Read 4 of 4 files; 1 writer cannot be trained on (listed below).',
  );
  assert.equal(await page.getAttribute('#train-message', 'data-kind'), 'error');
  assertClean(page);
});

// Copies S1-S4 and the forgeries S21-S22 of users 1 to `users` of Task 1 into the test
// folder, under `name`/Task1/. Returns the paths of the copies.
function copyTaskOneFiles(name, users) {
  const folder = path.join(env.folder, name, 'Task1');
  fs.mkdirSync(folder, { recursive: true });
  const copies = [];
  for (let user = 1; user <= users; user += 1) {
    for (const index of [1, 2, 3, 4, 21, 22]) {
      const file = `U${user}S${index}.TXT`;
      fs.copyFileSync(path.join(svc2004Folder, 'Task1', file), path.join(folder, file));
      copies.push(path.join(folder, file));
    }
  }
  return copies;
}

async function problemTexts(page) {
  return page.$$eval('#dataset-problems li', (items) => items.map((item) => item.textContent));
}

test('loaded files are not counted twice', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  const readme = path.join(env.folder, 'README.md');
  await writeFile(readme, '# notes\n');
  const taskOne = [1, 2, 3, 4].map((index) => path.join(svc2004Folder, 'Task1', `U1S${index}.TXT`));
  await page.setInputFiles('#dataset-file-input', [...taskOne, readme]);
  await page.waitForSelector('#dataset-summary[data-writers="1"]', { timeout: 30_000 });
  assert.equal(
    await page.textContent('#train-message'),
    'Read 4 of 5 files, 1 left out because it is not a .TXT file (\u2068README.md\u2069).',
  );
  assert.deepEqual(await problemTexts(page), []);

  // The same files chosen again are loaded already.
  await page.setInputFiles('#dataset-file-input', taskOne);
  await page.waitForFunction(() => document.querySelectorAll('#dataset-problems li').length === 4);
  assert.equal((await problemTexts(page))[0], '\u2068U1S1.TXT\u2069 was not read: it is loaded already');

  // Files of the same names from another task, chosen alone, would replace these silently.
  const taskTwo = [1, 2, 3, 4].map((index) => path.join(svc2004Folder, 'Task2', `U1S${index}.TXT`));
  await page.setInputFiles('#dataset-file-input', taskTwo);
  await page.waitForFunction(() => document.querySelector('#dataset-problems li')?.textContent.includes('signature 1 of'));
  const replaced = await problemTexts(page);
  assert.match(replaced[0], /^\u2068U1S1\.TXT\u2069 was not read: signature 1 of user 1 is loaded already, from U1S1\.TXT: /);
  assert.equal(await page.textContent('#dataset-summary'), 'Loaded 1 writer: 4 genuine signatures and 0 forgeries.');

  // The same files in a folder would count as a second writer. Its two forgeries are new.
  const copies = copyTaskOneFiles('again', 1);
  await page.setInputFiles('#dataset-folder-input', path.dirname(path.dirname(copies[0])));
  await page.waitForFunction(() => document.getElementById('train-message').textContent.startsWith('Read 2 of 6'));
  // Four files repeat loaded ones, and the new writer has no genuine signature left.
  const repeated = await problemTexts(page);
  assert.equal(repeated.length, 5);
  assert.match(repeated[0], /was not read: it has the same content as U1S1\.TXT, which is loaded already/);
  assert.equal(await page.getAttribute('#dataset-summary', 'data-writers'), '2');

  await page.click('#dataset-clear');
  await page.waitForSelector('#dataset-summary[data-writers="0"]');
  assert.equal(await page.textContent('#train-message'), 'Removed the loaded files.');
  assertClean(page);
});

test('cancel ends an unresponsive worker', { skip: skipWithoutData(), timeout: 90_000 }, async () => {
  const page = await openTrainingPage();
  await page.setInputFiles('#dataset-file-input', copyTaskOneFiles('slow', 3));
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });

  // One optimiser step of this network takes far longer than the 3 s that Cancel waits. With
  // 940 maps it has 9.8 million weights, just under the limit of 10 million for a network.
  await setSettings(page, { base: 'fresh', epochs: 1, pairs: 32, augment: 0, name: 'too large' });
  await page.fill('#train-layers', 'delay:940:11:1,tanh,delay:940:11:1,tanh,average');
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="preparing"], #training[data-state="running"]');
  await page.click('#train-cancel');
  // Files removed while Cancel waits stay removed in the new worker.
  await page.click('#dataset-clear');
  await page.waitForSelector('#training[data-state="cancelled"]', { timeout: 20_000 });
  assert.match(
    await page.textContent('#train-status'),
    /^Training was stopped: the worker did not respond to Cancel within 3 s, (because one optimiser step of this network takes longer|before its first training steps had ended, because this network is too large to prepare and train quickly), so no model was kept\./,
  );
  const cancelMs = Number(await page.getAttribute('#training', 'data-cancel-ms'));
  assert.ok(cancelMs >= 3000, `cancelling took ${cancelMs} ms`);
  assert.ok(cancelMs < 10_000, `cancelling took ${cancelMs} ms`);

  await page.waitForSelector('#dataset-summary[data-writers="0"]', { timeout: 30_000 });
  assert.equal(await page.textContent('#dataset-summary'), 'No data set loaded.');

  // A new worker reads the files and takes the next start, here with invalid layers.
  await page.setInputFiles('#dataset-file-input', copyTaskOneFiles('slow', 3));
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });
  await page.waitForSelector('#train-start:not([disabled])', { timeout: 30_000 });

  // A model name that cannot be seen is refused before anything starts.
  await page.fill('#train-name', '\u200b');
  await page.click('#train-start');
  assert.equal(
    await page.textContent('#train-message'),
    'The model name has no visible character (U+200B): type a name, or leave the field empty.',
  );
  // Nor is one that would look like another name.
  await page.fill('#train-name', 'default\u2060');
  await page.click('#train-start');
  assert.equal(
    await page.textContent('#train-message'),
    'The model name contains U+2060, which shows as nothing or as a space in that place, so the ' +
      'name would look like another: type it again without it.',
  );
  await page.fill('#train-name', 'too  large');
  await page.click('#train-start');
  assert.equal(
    await page.textContent('#train-message'),
    'The model name contains white-space characters in a row (U+0020, U+0020), which look like one ' +
      'space, so the name would look like another: leave one space between its parts.',
  );
  await page.fill('#train-name', 'too large');
  await page.fill('#train-layers', 'delay:x');
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="failed"]', { timeout: 30_000 });
  assert.match(
    await page.textContent('#train-message'),
    /^Training did not start: the Layers field "delay:x" is invalid: .+\. Correct it, or empty it to train the published network\.$/,
  );
  await page.fill('#train-layers', '');
  assertClean(page);
});

test('captured signatures follow other tabs', { timeout: 60_000 }, async () => {
  const first = await openTrainingPage();
  const second = await openTrainingPage();
  await first.waitForSelector('#capture-add:not([disabled])');
  await second.waitForSelector('#capture-add:not([disabled])');
  const mentionsTabA = (page) =>
    page.evaluate(() => document.getElementById('capture-summary').textContent.includes('TabA'));

  await first.fill('#person', 'TabA');
  for (const variant of [3, 4, 5]) {
    await replaySignature(first, makeScribble(variant));
    await first.click('#capture-add');
    await first.waitForSelector('#train-message:has-text("Added a genuine signature")');
    await first.evaluate(() => {
      document.getElementById('train-message').textContent = '';
    });
  }
  await second.waitForFunction(() => document.getElementById('capture-summary').textContent.includes('TabA'));
  await second.waitForFunction(() => document.getElementById('capture-summary').textContent.includes('3 genuine'));

  // The second tab chooses capture 2; the first removes capture 1. The second tab's choice stays
  // on the same capture, now numbered 1, and Remove there removes that one.
  const labelsOf = (page) => page.locator('#capture-list option').allTextContents();
  const secondLabels = await labelsOf(second);
  const chosen = secondLabels.findIndex((label) => label.includes('TabA') && label.includes('genuine signature 2'));
  await second.selectOption('#capture-list', { index: chosen });
  const firstValue = await first.$eval('#capture-list', (list) =>
    [...list.options].find((option) => option.textContent.includes('TabA, genuine signature 1') || option.textContent.includes('TabA\u2069, genuine signature 1')).value,
  );
  await first.selectOption('#capture-list', firstValue);
  await first.click('#capture-remove');
  await second.waitForFunction(() => document.getElementById('capture-summary').textContent.includes('2 genuine'));
  const renamed = secondLabels[chosen].replace('genuine signature 2', 'genuine signature 1');
  assert.equal(await second.$eval('#capture-list', (list) => list.selectedOptions[0]?.textContent), renamed);
  await second.click('#capture-remove');
  await first.waitForFunction(() => document.getElementById('capture-summary').textContent.includes('1 genuine'));
  const left = (await labelsOf(first)).filter((label) => label.includes('TabA'));
  assert.deepEqual(left, [secondLabels[chosen + 1].replace('genuine signature 3', 'genuine signature 1')]);

  // Removed in the second tab, gone from the first, and from the store.
  const value = await second.$eval('#capture-list', (list) =>
    [...list.options].find((option) => option.textContent.includes('TabA')).value,
  );
  await second.selectOption('#capture-list', value);
  await second.click('#capture-remove');
  await second.waitForSelector('#train-message:has-text("Removed")');
  await first.waitForFunction(() => !document.getElementById('capture-summary').textContent.includes('TabA'));
  assert.equal(await loadPage(first, env.server.url), 'ready');
  await waitForTraining(first);
  await first.waitForSelector('#capture-add:not([disabled])');
  assert.equal(await mentionsTabA(first), false);
  assertClean(first);
  assertClean(second);
});

test('cancel while the starting model downloads', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  await page.setInputFiles('#dataset-file-input', copyTaskOneFiles('early', 3));
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });

  // The default model's file arrives 3 s late, so Cancel comes before the run exists.
  await page.route('**/models/default.inkprint', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await route.continue();
  });
  await setSettings(page, { base: 'default', epochs: 1, pairs: 32, augment: 0, name: 'never' });
  await page.click('#train-start');
  await page.waitForSelector('#training[data-state="preparing"]');
  await page.click('#train-cancel');
  await page.waitForSelector('#training[data-state="cancelled"]', { timeout: 20_000 });
  assert.equal(await page.textContent('#train-status'), 'Training was cancelled before it started.');
  // No run starts later.
  await page.waitForTimeout(1000);
  assert.equal(await trainingState(page), 'cancelled');
  await page.unroute('**/models/default.inkprint');
  assertClean(page);
});

// Loads Task 1 users 1 to 3 (copyTaskOneFiles) into `page`: 2 training writers and 1
// validation writer.
async function loadThreeWriters(page, name) {
  await page.setInputFiles('#dataset-file-input', copyTaskOneFiles(name, 3));
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });
}

async function waitForRunEnd(page) {
  await page.waitForFunction(
    () => ['finished', 'failed'].includes(document.getElementById('training').dataset.state),
    null,
    { timeout: 60_000 },
  );
}

// Trains a network of `layers` from fresh weights, without varied copies, and waits for the run
// to end.
async function trainFresh(page, { name, epochs, pairs, learningRate, layers }) {
  await setSettings(page, { base: 'fresh', epochs, pairs, augment: 0, name });
  await page.fill('#train-learning-rate', learningRate);
  await page.fill('#train-layers', layers);
  await page.click('#train-start');
  await waitForRunEnd(page);
}

async function storedModelNames(page) {
  return page.$$eval('#model-list option', (options) => options.map((option) => option.dataset.name));
}

test('zero-embedding model is not saved', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  await loadThreeWriters(page, 'collapse');
  const countBefore = await page.getAttribute('#model-list', 'data-count');

  // With the default seed and this data, 32 steps at learning rate 1 leave a model whose relu
  // units output 0, so its embedding is all zeros. The run still reports a validation EER of 0 %.
  await trainFresh(page, {
    name: 'collapsed',
    epochs: 1,
    pairs: 1024,
    learningRate: '1',
    layers: 'dense:2,relu,average',
  });

  assert.equal(await trainingState(page), 'failed');
  assert.match(
    await page.textContent('#train-status'),
    /^Training finished after 1 epoch \(best epoch 1, validation EER \d+\.\d\d %, .+\), but its model was not saved because it cannot tell signatures apart\.$/,
  );
  assert.equal(await page.getAttribute('#train-message', 'data-kind'), 'error');
  assert.match(
    await page.textContent('#train-message'),
    /^The trained model was not saved: the model gives an embedding of all zeros to the test shapes "[^"]+"(, "[^"]+")*, so it cannot compare such signatures\. Train again with a lower learning rate than 1, tanh in place of relu under Layers, more writers or more epochs\.$/,
  );
  assert.doesNotMatch(await page.textContent('#model-message'), /Saved/);
  assert.equal(await page.isDisabled('#train-start'), false);
  // The store has no trace of the model either.
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  assert.equal(await page.getAttribute('#model-list', 'data-count'), countBefore);
  assert.ok(!(await storedModelNames(page)).includes('collapsed'));
  assertClean(page);
});

test('same-embedding model is not saved', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  await loadThreeWriters(page, 'same-embedding');

  // With the default seed and this data, these settings leave one relu unit alive, so that every
  // signature gets nearly the same embedding and the threshold is 1.000: it accepts any signature.
  await trainFresh(page, {
    name: 'one direction',
    epochs: 3,
    pairs: 64,
    learningRate: '1',
    layers: 'delay:8:3:3,relu,average,dense:4,relu',
  });

  assert.equal(await trainingState(page), 'failed');
  assert.match(await page.textContent('#train-status'), /but its model was not saved because it cannot tell signatures apart\.$/);
  assert.match(
    await page.textContent('#train-message'),
    /^The trained model was not saved: the model's embeddings of clearly different test shapes barely differ \(every cosine between them is 0\.99\d\d or more\) and its cosine threshold is 1\.0000, so it gives every signature about the same score\. Train again with /,
  );
  assert.ok(!(await storedModelNames(page)).includes('one direction'));
  assertClean(page);
});

test('chance-level model is not saved', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  await loadThreeWriters(page, 'chance');
  const countBefore = await page.getAttribute('#model-list', 'data-count');

  // With the default seed and this data, one epoch at learning rate 1 gives a model whose embeddings differ
  // but whose validation EER is 50 %.
  await trainFresh(page, {
    name: 'at chance',
    epochs: 1,
    pairs: 64,
    learningRate: '1',
    layers: 'dense:2,tanh,average',
  });

  assert.equal(await trainingState(page), 'failed');
  assert.match(
    await page.textContent('#train-status'),
    /^Training finished after 1 epoch \(best epoch 1, validation EER 50\.00 %, .+\), but its model was not saved because it is no better than chance\.$/,
  );
  assert.equal(await page.getAttribute('#train-message', 'data-kind'), 'error');
  assert.equal(
    await page.textContent('#train-message'),
    'The trained model was not saved: its validation EER is 50.00 %, no better than chance, so at ' +
      "its threshold it rejects at least half of the validation writers' genuine signatures and " +
      'accepts at least half of their forgeries. Train again with more writers, more epochs or a ' +
      'lower learning rate.',
  );
  assert.equal(await page.getAttribute('#model-list', 'data-count'), countBefore);
  assert.ok(!(await storedModelNames(page)).includes('at chance'));
  assertClean(page);
});

test('same model name is numbered', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openTrainingPage();
  await loadThreeWriters(page, 'same-name');
  const countBefore = Number(await page.getAttribute('#model-list', 'data-count'));

  for (const [run, storedName] of [
    [1, 'twice'],
    [2, 'twice (2)'],
  ]) {
    await setSettings(page, { base: 'fresh', epochs: 1, pairs: 64, augment: 0, name: 'twice' });
    await page.click('#train-start');
    await waitForRunEnd(page);
    assert.equal(await trainingState(page), 'finished', await page.textContent('#train-message'));
    await page.waitForSelector(`#model-list[data-count="${countBefore + run}"]`, { state: 'attached' });
    assert.equal(
      await page.textContent('#model-message'),
      `Saved the model as \u201c\u2068${storedName}\u2069\u201d. Choose it under Models and press Use to enrol and verify with it.`,
    );
  }
  const names = await storedModelNames(page);
  assert.equal(names.filter((name) => name === 'twice').length, 1, names.join(', '));
  assert.equal(names.filter((name) => name === 'twice (2)').length, 1, names.join(', '));
  assertClean(page);
});

// Wraps the page's module factory so that module.Model throws while window.failModelReads is
// true, as when the module runs out of memory.
function failModelReadsOnRequest() {
  let factory;
  Object.defineProperty(globalThis, 'createInkprintModule', {
    configurable: true,
    set(value) {
      factory = value;
    },
    get() {
      return (
        factory &&
        (async (options) => {
          const module = await factory(options);
          const ModuleModel = module.Model;
          module.Model = function Model(bytes) {
            if (window.failModelReads) {
              throw new Error('Aborted(OOM)');
            }
            return new ModuleModel(bytes);
          };
          return module;
        })
      );
    },
  });
}

test('failed model check keeps the model', { skip: skipWithoutData(), timeout: 60_000 }, async () => {
  const page = await openPage(env.browser.context, env.server.origin);
  await page.addInitScript(failModelReadsOnRequest);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await waitForTraining(page);
  await loadThreeWriters(page, 'check-fails');
  const countBefore = Number(await page.getAttribute('#model-list', 'data-count'));

  await page.evaluate(() => {
    window.failModelReads = true;
  });
  await setSettings(page, { base: 'fresh', epochs: 1, pairs: 64, augment: 0, name: 'unchecked' });
  await page.click('#train-start');
  await waitForRunEnd(page);
  assert.equal(await trainingState(page), 'finished', await page.textContent('#train-message'));
  await page.waitForSelector(`#model-list[data-count="${countBefore + 1}"]`, { state: 'attached' });
  assert.ok((await storedModelNames(page)).includes('unchecked'));
  assert.equal(await page.getAttribute('#train-message', 'data-kind'), 'error');
  assert.equal(
    await page.textContent('#train-message'),
    'The check that the trained model tells signatures apart failed (Aborted(OOM)), so the model ' +
      'is kept unchecked, and Use runs the check again.',
  );
  assertClean(page);
});
