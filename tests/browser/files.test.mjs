// Signature files on the page: export and import through the buttons in every format, a
// malformed file that changes nothing, enrolling an imported signature, and the keyboard.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

import {
  assertClean,
  clearEnrolments,
  importFile,
  loadPage,
  openPage,
  readEnrolments,
  replaySignature,
  usePageSession,
} from './helpers.mjs';


const env = usePageSession({ folderPrefix: 'inkprint-files-' });

async function openReadyPage(t) {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready');
  return page;
}

// Two strokes 10 ms per sample, different for each variant.
function makeScribble(variant) {
  const samples = [];
  for (let i = 0; i < 30; i += 1) {
    samples.push({ x: i * 10, y: 50 * Math.sin(i / 4 + variant), t: i * 10, stroke: 0 });
  }
  for (let i = 0; i < 10; i += 1) {
    samples.push({ x: 80 + i * 10, y: 70 + i * 3, t: 400 + i * 10, stroke: 1 });
  }
  return samples;
}

// Exports the pad in a format through the Export button. Returns the file's text.
async function exportPad(page, format) {
  await page.selectOption('#export-format', format);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  return readFile(await download.path(), 'utf8');
}


async function textOf(page, selector) {
  return (await page.textContent(selector)).trim();
}

const FORMATS = [
  { format: 'json', fileName: 'signature.json' },
  { format: 'inkml', fileName: 'signature.inkml' },
  { format: 'svc2004', fileName: 'signature.txt' },
];

for (const { format, fileName } of FORMATS) {
  test(`${format} export and import keep every sample`, async (t) => {
    const page = await openReadyPage(t);
    await replaySignature(page, makeScribble(0));
    const status = await textOf(page, '#pad-status');
    const exported = await exportPad(page, format);
    assert.match(await textOf(page, '#message'), new RegExp(`Exported the signature as ${fileName}`));

    await page.click('#clear');
    const filePath = path.join(env.folder, `${format}-${fileName}`);
    await writeFile(filePath, exported);
    await importFile(page, filePath);

    assert.match(await textOf(page, '#message'), /^Imported .*: 2 strokes, \d+ samples\./);
    const reexported = await exportPad(page, format);
    if (format === 'svc2004') {
      // The SVC2004 reader starts a stroke after a 30 ms gap too, which the replayed mouse
      // input may contain, so only the samples are compared and not the button column.
      const samples = (text) => text.trim().split('\n').map((line) => line.split(' ').slice(0, 3));
      assert.deepEqual(samples(reexported), samples(exported));
    } else {
      assert.equal(reexported, exported, 'the second export equals the first');
      assert.match(await textOf(page, '#pad-status'), new RegExp(`^${status.split(' (')[0]}`));
    }
    assertClean(page);
  });
}

test('malformed file changes nothing', async (t) => {
  const page = await openReadyPage(t);
  await replaySignature(page, makeScribble(1));
  await page.click('#enrol');
  await replaySignature(page, makeScribble(2));
  const storedBefore = await readEnrolments(page);
  const statusBefore = await textOf(page, '#pad-status');
  const exportBefore = await exportPad(page, 'json');

  const broken = exportBefore.split('\n');
  broken[7] = broken[7].replace('[', '[oops, ');
  const filePath = path.join(env.folder, 'broken.json');
  await writeFile(filePath, broken.join('\n'));
  await importFile(page, filePath);

  assert.match(
    await textOf(page, '#message'),
    /^Import failed: \u2068broken\.json\u2069: JSON line 8, column 10: "strokes"\[0\]\."points"\[0\]\[0\] must be a finite number/,
  );
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.equal(await textOf(page, '#pad-status'), statusBefore);
  assert.equal(await exportPad(page, 'json'), exportBefore, 'the pad is unchanged');
  assert.deepEqual(
    await readEnrolments(page),
    storedBefore,
    'the enrolments are unchanged',
  );

  const notSignature = path.join(env.folder, 'notes.txt');
  await writeFile(notSignature, 'shopping list\n');
  await importFile(page, notSignature);
  assert.match(await textOf(page, '#message'), /^Import failed: \u2068notes\.txt\u2069 is not a signature file/);
  assert.equal(await exportPad(page, 'json'), exportBefore, 'the pad is still unchanged');

  // A negative point count is read as SVC2004 text, so the message names the line.
  const negative = path.join(env.folder, 'negative.txt');
  await writeFile(negative, '-5\n100 200 0 1\n');
  await importFile(page, negative);
  assert.match(
    await textOf(page, '#message'),
    /^Import failed: \u2068negative\.txt\u2069: line 1 must hold the number of points, found '-5': is this an SVC2004 signature file\?$/,
  );
  assert.equal(await exportPad(page, 'json'), exportBefore, 'the pad is unchanged after it too');
  assertClean(page);
});

