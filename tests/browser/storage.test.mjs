// Stored enrolments: they survive a reload, a failed write changes nothing, other tabs see each
// change, one unreadable record hides no one else's, and the localStorage enrolments of earlier
// versions of the page move into IndexedDB.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertClean,
  clearEnrolments,
  enrolScribbles,
  LEGACY_ENROLMENT_KEY,
  loadPage,
  makeScribble,
  openPage,
  readEnrolments,
  replaySignature,
  textOf,
  usePageSession,
  writeEnrolmentRecords,
} from './helpers.mjs';

const env = usePageSession();

// Opens the page with no stored enrolments, lets `prepare(page)` store some, then loads the
// page and waits until the model has loaded.
async function openReadyPage(t, prepare = async () => {}) {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await page.goto(env.server.url);
  await clearEnrolments(page);
  await prepare(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  return page;
}

async function readLegacyValue(page) {
  return page.evaluate((key) => localStorage.getItem(key), LEGACY_ENROLMENT_KEY);
}

// Makes the page's IndexedDB writes and deletions throw as they do when the quota is used up.
async function failWrites(page) {
  await page.evaluate(() => {
    window.originalPut = IDBObjectStore.prototype.put;
    window.originalDelete = IDBObjectStore.prototype.delete;
    const refuse = () => {
      throw new DOMException('the storage quota is used up', 'QuotaExceededError');
    };
    IDBObjectStore.prototype.put = refuse;
    IDBObjectStore.prototype.delete = refuse;
  });
}

async function restoreWrites(page) {
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = window.originalPut;
    IDBObjectStore.prototype.delete = window.originalDelete;
  });
}

test('enrolments survive a reload', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'me', 2);

  assert.equal(await loadPage(page, env.server.url), 'ready');
  await page.fill('#person', 'me');
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  const saved = (await readEnrolments(page)).me;
  assert.equal(saved.embeddings.length, 2);
  assert.equal(saved.signatures.length, 2);
  assert.ok(saved.signatures.every((points) => Array.isArray(points) && points.length > 0));
  assertClean(page);
});

test('cleared site data is reported', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'cleared', 1);

  // What the browser does when the user clears the site's data while the page is open.
  const session = await page.context().newCDPSession(page);
  await session.send('Storage.clearDataForOrigin', { origin: env.server.origin, storageTypes: 'indexeddb' });
  await session.detach();
  await page.waitForSelector('#storage-notice:not([hidden])');
  assert.equal(
    await textOf(page, '#storage-problem'),
    "The browser closed this page's saved data while the page was open, as it does when the site's data is " +
      'cleared. What the page shows may no longer be saved, and saving fails: reload the page.',
  );
  assert.equal(await page.isHidden('#discard-storage'), true);

  // A write then reports why it failed and what to do, not the browser's own words.
  await page.fill('#person', 'cleared');
  await replaySignature(page, makeScribble(4));
  await page.click('#enrol');
  await page.waitForSelector('#message[data-kind="error"]');
  assert.match(
    await textOf(page, '#message'),
    /^Enrolment failed: the browser closed this page's saved data, as it does when the site's data is cleared: reload the page\./,
  );

  // Forget fails too, without claiming that the cleared enrolment is kept.
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#forget');
  await page.waitForFunction(() => /^Deleting the enrolment failed/.test(document.querySelector('#message').textContent));
  assert.doesNotMatch(await textOf(page, '#message'), /It is kept/);

  // The Models section explains why saving its models and captures fails.
  assert.match(
    await textOf(page, '#model-message'),
    /^The browser closed this page's saved models and captured signatures while the page was open/,
  );
  assertClean(page);
});

