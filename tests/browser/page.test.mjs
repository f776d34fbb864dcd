// Behaviour of the page around verification: invalid actions, saved enrolments, the forget
// confirmation, unreadable or foreign saved data, model load failures, narrow screens,
// verdicts cleared when the drawing changes, and the wording of messages.
// The tests draw short synthetic strokes, because they check the page and not the model.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

import {
  assertClean,
  clearEnrolments,
  enrolScribbles,
  installTestPad,
  LEGACY_ENROLMENT_KEY,
  loadPage,
  makeScribble,
  openPage,
  readEnrolments,
  replaySignature,
  textOf,
  usePageSession,
  WEB_ROOT,
  writeEnrolmentRecords,
} from './helpers.mjs';

const STORAGE_KEY = LEGACY_ENROLMENT_KEY;

// Chromium logs a failed resource load as a console error, which the load failure tests
// cause on purpose.
const RESOURCE_LOAD_ERROR = /^Failed to load resource: the server responded with a status of/;

const env = usePageSession();

// Opens the page with no stored enrolments and waits until the model has loaded.
async function openReadyPage(t, options = {}) {
  const page = await openPage(env.browser.context, env.server.origin, options);
  t.after(() => page.close());

  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  return page;
}

// Returns the localStorage value that earlier versions of the page kept enrolments in.
async function readLegacyValue(page) {
  return page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
}

test('verify with empty pad shows message', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'empty pad', 3);

  await page.click('#verify');

  assert.match(await textOf(page, '#message'), /The pad is empty/);
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), null);
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  assertClean(page);
});

test('verify needs three enrolments', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'two only', 2);
  const storedBefore = await readEnrolments(page);

  await replaySignature(page, makeScribble(5));
  await page.click('#verify');

  assert.match(await textOf(page, '#message'), /needs at least 3: enrol 1 more first/);
  assert.equal(await page.getAttribute('#result', 'data-verdict'), null);
  assert.equal(await textOf(page, '#enrol-count'), '2 of 5 enrolment signatures');
  assert.deepEqual(await readEnrolments(page), storedBefore);
  assert.equal(storedBefore['two only'].embeddings.length, 2);
  assertClean(page);
});

test('a name in either Unicode form is one person', async (t) => {
  const page = await openReadyPage(t);
  // "José" with é as one character (U+00E9), then as e and a combining accent (U+0301).
  const composed = 'Jos\u00e9';
  const decomposed = 'Jose\u0301';
  await enrolScribbles(page, decomposed, 2);
  await enrolScribbles(page, composed, 1, 2);
  assert.deepEqual(Object.keys(await readEnrolments(page)), [composed]);
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');

  await page.fill('#person', decomposed);
  await replaySignature(page, makeScribble(7));
  await page.click('#verify');
  await page.waitForSelector('#result[data-verdict]');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assertClean(page);
});

test('a control character in a name is rejected', async (t) => {
  const page = await openReadyPage(t);
  await page.fill('#person', 'An\u0000n');
  await replaySignature(page, makeScribble(1));
  await page.click('#enrol');

  assert.equal(
    await textOf(page, '#message'),
    'The name contains the control character U+0000, which cannot be seen: type the name again without it, then try again.',
  );
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.deepEqual(await readEnrolments(page), {});
  assert.match(await textOf(page, '#pad-status'), /^2 strokes, 55 samples/);
  assertClean(page);
});