test('import flags a one-sample file and quotes a NUL byte', async (t) => {
  const page = await openReadyPage(t);

  // One sample is a valid SVC2004 file, but no enrolment signature.
  const tap = path.join(env.folder, 'tap.txt');
  await writeFile(tap, '1\n100 200 0 0\n');
  await importFile(page, tap);
  assert.match(
    await textOf(page, '#message'),
    /^Imported \u2068tap\.txt\u2069 \(SVC2004 text\): 1 stroke, 1 sample\. It cannot be enrolled: signature has only 1 point/,
  );
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');

  // A NUL byte in a quoted line is shown as '?', and the quote is closed.
  const nul = path.join(env.folder, 'nul.txt');
  await writeFile(nul, '2\n100 200 0 0\n1\u0000 2 3 1\n');
  await importFile(page, nul);
  assert.equal(
    await textOf(page, '#message'),
    "Import failed: \u2068nul.txt\u2069: line 3 must hold 4 (Task 1) or 7 (Task 2) whole numbers, found '1? 2 3 1'.",
  );
  assertClean(page);
});

test('imported signature is enrolled once', async (t) => {
  const page = await openReadyPage(t);
  await replaySignature(page, makeScribble(3));
  const filePath = path.join(env.folder, 'enrol.inkml');
  await writeFile(filePath, await exportPad(page, 'inkml'));
  await page.click('#clear');

  await importFile(page, filePath);
  await page.click('#enrol');
  assert.match(await textOf(page, '#message'), /^Enrolled signature 1 of/);

  // The same file again is a copy of an enrolment signature, not a new one.
  await importFile(page, filePath);
  await page.click('#enrol');
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(
    await textOf(page, '#message'),
    /near-exact copy of enrolment signature 1 of .+ \(their pen paths differ by 0\.\d{4}, .*Press Clear and sign again by hand\.$/,
  );
  assert.equal(await textOf(page, '#enrol-count'), '1 of 5 enrolment signatures');

  // Other signatures still enrol.
  for (const [index, variant] of [4, 5].entries()) {
    await page.click('#clear');
    await replaySignature(page, makeScribble(variant));
    await page.click('#enrol');
    assert.match(await textOf(page, '#message'), new RegExp(`^Enrolled signature ${index + 2} of`));
  }
  // Verifying the same file again is a replay of enrolled data: the page rejects the copy.
  await importFile(page, filePath);
  await page.click('#verify');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), 'replay');
  assertClean(page);
});

test('svc2004 export rejects mixed pressure', async (t) => {
  const page = await openReadyPage(t);
  const mixed = {
    format: 'inkprint-signature',
    version: 1,
    strokes: [
      { pointerType: 'pen', points: [[0, 0, 0, 0.2, null, null], [10, 5, 10, 0.4, null, null]] },
      { pointerType: 'mouse', points: [[20, 0, 100, null, null, null], [30, 9, 110, null, null, null]] },
    ],
  };
  const filePath = path.join(env.folder, 'mixed.json');
  await writeFile(filePath, JSON.stringify(mixed));
  await importFile(page, filePath);
  assert.match(await textOf(page, '#pad-status'), /^2 strokes, 4 samples \(pen, mouse, with pressure\)/);

  await page.selectOption('#export-format', 'svc2004');
  await page.click('#export');
  assert.match(await textOf(page, '#message'), /^Export failed: stroke 2 has no pressure/);
  assertClean(page);
});

test('every button works from the keyboard', async (t) => {
  const page = await openReadyPage(t);

  const focused = [];
  await page.focus('#person');
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press('Tab');
    focused.push(await page.evaluate(() => document.activeElement.id));
  }
  const controls = ['undo', 'clear', 'replay', 'import', 'export-format', 'export'];
  for (const id of [...controls, 'enrol', 'verify', 'forget']) {
    assert.ok(focused.includes(id), `#${id} is reached with Tab, got ${focused.join(', ')}`);
  }

  await page.focus('#replay');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused button shows an outline');
  await page.keyboard.press('Enter');
  assert.match(await textOf(page, '#message'), /The pad is empty: draw or import a signature/);

  // Enter on Import clicks the hidden file input, which opens the file picker. The picker
  // itself is checked with a mouse click in the import tests above.
  await page.evaluate(() => {
    window.fileInputClicks = 0;
    const input = document.getElementById('import-file');
    input.addEventListener('click', (event) => {
      window.fileInputClicks += 1;
      event.preventDefault();
    });
  });
  await page.focus('#import');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => window.fileInputClicks), 1, 'Enter on Import opens the picker');
  assert.equal(await page.getAttribute('#message', 'aria-live'), 'polite');
  assert.equal(await page.getAttribute('#result', 'role'), 'status');
  assertClean(page);
});