test('cleared site data unlocks nothing in other tabs', async (t) => {
  const first = await openReadyPage(t);
  await enrolScribbles(first, 'alice', 1);
  await first.click('#protection > summary');
  await first.fill('#passphrase', 'correct horse battery');
  await first.click('#protect');
  assert.equal(await first.getAttribute('body', 'data-protection'), 'unlocked');

  const second = await openPage(env.browser.context, env.server.origin);
  t.after(() => second.close());
  assert.equal(await loadPage(second, env.server.url), 'ready');
  await second.fill('#person', 'alice');
  assert.equal(await textOf(second, '#enrol-count'), 'Enrolments are locked by a passphrase');
  assert.equal(await second.getAttribute('body', 'data-protection'), 'locked');

  const session = await first.context().newCDPSession(first);
  await session.send('Storage.clearDataForOrigin', { origin: env.server.origin, storageTypes: 'indexeddb' });
  await session.detach();

  // The locked tab no longer offers to unlock enrolments that may be gone, and shows that a reload is needed.
  await second.waitForSelector('#storage-notice:not([hidden])');
  assert.match(await textOf(second, '#storage-problem'), /^The browser closed this page's saved data/);
  assert.equal(await second.getAttribute('body', 'data-protection'), 'closed');
  assert.equal(await textOf(second, '#enrol-count'), 'Saved enrolments were closed by the browser: reload the page');
  assert.equal(await second.isHidden('#unlock'), true);
  assert.equal(await second.isHidden('#protect'), true);
  assert.equal(await second.isHidden('#passphrase'), true);
  assert.match(await textOf(second, '#protection-status'), /reload the page/);
  assert.equal(await first.getAttribute('body', 'data-protection'), 'closed');

  // A tab opened afterwards has a new database, and its enrolment reaches the closed tabs, which
  // read nothing and log no error.
  const third = await openPage(env.browser.context, env.server.origin);
  t.after(() => third.close());
  assert.equal(await loadPage(third, env.server.url), 'ready');
  await enrolScribbles(third, 'bob', 1);
  await second.fill('#person', 'bob');
  assert.equal(await textOf(second, '#enrol-count'), 'Saved enrolments were closed by the browser: reload the page');
  // The tab that enrolled before the clear no longer counts or verifies its enrolment.
  await first.fill('#person', 'alice');
  assert.equal(await textOf(first, '#enrol-count'), 'Saved enrolments were closed by the browser: reload the page');
  await replaySignature(first, makeScribble(2));
  await first.click('#verify');
  assert.match(await textOf(first, '#message'), /^Verification failed: the browser closed this page's saved data/);
  assert.equal(await first.getAttribute('#result', 'data-verdict'), null);
  assertClean(first);
  assertClean(second);
  assertClean(third);
});

test('failed write changes nothing', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'quota', 1);
  const storedBefore = await readEnrolments(page);

  await failWrites(page);
  await replaySignature(page, makeScribble(3));
  await page.click('#enrol');
  // A full storage gets advice in place of the browser's own words.
  assert.match(
    await textOf(page, '#message'),
    /^Enrolment failed: saving failed \(the browser's storage for this page is full: delete models you no longer use under Models, or free space for this site in the browser's settings, then try again\)\. /,
  );
  assert.match(await textOf(page, '#message'), /still on the pad/);
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');
  assert.notEqual(await textOf(page, '#pad-status'), 'The pad is empty.', 'the drawing is kept');
  assert.deepEqual(await readEnrolments(page), storedBefore);

  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#forget');
  assert.match(await textOf(page, '#message'), /^Deleting the enrolment failed: .*It is kept\./);
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');

  // The drawing is still on the pad, so Enrol works once writing works again.
  await restoreWrites(page);
  await page.click('#enrol');
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  assert.equal((await readEnrolments(page)).quota.embeddings.length, 2);
  assertClean(page);
});

test('other tabs see each change', async (t) => {
  const first = await openReadyPage(t);
  const second = await openPage(env.browser.context, env.server.origin);
  t.after(() => second.close());
  assert.equal(await loadPage(second, env.server.url), 'ready');
  await second.fill('#person', 'shared');
  await first.fill('#person', 'shared');

  await enrolScribbles(first, 'shared', 1);
  await second.waitForFunction(
    () => document.getElementById('enrol-count').textContent.startsWith('1 of 5'),
  );

  // The second tab enrols from its own view, and the first tab's signature is kept.
  await enrolScribbles(second, 'shared', 1, 1);
  assert.equal(await textOf(second, '#enrol-count'), '2 of 5 enrolment signatures');
  await first.waitForFunction(
    () => document.getElementById('enrol-count').textContent.startsWith('2 of 5'),
  );

  second.once('dialog', (dialog) => dialog.accept());
  await second.click('#forget');
  await first.waitForFunction(
    () => document.getElementById('enrol-count').textContent.startsWith('0 of 5'),
  );
  assert.deepEqual(await readEnrolments(first), {});
  assertClean(first);
  assertClean(second);
});