test('look-alike name is rejected', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'Ann Lee', 1);
  await page.click('#clear');
  await replaySignature(page, makeScribble(2));

  // Each of these characters shows as nothing or as a space where it is, so the new name would
  // look like "Ann Lee" or like the same name without it.
  const hiddenCases = [
    ['Ann Lee\u200b', 'U+200B'],
    ['Ann\u00a0Lee', 'U+00A0'],
    // The joiners between Latin letters or at either end of the name.
    ['Ann\u200ca Lee', 'U+200C'],
    ['An\u200dna Lee', 'U+200D'],
    ['\u200cAnn Lee', 'U+200C'],
    ['Ann Lee\u200d', 'U+200D'],
    // A variation selector or a tag after a letter, not after an emoji.
    ['Ann Lee\ufe0f', 'U+FE0F'],
    ['Ann Lee\u{e0041}', 'U+E0041'],
    // A joiner between a letter and an emoji.
    ['Ann\u200d\u{1f600}', 'U+200D'],
    // A direction mark and U+FEFF ZERO WIDTH NO-BREAK SPACE.
    ['Ann Lee\u200e', 'U+200E'],
    ['Ann\ufeffLee', 'U+FEFF'],
    // U+202F NARROW NO-BREAK SPACE outside Mongolian.
    ['Ann\u202fLee', 'U+202F'],
  ];
  for (const [name, code] of hiddenCases) {
    await page.fill('#person', name);
    await page.click('#enrol');
    assert.equal(
      await textOf(page, '#message'),
      `The name contains ${code}, which shows as nothing or as a space in that place, so the name ` +
        'would look like another: type the name again without it, then try again.',
      JSON.stringify(name),
    );
    assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  }

  // Two such characters are named together, in the plural.
  await page.fill('#person', 'Ann\u202e\u200bLee');
  await page.click('#enrol');
  assert.equal(
    await textOf(page, '#message'),
    'The name contains U+202E, U+200B, which show as nothing or as a space in that place, so the name ' +
      'would look like another: type the name again without them, then try again.',
  );

  // A character that could not be read, as a broken paste leaves it. Half of a UTF-16 pair
  // arrives in the field as the replacement mark itself.
  for (const name of ['Ann\ufffdLee', 'Ann\ud800Lee']) {
    await page.fill('#person', name);
    await page.click('#enrol');
    assert.equal(
      await textOf(page, '#message'),
      'The name contains U+FFFD, the replacement mark for a character that could not be read: type the name ' +
        'again without it, then try again.',
    );
  }

  // Two white-space characters in a row look like one space.
  for (const [name, codes] of [['Ann  Lee', 'U+0020, U+0020'], ['Ann \u3000Lee', 'U+0020, U+3000']]) {
    await page.fill('#person', name);
    await page.click('#enrol');
    assert.equal(
      await textOf(page, '#message'),
      `The name contains white-space characters in a row (${codes}), which look like one space, so ` +
        'the name would look like another: leave one space between its parts, then try again.',
      JSON.stringify(name),
    );
    assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  }
  assert.deepEqual(Object.keys(await readEnrolments(page)), ['Ann Lee']);
  assertClean(page);
});

test('names in other scripts are accepted', async (t) => {
  const page = await openReadyPage(t);
  await replaySignature(page, makeScribble(2));

  // The invisible characters that these spellings and emoji need are accepted where they act.
  const names = [
    // Persian, with U+200C ZERO WIDTH NON-JOINER between two letters.
    '\u0645\u06cc\u200c\u0631\u0627',
    // Devanagari, with U+200D ZERO WIDTH JOINER after a virama.
    '\u0915\u094d\u200d\u0937',
    // Malayalam in the older spelling, with U+200D after a virama at the end of the word.
    '\u0d05\u0d35\u0d28\u0d4d\u200d',
    // Emoji sequences: joined by U+200D, with U+FE0F, a keycap and the flag of Scotland (tags).
    '\u{1f469}\u200d\u{1f4bb} Ann',
    '\u{1f469}\u{1f3fd}\u200d\u{1f4bb} Ann',
    '\u2764\ufe0f Ann',
    '1\ufe0f\u20e3 Ann',
    '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} Ann',
    // Mongolian: a free variation selector after a letter, and U+202F NARROW NO-BREAK SPACE
    // before the suffix of "mongγol-un".
    '\u1820\u180b',
    '\u182e\u1823\u1829\u182d\u1823\u182f\u202f\u1824\u1828',
    // Japanese, with U+3000 IDEOGRAPHIC SPACE between family and given name.
    '\u5c71\u7530\u3000\u592a\u90ce',
    // The same with an ideographic variation selector choosing a form of the first character.
    '\u5c71\u{e0100}\u7530\u3000\u592a\u90ce',
  ];
  for (const name of names) {
    await page.fill('#person', name);
    await page.click('#enrol');
    assert.match(await textOf(page, '#message'), /^Enrolled signature 1 of/, JSON.stringify(name));
    await page.click('#clear');
    await replaySignature(page, makeScribble(2));
  }
  assert.equal(Object.keys(await readEnrolments(page)).length, names.length);
  assertClean(page);
});

