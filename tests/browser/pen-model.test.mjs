// The pen model that comes with the page: its time warping compares pen pressure. It can be
// chosen under Models, stays chosen after a reload, enrols and verifies pen signatures, and
// rejects a mouse signature with advice instead of enrolling what it could never verify. A
// change of model in one tab carries over to the page's other tabs.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadModule } from '../wasm/load-module.mjs';
import {
  assertClean,
  enrolScribbles,
  importFile,
  loadPage,
  makeScribble,
  openPage,
  replaySignature,
  textOf,
  usePageSession,
  WEB_ROOT,
} from './helpers.mjs';

const env = usePageSession({ folderPrefix: 'inkprint-pen-model-' });

// A pressure that rises and falls along the signature, different for each variant.
const penPressure = (variant) => (index) => 0.5 + 0.3 * Math.sin(index / 7 + variant * 0.2);

// Opens the page, waits until it is ready with the default model, and closes it after the test.
async function openDefaultPage(t) {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#model-active[data-active-id="default"]');
  return page;
}

async function useModel(page, id) {
  await page.selectOption('#model-list', id);
  await page.click('#model-use');
  await page.waitForSelector(`#model-active[data-active-id="${id}"]`);
}

test('pen model takes a pen, not a mouse', async (t) => {
  // The last step makes the pen model's download fail on purpose.
  const page = await openPage(env.browser.context, env.server.origin, {
    allowedConsoleErrors: [/^Failed to load resource: the server responded with a status of 404/],
  });
  t.after(() => page.close());
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#model-active[data-active-id="default"]');
  await useModel(page, 'pen');
  assert.match(await textOf(page, '#model-details'), /dynamics-pressure-template/);

  // The footer shows the pen model's own cross-validated rates, on task 2 only.
  const accuracy = JSON.parse(fs.readFileSync(path.join(WEB_ROOT, 'models', 'pen-accuracy.json'), 'utf8'));
  const [task2] = accuracy.tasks;
  const line = await textOf(page, '#model-accuracy');
  assert.ok(line.includes(`${(task2.skilledGlobal.mean * 100).toFixed(1)} % (task 2)`), line);
  assert.ok(!line.includes('task 1'), line);

  // A mouse signature is rejected before it is stored, with advice that names the page's controls.
  await page.fill('#person', 'pen writer');
  await replaySignature(page, makeScribble(0));
  await page.click('#enrol');
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(
    await textOf(page, '#message'),
    /^Enrolment failed: this signature has no pen pressure: this model compares pen pressure, so press Clear and sign with a pen that measures it, or choose the default model under Models and press Use\.$/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures');
  await page.click('#clear');

  // A pen that reports full pressure on every point reads as one without a sensor, and the
  // message explains it.
  await replaySignature(page, makeScribble(0), { pressure: () => 1 });
  await page.click('#enrol');
  assert.match(
    await textOf(page, '#message'),
    /press Use\. Stroke 1 came from a pen that reported one pressure \(0, 0\.5 or 1\) on every point/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures');

  // A file without a pressure column gets advice about the file, not about the pen.
  const lines = [];
  for (let i = 0; i < 60; i += 1) {
    lines.push(`${i * 20} ${Math.round(200 + 100 * Math.sin(i / 5))} ${i * 10} 1`);
  }
  const noPressure = path.join(env.folder, 'no-pressure.txt');
  fs.writeFileSync(noPressure, `${lines.length}\n${lines.join('\n')}\n`);
  await importFile(page, noPressure);
  await page.click('#enrol');
  assert.match(
    await textOf(page, '#message'),
    /press Use\. Stroke 1 was imported from a file that records no pressure for it\.$/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures');
  await page.click('#clear');
  await replaySignature(page, makeScribble(0), { pressure: () => 1 });
  await page.click('#enrol');
  // The message concerns this name, so typing another one clears it.
  await page.fill('#person', 'someone else');
  assert.equal(await textOf(page, '#message'), '');
  await page.fill('#person', 'pen writer');
  await page.click('#clear');

  for (let variant = 0; variant < 3; variant += 1) {
    await replaySignature(page, makeScribble(variant), { pressure: penPressure(variant) });
    assert.equal(await page.getAttribute('#pad-status', 'data-pressure'), 'true', 'the pad saw the pressure');
    await page.click('#enrol');
    assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
  }
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');

  // A variant not enrolled: an enrolled one would be flagged as a replayed copy.
  await replaySignature(page, makeScribble(3), { pressure: penPressure(3) });
  await page.click('#verify');
  assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assert.ok(Number.isFinite(Number(await page.getAttribute('#result', 'data-score'))));

  // A mouse signature verified against the same enrolment is rejected with the reason.
  await page.click('#clear');
  await replaySignature(page, makeScribble(3));
  await page.click('#verify');
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(await textOf(page, '#message'), /^Verification failed: this signature has no pen pressure: .*press Use/);
  assert.equal(await page.getAttribute('#result', 'data-verdict'), null);

  // Switching models replaces that advice with what applies to the new model.
  await useModel(page, 'default');
  assert.match(await textOf(page, '#model-message'), /^Now enrolling and verifying with .+Default model.+\.$/);
  assert.match(await textOf(page, '#message'), /made with another model/);
  await useModel(page, 'pen');
  assert.equal(await page.getAttribute('#message', 'data-kind'), null, await textOf(page, '#message'));

  // The choice survives a reload, and the enrolment is still this model's.
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#model-active[data-active-id="pen"]');
  assert.match(await textOf(page, '#model-details'), /dynamics-pressure-template/);
  assert.equal(await textOf(page, '#model-accuracy'), line);
  await page.fill('#person', 'pen writer');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');

  // The pen model is part of the page, like the default model.
  // Delete is disabled while it is selected, and its title explains why.
  await page.selectOption('#model-list', 'pen');
  assert.equal(await page.isDisabled('#model-delete'), true);
  assert.equal(await page.getAttribute('#model-delete', 'title'), 'The models that come with the page cannot be deleted.');
  await page.selectOption('#model-list', 'default');
  assert.equal(await page.isDisabled('#model-delete'), true);

  // A pen model that cannot be downloaded leaves the default model in use, and the list names it.
  await page.route('**/models/pen.inkprint', (route) => route.fulfill({ status: 404 }));
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#model-active[data-active-id="default"]');
  assert.match(
    await textOf(page, '#model-message'),
    /^The pen model could not be loaded, so the default model is used: Downloading models\/pen\.inkprint failed: HTTP 404/,
  );
  assertClean(page);
});

test('other tabs follow a change of model', async (t) => {
  const first = await openPage(env.browser.context, env.server.origin);
  t.after(() => first.close());
  assert.equal(await loadPage(first, env.server.url), 'ready', await textOf(first, '#message'));
  const second = await openPage(env.browser.context, env.server.origin);
  t.after(() => second.close());
  assert.equal(await loadPage(second, env.server.url), 'ready', await textOf(second, '#message'));
  for (const page of [first, second]) {
    await page.waitForSelector('#model-active[data-active-id="default"]');
    assert.doesNotMatch(await textOf(page, '#model-details'), /dynamics-pressure-template/);
  }

  // A model imported in one tab appears in the other's list.
  await first.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'default.inkprint'));
  await second.waitForSelector('#model-list[data-count="1"]');

  // Choosing a model in one tab switches the other one to it, with a message there.
  await useModel(first, 'pen');
  await second.waitForSelector('#model-active[data-active-id="pen"]');
  assert.match(await textOf(second, '#model-details'), /dynamics-pressure-template/);
  assert.match(
    await textOf(second, '#model-message'),
    /^Another tab chose .+Pen model.+, so this tab now enrols and verifies with it too\.$/,
  );
  // The second tab enrols with the pen model now, so it rejects a signature without pressure.
  await second.fill('#person', 'tab writer');
  await replaySignature(second, makeScribble(0));
  await second.click('#enrol');
  assert.match(await textOf(second, '#message'), /^Enrolment failed: this signature has no pen pressure/);

  // The same the other way, with the stored model.
  const storedId = await second.$eval('#model-list', (list) => list.options[list.options.length - 1].value);
  await useModel(second, storedId);
  await first.waitForSelector(`#model-active[data-active-id="${storedId}"]`);
  assert.doesNotMatch(await textOf(first, '#model-details'), /dynamics-pressure-template/);
  assert.match(await textOf(first, '#model-message'), /^Another tab chose .+default.+, so this tab now/);

  // Deleting the active model in one tab puts both back on the default model.
  await first.selectOption('#model-list', storedId);
  first.once('dialog', (dialog) => dialog.accept());
  await first.click('#model-delete');
  await first.waitForSelector('#model-active[data-active-id="default"]');
  await second.waitForSelector('#model-active[data-active-id="default"]');
  await second.waitForSelector('#model-list[data-count="0"]');
  assert.match(await textOf(second, '#model-message'), /^Another tab chose .+Default model.+/);
  assertClean(first);
  assertClean(second);
});

test('a deleted model cannot become active', async (t) => {
  const page = await openDefaultPage(t);

  // Another tab may delete a model while this one is about to store it as the active one. The
  // store then rejects the choice, and the stored choice stays as it was.
  const outcome = await page.evaluate(async () => {
    const { ModelStore } = await import('./model-store.js');
    const store = new ModelStore();
    await store.open();
    const id = await store.add({ name: 'short-lived', createdAt: 0, config: {}, bytes: new ArrayBuffer(4) });
    await store.remove(id);
    let error = null;
    try {
      await store.setActiveId(id);
    } catch (caught) {
      error = caught.message;
    }
    await store.setActiveId('pen');
    const afterPen = await store.activeId();
    await store.setActiveId('default');
    return { error, active: await store.activeId(), afterPen };
  });
  assert.match(outcome.error, /^the model is no longer stored, maybe deleted in another tab/);
  assert.equal(outcome.afterPen, 'pen');
  assert.equal(outcome.active, 'default');
  assertClean(page);
});

// Trains a small network on generated writers with the WebAssembly trainer, so that its network
// differs from every model that comes with the page. Returns the model file's bytes.
async function trainSmallModel() {
  const trainer = new (await loadModule('inkprint-train')).Trainer();
  try {
    const signature = (writer, index) => {
      const points = [];
      for (let i = 0; i < 60; i += 1) {
        const wobble = 3 * Math.sin(index + i / 9);
        points.push(i * 10 + wobble, 50 * Math.sin(i / (4 + writer)) + wobble, i * 10, NaN, 0);
      }
      return new Float64Array(points);
    };
    for (let writer = 1; writer <= 4; writer += 1) {
      const genuine = Array.from({ length: 20 }, (_, index) => signature(writer, index));
      const forgeries = Array.from({ length: 20 }, (_, index) => signature(writer + 0.5, index));
      trainer.addWriter(`writer ${writer}`, writer <= 3 ? 'train' : 'validation', 1, genuine, forgeries);
    }
    trainer.configure({ epochs: 1, pairsPerEpoch: 32, augmentedCopies: 0, layers: 'delay:4:11:3,tanh,average' });
    while (!trainer.run(100).finished) {
      // Each call runs up to 100 steps.
    }
    return trainer.modelBytes();
  } finally {
    trainer.delete();
  }
}

test('deleting a model names the enrolments only it verifies', async (t) => {
  const page = await openDefaultPage(t);

  const modelFile = path.join(env.folder, 'small.inkprint');
  fs.writeFileSync(modelFile, await trainSmallModel());
  await page.setInputFiles('#model-import-file', modelFile);
  await page.waitForSelector('#model-list[data-count="1"]');
  const smallId = await page.$eval('#model-list', (list) => list.options[list.options.length - 1].value);
  // The name is isolated, so that one written right to left cannot reverse the date after it.
  assert.match(await page.$eval('#model-list', (list) => list.options[list.options.length - 1].text), /^\u2068small\u2069 \(/);
  await useModel(page, smallId);
  await enrolScribbles(page, 'small writer', 3);

  // A copy of the default model verifies the same enrolments as the default model itself.
  await page.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'default.inkprint'));
  await page.waitForSelector('#model-list[data-count="2"]');
  await useModel(page, 'default');
  await enrolScribbles(page, 'default writer', 3, 10);
  const copyId = await page.$eval('#model-list', (list) => list.options[list.options.length - 1].value);

  // The handler dismisses the confirmation as soon as it opens, which may be before or after
  // the click returns. Dismissing it only after the click could hang, because the click waits
  // for the page, which the open dialog blocks.
  const questionOnDelete = async (id) => {
    await page.selectOption('#model-list', id);
    const question = new Promise((resolve) => {
      page.once('dialog', async (confirmation) => {
        const text = confirmation.message();
        await confirmation.dismiss();
        resolve(text);
      });
    });
    await page.click('#model-delete');
    return question;
  };
  assert.match(await questionOnDelete(copyId), /^Delete the model \u201c\u2068default\u2069\u201d from this browser\?$/);
  const question = await questionOnDelete(smallId);
  assert.match(
    question,
    /^Delete the model .*small.* from this browser\? The enrolment of .*small writer.* was made with it, and no other model in this browser can verify against it\. To keep it usable, press Cancel and Export the model first; it can be imported again later\.$/,
  );
  assert.doesNotMatch(question, /default writer/);
  // Dismissed, so both models are still there. Deleted now, for the tests after this one.
  assert.equal(await page.getAttribute('#model-list', 'data-count'), '2');
  for (const [id, left] of [[copyId, 1], [smallId, 0]]) {
    await page.selectOption('#model-list', id);
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#model-delete');
    await page.waitForSelector(`#model-list[data-count="${left}"]`);
  }
  assertClean(page);
});