test('strokes drawn after an import keep their timing', async (t) => {
  const page = await openReadyPage(t);
  // An SVC2004 file whose clock is far ahead of the page's: 38,000,000 ms.
  const lines = [];
  for (let i = 0; i < 60; i += 1) {
    lines.push(`${i * 20} ${Math.round(200 + 100 * Math.sin(i / 5))} ${38_000_000 + i * 10} 1`);
  }
  const filePath = path.join(env.folder, 'late-clock.txt');
  await writeFile(filePath, `${lines.length}\n${lines.join('\n')}\n`);
  await importFile(page, filePath);
  await replaySignature(page, makeScribble(2));

  const exported = JSON.parse(await exportPad(page, 'json'));
  const times = exported.strokes.flatMap((stroke) => stroke.points.map((point) => point[2]));
  const drawn = exported.strokes.slice(1).flatMap((stroke) => stroke.points.map((point) => point[2]));
  assert.ok(drawn.length > 10, `only ${drawn.length} drawn samples`);
  assert.ok(drawn[0] > 38_000_590, `the drawn stroke starts at ${drawn[0]} ms, not after the import`);
  assert.ok(drawn.at(-1) - drawn[0] > 300, `the drawn strokes last ${drawn.at(-1) - drawn[0]} ms`);
  assert.ok(times.every((time, i) => i === 0 || time >= times[i - 1]), 'times go back');
  assertClean(page);
});

test('stroke after import or undo follows', async (t) => {
  const page = await openReadyPage(t);
  // A file whose clock starts at 0, behind the page's, which has been open for a while.
  const lines = [];
  for (let i = 0; i < 60; i += 1) {
    lines.push(`${i * 20} ${Math.round(200 + 100 * Math.sin(i / 5))} ${i * 10} 1`);
  }
  const filePath = path.join(env.folder, 'early-clock.txt');
  await writeFile(filePath, `${lines.length}\n${lines.join('\n')}\n`);
  await importFile(page, filePath);
  await page.waitForTimeout(1500);
  await replaySignature(page, makeScribble(2));

  const startsOf = async () => {
    const exported = JSON.parse(await exportPad(page, 'json'));
    return exported.strokes.map((stroke) => [stroke.points[0][2], stroke.points.at(-1)[2]]);
  };
  const afterImport = await startsOf();
  assert.equal(afterImport.length, 3);
  assert.equal(afterImport[0][1], 590);
  // The first drawn stroke starts 150 ms after the file's last sample, whenever it was drawn.
  assert.equal(afterImport[1][0], 740);
  // The second keeps its own pause after the first (110 ms in the replayed scribble).
  const gap = afterImport[2][0] - afterImport[1][1];
  assert.ok(gap > 50, `the drawn strokes are ${gap} ms apart`);
  assert.ok(gap < 1000, `the drawn strokes are ${gap} ms apart`);

  // A stroke redrawn a while after Undo also follows 150 ms after the last remaining sample.
  await page.click('#undo');
  await page.waitForTimeout(1500);
  await replaySignature(page, makeScribble(3).filter((sample) => sample.stroke === 1));
  const afterUndo = await startsOf();
  assert.equal(afterUndo.length, 3);
  assert.equal(afterUndo[2][0], afterUndo[1][1] + 150);
  assertClean(page);
});

test('long pause: replay shortens, enrolment rejects', async (t) => {
  const page = await openReadyPage(t);
  // Two strokes of 40 samples 10 ms apart, the second 10^12 ms (about 32 years) after the first.
  const lines = [];
  for (let i = 0; i < 80; i += 1) {
    const time = i * 10 + (i >= 40 ? 1e12 : 0);
    lines.push(`${i * 15} ${Math.round(200 + 100 * Math.sin(i / 5))} ${time} 1`);
  }
  const filePath = path.join(env.folder, 'long-pause.txt');
  await writeFile(filePath, `${lines.length}\n${lines.join('\n')}\n`);
  await importFile(page, filePath);

  // 390 ms of each stroke and the pause shortened to 2 s.
  const started = Date.now();
  await page.click('#replay');
  assert.equal(
    await textOf(page, '#message'),
    'Replaying the signature at its recorded speed (2.8 s; 1 pause longer than 2 s shortened to it).',
  );
  await page.waitForFunction(() => document.getElementById('message').textContent === 'Replay finished.', null, {
    timeout: 10_000,
  });
  const elapsedMs = Date.now() - started;
  assert.ok(elapsedMs >= 2780, `the replay took ${elapsedMs} ms`);

  await page.fill('#person', 'Ada');
  await page.click('#enrol');
  assert.equal(await page.getAttribute('#message', 'data-kind'), 'error');
  assert.match(
    await textOf(page, '#message'),
    /pauses for 1000000000\.1 s between strokes 1 and 2, longer than the 60 s an enrolment signature may pause: press Clear and sign without stopping \(or load a signature without such a pause\), then enrol/,
  );
  assert.deepEqual(await readEnrolments(page), {});
  assertClean(page);
});