test('invisible name is rejected', async (t) => {
  const page = await openReadyPage(t);
  await replaySignature(page, makeScribble(1));
  // U+200B ZERO WIDTH SPACE and U+2060 WORD JOINER, which trim() keeps, around a space.
  await page.fill('#person', '\u200b \u2060');
  await page.click('#enrol');
  assert.equal(
    await textOf(page, '#message'),
    "The name has no visible character (U+200B, U+0020, U+2060): type the person's name, then try again.",
  );
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.deepEqual(await readEnrolments(page), {});

  // A name enrolled before such names were rejected can still be verified.
  await page.click('#clear');
  await enrolScribbles(page, 'me', 3);
  const { me } = await readEnrolments(page);
  await writeEnrolmentRecords(page, [{ ...me, person: '\u200b' }]);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await page.fill('#person', '\u200b');
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  await page.waitForSelector('#result[data-verdict]');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assertClean(page);
});

test('module error is shown and state kept', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'tapper', 1);

  // A single tap is one point, which the module rejects as a signature.
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.click(box.x + 50, box.y + 50);
  await page.click('#enrol');

  assert.match(await textOf(page, '#message'), /^Enrolment failed: ./);
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');
  assertClean(page);
});

test('enrolments survive page reload', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'reloaded', 3);

  assert.equal(await loadPage(page, env.server.url), 'ready');
  await page.fill('#person', 'reloaded');
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');

  // Scribbles 0 to 2 are enrolled, so scribble 5 is a new signature, not a replayed copy.
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assert.ok(Number.isFinite(Number(await page.getAttribute('#result', 'data-score'))));
  assertClean(page);
});

test('forget asks before deleting', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'forgotten', 1);

  page.once('dialog', (dialog) => dialog.dismiss());
  await page.click('#forget');
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');

  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#forget');
  assert.equal(await textOf(page, '#enrol-count'), '0 of 5 enrolment signatures');
  assert.deepEqual(await readEnrolments(page), {});
  assertClean(page);
});

test('unreadable saved enrolments are kept', async (t) => {
  const page = await openReadyPage(t);
  const corrupt = '{"me": {"modelId": "x", "embeddings": [[1, 2';
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [STORAGE_KEY, corrupt]);

  assert.equal(await loadPage(page, env.server.url), 'ready');
  assert.ok(await page.isVisible('#storage-notice'), 'storage notice is visible');
  assert.match(await textOf(page, '#storage-problem'), /cannot be read: it is not valid JSON/);

  await enrolScribbles(page, 'me', 1);
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');
  assert.equal(await readLegacyValue(page), corrupt, 'the unreadable value is left unchanged');
  assert.equal((await readEnrolments(page)).me.embeddings.length, 1, 'the new enrolment is saved');

  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#discard-storage');
  assert.ok(!(await page.isVisible('#storage-notice')), 'storage notice is hidden');
  assert.equal(await readLegacyValue(page), null, 'the unreadable value is deleted');
  assert.equal((await readEnrolments(page)).me.embeddings.length, 1);
  assertClean(page);
});

test('enrolment of another model is reported', async (t) => {
  const page = await openReadyPage(t);
  const foreign = JSON.stringify({
    me: {
      modelId: 'sha256:another-model',
      embeddings: [
        [0.5, 0.5],
        [0.4, 0.6],
        [0.6, 0.4],
      ],
    },
  });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [STORAGE_KEY, foreign]);

  assert.equal(await loadPage(page, env.server.url), 'ready');
  assert.match(await textOf(page, '#message'), /made with another model and must be redone/);
  assert.match(await textOf(page, '#enrol-count'), /made with another model/);

  await replaySignature(page, makeScribble(0));
  await page.click('#verify');
  assert.match(await textOf(page, '#message'), /made with another model/);
  assert.equal(await page.getAttribute('#result', 'data-verdict'), null);

  await page.click('#enrol');
  assert.match(await textOf(page, '#message'), /made with another model/);
  assert.deepEqual(
    (await readEnrolments(page)).me,
    { person: 'me', ...JSON.parse(foreign).me, signatures: [null, null, null] },
    'the old enrolment is moved into IndexedDB unchanged',
  );
  assert.equal(await readLegacyValue(page), null, 'the moved value is removed from localStorage');
  assertClean(page);
});

