// The explanation of a verdict in the real page: after a replayed skilled forgery, the page
// draws the forgery coloured by local score next to the closest enrolment signature, the speed
// profiles and the score distributions. A screenshot is kept in test-results/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import {
  assertClean,
  clearEnrolments,
  importFile,
  loadPage,
  openPage,
  readEnrolments,
  readSvc2004File,
  replaySignature,
  REPO_ROOT,
  svc2004Folder,
  svc2004SkipReason,
  textOf,
  usePageSession,
  writeEnrolmentRecords,
} from './helpers.mjs';

const SCREENSHOT = path.join(REPO_ROOT, 'test-results', 'explanation.png');

// Task 1 user 35 is held out from the default model's training.
const USER = 35;

const skipReason = svc2004SkipReason();

const env = usePageSession();

// Counts the canvas's pixels that are drawn, and among them those near each given colour.
async function countPixels(page, selector, colours) {
  return page.evaluate(
    ({ selector, colours }) => {
      const canvas = document.querySelector(selector);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const near = colours.map(() => 0);
      let drawn = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] < 200) continue;
        drawn += 1;
        colours.forEach(([r, g, b], k) => {
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60) {
            near[k] += 1;
          }
        });
      }
      return { drawn, near };
    },
    { selector, colours },
  );
}

async function replayFile(page, number) {
  await page.click('#clear');
  const file = path.join(svc2004Folder(), 'Task1', `U${USER}S${number}.TXT`);
  await replaySignature(page, readSvc2004File(file));
}

test('a replayed forgery is explained', { skip: skipReason }, async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  assert.equal(await page.isVisible('#explanation'), false, 'no explanation before a verification');

  await page.fill('#person', `svc2004 user ${USER}`);
  for (const number of [1, 2, 3, 4, 5]) {
    await replayFile(page, number);
    await page.click('#enrol');
    assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
  }

  await replayFile(page, 21);
  await page.click('#verify');
  assert.ok(await page.getAttribute('#result', 'data-verdict'), await textOf(page, '#message'));
  await page.waitForSelector('#explanation:not([hidden])');
  // The default model fuses the network with time warping, and the colours explain the
  // network's cosine.
  assert.equal(await page.getAttribute('#result', 'data-method'), 'fused');
  assert.match(
    await textOf(page, '#model-summary'),
    /Held-out users 31-40, verdict with time warping: skilled-forgery EER [\d.]+ %.*Network alone: skilled-forgery EER [\d.]+ %/,
  );
  // The footer names the threshold the verdict was made against, not only the network's.
  const verdictThreshold = Number(await page.getAttribute('#result', 'data-threshold'));
  assert.match(
    await textOf(page, '#model-summary'),
    new RegExp(`verdict threshold ${verdictThreshold.toFixed(3)} on the fused score, network cosine threshold`),
  );
  t.diagnostic(`forgery U${USER}S21: ${await textOf(page, '#result')}`);
  // The verdict names what each part of the default model's fused score measures.
  assert.match(
    await textOf(page, '#result'),
    /\(network: mean of the cosines to each enrolment signature -?[\d.]+; time warping: log-odds that the signature is genuine, from its distances to the enrolment signatures -?[\d.]+\)$/,
  );
  const score = Number(await page.getAttribute('#explanation', 'data-cosine'));
  const threshold = Number(await page.getAttribute('#explanation', 'data-cosine-threshold'));
  assert.match(await textOf(page, '#explain-query-caption'), /network's part of the verdict/);

  // The forgery is drawn in colours of the scale, and its stretches span both sides of the threshold.
  const lowest = Number(await page.getAttribute('#explanation', 'data-lowest-local-score'));
  const highest = Number(await page.getAttribute('#explanation', 'data-highest-local-score'));
  assert.ok(lowest < threshold, `lowest local score ${lowest} is not below the threshold ${threshold}`);
  assert.ok(lowest <= score, `score ${score} is below the lowest local score ${lowest}`);
  assert.ok(score <= highest, `score ${score} is above the highest local score ${highest}`);
  const vermillion = [213, 94, 0];
  const blue = [0, 114, 178];
  const query = await countPixels(page, '#explain-query', [vermillion, blue]);
  assert.ok(query.drawn > 500, `the query canvas has only ${query.drawn} drawn pixels`);
  assert.ok(query.near[0] + query.near[1] > 0, 'no stroke is in an end colour of the scale');
  assert.match(await textOf(page, '#explain-query-caption'), /samples lie in stretches below the threshold/);

  // The closest enrolment signature is drawn in grey.
  const closest = Number(await page.getAttribute('#explanation', 'data-closest'));
  assert.ok(closest >= 0, `closest enrolment index ${closest}`);
  assert.ok(closest < 5, `closest enrolment index ${closest}`);
  const enrolment = await countPixels(page, '#explain-closest', [[153, 153, 153]]);
  assert.ok(enrolment.near[0] > 500, `the enrolment canvas has only ${enrolment.near[0]} grey pixels`);
  assert.match(await textOf(page, '#explain-closest-caption'), new RegExp(`number ${closest + 1} of 5`));

  // Speed profiles: the query in blue and the five enrolment signatures in grey. Mouse replays
  // carry no pressure, so the page shows a note instead of an empty plot.
  const speed = await countPixels(page, '#explain-speed', [blue, [153, 153, 153]]);
  assert.ok(speed.near[0] > 100, `speed plot: ${speed.near[0]} blue pixels`);
  assert.ok(speed.near[1] > 100, `speed plot: ${speed.near[1]} grey pixels`);
  assert.equal(await page.isVisible('#explain-pressure-note'), true);
  assert.match(await textOf(page, '#explain-profiles-caption'), /5 enrolment signatures/);

  // The distributions of held-out scores, with the threshold's error rates.
  assert.equal(await page.getAttribute('#explanation', 'data-distribution'), 'fused');
  const distribution = await countPixels(page, '#explain-distribution', [blue, vermillion]);
  assert.ok(distribution.near[0] > 50, `genuine outline: ${JSON.stringify(distribution)}`);
  assert.ok(distribution.near[1] > 50, `skilled forgery outline: ${JSON.stringify(distribution)}`);
  assert.match(await textOf(page, '#explain-distribution-caption'), /^Fused scores .* 200 genuine signatures/);
  assert.match(await textOf(page, '#explain-distribution-caption'), /false rejections/);

  // A narrower window redraws the pictures at their new size.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForFunction(() => {
    const legend = document.getElementById('explain-legend');
    return legend.width === Math.round(legend.clientWidth * window.devicePixelRatio);
  });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.waitForFunction(() => {
    const legend = document.getElementById('explain-legend');
    return legend.clientWidth > 400 && legend.width === Math.round(legend.clientWidth * window.devicePixelRatio);
  });

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.locator('#explanation').screenshot({ path: SCREENSHOT });
  t.diagnostic(`screenshot: ${path.relative(REPO_ROOT, SCREENSHOT)}`);

  // A new drawing hides the explanation of the previous verdict.
  await page.click('#clear');
  assert.equal(await page.isVisible('#explanation'), false);

  // Replaying an enrolment signature's recording again through the pad usually comes within
  // the replay distance. A heavily loaded machine can delay the events by more than the
  // timestamp average absorbs, so the test records the distance without asserting on it.
  await replayFile(page, 3);
  await page.click('#verify');
  const distance = await page.getAttribute('#result', 'data-nearest-path-distance');
  t.diagnostic(`enrolment signature 3 replayed again: ${await textOf(page, '#result')}, path distance ${distance}`);
  assertClean(page);
});

