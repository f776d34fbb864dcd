// End-to-end check of the page on SVC2004 users that the default model never saw in training.
// Each user enrols five genuine signatures replayed as mouse strokes at their recorded
// timing, then verifies one more genuine signature and one skilled forgery.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import {
  assertClean,
  loadPage,
  openPage,
  readSvc2004File,
  replaySignature,
  svc2004Folder,
  svc2004SkipReason,
  usePageSession,
} from './helpers.mjs';

// Task 1 users 31-40 are held out from the default model's training.
const HELD_OUT_USERS = [31, 32, 33, 34, 35, 36, 37, 38, 39, 40];
const ENROLMENT_SIGNATURES = [1, 2, 3, 4, 5];
const GENUINE_SIGNATURE = 6;
const SKILLED_FORGERY = 21;

// Two pages replay two users at once to halve the wall time. Timing stays faithful because
// the replay sends each event at its due time without waiting for the page.
const PARALLEL_PAGES = 2;

// A replay may run this much longer than the recording before the timing is called unfaithful.
const MAX_REPLAY_STRETCH = 1.25;
const REPLAY_SLACK_MS = 250;

const skipReason = svc2004SkipReason();

const env = usePageSession({ skip: skipReason });
let task1Folder;

before(() => {
  if (skipReason) return;
  task1Folder = path.join(svc2004Folder(), 'Task1');
});

function signatureFile(user, number) {
  return path.join(task1Folder, `U${user}S${number}.TXT`);
}

async function readMessage(page) {
  return (await page.textContent('#message')).trim();
}

// Replays one file and records how faithfully the replay kept its timing.
async function replayFile(page, file, replays) {
  await page.click('#clear');
  const timing = await replaySignature(page, readSvc2004File(file));
  replays.push({ file: path.basename(file), ...timing });
}

async function enrolUser(page, user, person, replays) {
  await page.fill('#person', person);

  for (const [index, number] of ENROLMENT_SIGNATURES.entries()) {
    await replayFile(page, signatureFile(user, number), replays);
    await page.click('#enrol');

    const kind = await page.getAttribute('#message', 'data-kind');
    assert.notEqual(kind, 'error', `enrolling U${user}S${number}: ${await readMessage(page)}`);
    assert.equal(
      (await page.textContent('#enrol-count')).trim(),
      `${index + 1} of 5 enrolment signatures`,
      `enrolment count after U${user}S${number}`,
    );
  }
}

// Replays one file, presses Verify and returns { verdict, score, threshold }.
async function verifyFile(page, user, number, replays) {
  await replayFile(page, signatureFile(user, number), replays);
  await page.click('#verify');

  const verdict = await page.getAttribute('#result', 'data-verdict');
  assert.ok(
    verdict !== null,
    `verifying U${user}S${number} gave no result: ${await readMessage(page)}`,
  );
  return {
    verdict,
    score: Number(await page.getAttribute('#result', 'data-score')),
    threshold: Number(await page.getAttribute('#result', 'data-threshold')),
  };
}

async function runUser(page, user, replays) {
  await enrolUser(page, user, `svc2004 user ${user}`, replays);
  const genuine = await verifyFile(page, user, GENUINE_SIGNATURE, replays);
  const forgery = await verifyFile(page, user, SKILLED_FORGERY, replays);
  return { user, genuine, forgery };
}

test('held-out SVC2004 users are verified', { skip: skipReason }, async (t) => {
  const pages = [];
  for (let i = 0; i < PARALLEL_PAGES; i += 1) {
    const page = await openPage(env.browser.context, env.server.origin);
    assert.equal(await loadPage(page, env.server.url), 'ready', await readMessage(page));
    pages.push(page);
  }

  // Each page takes the next user in the queue when it has finished one.
  const queue = [...HELD_OUT_USERS];
  const results = [];
  const replays = [];
  await Promise.all(
    pages.map(async (page) => {
      while (queue.length > 0) {
        results.push(await runUser(page, queue.shift(), replays));
      }
    }),
  );
  results.sort((a, b) => a.user - b.user);

  for (const { user, genuine, forgery } of results) {
    t.diagnostic(
      `user ${user}: genuine S${GENUINE_SIGNATURE} ${genuine.verdict} ` +
        `(score ${genuine.score.toFixed(3)}), forgery S${SKILLED_FORGERY} ${forgery.verdict} ` +
        `(score ${forgery.score.toFixed(3)}), threshold ${genuine.threshold.toFixed(3)}`,
    );
  }
  const accepted = results.filter((result) => result.genuine.verdict === 'genuine').length;
  const rejected = results.filter((result) => result.forgery.verdict === 'forgery').length;
  const summary = `genuine accepted ${accepted}/${results.length}, forgeries rejected ${rejected}/${results.length}`;
  t.diagnostic(summary);

  const worstLag = Math.max(...replays.map((replay) => replay.maxLagMs));
  t.diagnostic(
    `${replays.length} replays, largest delay behind the recording ${worstLag.toFixed(0)} ms`,
  );

  for (const page of pages) {
    assertClean(page);
  }
  for (const replay of replays) {
    assert.ok(
      replay.replayedMs <= replay.recordedMs * MAX_REPLAY_STRETCH + REPLAY_SLACK_MS,
      `${replay.file} took ${replay.replayedMs.toFixed(0)} ms to replay but was recorded in ` +
        `${replay.recordedMs} ms: the machine was too busy to keep the timing`,
    );
  }
  assert.equal(results.length, HELD_OUT_USERS.length, 'users verified');
  assert.ok(accepted > results.length / 2, `only ${summary}`);
  assert.ok(rejected > results.length / 2, `only ${summary}`);
});