test('missing model is reported', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin, {
    allowedConsoleErrors: [RESOURCE_LOAD_ERROR],
  });
  t.after(() => page.close());
  await page.route('**/models/default.inkprint', (route) => route.fulfill({ status: 404 }));

  assert.equal(await loadPage(page, env.server.url), 'failed');
  assert.match(await textOf(page, '#message'), /models\/default\.inkprint failed: HTTP 404/);
  assert.ok(await page.isDisabled('#enrol'), 'enrol is disabled');
  assert.ok(await page.isDisabled('#verify'), 'verify is disabled');
  assertClean(page);
});

test('footer shows the cross-validated error rates', async (t) => {
  const page = await openReadyPage(t);
  const accuracy = JSON.parse(await readFile(path.join(WEB_ROOT, 'models', 'default-accuracy.json'), 'utf8'));
  assert.deepEqual(
    accuracy.tasks.map((task) => task.task),
    [1, 2],
  );
  const line = await textOf(page, '#model-accuracy');
  assert.equal(await page.isVisible('#model-accuracy'), true);
  // Every rate of the file appears as the page rounds it.
  for (const task of accuracy.tasks) {
    for (const key of ['skilledGlobal', 'randomGlobal']) {
      const expected = `${(task[key].mean * 100).toFixed(1)} % (task ${task.task})`;
      assert.ok(line.includes(expected), `"${expected}" is not in "${line}"`);
    }
  }
  assert.match(line, /^Cross-validated on SVC2004 \(4 folds/);

  // So do the rates at the threshold that each fold chose before testing.
  const chosen = (key) =>
    accuracy.tasks.map((task) => `${(task.atChosenThreshold[key].mean * 100).toFixed(1)} % (task ${task.task})`);
  assert.ok(line.includes(`it rejected ${chosen('falseRejection').join(', ')} of genuine signatures`), line);
  assert.ok(line.includes(`accepted ${chosen('skilledAcceptance').join(', ')} of skilled forgeries`), line);
  assertClean(page);
});

test('page works without the error-rate file', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin, {
    allowedConsoleErrors: [RESOURCE_LOAD_ERROR],
  });
  t.after(() => page.close());
  await page.route('**/models/default-accuracy.json', (route) => route.fulfill({ status: 404 }));
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  assert.equal(await page.isVisible('#model-accuracy'), false);
  assert.match(await textOf(page, '#model-summary'), /Held-out users/);

  // A damaged file is left out the same way.
  await page.unroute('**/models/default-accuracy.json');
  await page.route('**/models/default-accuracy.json', (route) =>
    route.fulfill({ body: '{"tasks":[{"task":1,"skilledGlobal":{}}]}', contentType: 'application/json' }),
  );
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  assert.equal(await page.isVisible('#model-accuracy'), false);
  assertClean(page);
});

test('corrupt model is reported', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  const garbage = Buffer.from('this is not an Inkprint model file');
  await page.route('**/models/default.inkprint', (route) => route.fulfill({ body: garbage }));

  assert.equal(await loadPage(page, env.server.url), 'failed');
  assert.match(await textOf(page, '#message'), /could not be loaded: ./);
  assertClean(page);
});

test('missing module is reported', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin, {
    allowedConsoleErrors: [RESOURCE_LOAD_ERROR],
  });
  t.after(() => page.close());
  await page.route('**/wasm/inkprint.js', (route) => route.fulfill({ status: 404 }));

  assert.equal(await loadPage(page, env.server.url), 'failed');
  assert.match(await textOf(page, '#message'), /wasm\/inkprint\.js could not be loaded/);
  assertClean(page);
});

