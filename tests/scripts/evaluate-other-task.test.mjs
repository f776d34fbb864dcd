// Runs the native inkprint-evaluate with --also-train-on-task on an SVC2004-like folder written
// here, so that it needs no data set: every fold trains on the other task's 40 users too, and
// the tested task's folds stay as they were.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const evaluate = new URL('../../build/native/inkprint-evaluate', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'inkprint-evaluate-other-task-'));
after(() => rmSync(root, { recursive: true, force: true }));

// One signature: a loop whose shape depends on the writer, with a small wobble of its own.
// A forgery (`forged`) is written slower and with a larger wobble, as a copyist would.
function signatureText(task, writer, index, forged) {
  const samples = forged ? 160 : 120;
  const wobble = (forged ? 40 : 10) * Math.sin(index * 1.7 + task);
  const lines = [String(samples)];
  for (let i = 0; i < samples; i += 1) {
    const angle = (i / samples) * 2 * Math.PI;
    const x = 1000 + 400 * Math.cos(angle * (1 + (writer % 4))) + wobble * Math.sin(angle * 3);
    const y = 1000 + 300 * Math.sin(angle * (2 + (writer % 3))) + wobble * Math.cos(angle * 5 + writer);
    lines.push(`${Math.round(x)} ${Math.round(y)} ${i * 10} ${i === 0 ? 0 : 1}`);
  }
  return lines.join('\n') + '\n';
}

function writeData() {
  const folder = join(root, 'svc2004');
  for (const task of [1, 2]) {
    mkdirSync(join(folder, `Task${task}`), { recursive: true });
    for (let writer = 1; writer <= 40; writer += 1) {
      for (let s = 1; s <= 40; s += 1) {
        writeFileSync(join(folder, `Task${task}`, `U${writer}S${s}.TXT`), signatureText(task, writer, s, s > 20));
      }
    }
  }
  return folder;
}

function requireEvaluate() {
  assert.ok(
    existsSync(evaluate),
    `${evaluate} is missing: run scripts/build.sh first (scripts/test.sh does so)`,
  );
}

test('every fold also trains on the other task', () => {
  requireEvaluate();
  const data = writeData();
  const out = join(root, 'result');
  const output = execFileSync(
    evaluate,
    ['--data', data, '--task', '1', '--also-train-on-task', '2', '--method', 'dtw', '--trials', '1', '--out', out],
    { encoding: 'utf8' },
  );
  const foldLines = output.split('\n').filter((line) => /^fold \d: test users/.test(line));
  assert.equal(foldLines.length, 4, output);
  for (const line of foldLines) {
    assert.match(line, /; training the other 25 and all 40 users of task 2$/);
  }
  assert.match(output, /DTW calibration fitted on 65 users/);
  assert.match(output, /every fold also trained on task 2/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.task, 1);
  assert.equal(summary.alsoTrainedOnTask, 2);
  // The other task's users train only: every tested score belongs to task 1.
  const scores = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(scores.length, 40 * 50);
  assert.ok(scores.every((line) => line.startsWith('1,')));
});

test('refuses the tested task and --train-task beside it', () => {
  requireEvaluate();
  const sameTask = spawnSync(evaluate, ['--task', '2', '--also-train-on-task', '2'], { encoding: 'utf8' });
  assert.notEqual(sameTask.status, 0);
  assert.match(sameTask.stderr, /--also-train-on-task 2 is the tested task.*name the other task/);
  const withTrainTask = spawnSync(evaluate, ['--task', '1', '--train-task', '2', '--also-train-on-task', '2'], {
    encoding: 'utf8',
  });
  assert.notEqual(withTrainTask.status, 0);
  assert.match(withTrainTask.stderr, /pass one of them/);
});