// Writes a generated signature as an SVC2004 text file: a wave of `cycles` cycles in two strokes,
// 10 ms apart, so that importing it gives the pad exactly these points.
// Writes a sine wave of the given number of cycles as an SVC2004 file. A shear moves each
// point sideways by that fraction of its height, and the wave is then squeezed to 80 % of its
// height: the same recording edited to look different. A ripple adds a wave of 5 cycles and
// that height, as a writer's small changes from one signature to the next.
function writeWave(folder, cycles, shear = 0, ripple = 0) {
  const lines = [];
  for (let i = 0; i < 200; i += 1) {
    const height =
      200 * Math.sin((cycles * 2 * Math.PI * i) / 200) + ripple * Math.sin((5 * 2 * Math.PI * i) / 200);
    const x = Math.round(i * 8 + shear * height);
    const y = Math.round(300 + (shear === 0 ? 1 : 0.8) * height);
    const penDown = i === 0 || i === 100 ? 0 : 1;
    lines.push(`${x} ${y} ${i * 10 + (i >= 100 ? 150 : 0)} ${penDown}`);
  }
  const file = path.join(folder, `wave${cycles}${shear === 0 ? '' : '-sheared'}${ripple === 0 ? '' : `-ripple${ripple}`}.txt`);
  fs.writeFileSync(file, `${lines.length}\n${lines.join('\n')}\n`);
  return file;
}