test('narrow screen fits without scrolling sideways', async (t) => {
  const page = await openReadyPage(t);
  await page.setViewportSize({ width: 360, height: 740 });

  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= 360, `page is ${scrollWidth} px wide`);
  const ids = ['pad', 'undo', 'clear', 'replay', 'import', 'export-format', 'export'];
  for (const id of [...ids, 'enrol', 'verify', 'forget']) {
    const box = await page.locator(`#${id}`).boundingBox();
    assert.ok(box.x >= 0, `#${id} starts at ${box.x} px`);
    assert.ok(box.x + box.width <= 360, `#${id} ends at ${box.x + box.width} px`);
  }

  // The format list is wide enough for its longest choice, plus about 24 px for its arrow, at
  // every width from a phone to a desktop window.
  for (const width of [360, 420, 560, 700, 740, 900]) {
    await page.setViewportSize({ width, height: 740 });
    const { widest, inner } = await page.$eval('#export-format', (select) => {
      const style = getComputedStyle(select);
      const context = document.createElement('canvas').getContext('2d');
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const texts = [...select.options].map((option) => context.measureText(option.textContent).width);
      const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      return { widest: Math.max(...texts), inner: select.clientWidth - padding };
    });
    assert.ok(inner >= widest + 24, `at ${width} px the format list is ${inner} px wide for ${widest} px of text`);
  }
  await page.setViewportSize({ width: 360, height: 740 });

  await enrolScribbles(page, 'phone', 1);
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');
  assertClean(page);
});

test('pad records mouse, pen and touch', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await loadPage(page, env.server.url);
  const session = await env.browser.context.newCDPSession(page);
  await session.send('Emulation.setDeviceMetricsOverride', {
    width: 800,
    height: 600,
    deviceScaleFactor: 2,
    mobile: false,
  });

  await installTestPad(page);

  const mouse = (type, x, y, buttonDown, extra = {}) =>
    session.send('Input.dispatchMouseEvent', {
      type,
      x,
      y,
      button: type === 'mouseMoved' && !buttonDown ? 'none' : 'left',
      buttons: buttonDown ? 1 : 0,
      clickCount: type === 'mouseMoved' ? 0 : 1,
      ...extra,
    });
  const touch = (type, touchPoints) =>
    session.send('Input.dispatchTouchEvent', { type, touchPoints });

  // Stroke 0: mouse with three samples.
  await mouse('mouseMoved', 50, 60, false);
  await mouse('mousePressed', 50, 60, true);
  await mouse('mouseMoved', 60, 70, true);
  await mouse('mouseMoved', 70, 75, true);
  await mouse('mouseReleased', 70, 75, false);

  // Stroke 1: pen with pressure 0.6.
  const pen = { pointerType: 'pen', force: 0.6 };
  await mouse('mouseMoved', 100, 60, false, { pointerType: 'pen' });
  await mouse('mousePressed', 100, 60, true, pen);
  await mouse('mouseMoved', 110, 80, true, pen);
  await mouse('mouseReleased', 110, 80, false, pen);

  // Stroke 2: touch.
  await touch('touchStart', [{ x: 200, y: 100 }]);
  await touch('touchMove', [{ x: 210, y: 110 }]);
  await touch('touchEnd', []);

  // Stroke 3: a mouse tap, which is kept as a one-point stroke.
  await mouse('mouseMoved', 150, 120, false);
  await mouse('mousePressed', 150, 120, true);
  await mouse('mouseReleased', 150, 120, false);

  const captured = await page.evaluate(() => ({
    values: Array.from(window.testPad.toPoints()),
    backingWidth: window.testCanvas.width,
    cssWidth: window.testCanvas.clientWidth,
  }));
  const points = [];
  for (let i = 0; i < captured.values.length; i += 5) {
    const [x, y, t, pressure, stroke] = captured.values.slice(i, i + 5);
    points.push({ x, y, t, pressure, stroke });
  }

  assert.equal(captured.backingWidth, captured.cssWidth * 2, 'backing store is scaled by 2');
  assert.deepEqual(
    points.map((point) => [point.x, point.y, point.stroke]),
    [
      [26, 26, 0],
      [36, 36, 0],
      [46, 41, 0],
      [76, 26, 1],
      [86, 46, 1],
      [176, 66, 2],
      [186, 76, 2],
      [126, 86, 3],
    ],
    'positions are CSS pixels from the content box, one stroke per pen-down',
  );
  for (const [index, point] of points.entries()) {
    if (point.stroke === 1) {
      assert.ok(
        Math.abs(point.pressure - 0.6) < 0.01,
        `pen point ${index} pressure ${point.pressure}`,
      );
    } else {
      assert.ok(Number.isNaN(point.pressure), `point ${index} pressure ${point.pressure}`);
    }
  }
  for (let i = 1; i < points.length; i += 1) {
    assert.ok(points[i].t >= points[i - 1].t, `time goes back at point ${i}`);
  }
  assertClean(page);
});

