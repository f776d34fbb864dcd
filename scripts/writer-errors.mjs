#!/usr/bin/env node
// Shows which writers make up the errors of one threshold for all writers. Reads the
// scores.csv that inkprint-evaluate writes, pools every fold, takes the threshold where false
// rejections equal skilled forgeries accepted, and lists each writer's share of both. Also
// prints how the writers' median genuine and median skilled-forgery scores correlate: if they
// rose and fell together, one shift per writer would line the writers up.
//
//   node scripts/writer-errors.mjs build/evaluation/dtw-task1/scores.csv [rows]
import { readFileSync } from 'node:fs';

const [file, rowsArgument = '10', ...extra] = process.argv.slice(2);
if (!file || extra.length > 0) {
  console.error('usage: node scripts/writer-errors.mjs SCORES.CSV [ROWS]: SCORES.CSV is written by inkprint-evaluate');
  process.exit(2);
}
const rowCount = /^[0-9]+$/.test(rowsArgument) ? Number(rowsArgument) : NaN;
if (!Number.isSafeInteger(rowCount) || rowCount < 1) {
  console.error(`invalid ROWS "${rowsArgument}": give a whole number of at least 1`);
  process.exit(2);
}

let text;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  console.error(`failed to read ${file}: ${error.message}. Run inkprint-evaluate first; it writes scores.csv into --out`);
  process.exit(1);
}
const lines = text.split(/\r?\n/);
while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
if (lines.length === 0) {
  console.error(`${file} is empty: inkprint-evaluate writes a header line and one line per score`);
  process.exit(1);
}
if (lines[0] !== 'task,user,kind,score') {
  console.error(`${file} does not start with the header "task,user,kind,score" of inkprint-evaluate's scores.csv`);
  process.exit(1);
}

// writer "task/user" -> {genuine: [...], skilled: [...]}
const writers = new Map();
const kinds = new Set(['genuine', 'skilled', 'random']);
for (const [index, line] of lines.slice(1).entries()) {
  const fields = line.split(',');
  const where = `${file} line ${index + 2}`;
  if (fields.length !== 4) {
    console.error(`${where}: expected 4 comma-separated fields (task,user,kind,score), got ${fields.length}`);
    process.exit(1);
  }
  const [task, user, kind, score] = fields;
  const value = score.trim() === '' ? NaN : Number(score);
  if (!Number.isFinite(value)) {
    console.error(`${where}: the score "${score}" is not a number`);
    process.exit(1);
  }
  if (!kinds.has(kind)) {
    console.error(`${where}: the kind "${kind}" is none of genuine, skilled and random`);
    process.exit(1);
  }
  if (kind === 'random') continue;
  const key = `${task}/${user}`;
  if (!writers.has(key)) writers.set(key, { genuine: [], skilled: [] });
  writers.get(key)[kind].push(value);
}
const genuine = [...writers.values()].flatMap((w) => w.genuine);
const skilled = [...writers.values()].flatMap((w) => w.skilled);
if (genuine.length === 0 || skilled.length === 0) {
  console.error(`${file} has no genuine or no skilled-forgery scores`);
  process.exit(1);
}

// A query is accepted when its score is at or above the threshold.
const rejected = (scores, threshold) => scores.filter((s) => s < threshold).length;
const accepted = (scores, threshold) => scores.filter((s) => s >= threshold).length;

const sortedGenuine = [...genuine].sort((a, b) => a - b);
const sortedSkilled = [...skilled].sort((a, b) => a - b);
const below = (sorted, threshold) => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] < threshold) low = middle + 1;
    else high = middle;
  }
  return low;
};
let best = { gap: Infinity, threshold: 0 };
for (const threshold of new Set([...genuine, ...skilled])) {
  const falseRejection = below(sortedGenuine, threshold) / genuine.length;
  const falseAcceptance = (skilled.length - below(sortedSkilled, threshold)) / skilled.length;
  const gap = Math.abs(falseRejection - falseAcceptance);
  if (gap < best.gap) best = { gap, threshold, falseRejection, falseAcceptance };
}

const percent = (value) => (Number.isFinite(value) ? `${(100 * value).toFixed(2).padStart(6)} %` : '     - ');
console.log(`${file}: ${writers.size} writers, all folds pooled`);
console.log(
  `threshold ${best.threshold}: ${percent(best.falseRejection)} of genuine signatures rejected, ` +
    `${percent(best.falseAcceptance)} of skilled forgeries accepted`,
);

const rows = [...writers.entries()].map(([key, w]) => ({
  key,
  rejected: rejected(w.genuine, best.threshold),
  accepted: accepted(w.skilled, best.threshold),
  genuine: w.genuine.length,
  skilled: w.skilled.length,
}));
rows.sort((a, b) => b.rejected + b.accepted - (a.rejected + a.accepted));
const totalRejected = rows.reduce((sum, r) => sum + r.rejected, 0);
const totalAccepted = rows.reduce((sum, r) => sum + r.accepted, 0);
const share = (part, whole) => percent(part / whole);

const median = (scores) => {
  const sorted = [...scores].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
// Pearson correlation over the writers; NaN when either list does not vary.
const correlation = (xs, ys) => {
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i += 1) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
};
const withBoth = [...writers.values()].filter((w) => w.genuine.length > 0 && w.skilled.length > 0);
const levels = correlation(
  withBoth.map((w) => median(w.genuine)),
  withBoth.map((w) => median(w.skilled)),
);
console.log(
  `across ${withBoth.length} writers, median genuine and median skilled-forgery scores correlate at ` +
    `${Number.isFinite(levels) ? levels.toFixed(2) : 'undefined (no variation)'}`,
);

console.log('\ntask/user  genuine rejected   forgeries accepted   share of all rejections   share of all acceptances');
for (const r of rows.slice(0, rowCount)) {
  console.log(
    `${r.key.padEnd(9)}  ${percent(r.rejected / r.genuine)}          ${percent(r.accepted / r.skilled)}` +
      `             ${share(r.rejected, totalRejected)}                  ${share(r.accepted, totalAccepted)}`,
  );
}