// Generated signatures: runs without the data set.
test('enrolment signatures survive a reload and older entries still verify', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-explain-'));
  const waves = [1, 3, 6].map((cycles) => writeWave(folder, cycles));
  const page = await openPage(env.browser.context, env.server.origin);
  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.fill('#person', 'scribbler');
  for (const file of waves) {
    await importFile(page, file);
    await page.click('#enrol');
    assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
  }

  await page.reload();
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.fill('#person', 'scribbler');
  await importFile(page, waves[1]);
  await page.click('#verify');
  await page.waitForSelector('#explanation:not([hidden])');
  // The query is the second enrolment signature itself, so that one is shown, as the copied one.
  assert.equal(
    await page.getAttribute('#explanation', 'data-closest'),
    '1',
    `cosines with the enrolment signatures: ${await page.getAttribute('#explanation', 'data-similarities')}`,
  );
  assert.match(await textOf(page, '#explain-closest-caption'), /^Enrolment signature 2 of 3, which this signature copies \(cosine 1\.00/);

  // An entry saved before signatures were kept has embeddings only.
  const { signatures, ...withoutSignatures } = (await readEnrolments(page)).scribbler;
  assert.equal(signatures.length, 3);
  await writeEnrolmentRecords(page, [withoutSignatures]);
  await page.reload();
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.fill('#person', 'scribbler');
  await importFile(page, waves[2]);
  await page.click('#verify');
  await page.waitForSelector('#explanation:not([hidden])');
  assert.equal(await page.getAttribute('#result', 'data-verdict') !== null, true);
  assert.equal(await page.getAttribute('#explanation', 'data-closest'), null);
  assert.match(await textOf(page, '#explain-closest-caption'), /No enrolment signature of this person was saved/);
  assert.match(await textOf(page, '#explain-profiles-caption'), /0 enrolment signatures/);
  // Without the enrolment signatures' points the page cannot time-warp, so it uses the cosine.
  assert.equal(await page.getAttribute('#result', 'data-method'), 'cosine');
  assert.equal(await page.getAttribute('#explanation', 'data-distribution'), 'cosine');

  // A damaged signature makes the entry unreadable: the page names it and keeps the saved value.
  const damaged = { ...withoutSignatures, signatures: [[1, 2, 3], null, null] };
  await writeEnrolmentRecords(page, [damaged]);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  assert.match(
    await textOf(page, '#storage-problem'),
    /enrolment of “\u2068scribbler\u2069” cannot be read: it has an invalid signature at index 0/,
  );
  assert.deepEqual((await readEnrolments(page)).scribbler, damaged, 'the damaged record is kept');
  assertClean(page);
});

test('a copy of an enrolment signature is rejected as a replay', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-replay-'));
  const waves = [2, 4, 7].map((cycles) => writeWave(folder, cycles));
  const page = await openPage(env.browser.context, env.server.origin);
  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  await page.fill('#person', 'replayed');
  for (const file of waves) {
    await importFile(page, file);
    await page.click('#enrol');
  }

  // The imported file gives the pad exactly the enrolled points: a perfect copy.
  await importFile(page, waves[2]);
  await page.click('#verify');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), 'replay');
  assert.match(await textOf(page, '#result'), /^Rejected: replay/);
  assert.match(await textOf(page, '#result'), /near-exact copy of enrolment signature 3: their pen paths differ by 0\.0000/);
  // The explanation shows the same enrolment signature as the one the verdict names.
  await page.waitForSelector('#explanation:not([hidden])');
  assert.equal(await page.getAttribute('#explanation', 'data-closest'), '2');
  assert.match(
    await textOf(page, '#explain-closest-caption'),
    /^Enrolment signature 3 of 3, which this signature copies \(cosine 1\.00 with this signature\)\.$/,
  );

  // Sheared and squeezed, the recording is still a copy.
  await importFile(page, writeWave(folder, 7, 0.3));
  await page.click('#verify');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), 'replay');
  assert.match(await textOf(page, '#result'), /near-exact copy of enrolment signature 3: their pen paths differ by 0\.00/);

  // A signature that is not a copy gets an ordinary verdict.
  await importFile(page, writeWave(folder, 5));
  await page.click('#verify');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  assertClean(page);
});

test('a close repeat of a steady writer is no replay', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-steady-'));
  const page = await openPage(env.browser.context, env.server.origin);
  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  // Three signatures 0.017 to 0.033 signature sizes apart, closer than most writers repeat.
  await page.fill('#person', 'steady');
  for (const ripple of [0, 12, 24]) {
    await importFile(page, writeWave(folder, 7, 0, ripple));
    await page.click('#enrol');
    assert.match(await textOf(page, '#message'), /^Enrolled signature/);
  }

  // 0.017 from the nearest: under the fixed limit of 0.03, but no closer than this writer's
  // own signatures are to each other, so it is judged by its score.
  await importFile(page, writeWave(folder, 7, 0, 36));
  await page.click('#verify');
  await page.waitForSelector('#result[data-verdict]');
  assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/);
  const distance = Number(await page.getAttribute('#result', 'data-nearest-path-distance'));
  assert.ok(distance > 0.01, `distance ${distance}`);
  assert.ok(distance < 0.03, `distance ${distance}`);

  // An exact copy is still a replay, and the message gives this writer's limit.
  await importFile(page, writeWave(folder, 7, 0, 12));
  await page.click('#verify');
  assert.equal(await page.getAttribute('#result', 'data-verdict'), 'replay');
  assert.match(await textOf(page, '#result'), /less than the limit of 0\.008\d \(0\.03, or half the distance/);
  assertClean(page);
});