test('a stored copy of the pen model shows its error rates', async (t) => {
  const page = await openDefaultPage(t);
  // Earlier tests of this file may have left stored models.
  const before = Number(await page.getAttribute('#model-list', 'data-count'));
  await page.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'pen.inkprint'));
  await page.waitForSelector(`#model-list[data-count="${before + 1}"]`);
  const copyId = await page.$eval('#model-list', (list) => list.options[list.options.length - 1].value);
  await useModel(page, copyId);

  const [task2] = JSON.parse(fs.readFileSync(path.join(WEB_ROOT, 'models', 'pen-accuracy.json'), 'utf8')).tasks;
  const line = await textOf(page, '#model-accuracy');
  assert.ok(line.includes(`${(task2.skilledGlobal.mean * 100).toFixed(1)} % (task 2)`), line);
  assert.ok(!line.includes('task 1'), line);
  assertClean(page);
});

test('damaged stored model advice', async (t) => {
  // An earlier test of this file may have left another model active.
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#training[data-models="ready"]');
  const before = Number(await page.getAttribute('#model-list', 'data-count'));
  await page.setInputFiles('#model-import-file', path.join(WEB_ROOT, 'models', 'pen.inkprint'));
  await page.waitForSelector(`#model-list[data-count="${before + 1}"]`);
  const copyId = await page.$eval('#model-list', (list) => list.options[list.options.length - 1].value);
  await useModel(page, copyId);

  // One byte in the middle of the stored file changes, as a damaged disk could change it.
  await page.evaluate(
    (id) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('inkprint-training');
        open.onsuccess = () => {
          const database = open.result;
          const models = database.transaction('models', 'readwrite').objectStore('models');
          const get = models.get(id);
          get.onsuccess = () => {
            const bytes = new Uint8Array(get.result.bytes).slice();
            bytes[Math.floor(bytes.length / 2)] ^= 0xff;
            models.put({ ...get.result, bytes });
            models.transaction.oncomplete = () => {
              database.close();
              resolve();
            };
          };
          get.onerror = () => reject(get.error);
        };
        open.onerror = () => reject(open.error);
      }),
    Number(copyId),
  );
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.waitForSelector('#training[data-models="ready"]');
  const message = await textOf(page, '#model-message');
  assert.match(message, /could not be loaded, so the default model is used: .*corrupted/);
  assert.match(message, /; delete it under Models, then import its file again or train it again\.$/);
  // The active-model line names the model in use, not the damaged one.
  await page.waitForSelector('#model-active[data-active-id="default"]');
  assert.match(await textOf(page, '#model-active'), /^Active model: Default model/);

  await page.selectOption('#model-list', copyId);
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#model-delete');
  await page.waitForSelector(`#model-list[data-count="${before}"]`);
  assertClean(page);
});
