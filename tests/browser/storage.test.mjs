// Saved enrolments that the page cannot read or write: enrolments kept only in memory must
// survive storage events from other tabs, a failed write is tried again at the next change,
// and one unreadable person's entry hides no one else's.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertClean,
  enrolScribbles,
  launchBrowser,
  loadPage,
  makeScribble,
  openPage,
  replaySignature,
  requireBuiltModule,
  startServer,
  textOf,
} from './helpers.mjs';

const STORAGE_KEY = 'inkprint.enrolments.v1';

let server;
let browser;

before(async () => {
  requireBuiltModule();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Opens the page with `saved` as the saved value (none when null) and waits until the model
// has loaded.
async function openReadyPage(t, saved = null) {
  const page = await openPage(browser.context, server.origin);
  t.after(() => page.close());

  await page.goto(server.url);
  await writeStoredValue(page, saved);
  assert.equal(await loadPage(page, server.url), 'ready', await textOf(page, '#message'));
  return page;
}

async function readStoredValue(page) {
  return page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
}

async function writeStoredValue(page, value) {
  await page.evaluate(
    ([key, text]) => {
      if (text === null) {
        localStorage.removeItem(key);
      } else {
        localStorage.setItem(key, text);
      }
    },
    [STORAGE_KEY, value],
  );
}

// Makes every localStorage write of the page fail as it does when the quota is used up.
async function failWrites(page) {
  await page.evaluate(() => {
    window.originalSetItem = Storage.prototype.setItem;
    Storage.prototype.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
}

async function restoreWrites(page) {
  await page.evaluate(() => {
    Storage.prototype.setItem = window.originalSetItem;
  });
}

// Sends the page a storage event like the one another tab's change of the saved enrolments
// causes, without changing them.
async function dispatchStorageEvent(page) {
  await page.evaluate((key) => {
    window.dispatchEvent(new StorageEvent('storage', { key }));
  }, STORAGE_KEY);
}

test('discard in another tab keeps memory enrolments', async (t) => {
  const unreadable = '{"me": {"modelId": "x", "embeddings": [[1, 2';
  const page = await openReadyPage(t, unreadable);
  await enrolScribbles(page, 'me', 2);
  assert.equal(await readStoredValue(page), unreadable, 'the unreadable value is left unchanged');
  assert.ok(await page.isVisible('#storage-notice'), 'the storage notice is visible');

  const otherTab = await openPage(browser.context, server.origin);
  t.after(() => otherTab.close());
  await otherTab.goto(server.url);
  await writeStoredValue(otherTab, null);

  await page.waitForFunction(() => document.getElementById('storage-notice').hidden);
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  const saved = JSON.parse(await readStoredValue(page));
  assert.equal(saved.me.embeddings.length, 2, 'the memory enrolments are saved');
  assertClean(page);
});

test('storage event keeps unsaved enrolments', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'quota', 1);
  const storedBefore = await readStoredValue(page);

  await failWrites(page);
  await enrolScribbles(page, 'quota', 1);
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  assert.match(await textOf(page, '#storage-problem'), /^Saving the enrolments failed/);
  assert.equal(await readStoredValue(page), storedBefore);

  await dispatchStorageEvent(page);
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  assert.ok(await page.isVisible('#storage-notice'), 'the storage notice is still visible');
  assert.match(await textOf(page, '#storage-problem'), /kept only until the page is closed/);

  await restoreWrites(page);
  await dispatchStorageEvent(page);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  assert.equal(JSON.parse(await readStoredValue(page)).quota.embeddings.length, 2);
  assertClean(page);
});

test('failed save is retried at next change', async (t) => {
  const page = await openReadyPage(t);
  await failWrites(page);
  await enrolScribbles(page, 'retry', 1);
  assert.ok(await page.isVisible('#storage-notice'), 'the storage notice is visible');
  assert.equal(await readStoredValue(page), null);

  await restoreWrites(page);
  await enrolScribbles(page, 'retry', 1);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  assert.equal(JSON.parse(await readStoredValue(page)).retry.embeddings.length, 2);

  await failWrites(page);
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#forget');
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures');
  assert.match(await textOf(page, '#storage-problem'), /^Saving the enrolments failed/);
  await dispatchStorageEvent(page);
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures', 'forget is kept');

  await restoreWrites(page);
  await enrolScribbles(page, 'other', 1);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  const saved = JSON.parse(await readStoredValue(page));
  assert.deepEqual(Object.keys(saved), ['other'], 'the forgotten enrolment is not saved');
  assertClean(page);
});

test('unreadable entry hides no one else', async (t) => {
  let page = await openReadyPage(t);
  await enrolScribbles(page, 'me', 3);
  const valid = JSON.parse(await readStoredValue(page));
  const saved = JSON.stringify({
    ...valid,
    bob: { modelId: valid.me.modelId, embeddings: [[1, 'a']] },
    carol: { embeddings: [] },
  });
  await page.close();
  page = await openReadyPage(t, saved);

  await page.fill('#person', 'me');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  const problem = await textOf(page, '#storage-problem');
  assert.match(problem, /\u201c\u2068bob\u2069\u201d/);
  assert.match(problem, /\u201c\u2068carol\u2069\u201d/);
  assert.doesNotMatch(problem, /\u201c\u2068me\u2069\u201d/);
  assert.ok(await page.isVisible('#discard-storage'), 'the discard button is visible');
  assert.match(await textOf(page, '#discard-storage'), /unreadable/);

  await replaySignature(page, makeScribble(1));
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);

  await page.click('#clear');
  await enrolScribbles(page, 'me', 1);
  assert.equal(await textOf(page, '#enrol-count'), '4 of 5 enrolment signatures');
  assert.equal(await readStoredValue(page), saved, 'the saved value is left unchanged');

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    return dialog.accept();
  });
  await page.click('#discard-storage');
  assert.match(question, /\u201c\u2068bob\u2069\u201d and \u201c\u2068carol\u2069\u201d/);
  assert.doesNotMatch(question, /\u201c\u2068me\u2069\u201d/);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  const discarded = JSON.parse(await readStoredValue(page));
  assert.deepEqual(Object.keys(discarded), ['me']);
  assert.equal(discarded.me.embeddings.length, 4);
  assertClean(page);
});

test('discard stops when saved value changed', async (t) => {
  const saved = JSON.stringify({ bob: { modelId: 'x', embeddings: [[1, 'a']] } });
  const page = await openReadyPage(t, saved);
  assert.ok(await page.isVisible('#discard-storage'), 'the discard button is visible');

  // Another tab writes another unreadable entry while the confirmation is open. The page
  // writes it itself, so that no storage event informs the store of the change.
  const changed = JSON.stringify({ eve: { modelId: 'x', embeddings: 'none' } });
  await page.evaluate(
    ([key, value]) => {
      window.confirm = () => {
        localStorage.setItem(key, value);
        return true;
      };
    },
    [STORAGE_KEY, changed],
  );
  await page.click('#discard-storage');

  assert.match(await textOf(page, '#message'), /another tab changed the saved enrolments/);
  assert.equal(await readStoredValue(page), changed, 'the new value is left unchanged');
  assert.match(await textOf(page, '#storage-problem'), /\u201c\u2068eve\u2069\u201d/);
  assertClean(page);
});
