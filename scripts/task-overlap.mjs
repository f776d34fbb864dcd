#!/usr/bin/env node
// Checks whether a signature of one SVC2004 task reappears in the other. For every writer of
// task 1 it compares the shapes of S1 and S2 with S1 and S2 of every writer of task 2, and
// with those of every other writer of task 1. Each distance is over the writer's own distance
// between their S1 and S2, so a ratio near 1 means "as alike as the writer's own signatures".
// If the tasks shared signatures, the nearest writer of the other task would come out near 1
// while other writers of the same task stay well above it.
//
//   INKPRINT_SVC2004_DIR=/path/to/svc2004 node scripts/task-overlap.mjs
//
// The shape is the pen path alone (x, y), resampled to SHAPE_POINTS points along its length,
// centred and scaled to unit root-mean-square size, and compared by dynamic time warping
// within WARP_BAND points of the diagonal. Timing and stroke order are left out on purpose:
// two copies of one signature share its shape even when written at another speed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SHAPE_POINTS = 80;
const WARP_BAND = 16;
const WRITERS = 40;

const folder = process.env.INKPRINT_SVC2004_DIR;
if (!folder) {
  console.error(
    'INKPRINT_SVC2004_DIR is not set: point it at the folder holding Task1/ and Task2/ of SVC2004 ' +
      '(the README says where to get it)',
  );
  process.exit(2);
}

function readPath(task, writer, signature) {
  const file = join(folder, `Task${task}`, `U${writer}S${signature}.TXT`);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`failed to read ${file}: ${error.message}. Check INKPRINT_SVC2004_DIR`);
    process.exit(1);
  }
  const points = text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/).slice(0, 2).map(Number));
  if (points.length < 2 || points.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) {
    console.error(`${file} does not hold an SVC2004 signature of two or more points`);
    process.exit(1);
  }
  return points;
}

// The path resampled to SHAPE_POINTS points equally spaced along its length, centred and scaled.
function shapeOf(points) {
  const along = [0];
  for (let i = 1; i < points.length; i += 1) {
    along.push(along[i - 1] + Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]));
  }
  const total = along[along.length - 1];
  const shape = [];
  let segment = 0;
  for (let k = 0; k < SHAPE_POINTS; k += 1) {
    const target = (total * k) / (SHAPE_POINTS - 1);
    while (segment < points.length - 2 && along[segment + 1] < target) segment += 1;
    const length = along[segment + 1] - along[segment];
    const w = length === 0 ? 0 : Math.min(Math.max((target - along[segment]) / length, 0), 1);
    shape.push([
      (1 - w) * points[segment][0] + w * points[segment + 1][0],
      (1 - w) * points[segment][1] + w * points[segment + 1][1],
    ]);
  }
  const meanX = shape.reduce((sum, [x]) => sum + x, 0) / shape.length;
  const meanY = shape.reduce((sum, [, y]) => sum + y, 0) / shape.length;
  const size = Math.sqrt(shape.reduce((sum, [x, y]) => sum + (x - meanX) ** 2 + (y - meanY) ** 2, 0) / shape.length);
  // A path that never moves has no size; it stays at the origin.
  return shape.map(([x, y]) => (size > 0 ? [(x - meanX) / size, (y - meanY) / size] : [0, 0]));
}

// Cheapest warping path's cost over the two lengths, within WARP_BAND points of the diagonal.
function warpDistance(a, b) {
  const n = a.length;
  let previous = new Float64Array(n + 1).fill(Infinity);
  previous[0] = 0;
  for (let i = 1; i <= n; i += 1) {
    const current = new Float64Array(n + 1).fill(Infinity);
    for (let j = Math.max(1, i - WARP_BAND); j <= Math.min(n, i + WARP_BAND); j += 1) {
      const cost = Math.hypot(a[i - 1][0] - b[j - 1][0], a[i - 1][1] - b[j - 1][1]);
      current[j] = cost + Math.min(previous[j - 1], previous[j], current[j - 1]);
    }
    previous = current;
  }
  return previous[n] / (2 * n);
}

const shapes = (task) =>
  Array.from({ length: WRITERS }, (_, w) => [1, 2].map((s) => shapeOf(readPath(task, w + 1, s))));
const task1 = shapes(1);
const task2 = shapes(2);

const nearest = (mine, others) => {
  let best = Infinity;
  for (const theirs of others) {
    for (const a of mine) {
      for (const b of theirs) best = Math.min(best, warpDistance(a, b));
    }
  }
  return best;
};

const otherTask = [];
const sameTask = [];
for (let w = 0; w < WRITERS; w += 1) {
  // A writer whose two signatures are identical would divide by 0; the floor keeps the ratio finite.
  const own = Math.max(warpDistance(task1[w][0], task1[w][1]), 1e-9);
  otherTask.push({ writer: w + 1, ratio: nearest(task1[w], task2) / own });
  sameTask.push(nearest(task1[w], task1.filter((_, v) => v !== w)) / own);
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ratios = otherTask.map((entry) => entry.ratio);
console.log('nearest writer over the writer\'s own S1-S2 distance, for the 40 writers of task 1:');
console.log(
  `  in task 2:                    smallest ${Math.min(...ratios).toFixed(2)}, median ${median(ratios).toFixed(2)}`,
);
console.log(
  `  among task 1's other writers: smallest ${Math.min(...sameTask).toFixed(2)}, median ${median(sameTask).toFixed(2)}`,
);
console.log('task 1 writers closest to a task 2 writer:');
for (const { writer, ratio } of [...otherTask].sort((x, y) => x.ratio - y.ratio).slice(0, 5)) {
  console.log(`  U${writer}: ${ratio.toFixed(2)}`);
}
