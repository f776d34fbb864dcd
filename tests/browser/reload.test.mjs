// Reloading the page or crashing its tab at awkward moments loses nothing: during a training
// run, as a trained model is saved, right after Use, during a model import and right after
// Enrol. Each action is interrupted twice over: by reloads a few milliseconds after it starts,
// and by a crash of the tab right after each IndexedDB write request that it issues, before
// that write can commit. After each interruption the page must load, and the active model must
// be a stored, loadable model (the previous one or the new one). The stored models and
// enrolments must be those from before, plus at most the one being written. A model must export
// and import again byte for byte.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  assertClean,
  enrolScribbles,
  launchBrowser,
  loadPage,
  makeScribble,
  openPage,
  readEnrolments,
  replaySignature,
  requireBuiltModule,
  startServer,
  textOf,
  WEB_ROOT,
} from './helpers.mjs';

const DEFAULT_MODEL_FILE = path.join(WEB_ROOT, 'models', 'default.inkprint');
// Delays in milliseconds between an action and the reload, to hit different moments of the
// write that the action starts.
const RELOAD_DELAYS_MS = [0, 5, 30];
// Maximum wait for an action's next IndexedDB write once the action has reached its awkward
// moment. An action that issues no write in this time is taken to have finished.
const WRITE_WAIT_MS = 2_000;
// More writes than any of the tested actions issues.
const MAX_WRITES = 5;

let server;
let browser;
let page;
let folder;

before(async () => {
  requireBuiltModule();
  server = await startServer();
  browser = await launchBrowser();
  folder = await mkdtemp(path.join(os.tmpdir(), 'inkprint-reload-'));
  page = await openPage(browser.context, server.origin);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (folder !== undefined) {
    await rm(folder, { recursive: true, force: true });
  }
});