// Draws a scribble on the empty pad and verifies it, so that the page shows a verdict. The
// tests enrol scribbles 0 to 2, so scribble 5 is not rejected as a copy of one of them.
async function showVerdict(page) {
  await replaySignature(page, makeScribble(5));
  await page.click('#verify');
  const verdict = await page.getAttribute('#result', 'data-verdict');
  assert.match(verdict ?? 'none', /^(genuine|forgery)$/, await textOf(page, '#message'));
}

test('verdict cleared when drawing changes', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'stale', 3);
  await replaySignature(page, makeScribble(1));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const signatureFile = await download.path();

  const actions = {
    Clear: () => page.click('#clear'),
    Undo: () => page.click('#undo'),
    'a new stroke': () => replaySignature(page, makeScribble(2)),
    Import: async () => {
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser'),
        page.click('#import'),
      ]);
      await chooser.setFiles(signatureFile);
      await page.waitForFunction(() =>
        document.getElementById('message').textContent.startsWith('Imported'),
      );
    },
    Enrol: () => page.click('#enrol'),
  };
  for (const [name, action] of Object.entries(actions)) {
    await page.click('#clear');
    await showVerdict(page);
    await action();
    assert.equal(await page.getAttribute('#result', 'data-verdict'), null, `verdict after ${name}`);
    assert.equal(await textOf(page, '#result'), '', `result text after ${name}`);
  }
  assertClean(page);
});

test('verdict cleared by other tab enrolment', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'shared', 3);
  await page.click('#clear');
  await showVerdict(page);

  const otherTab = await openPage(env.browser.context, env.server.origin);
  t.after(() => otherTab.close());
  assert.equal(await loadPage(otherTab, env.server.url), 'ready');
  await enrolScribbles(otherTab, 'shared', 1, 3);

  await page.waitForFunction(() => document.getElementById('result').dataset.verdict === undefined);
  assert.equal(await textOf(page, '#enrol-count'), '4 of 5 enrolment signatures');
  assertClean(page);
  assertClean(otherTab);
});

test('enrolment stops at 20 signatures', { timeout: 120_000 }, async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'many', 20);
  assert.equal(await textOf(page, '#enrol-count'), '20 enrolment signatures');

  await replaySignature(page, makeScribble(20));
  await page.click('#enrol');
  assert.match(
    await textOf(page, '#message'),
    /^\u201c\u2068many\u2069\u201d has 20 enrolment signatures, the most the page keeps, because each one more makes verification slower: verify now, or press Forget and enrol 5 fresh ones\.$/,
  );
  assert.equal((await readEnrolments(page)).many.embeddings.length, 20);
  assertClean(page);
});

test('counts of one are singular', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'single', 1);

  await replaySignature(page, makeScribble(1));
  await page.click('#verify');
  const message = await textOf(page, '#message');
  assert.match(message, /\u201c\u2068single\u2069\u201d has 1 enrolment signature, and/);
  assert.match(message, /verification needs at least 3: enrol 2 more first\.$/);

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    return dialog.dismiss();
  });
  await page.click('#forget');
  assert.equal(question, 'Delete the enrolment signature of \u201c\u2068single\u2069\u201d?');

  await page.click('#clear');
  await enrolScribbles(page, 'single', 3, 1);
  const advice = await textOf(page, '#message');
  assert.match(advice, /Verification works now, and 1 more is recommended\.$/);
  assertClean(page);
});

