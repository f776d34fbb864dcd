// Runs the native inkprint-train and inkprint-evaluate on an SVC2004-like folder written here.
// Invalid settings must be rejected before any training, with a message that names the option.
// A model no better than chance must not be written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const train = new URL('../../build/native/inkprint-train', import.meta.url).pathname;
const evaluate = new URL('../../build/native/inkprint-evaluate', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'inkprint-tool-options-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Settings that keep any training that does start short.
const tiny = ['--epochs', '1', '--pairs', '32', '--augment', '0', '--threads', '1'];

// Writes an SVC2004-like Task 1 in which every signature of every writer, forgeries included,
// is the same loop, so that no model can tell them apart. Returns the folder.
function writeData() {
  const folder = join(root, 'svc2004');
  mkdirSync(join(folder, 'Task1'), { recursive: true });
  const lines = ['100'];
  for (let i = 0; i < 100; i += 1) {
    const angle = (i / 100) * 2 * Math.PI;
    lines.push(`${Math.round(1000 + 400 * Math.cos(angle))} ${Math.round(1000 + 300 * Math.sin(2 * angle))} ${i * 10} 1`);
  }
  const text = lines.join('\n') + '\n';
  for (let writer = 1; writer <= 40; writer += 1) {
    for (let s = 1; s <= 40; s += 1) writeFileSync(join(folder, 'Task1', `U${writer}S${s}.TXT`), text);
  }
  return folder;
}

const data = writeData();

function run(tool, args) {
  assert.ok(existsSync(tool), `${tool} is missing: run scripts/build.sh first (scripts/test.sh does so)`);
  return spawnSync(tool, args, { encoding: 'utf8' });
}

// Runs `tool` and checks that it stops with exit code 1 and `message`, before any training.
function assertRejected(tool, args, message) {
  const result = run(tool, args);
  assert.equal(result.status, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stdout, /trained on|epoch/, result.stdout);
}

test('inkprint-evaluate checks its output folder before training', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'text');
  assertRejected(evaluate, ['--data', data, '--out', file, ...tiny, '--trials', '1'],
    /cannot create the output folder .*a-file \(.*\): pass --out a folder/);
  assertRejected(evaluate, ['--data', data, '--out', file, '--method', 'tdnn,dtw', ...tiny, '--trials', '1'],
    /cannot create the output folder .*a-file\/tdnn \(/);
});

test('inkprint-evaluate checks --enrol and --trials when it reads them', () => {
  for (const value of ['0', '11']) {
    assertRejected(evaluate, ['--data', data, '--enrol', value, ...tiny],
      new RegExp(`option --enrol needs a whole number from 1 to 10, got '${value}'`));
  }
  for (const value of ['0', '1001']) {
    assertRejected(evaluate, ['--data', data, '--trials', value, ...tiny],
      new RegExp(`option --trials needs a whole number from 1 to 1000, got '${value}'`));
  }
});

test('the tools name --data when the folder it names is missing', () => {
  for (const tool of [train, evaluate]) {
    const result = run(tool, ['--data', join(root, 'absent'), '--out', join(root, 'out.inkprint')]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /absent\/Task1 not found: pass --data the folder that holds Task1\/ and Task2\//);
    assert.doesNotMatch(result.stderr, /INKPRINT_SVC2004_DIR/);
  }
});

test('inkprint-train rejects settings the page rejects', () => {
  const out = ['--data', data, '--tasks', '1', '--out', join(root, 'rejected.inkprint')];
  assertRejected(train, [...out, '--learning-rate', '1e5'], /option --learning-rate needs a number from 1e-06 to 1/);
  assertRejected(train, [...out, '--genuine-target', '5'], /option --genuine-target needs a number from -1 to 1/);
  assertRejected(train, [...out, '--genuine-target', '1', '--forgery-target', '1'],
    /--forgery-target 1 must be below --genuine-target 1/);
  assertRejected(train, [...out, '--bogus'], /unknown option --bogus; see --help/);
  assert.ok(!existsSync(join(root, 'rejected.inkprint')));
});

test('inkprint-train writes no model that is no better than chance', () => {
  const model = join(root, 'chance.inkprint');
  const result = run(train, ['--data', data, '--tasks', '1', '--fusion', 'none', '--out', model, ...tiny]);
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /the trained model was not written to .*chance\.inkprint: its validation EER is \d+\.\d\d %, no better than chance/);
  assert.match(result.stderr, /a lower --learning-rate than 0\.001, more --epochs than 1/);
  assert.ok(!existsSync(model));
});
