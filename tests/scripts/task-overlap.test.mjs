// Runs scripts/task-overlap.mjs on SVC2004-like folders written here: one where a signature of
// task 1 reappears in task 2, and one where the tasks share none.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const script = new URL('../../scripts/task-overlap.mjs', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'inkprint-task-overlap-'));
after(() => rmSync(root, { recursive: true, force: true }));

// A looping path of 120 samples whose shape depends on `shape`; `wobble` varies one copy from
// the next as a writer's own signatures vary.
function signatureText(shape, wobble) {
  const lines = ['120'];
  for (let i = 0; i < 120; i += 1) {
    const angle = (i / 120) * 2 * Math.PI;
    const x = 1000 + 400 * Math.cos(angle * (1 + (shape % 5))) + 30 * wobble * Math.sin(angle * 3);
    const y = 1000 + 300 * Math.sin(angle * (2 + Math.floor(shape / 5))) + 20 * wobble * Math.cos(angle * 2);
    lines.push(`${Math.round(x)} ${Math.round(y)} ${i * 10} ${i === 0 ? 0 : 1}`);
  }
  return lines.join('\n') + '\n';
}

// Writes 40 writers of two signatures per task. `task2Shape(writer)` picks task 2's shapes.
function writeFolder(name, task2Shape) {
  const folder = join(root, name);
  for (const task of [1, 2]) {
    mkdirSync(join(folder, `Task${task}`), { recursive: true });
    for (let writer = 1; writer <= 40; writer += 1) {
      const shape = task === 1 ? writer : task2Shape(writer);
      for (const s of [1, 2]) {
        writeFileSync(join(folder, `Task${task}`, `U${writer}S${s}.TXT`), signatureText(shape, s));
      }
    }
  }
  return folder;
}

const run = (folder) =>
  execFileSync('node', [script], { encoding: 'utf8', env: { ...process.env, INKPRINT_SVC2004_DIR: folder } });

test('finds a task 1 signature that reappears in task 2', () => {
  // Task 2's writer 7 writes task 1's writer 5's signature; the others write shapes of their own.
  const output = run(writeFolder('shared', (writer) => (writer === 7 ? 5 : 100 + writer)));
  const closest = output.trim().split('\n').at(-5);
  assert.match(closest, /^ {2}U5: 0\.\d\d$/, output);
});

test('finds none when the tasks share no signature', () => {
  const output = run(writeFolder('apart', (writer) => 100 + writer));
  const smallest = Number(/in task 2: +smallest ([\d.]+)/.exec(output)[1]);
  assert.ok(smallest > 1, output);
});

test('says how to point it at the data', () => {
  const env = { ...process.env };
  delete env.INKPRINT_SVC2004_DIR;
  const result = spawnSync('node', [script], { encoding: 'utf8', env });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /INKPRINT_SVC2004_DIR is not set/);
  const missing = spawnSync('node', [script], {
    encoding: 'utf8',
    env: { ...env, INKPRINT_SVC2004_DIR: join(root, 'absent') },
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /failed to read .*absent.*Task1.*U1S1\.TXT.*Check INKPRINT_SVC2004_DIR/);
});