// Returns the left edges of two neighbouring characters of the message: the first character
// of `text` and the one after it.
async function messageCharacterLefts(page, text) {
  return page.evaluate((wanted) => {
    const walker = document.createTreeWalker(
      document.getElementById('message'),
      NodeFilter.SHOW_TEXT,
    );
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const index = node.data.indexOf(wanted);
      if (index < 0) {
        continue;
      }
      const left = (offset) => {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().left;
      };
      return [left(index), left(index + 1)];
    }
    return null;
  }, text);
}

test('names are isolated from message text', async (t) => {
  const page = await openReadyPage(t);
  const name = '\u202Eevil';
  // A new name with a right-to-left override is rejected, but one stored by an earlier version
  // of the page still enrols and verifies.
  await page.fill('#person', name);
  await replaySignature(page, makeScribble(1));
  await page.click('#enrol');
  assert.match(await textOf(page, '#message'), /^The name contains U\+202E/);
  await page.click('#clear');
  await enrolScribbles(page, 'me', 1);
  const { me } = await readEnrolments(page);
  await writeEnrolmentRecords(page, [{ ...me, person: name }]);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await enrolScribbles(page, name, 1, 1);

  const message = await textOf(page, '#message');
  assert.ok(message.includes(`\u2068${name}\u2069`), `the name is not isolated in: ${message}`);
  // A right-to-left override that is not isolated would reverse the rest of the sentence.
  const lefts = await messageCharacterLefts(page, 'Enrol 1 more');
  assert.notEqual(lefts, null, `"Enrol 1 more" is not in: ${message}`);
  assert.ok(lefts[0] < lefts[1], `"E" at ${lefts[0]} px is not left of "n" at ${lefts[1]} px`);

  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    return dialog.dismiss();
  });
  await page.click('#forget');
  assert.ok(question.includes(`\u2068${name}\u2069`), `the name is not isolated in: ${question}`);

  const saved = JSON.stringify({ [name]: { modelId: 'x', embeddings: [[1, 'a']] } });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [STORAGE_KEY, saved]);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  const problem = await textOf(page, '#storage-problem');
  assert.ok(problem.includes(`\u2068${name}\u2069`), `the name is not isolated in: ${problem}`);
  assertClean(page);
});

test('load error stays after other actions', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin, {
    allowedConsoleErrors: [RESOURCE_LOAD_ERROR],
  });
  t.after(() => page.close());
  await page.route('**/models/default.inkprint', (route) => route.fulfill({ status: 404 }));
  assert.equal(await loadPage(page, env.server.url), 'failed');
  await page.fill('#person', 'nobody');

  const actions = {
    Forget: /There is no enrolment of \u201c\u2068nobody\u2069\u201d to forget\./,
    Undo: /The pad is empty: there is no stroke to undo\./,
    Clear: /^/,
    Replay: /The pad is empty: draw or import a signature, then press Replay\./,
  };
  for (const [name, expected] of Object.entries(actions)) {
    await page.click(`#${name.toLowerCase()}`);
    const message = await textOf(page, '#message');
    assert.match(message, expected, `message after ${name}`);
    assert.match(message, /models\/default\.inkprint failed: HTTP 404/, `message after ${name}`);
    assert.equal(await page.getAttribute('#message', 'data-kind'), 'error', `kind after ${name}`);
  }
  assertClean(page);
});

test('damaged model advice fits the page', async (t) => {
  const original = await readFile(path.join(WEB_ROOT, 'models', 'default.inkprint'));
  const corrupted = Buffer.from(original);
  corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
  const damages = [
    { name: 'corrupted', body: corrupted, expected: /checksum does not match/ },
    { name: 'truncated', body: original.subarray(0, original.length / 2), expected: /truncated/ },
  ];

  for (const { name, body, expected } of damages) {
    const page = await openPage(env.browser.context, env.server.origin);
    t.after(() => page.close());
    await page.route('**/models/default.inkprint', (route) => route.fulfill({ body }));

    assert.equal(await loadPage(page, env.server.url), 'failed', `${name} model`);
    const message = await textOf(page, '#message');
    assert.match(message, expected, `${name} model`);
    assert.doesNotMatch(message, /export/i, `${name} model`);
    assert.match(message, /Reload the page/, `${name} model`);
    assertClean(page);
  }
});