test('unreadable record hides no one else', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'me', 3);
  const modelId = (await readEnrolments(page)).me.modelId;
  await writeEnrolmentRecords(page, [
    { person: 'bob', modelId, embeddings: [[1, 'a']] },
    { person: 'carol', embeddings: [] },
  ]);
  assert.equal(await loadPage(page, env.server.url), 'ready');

  await page.fill('#person', 'me');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  const problem = await textOf(page, '#storage-problem');
  assert.match(problem, /\u201c\u2068bob\u2069\u201d cannot be read: it has an invalid embedding at index 0/);
  assert.match(problem, /\u201c\u2068carol\u2069\u201d cannot be read: it has no modelId string/);
  assert.doesNotMatch(problem, /\u201c\u2068me\u2069\u201d/);
  assert.match(await textOf(page, '#discard-storage'), /unreadable/);

  // Scribble 5 is not one of the enrolled scribbles, so it is not rejected as a copy.
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  await page.click('#clear');
  await enrolScribbles(page, 'me', 1, 3);
  assert.equal(await textOf(page, '#enrol-count'), '4 of 5 enrolment signatures');

  // An unreadable record is never overwritten by an enrolment.
  await page.fill('#person', 'bob');
  await replaySignature(page, makeScribble(2));
  await page.click('#enrol');
  assert.match(await textOf(page, '#message'), /cannot be read: discard it first/);
  assert.deepEqual((await readEnrolments(page)).bob.embeddings, [[1, 'a']]);

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    return dialog.accept();
  });
  await page.click('#discard-storage');
  assert.match(question, /\u201c\u2068bob\u2069\u201d and \u201c\u2068carol\u2069\u201d/);
  assert.doesNotMatch(question, /\u201c\u2068me\u2069\u201d/);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  const kept = await readEnrolments(page);
  assert.deepEqual(Object.keys(kept), ['me']);
  assert.equal(kept.me.embeddings.length, 4);
  assertClean(page);
});

test('unreadable record in count and Verify', async (t) => {
  const page = await openReadyPage(t, (page) =>
    writeEnrolmentRecords(page, [{ person: 'Broken', embeddings: [] }]),
  );
  await page.fill('#person', 'Broken');
  assert.equal(
    await textOf(page, '#enrol-count'),
    'The saved enrolment cannot be read: press Discard unreadable enrolments, or use another name',
  );
  await replaySignature(page, makeScribble(1));
  await page.click('#verify');
  assert.equal(
    await textOf(page, '#message'),
    'The saved enrolment of \u201c\u2068Broken\u2069\u201d cannot be read, so there is nothing to ' +
      'verify against: press Discard unreadable enrolments to delete it, then enrol ' +
      '\u201c\u2068Broken\u2069\u201d again.',
  );
  await page.click('#forget');
  assert.equal(
    await textOf(page, '#message'),
    'The saved enrolment of \u201c\u2068Broken\u2069\u201d cannot be read, so Forget cannot delete ' +
      'it: press Discard unreadable enrolments to delete it.',
  );
  assert.equal(await textOf(page, '#discard-storage'), 'Discard unreadable enrolments');
  assertClean(page);
});

test('discard stops when the record was replaced', async (t) => {
  const page = await openReadyPage(t, (page) =>
    writeEnrolmentRecords(page, [{ person: 'bob', modelId: 'x', embeddings: [[1, 'a']] }]),
  );
  assert.ok(await page.isVisible('#discard-storage'), 'the discard button is visible');

  // Another tab writes a readable record of bob while the question is open. The write is
  // queued before the page's deletion, so the page must see it and keep it.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open('inkprint-enrolments');
        open.onsuccess = () => {
          window.confirm = () => {
            const transaction = open.result.transaction('people', 'readwrite');
            transaction.objectStore('people').put({ person: 'bob', modelId: 'x', embeddings: [[1, 2]] });
            return true;
          };
          resolve();
        };
      }),
  );
  await page.click('#discard-storage');

  assert.match(await textOf(page, '#message'), /another tab replaced the enrolment of \u201c\u2068bob\u2069\u201d/);
  assert.deepEqual((await readEnrolments(page)).bob.embeddings, [[1, 2]], 'the new record is kept');
  assertClean(page);
});

test('discarding names every unreadable value it deletes', async (t) => {
  // One unreadable record, and an earlier version's localStorage value that is not JSON at all.
  const page = await openReadyPage(t, (page) =>
    page.evaluate(([key]) => localStorage.setItem(key, '{not json'), [LEGACY_ENROLMENT_KEY]),
  );
  await writeEnrolmentRecords(page, [{ person: 'carol', embeddings: [] }]);
  assert.equal(await loadPage(page, env.server.url), 'ready');

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    return dialog.accept();
  });
  await page.click('#discard-storage');
  const expected =
    /the unreadable saved enrolments of \u201c\u2068carol\u2069\u201d and the unreadable enrolments of an earlier version \(localStorage key inkprint\.enrolments\.v1\)/;
  assert.match(question, expected);
  assert.match(await textOf(page, '#message'), expected);
  assert.equal(await readLegacyValue(page), null);
  assert.deepEqual(Object.keys(await readEnrolments(page)), []);
  assertClean(page);
});