// Loads the page and waits until it and its Train section are ready.
async function reloadPage() {
  assert.equal(await loadPage(page, server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#training[data-models="ready"]', { timeout: 30_000 });
}

// Returns the Train section's stored data, read directly from IndexedDB: { models: [{ id,
// name, bytes (an Array of numbers) }], activeId }. activeId is undefined until a model is used.
async function readModelStore() {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('inkprint-training');
        // The page creates the database. Reading must not create an empty one in its place.
        open.onupgradeneeded = () => open.transaction.abort();
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const database = open.result;
          const transaction = database.transaction(['models', 'settings'], 'readonly');
          const models = transaction.objectStore('models').getAll();
          const active = transaction.objectStore('settings').get('activeModel');
          transaction.oncomplete = () => {
            database.close();
            resolve({
              models: models.result.map((record) => ({
                id: record.id,
                name: record.name,
                bytes: Array.from(new Uint8Array(record.bytes)),
              })),
              activeId: active.result,
            });
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
  );
}

// Returns whether the module loads the model file `bytes` (an Array of numbers) in the
// verification worker, or the error message.
async function loadsInWorker(bytes) {
  return page.evaluate(async (values) => {
    const { VerifyWorker } = await import('./verify-client.js');
    const verifier = new VerifyWorker();
    try {
      await verifier.load(new Uint8Array(values).buffer);
      return true;
    } catch (error) {
      return error.message;
    } finally {
      verifier.terminate();
    }
  }, bytes);
}

// Checks the state after a reload against `before` (from readModelStore before the action).
// `allowedNewModels` is how many models the interrupted action may have added. Returns the
// stored data after the reload.
async function checkAfterReload(before, allowedNewModels = 0) {
  const stored = await readModelStore();
  const beforeIds = before.models.map((model) => model.id);

  // Every model stored before is still there with the same name and bytes.
  for (const model of before.models) {
    const now = stored.models.find((candidate) => candidate.id === model.id);
    assert.ok(now !== undefined, `model ${model.id} (${model.name}) was lost`);
    assert.equal(now.name, model.name);
    assert.deepEqual(now.bytes, model.bytes, `model ${model.id} (${model.name}) changed`);
  }
  const added = stored.models.filter((model) => !beforeIds.includes(model.id));
  assert.ok(added.length <= allowedNewModels, `${added.length} models were added`);
  for (const model of added) {
    assert.equal(await loadsInWorker(model.bytes), true, `the new model ${model.name} does not load`);
  }

  // The active model is stored and loads, and the page uses it.
  const activeId = stored.activeId ?? 'default';
  if (activeId !== 'default') {
    const active = stored.models.find((model) => model.id === activeId);
    assert.ok(active !== undefined, `the active model ${activeId} is not stored`);
    assert.equal(await loadsInWorker(active.bytes), true, 'the active model does not load');
  }
  assert.equal(await page.getAttribute('#model-active', 'data-active-id'), String(activeId));
  assert.notEqual(await page.getAttribute('#model-message', 'data-kind'), 'error', await textOf(page, '#model-message'));
  assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
  assert.equal(await page.getAttribute('#model-list', 'data-count'), String(stored.models.length));
  return stored;
}

// Exports the stored model `id` with the Export button and imports the file again. Both the
// download and the new stored copy must have the stored bytes. Returns the stored data after.
async function checkRoundTrip(id) {
  const before = await readModelStore();
  const original = before.models.find((model) => model.id === id);

  await page.selectOption('#model-list', String(id));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#model-export')]);
  const exported = path.join(folder, `round-trip-${id}.inkprint`);
  await download.saveAs(exported);
  assert.deepEqual(Array.from(fs.readFileSync(exported)), original.bytes, 'the exported file differs');

  await page.setInputFiles('#model-import-file', exported);
  await page.waitForSelector(`#model-list[data-count="${before.models.length + 1}"]`);
  const after = await readModelStore();
  const imported = after.models.find((model) => !before.models.some((old) => old.id === model.id));
  assert.deepEqual(imported.bytes, original.bytes, 'the imported copy differs');
  return after;
}

// SVC2004 text of a synthetic signature: the point count, then "x y t_ms button" per point.
function svc2004Text(variant) {
  const lines = ['200'];
  for (let i = 0; i < 200; i += 1) {
    const y = Math.round(1000 + 600 * Math.sin(i / 16 + variant * 0.4));
    lines.push(`${i * 20} ${y} ${i * 10} 1`);
  }
  return `${lines.join('\n')}\n`;
}

// Loads three synthetic writers (S1-S4 genuine, S21-S22 forgeries) through the file input.
async function loadTrainingFiles() {
  const files = [];
  for (const user of [1, 2, 3]) {
    for (const number of [1, 2, 3, 4, 21, 22]) {
      const variant = user * 3 + (number > 20 ? 1.5 : number * 0.1);
      files.push({ name: `U${user}S${number}.TXT`, mimeType: 'text/plain', buffer: Buffer.from(svc2004Text(variant)) });
    }
  }
  await page.waitForSelector('#dataset-files:not([disabled])', { timeout: 30_000 });
  await page.setInputFiles('#dataset-file-input', files);
  await page.waitForSelector('#dataset-summary[data-writers="3"]', { timeout: 30_000 });
}

async function setSettings({ epochs, pairs, name }) {
  await page.selectOption('#train-base', 'default');
  await page.fill('#train-epochs', String(epochs));
  await page.fill('#train-pairs', String(pairs));
  await page.fill('#train-augment', '0');
  await page.fill('#train-name', name);
}

// Clicks a button without waiting for anything the click starts.
async function clickNow(selector) {
  await page.evaluate((target) => document.querySelector(target).click(), selector);
}

// Starts `action()` and crashes the tab right after the page issues its IndexedDB write request
// number `writeNumber` (add, put, delete or clear), before that write can commit. The write
// methods are wrapped to stop in the debugger there, and a paused tab still handles the crash
// command. Then opens the page in a new tab. `moment()` resolves when the action has reached
// the point after which its writes come. Returns false, without a crash, when no such write
// came within WRITE_WAIT_MS after that point.
async function crashAtWrite(action, moment, writeNumber) {
  await page.evaluate((target) => {
    let writes = 0;
    for (const method of ['add', 'put', 'delete', 'clear']) {
      const original = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function (...args) {
        const request = original.apply(this, args);
        writes += 1;
        if (writes === target) {
          // eslint-disable-next-line no-debugger
          debugger;
        }
        return request;
      };
    }
  }, writeNumber);
  const session = await page.context().newCDPSession(page);
  await session.send('Debugger.enable');
  const paused = new Promise((resolve) => session.once('Debugger.paused', () => resolve(true)));

  await action();
  const finished = moment()
    .then(() => page.waitForTimeout(WRITE_WAIT_MS))
    .then(() => false, () => false);
  if (!(await Promise.race([paused, finished]))) {
    await session.detach();
    return false;
  }

  await crashNow();
  return true;
}

// Crashes the tab at once and opens the page in a new tab. A tab paused in the debugger
// crashes too.
async function crashNow() {
  const session = await page.context().newCDPSession(page);
  const crashed = new Promise((resolve) => page.once('crash', resolve));
  // The reply never comes, because the tab is gone.
  session.send('Page.crash').catch(() => {});
  await crashed;
  await page.close();
  page = await openPage(browser.context, server.origin);
}

// Interrupts an action at each of its awkward moments and checks the state after each.
//   prepare()  sets the page up for one run of the action and returns the state to compare
//   action()   starts the action, without waiting for it to finish
//   moment()   resolves once the action has reached the point that a reload should hit
//   check(state) asserts the state after the interruption and returns what happened, for the log
// Returns one line per interruption.
async function interrupt({ prepare, action, moment = async () => {}, check }) {
  const outcomes = [];
  for (const delay of RELOAD_DELAYS_MS) {
    const state = await prepare();
    await action();
    await moment();
    await page.waitForTimeout(delay);
    await reloadPage();
    outcomes.push(`reload after ${delay} ms: ${await check(state)}`);
  }
  for (let write = 1; write <= MAX_WRITES; write += 1) {
    const state = await prepare();
    if (await crashAtWrite(action, moment, write)) {
      await reloadPage();
      outcomes.push(`crash at write ${write}: ${await check(state)}`);
      continue;
    }
    // The action finished with fewer writes: check it once more, completed.
    await reloadPage();
    outcomes.push(`finished after ${write - 1} writes: ${await check(state)}`);
    return outcomes;
  }
  assert.fail(`the action issued more than ${MAX_WRITES} writes: raise MAX_WRITES`);
}

test('setup: enrolments and a stored model', async () => {
  await reloadPage();
  await enrolScribbles(page, 'ann', 3);
  await page.setInputFiles('#model-import-file', DEFAULT_MODEL_FILE);
  await page.waitForSelector('#model-list[data-count="1"]');
  const stored = await readModelStore();
  assert.equal(stored.models.length, 1);
  assert.deepEqual(stored.models[0].bytes, Array.from(fs.readFileSync(DEFAULT_MODEL_FILE)));
  assert.equal((await readEnrolments(page)).ann.embeddings.length, 3);
  assertClean(page);
});

test('interrupted training run', { timeout: 180_000 }, async () => {
  const outcomes = await interrupt({
    prepare: async () => {
      await loadTrainingFiles();
      await setSettings({ epochs: 500, pairs: 256, name: 'interrupted' });
      return { models: await readModelStore(), enrolments: await readEnrolments(page) };
    },
    action: () => clickNow('#train-start'),
    // Once the first epoch has ended, the worker has a model that is not saved yet.
    moment: () => page.waitForSelector('#train-epochs-table tbody tr', { timeout: 60_000 }),
    check: async ({ models, enrolments }) => {
      await checkAfterReload(models, 0);
      assert.deepEqual(await readEnrolments(page), enrolments);
      return 'nothing saved';
    },
  });

  // The run issues no write before it ends, so the tab also crashes once in the middle of it.
  await loadTrainingFiles();
  await setSettings({ epochs: 500, pairs: 256, name: 'crashed' });
  const before = await readModelStore();
  const enrolments = await readEnrolments(page);
  await clickNow('#train-start');
  await page.waitForSelector('#train-epochs-table tbody tr', { timeout: 60_000 });
  await crashNow();
  await reloadPage();
  await checkAfterReload(before, 0);
  assert.deepEqual(await readEnrolments(page), enrolments);
  outcomes.push('crash during the run: nothing saved');
  console.log(`interrupted training run: ${outcomes.join('; ')}`);
  const stored = await readModelStore();
  await checkRoundTrip(stored.models[0].id);
  assertClean(page);
});

test('interrupted save of a trained model', { timeout: 180_000 }, async () => {
  let run = 0;
  const outcomes = await interrupt({
    prepare: async () => {
      await loadTrainingFiles();
      run += 1;
      await setSettings({ epochs: 1, pairs: 64, name: `trained ${run}` });
      return { models: await readModelStore(), enrolments: await readEnrolments(page) };
    },
    action: () => clickNow('#train-start'),
    // The page sets "finished" when the worker's model arrives, then saves it.
    moment: () => page.waitForSelector('#training[data-state="finished"]', { timeout: 60_000 }),
    check: async ({ models, enrolments }) => {
      const after = await checkAfterReload(models, 1);
      assert.deepEqual(await readEnrolments(page), enrolments);
      return after.models.length > models.models.length ? 'saved' : 'not saved';
    },
  });
  console.log(`interrupted save of a trained model: ${outcomes.join('; ')}`);
  const stored = await readModelStore();
  await checkRoundTrip(stored.models[stored.models.length - 1].id);
  assertClean(page);
});

test('interrupted Use of a model', { timeout: 180_000 }, async () => {
  const outcomes = await interrupt({
    prepare: async () => {
      const models = await readModelStore();
      const previous = models.activeId ?? 'default';
      const next = models.models.find((model) => model.id !== previous);
      await page.selectOption('#model-list', String(next.id));
      return { models, previous, next: next.id, enrolments: await readEnrolments(page) };
    },
    action: () => clickNow('#model-use'),
    check: async ({ models, previous, next, enrolments }) => {
      const after = await checkAfterReload(models, 0);
      const activeId = after.activeId ?? 'default';
      assert.ok([previous, next].includes(activeId), `the active model is ${activeId}`);
      assert.deepEqual(await readEnrolments(page), enrolments);
      return activeId === next ? 'switched' : 'not switched';
    },
  });
  console.log(`interrupted Use of a model: ${outcomes.join('; ')}`);
  assertClean(page);
});

test('interrupted model import', { timeout: 180_000 }, async () => {
  const file = Array.from(fs.readFileSync(DEFAULT_MODEL_FILE));
  const outcomes = await interrupt({
    prepare: async () => ({ models: await readModelStore(), enrolments: await readEnrolments(page) }),
    action: () => page.setInputFiles('#model-import-file', DEFAULT_MODEL_FILE),
    check: async ({ models, enrolments }) => {
      const after = await checkAfterReload(models, 1);
      const added = after.models.filter((model) => !models.models.some((old) => old.id === model.id));
      for (const model of added) {
        assert.deepEqual(model.bytes, file, 'the imported model differs from its file');
      }
      assert.deepEqual(await readEnrolments(page), enrolments);
      return added.length > 0 ? 'imported' : 'not imported';
    },
  });
  console.log(`interrupted model import: ${outcomes.join('; ')}`);
  const stored = await readModelStore();
  await checkRoundTrip(stored.models[stored.models.length - 1].id);
  assertClean(page);
});

test('interrupted enrolment', { timeout: 180_000 }, async () => {
  await page.fill('#person', 'bo');
  await enrolScribbles(page, 'bo', 1);
  const outcomes = await interrupt({
    prepare: async () => {
      const enrolments = await readEnrolments(page);
      const count = enrolments.bo.embeddings.length;
      await page.fill('#person', 'bo');
      await replaySignature(page, makeScribble(count + 3));
      return { models: await readModelStore(), enrolments, count };
    },
    action: () => clickNow('#enrol'),
    check: async ({ models, enrolments, count }) => {
      await checkAfterReload(models, 0);
      const after = await readEnrolments(page);
      assert.deepEqual(Object.keys(after).sort(), Object.keys(enrolments).sort());
      for (const person of Object.keys(enrolments).filter((name) => name !== 'bo')) {
        assert.deepEqual(after[person], enrolments[person], `the enrolment of ${person} changed`);
      }
      // Bo's record has the signatures from before, and at most the new one.
      const bo = after.bo;
      assert.ok([count, count + 1].includes(bo.embeddings.length), `bo has ${bo.embeddings.length} embeddings`);
      assert.equal(bo.signatures.length, bo.embeddings.length);
      assert.deepEqual(bo.embeddings.slice(0, count), enrolments.bo.embeddings);
      assert.deepEqual(bo.signatures.slice(0, count), enrolments.bo.signatures);
      assert.equal(await page.isVisible('#storage-notice'), false, 'the page reports an unreadable record');
      await page.fill('#person', 'bo');
      assert.equal(await textOf(page, '#enrol-count'), `${bo.embeddings.length} of 5 enrolment signatures`);
      return bo.embeddings.length > count ? 'enrolled' : 'not enrolled';
    },
  });
  console.log(`interrupted enrolment: ${outcomes.join('; ')}`);
  assertClean(page);
});

test('Use that cannot be saved keeps the model', async () => {
  await page.selectOption('#model-list', 'default');
  await page.click('#model-use');
  await page.waitForSelector('#model-active[data-active-id="default"]');
  const details = await textOf(page, '#model-details');
  const trained = (await readModelStore()).models.find((model) => model.name.startsWith('trained'));

  // The browser rejects every write, as when the storage quota is used up.
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.selectOption('#model-list', String(trained.id));
  await page.click('#model-use');
  await page.waitForSelector('#model-message[data-kind="error"]');
  assert.match(
    await textOf(page, '#model-message'),
    /could not be used: the choice could not be saved \(the browser's storage for this page is full: .+\), so the previous model is still used\.$/,
  );
  assert.equal(await page.getAttribute('#model-active', 'data-active-id'), 'default');
  assert.equal(await textOf(page, '#model-details'), details, 'the page went back to the default model');

  await reloadPage();
  assert.equal(await page.getAttribute('#model-active', 'data-active-id'), 'default');
  assert.equal(await textOf(page, '#model-details'), details);
  assertClean(page);
});