test('double click on Enrol enrols once', async (t) => {
  const page = await openReadyPage(t);
  await page.fill('#person', 'double');
  await replaySignature(page, makeScribble(1));
  await page.dblclick('#enrol');
  await page.waitForSelector('body:not([data-saving])');
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');
  assert.match(await textOf(page, '#message'), /^Enrolled signature 1 of/);
  assert.equal((await readEnrolments(page)).double.embeddings.length, 1);
  assertClean(page);
});

test('a tap is not enrolled', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'tapper', 3);
  const storedBefore = await readEnrolments(page);

  // A short dash of three samples, as a tap on a touch screen gives.
  await replaySignature(page, [
    { x: 50, y: 50, t: 0, stroke: 0 },
    { x: 53, y: 51, t: 10, stroke: 0 },
    { x: 55, y: 52, t: 20, stroke: 0 },
  ]);
  await page.click('#enrol');

  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(
    await textOf(page, '#message'),
    /^Enrolment failed: this signature has only 3 samples, fewer than the 10 an enrolment signature needs: press Clear, sign in full/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  assert.deepEqual(await readEnrolments(page), storedBefore);
  // The dash stays on the pad, and it can still be verified (and is rejected).
  await page.click('#verify');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), 'forgery');
  assertClean(page);
});

test('a tiny scribble is not enrolled', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'tiny', 3);
  const storedBefore = await readEnrolments(page);

  // The fourth signature drawn 50 times smaller than the first three, in the pad's middle.
  await replaySignature(page, makeScribble(3), { shrink: 50 });
  await page.click('#enrol');
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(
    await textOf(page, '#message'),
    /^Enrolment failed: this signature is [\d.]+ times smaller than every enrolment signature so far .*press Clear and sign at your usual size\. If an earlier enrolment signature was the odd one, press Forget and enrol again\. Files keep their own units: .*under another name\.$/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures');
  assert.deepEqual(await readEnrolments(page), storedBefore);

  // A signature of the usual size is enrolled after it.
  await page.click('#clear');
  await enrolScribbles(page, 'tiny', 1, 3);
  assert.equal(await textOf(page, '#enrol-count'), '4 of 5 enrolment signatures');
  assertClean(page);
});

test('enrolment prepared before verify', async (t) => {
  const page = await openReadyPage(t);
  await enrolScribbles(page, 'prepared', 2);
  // Two signatures are too few to verify against, so nothing is prepared yet.
  await page.waitForTimeout(400);
  assert.equal(await page.getAttribute('body', 'data-prepared-for'), null);

  await enrolScribbles(page, 'prepared', 1, 2);
  await page.waitForSelector('body[data-prepared-for="prepared"]');
  // Another name that has no enrolment drops the mark, and coming back prepares it again.
  await page.fill('#person', 'nobody');
  await page.waitForTimeout(400);
  assert.equal(await page.getAttribute('body', 'data-prepared-for'), null);
  await page.fill('#person', 'prepared');
  await page.waitForSelector('body[data-prepared-for="prepared"]');

  await replaySignature(page, makeScribble(7));
  await page.click('#verify');
  assert.notEqual(await page.getAttribute('#result', 'data-verdict'), null, await textOf(page, '#message'));
  assert.equal(await page.getAttribute('#result', 'data-method'), 'fused');

  // While a pointer is down on the pad, the preparation waits for it to come up.
  await page.click('#clear');
  await page.fill('#person', 'nobody');
  const pad = await page.locator('#pad').boundingBox();
  await page.mouse.move(pad.x + 40, pad.y + 40);
  await page.mouse.down();
  await page.fill('#person', 'prepared');
  await page.waitForTimeout(400);
  assert.equal(await page.getAttribute('body', 'data-prepared-for'), null);
  await page.mouse.move(pad.x + 80, pad.y + 60);
  await page.mouse.up();
  await page.waitForSelector('body[data-prepared-for="prepared"]');
  assertClean(page);
});