test('earlier localStorage enrolments move into IndexedDB', async (t) => {
  const legacy = JSON.stringify({
    me: { modelId: 'sha256:some-model', embeddings: [[0.5, 0.5]] },
    bob: { modelId: 'x', embeddings: 'none' },
  });
  const page = await openReadyPage(t, (page) =>
    page.evaluate(([key, value]) => localStorage.setItem(key, value), [LEGACY_ENROLMENT_KEY, legacy]),
  );

  const stored = await readEnrolments(page);
  assert.deepEqual(stored.me, {
    person: 'me',
    modelId: 'sha256:some-model',
    embeddings: [[0.5, 0.5]],
    signatures: [null],
  });
  assert.equal(stored.bob, undefined, 'the unreadable entry is not moved');
  assert.equal(await readLegacyValue(page), legacy, 'the value stays while part of it is unreadable');
  assert.match(
    await textOf(page, '#storage-problem'),
    /enrolment of \u201c\u2068bob\u2069\u201d saved by an earlier version of this page cannot be read/,
  );

  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#discard-storage');
  assert.equal(await readLegacyValue(page), null);
  assert.ok(!(await page.isVisible('#storage-notice')), 'the storage notice is hidden');
  assert.deepEqual(Object.keys(await readEnrolments(page)), ['me']);

  // A reload moves nothing twice.
  assert.equal(await loadPage(page, env.server.url), 'ready');
  assert.deepEqual(Object.keys(await readEnrolments(page)), ['me']);
  assertClean(page);
});

test('without IndexedDB enrolments stay in memory', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB is turned off here', 'InvalidStateError');
    };
  });
  assert.equal(await loadPage(page, env.server.url), 'ready');
  assert.match(
    await textOf(page, '#storage-problem'),
    /does not allow IndexedDB \(IndexedDB is turned off here\), so enrolments are kept only until the page is closed/,
  );
  await enrolScribbles(page, 'memory', 3);
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  // Scribble 5 is not one of the enrolled scribbles, so it is not rejected as a copy.
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assertClean(page);
});

test('an invalid embedding is not saved', async (t) => {
  const page = await openReadyPage(t);
  const messages = await page.evaluate(async () => {
    const { EnrolmentStore } = await import(new URL('enrolments.js', location.href).href);
    const store = new EnrolmentStore();
    await store.open();
    const results = [];
    for (const embedding of [[0.5, Number.NaN], [Number.POSITIVE_INFINITY], []]) {
      try {
        await store.add('broken', 'some-model', embedding);
        results.push('saved');
      } catch (error) {
        results.push(error.message);
      }
    }
    return results;
  });
  assert.match(messages[0], /^the model produced an invalid embedding \(value 2 of 2 is NaN\), so nothing was saved\./);
  assert.match(messages[1], /\(value 1 of 1 is Infinity\)/);
  assert.match(messages[2], /\(it is empty\)/);
  assert.deepEqual(await readEnrolments(page), {});
  assertClean(page);
});

test('databases of a newer page version are left alone', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  // A page of the same origin that runs none of the app's scripts, so no connection blocks
  // the upgrade below.
  const plainUrl = new URL('/models/default-accuracy.json', env.server.origin).href;
  const names = ['inkprint-enrolments', 'inkprint-training'];
  const setVersion = (names) =>
    Promise.all(
      names.map(
        (name) =>
          new Promise((resolve, reject) => {
            const request = indexedDB.open(name, 99);
            request.onsuccess = () => {
              request.result.close();
              resolve();
            };
            request.onerror = () => reject(request.error);
          }),
      ),
    );
  const deleteAll = (names) =>
    Promise.all(
      names.map(
        (name) =>
          new Promise((resolve, reject) => {
            const request = indexedDB.deleteDatabase(name);
            request.onsuccess = () => resolve();
            request.onerror = () => reject(request.error);
          }),
      ),
    );
  // The plain page is not checked for console errors: the browser requests a favicon for it.
  const plain = await env.browser.context.newPage();
  await plain.goto(plainUrl);
  await plain.evaluate(setVersion, names);
  t.after(async () => {
    await page.close();
    await plain.evaluate(deleteAll, names);
    await plain.close();
  });

  assert.equal(await loadPage(page, env.server.url), 'ready');
  const problem = await textOf(page, '#storage-problem');
  assert.match(problem, /^The saved enrolments cannot be opened: the database "inkprint-enrolments" was saved by a newer version of this page/);
  assert.match(problem, /a format this one cannot read \(it reads version 2\)\. Open the page from where that newer version is served; the stored data is left unchanged\./);
  assert.doesNotMatch(problem, /does not allow IndexedDB/);
  assert.match(
    await textOf(page, '#model-message'),
    /^Trained models and captured signatures cannot be opened: the database "inkprint-training" was saved by a newer version of this page/,
  );

  // The page still works from memory, and the stored databases keep their version.
  await enrolScribbles(page, 'memory', 3);
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  const versions = await page.evaluate(async () =>
    (await indexedDB.databases()).filter((entry) => entry.name.startsWith('inkprint-')).map((entry) => entry.version),
  );
  assert.deepEqual(versions, [99, 99]);
  assertClean(page);
});

