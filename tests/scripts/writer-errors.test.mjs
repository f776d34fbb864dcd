// Runs scripts/writer-errors.mjs on score files written here, as inkprint-evaluate would.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const script = new URL('../../scripts/writer-errors.mjs', import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), 'inkprint-writer-errors-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function scoresFile(name, writers) {
  const lines = ['task,user,kind,score'];
  for (const [user, kinds] of Object.entries(writers)) {
    for (const [kind, scores] of Object.entries(kinds)) {
      for (const score of scores) lines.push(`1,${user},${kind},${score}`);
    }
  }
  const file = join(folder, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('names the writer whose forgeries pass', () => {
  // Writer 2 has one forgery at 3. The threshold 2 rejects no genuine signature and accepts only that forgery.
  const file = scoresFile('one-forger.csv', {
    1: { genuine: [5, 5, 5, 5], skilled: [-5, -5, -5, -5], random: [9] },
    2: { genuine: [5, 5, 5, 5], skilled: [3, -5, -5, -5] },
    3: { genuine: [2, 2, 2, 2], skilled: [-5, -5, -5, -5] },
  });
  const output = execFileSync('node', [script, file], { encoding: 'utf8' });
  assert.match(output, /3 writers, all folds pooled/);
  assert.match(output, /threshold 2:\s+0\.00 % of genuine signatures rejected,\s+8\.33 % of skilled forgeries accepted/);
  const rows = output.trim().split('\n').slice(-3);
  assert.match(rows[0], /^1\/2\s+0\.00 %\s+25\.00 %\s+-\s+100\.00 %$/);
  assert.match(rows[1], /^1\/[13]\s+0\.00 %\s+0\.00 %/);
});

test('correlates the writers\' genuine and forgery levels', () => {
  // Medians (genuine, skilled): writer 1 (5, 1), writer 2 (7, 3), writer 3 (6, 2): they rise together.
  const together = scoresFile('together.csv', {
    1: { genuine: [4, 5, 6], skilled: [0, 1, 2] },
    2: { genuine: [6, 7, 8], skilled: [2, 3, 4] },
    3: { genuine: [5, 6, 7], skilled: [1, 2, 3] },
  });
  assert.match(execFileSync('node', [script, together], { encoding: 'utf8' }), /across 3 writers, .* correlate at 1\.00\n/);
  // Writer 2's genuine median is the highest and its skilled median the lowest.
  const apart = scoresFile('apart.csv', {
    1: { genuine: [5], skilled: [2] },
    2: { genuine: [7], skilled: [0] },
    3: { genuine: [6], skilled: [1] },
  });
  assert.match(execFileSync('node', [script, apart], { encoding: 'utf8' }), /correlate at -1\.00\n/);
});

test('limits the rows to the count given', () => {
  const file = scoresFile('two-rows.csv', {
    1: { genuine: [1, 2], skilled: [0, 3] },
    2: { genuine: [1, 2], skilled: [0, 0] },
    3: { genuine: [4, 4], skilled: [-1, -1] },
  });
  const output = execFileSync('node', [script, file, '1'], { encoding: 'utf8' });
  assert.equal(output.trim().split('\n').filter((line) => line.startsWith('1/')).length, 1);
});

test('rejects a missing file, a foreign file and a bad row count', () => {
  const missing = spawnSync('node', [script, join(folder, 'absent.csv')], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /failed to read .*absent\.csv.*Run inkprint-evaluate first/);

  const foreign = join(folder, 'foreign.csv');
  writeFileSync(foreign, 'name,value\na,1\n');
  const wrongHeader = spawnSync('node', [script, foreign], { encoding: 'utf8' });
  assert.equal(wrongHeader.status, 1);
  assert.match(wrongHeader.stderr, /does not start with the header "task,user,kind,score"/);

  const damaged = scoresFile('damaged.csv', { 1: { genuine: ['1', 'x'], skilled: ['0'] } });
  const notNumber = spawnSync('node', [script, damaged], { encoding: 'utf8' });
  assert.equal(notNumber.status, 1);
  assert.match(notNumber.stderr, /line 3: the score "x" is not a number/);

  const badCount = spawnSync('node', [script, damaged, 'many'], { encoding: 'utf8' });
  assert.equal(badCount.status, 2);
  assert.match(badCount.stderr, /invalid ROWS "many"/);
  const hexCount = spawnSync('node', [script, damaged, '0x2'], { encoding: 'utf8' });
  assert.equal(hexCount.status, 2);
  assert.match(hexCount.stderr, /invalid ROWS "0x2"/);
  const extraArgument = spawnSync('node', [script, damaged, '3', 'more'], { encoding: 'utf8' });
  assert.equal(extraArgument.status, 2);
  assert.match(extraArgument.stderr, /usage:/);
});

test('rejects damaged lines, naming the line', () => {
  const cases = [
    ['task,user,kind,score\n1,1,genuine,\n1,1,skilled,0\n', /line 2: the score "" is not a number/],
    ['task,user,kind,score\n1,1,Genuine,1\n', /line 2: the kind "Genuine" is none of genuine, skilled and random/],
    ['task,user,kind,score\n1,1,genuine,1,extra\n', /line 2: expected 4 comma-separated fields/],
    ['task,user,kind,score\n\n1,1,genuine,1\n', /line 2: expected 4 comma-separated fields .* got 1/],
    ['', /is empty/],
  ];
  for (const [index, [text, message]] of cases.entries()) {
    const file = join(folder, `damaged-${index}.csv`);
    writeFileSync(file, text);
    const result = spawnSync('node', [script, file], { encoding: 'utf8' });
    assert.equal(result.status, 1, text);
    assert.match(result.stderr, message);
  }
});

test('reads Windows line endings', () => {
  const file = join(folder, 'crlf.csv');
  writeFileSync(file, 'task,user,kind,score\r\n1,1,genuine,2\r\n1,1,skilled,0\r\n1,1,random,5\r\n');
  const output = execFileSync('node', [script, file], { encoding: 'utf8' });
  assert.match(output, /1 writers, all folds pooled/);
  assert.match(output, /^1\/1\s+0\.00 %\s+0\.00 %/m);
});