test('a passphrase encrypts the enrolments', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'alice', 3);
  const plain = (await readEnrolments(page)).alice;

  await page.click('#protection > summary');
  await page.click('#protect');
  assert.match(await textOf(page, '#message'), /^The passphrase is empty: type one of at least 8 characters\.$/);
  await page.fill('#passphrase', 'short');
  await page.click('#protect');
  assert.match(await textOf(page, '#message'), /^The passphrase has 5 characters, fewer than 8: choose a longer one\.$/);
  // Four emoji are eight UTF-16 units but four characters.
  await page.fill('#passphrase', '\u{1f511}\u{1f512}\u{1f513}\u{1f510}');
  await page.click('#protect');
  assert.match(await textOf(page, '#message'), /^The passphrase has 4 characters, fewer than 8/);
  await page.fill('#passphrase', '        ');
  await page.click('#protect');
  assert.match(await textOf(page, '#message'), /^The passphrase is only spaces/);
  assert.equal(await page.getAttribute('body', 'data-protection'), 'none');

  await page.fill('#passphrase', 'correct horse battery');
  await page.click('#protect');
  assert.equal(await page.getAttribute('body', 'data-protection'), 'unlocked');
  // Unlocked, the page shows no passphrase field.
  assert.equal(await page.isHidden('#passphrase'), true);
  const stored = Object.values(await readEnrolments(page));
  assert.equal(stored.length, 1);
  assert.match(stored[0].person, /^sealed:[A-Za-z0-9_-]+$/);
  assert.deepEqual(Object.keys(stored[0]).sort(), ['person', 'sealed']);
  const storedText = JSON.stringify(stored[0], (key, value) =>
    value instanceof Object && value.constructor?.name === 'Uint8Array' ? Array.from(value) : value,
  );
  assert.doesNotMatch(storedText, /alice/, 'the name is not stored in clear');
  assert.equal(storedText.includes(String(plain.embeddings[0][0])), false, 'the embedding is not stored in clear');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');

  // After a reload the enrolments are locked: nothing shows, and enrolling is refused.
  assert.equal(await loadPage(page, env.server.url), 'ready');
  assert.equal(await page.getAttribute('body', 'data-protection'), 'locked');
  await page.fill('#person', 'alice');
  assert.equal(await textOf(page, '#enrol-count'), 'Enrolments are locked by a passphrase');
  assert.match(await textOf(page, '#storage-problem'), /enrolments of 1 person are protected by a passphrase/);
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  assert.match(await textOf(page, '#message'), /The enrolments are locked: unlock them/);
  await page.click('#enrol');
  assert.match(await textOf(page, '#message'), /^Enrolment failed: the enrolments are locked/);

  await page.click('#protection > summary');
  await page.click('#unlock');
  assert.match(await textOf(page, '#message'), /^The passphrase is empty: type the passphrase the enrolments were protected with\.$/);
  await page.fill('#passphrase', 'wrong horse battery');
  await page.click('#unlock');
  assert.match(await textOf(page, '#message'), /the passphrase is wrong/i);
  assert.equal(await page.getAttribute('body', 'data-protection'), 'locked');

  await page.fill('#passphrase', 'correct horse battery');
  await page.click('#unlock');
  assert.equal(await page.getAttribute('body', 'data-protection'), 'unlocked');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);

  // A new enrolment while unlocked is encrypted too.
  await page.click('#enrol');
  assert.equal(await textOf(page, '#enrol-count'), '4 of 5 enrolment signatures');
  assert.ok(Object.keys(await readEnrolments(page)).every((key) => key.startsWith('sealed:')));

  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#remove-protection');
  assert.equal(await page.getAttribute('body', 'data-protection'), 'none');
  const decrypted = await readEnrolments(page);
  assert.deepEqual(Object.keys(decrypted), ['alice']);
  assert.deepEqual(decrypted.alice.embeddings.slice(0, 3), plain.embeddings);
  assert.equal(decrypted.alice.embeddings.length, 4);
  assertClean(page);
});
