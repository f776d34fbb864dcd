// Capture on the pad: coalesced samples, taps, honest pressure, touch without scrolling,
// coordinates independent of devicePixelRatio and canvas size, replay and undo. Features are
// compared on what the core computes, through the module's computeFeatures in Node.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { loadModule } from '../wasm/load-module.mjs';
import {
  assertClean,
  installTestPad,
  launchBrowser,
  loadPage,
  openPage,
  replaySignature,
  usePageSession,
} from './helpers.mjs';

const FEATURE_STEPS = 200;

// Largest differences allowed between captures of one stroke at different pixel ratios: in
// CSS pixels, in milliseconds from the first sample, and in the feature grid (float32).
const POSITION_TOLERANCE = 0.05;
const TIME_TOLERANCE_MS = 0.5;
const FEATURE_TOLERANCE = 1e-3;

const env = usePageSession();
let inkprint;

before(async () => {
  inkprint = await loadModule();
});

async function openReadyPage(t, context = env.browser.context) {
  const page = await openPage(context, env.server.origin);
  t.after(() => page.close());
  assert.equal(await loadPage(page, env.server.url), 'ready');
  return page;
}

// Sends a mouse stroke through the browser's input pipeline. points are [x, y] page
// coordinates. Each event gets its own timestamp, stepMs apart from startSeconds on, so that
// repeated captures have the same timing.
async function drawMouseStroke(session, points, { startSeconds, stepMs = 12 }) {
  const send = (type, [x, y], index, buttonDown) =>
    session.send('Input.dispatchMouseEvent', {
      type,
      x,
      y,
      button: type === 'mouseMoved' && !buttonDown ? 'none' : 'left',
      buttons: buttonDown ? 1 : 0,
      clickCount: type === 'mouseMoved' ? 0 : 1,
      timestamp: startSeconds + (index * stepMs) / 1000,
    });
  await send('mouseMoved', points[0], 0, false);
  await send('mousePressed', points[0], 0, true);
  for (let i = 1; i < points.length; i += 1) {
    await send('mouseMoved', points[i], i, true);
  }
  await send('mouseReleased', points[points.length - 1], points.length - 1, false);
}

// A curved stroke of 30 points inside the test pad, in page coordinates.
function curvePoints() {
  const points = [];
  for (let i = 0; i < 30; i += 1) {
    points.push([60 + i * 7, 100 + 35 * Math.sin(i / 4)]);
  }
  return points;
}

async function testPadPoints(page) {
  return new Float64Array(await page.evaluate(() => Array.from(window.testPad.toPoints())));
}

function maxDifference(a, b) {
  assert.equal(a.length, b.length, 'feature grids have the same size');
  let largest = 0;
  for (let i = 0; i < a.length; i += 1) {
    largest = Math.max(largest, Math.abs(a[i] - b[i]));
  }
  return largest;
}

// Returns the row of one time step of a feature grid: pen down, x, y, speed, ...
function featureRow(features, step) {
  const count = inkprint.FEATURE_COUNT;
  return Array.from(features.slice(step * count, (step + 1) * count));
}

// Dispatches a synthetic pen stroke on the test pad: pointerdown at (10, 10) of the content
// box, one pointermove whose getCoalescedEvents() returns `coalescedPositions`, and pointerup
// at the move's own position. Returns the pad's signature and the coalesced events' times.
async function dispatchCoalescedStroke(page, coalescedPositions, movePosition) {
  return page.evaluate(
    ({ coalescedPositions, movePosition }) => {
      const canvas = window.testCanvas;
      const rect = canvas.getBoundingClientRect();
      const make = (type, [x, y], extra = {}) =>
        new PointerEvent(type, {
          pointerId: 31,
          pointerType: 'pen',
          isPrimary: true,
          clientX: rect.left + canvas.clientLeft + x,
          clientY: rect.top + canvas.clientTop + y,
          pressure: 0.4,
          button: 0,
          buttons: 1,
          bubbles: true,
          cancelable: true,
          ...extra,
        });

      canvas.dispatchEvent(make('pointerdown', [10, 10]));
      const coalesced = coalescedPositions.map((position, i) =>
        make('pointermove', position, { pressure: 0.45 + i * 0.05, button: -1 }),
      );
      const move = make('pointermove', movePosition, { button: -1 });
      move.getCoalescedEvents = () => coalesced;
      canvas.dispatchEvent(move);
      canvas.dispatchEvent(make('pointerup', movePosition, { pressure: 0, buttons: 0 }));
      return {
        signature: window.testPad.signature,
        coalescedTimes: coalesced.map((event) => event.timeStamp),
      };
    },
    { coalescedPositions, movePosition },
  );
}

test('four coalesced samples give four samples', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);
  const positions = [
    [20, 12],
    [30, 15],
    [40, 18],
    [50, 22],
  ];

  const { signature, coalescedTimes } = await dispatchCoalescedStroke(page, positions, [50, 22]);

  assert.equal(signature.strokes.length, 1);
  const samples = signature.strokes[0].samples;
  assert.deepEqual(
    samples.map((sample) => [sample.x, sample.y]),
    [[10, 10], ...positions],
    'the pointerdown sample, then every coalesced sample and not the move event itself',
  );
  assert.deepEqual(
    samples.slice(1).map((sample) => sample.t),
    coalescedTimes,
    'each coalesced sample keeps its own time',
  );
  assert.equal(signature.strokes[0].pointerType, 'pen');
  assert.deepEqual(
    samples.map((sample) => sample.pressure),
    [0.4, 0.45, 0.5, 0.55, 0.6].map(Math.fround),
    'pen pressure is kept, 0.5 included',
  );
  assertClean(page);
});

test('empty coalesced list still gives a sample', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);

  const { signature } = await dispatchCoalescedStroke(page, [], [40, 25]);

  assert.deepEqual(
    signature.strokes[0].samples.map((sample) => [sample.x, sample.y]),
    [
      [10, 10],
      [40, 25],
    ],
  );
  assertClean(page);
});

test('tap survives into the features', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);
  const session = await page.context().newCDPSession(page);

  // A stroke, then a tap to the right of it, as when dotting an i last.
  await drawMouseStroke(session, curvePoints(), { startSeconds: Date.now() / 1000 });
  await drawMouseStroke(session, [[300, 60]], { startSeconds: Date.now() / 1000 + 1 });

  const signature = await page.evaluate(() => window.testPad.signature);
  assert.equal(signature.strokes.length, 2, 'the tap is a stroke of its own');
  assert.equal(signature.strokes[1].samples.length, 1, 'the tap has one sample');
  assert.deepEqual(
    [signature.strokes[1].samples[0].x, signature.strokes[1].samples[0].y],
    [300 - 24, 60 - 34],
  );

  const points = await testPadPoints(page);
  const withTap = inkprint.computeFeatures(points);
  const withoutTap = inkprint.computeFeatures(points.slice(0, points.length - 5));
  assert.ok(maxDifference(withTap, withoutTap) > 0.1, 'the tap changes the features');

  const lastRow = featureRow(withTap, FEATURE_STEPS - 1);
  assert.equal(lastRow[0], 1, 'the last step is pen down, on the tap');
  const largestX = Math.max(...Array.from({ length: FEATURE_STEPS }, (_, k) => withTap[k * 8 + 1]));
  assert.equal(lastRow[1], largestX, 'the last step is at the tap, right of the stroke');
  await session.detach();
  assertClean(page);
});

test('mouse signature has no pressure', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);

  // A mouse stroke as real hardware reports it: pressure 0.5 while the button is down, 0 at
  // pointerup. Input sent through the DevTools protocol reports 0 throughout instead.
  const signature = await page.evaluate(() => {
    const canvas = window.testCanvas;
    const rect = canvas.getBoundingClientRect();
    const send = (type, i, pressure, buttons) =>
      canvas.dispatchEvent(
        new PointerEvent(type, {
          pointerId: 1,
          pointerType: 'mouse',
          isPrimary: true,
          clientX: rect.left + 20 + i * 8,
          clientY: rect.top + 40 + (i % 3) * 5,
          pressure,
          button: type === 'pointermove' ? -1 : 0,
          buttons,
          bubbles: true,
          cancelable: true,
        }),
      );
    send('pointerdown', 0, 0.5, 1);
    for (let i = 1; i < 10; i += 1) {
      send('pointermove', i, 0.5, 1);
    }
    send('pointerup', 10, 0, 0);
    return window.testPad.signature;
  });
  assert.equal(signature.strokes[0].pointerType, 'mouse');
  assert.equal(signature.strokes[0].samples.length, 11);
  for (const [index, sample] of signature.strokes[0].samples.entries()) {
    assert.equal(sample.pressure, null, `sample ${index} pressure`);
    assert.equal(sample.tiltX, null, `sample ${index} tiltX`);
  }
  const points = await testPadPoints(page);
  for (let i = 3; i < points.length; i += 5) {
    assert.ok(Number.isNaN(points[i]), `module point ${(i - 3) / 5} pressure is NaN`);
  }

  // A mouse signature on the page: the status line and the exported file show no pressure.
  const samples = [];
  for (let i = 0; i < 30; i += 1) {
    samples.push({ x: i * 10, y: 40 * Math.sin(i / 4), t: i * 10, stroke: 0 });
  }
  await replaySignature(page, samples);
  assert.equal(await page.getAttribute('#pad-status', 'data-pressure'), 'false');
  assert.match(await page.textContent('#pad-status'), /\(mouse, no pressure\)/);

  await page.selectOption('#export-format', 'json');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(file.strokes.length, 1);
  assert.equal(file.strokes[0].pointerType, 'mouse');
  assert.ok(file.strokes[0].points.length >= 30, `${file.strokes[0].points.length} points`);
  for (const [index, point] of file.strokes[0].points.entries()) {
    assert.deepEqual(point.slice(3), [null, null, null], `point ${index} has no pressure or tilt`);
  }
  assertClean(page);
});

test('constant touch pressure is not recorded', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);

  // Touch screens without a force sensor report one value for every contact. A pen with a
  // varying reading keeps it.
  const signature = await page.evaluate(() => {
    const canvas = window.testCanvas;
    const rect = canvas.getBoundingClientRect();
    const stroke = (pointerId, pointerType, pressureOf) => {
      const send = (type, i, pressure, buttons) =>
        canvas.dispatchEvent(
          new PointerEvent(type, {
            pointerId,
            pointerType,
            clientX: rect.left + 20 + i * 8,
            clientY: rect.top + 40 + pointerId * 10,
            pressure,
            tiltX: pointerType === 'pen' ? 20 - i : 0,
            tiltY: 0,
            button: type === 'pointermove' ? -1 : 0,
            buttons,
            bubbles: true,
            cancelable: true,
          }),
        );
      send('pointerdown', 0, pressureOf(0), 1);
      for (let i = 1; i < 6; i += 1) {
        send('pointermove', i, pressureOf(i), 1);
      }
      send('pointerup', 6, 0, 0);
    };
    stroke(2, 'touch', () => 1);
    stroke(3, 'touch', () => 0.5);
    stroke(4, 'pen', (i) => 0.2 + i * 0.1);
    return window.testPad.signature;
  });

  const [touchOne, touchHalf, pen] = signature.strokes;
  assert.ok(touchOne.samples.every((sample) => sample.pressure === null), 'touch at constant 1');
  assert.ok(touchHalf.samples.every((sample) => sample.pressure === null), 'touch at constant 0.5');
  assert.ok(touchOne.samples.every((sample) => sample.tiltX === null), 'touch has no tilt');
  assert.deepEqual(
    pen.samples.map((sample) => sample.pressure),
    [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0].map(Math.fround),
  );
  assert.deepEqual(
    pen.samples.map((sample) => sample.tiltX),
    [20, 19, 18, 17, 16, 15, 14],
  );
  assertClean(page);
});

test('touch signature does not scroll the page', async (t) => {
  const touchBrowser = await launchBrowser({ hasTouch: true, viewport: { width: 360, height: 640 } });
  t.after(() => touchBrowser.close());
  const page = await openReadyPage(t, touchBrowser.context);
  const session = await page.context().newCDPSession(page);

  // An upward swipe: on ordinary page content it scrolls the page down.
  const swipe = async (x, startY) => {
    await session.send('Input.dispatchTouchEvent', {
      type: 'touchStart',
      touchPoints: [{ x, y: startY }],
    });
    for (let i = 1; i <= 15; i += 1) {
      await session.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [{ x: x + i * 4, y: startY - i * 8 }],
      });
      await sleep(16);
    }
    await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await sleep(500);
  };

  await page.evaluate(() => window.scrollTo(0, 60));
  const box = await page.locator('#pad').boundingBox();
  const scrollBefore = await page.evaluate(() => window.scrollY);
  await swipe(box.x + 40, box.y + box.height - 10);

  assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'the page did not scroll');
  assert.match(await page.textContent('#pad-status'), /^1 stroke, \d+ samples \(touch, /);

  // The same swipe on the footer scrolls, so the check above can fail.
  const footer = await page.locator('footer').boundingBox();
  await page.evaluate(() => window.scrollTo(0, 0));
  await swipe(footer.x + 40, Math.min(footer.y + 10, 600));
  assert.ok((await page.evaluate(() => window.scrollY)) > 0, 'a swipe outside the pad scrolls');
  await session.detach();
  assertClean(page);
});

test('same stroke at ratios 1, 1.5 and 2 gives same features', async (t) => {
  const captures = new Map();
  for (const ratio of [1, 1.5, 2]) {
    const page = await openPage(env.browser.context, env.server.origin);
    t.after(() => page.close());
    const session = await page.context().newCDPSession(page);
    await session.send('Emulation.setDeviceMetricsOverride', {
      width: 800,
      height: 600,
      deviceScaleFactor: ratio,
      mobile: false,
    });
    assert.equal(await loadPage(page, env.server.url), 'ready');
    assert.equal(await page.evaluate(() => window.devicePixelRatio), ratio);
    await installTestPad(page);

    // Event times before the page's time origin would be clamped, so each page starts now.
    await drawMouseStroke(session, curvePoints(), { startSeconds: Date.now() / 1000 });
    captures.set(ratio, await testPadPoints(page));
    const canvas = await page.evaluate(() => ({
      backingWidth: window.testCanvas.width,
      cssWidth: window.testCanvas.clientWidth,
    }));
    assert.equal(canvas.backingWidth, canvas.cssWidth * ratio, `backing store scaled by ${ratio}`);
    await session.detach();
    assertClean(page);
  }

  // Chrome 156 coarsens event times to about 0.1 ms, whatever the ratio, and the acceleration
  // features magnify such differences. So the times are checked on their own, and the
  // features are compared with the reference's times, which isolates the coordinates.
  const reference = captures.get(1);
  const referenceFeatures = inkprint.computeFeatures(reference);
  for (const ratio of [1.5, 2]) {
    const points = captures.get(ratio);
    assert.equal(points.length, reference.length, `ratio ${ratio} has as many samples`);
    for (let i = 0; i < points.length; i += 5) {
      const sample = `ratio ${ratio} sample ${i / 5}`;
      assert.ok(Math.abs(points[i] - reference[i]) <= POSITION_TOLERANCE, `${sample} x`);
      assert.ok(Math.abs(points[i + 1] - reference[i + 1]) <= POSITION_TOLERANCE, `${sample} y`);
      const time = points[i + 2] - points[2] - (reference[i + 2] - reference[2]);
      assert.ok(Math.abs(time) <= TIME_TOLERANCE_MS, `${sample} time differs by ${time} ms`);
    }
    const sameTimes = points.slice();
    for (let i = 2; i < points.length; i += 5) {
      sameTimes[i] = reference[i];
    }
    const difference = maxDifference(inkprint.computeFeatures(sameTimes), referenceFeatures);
    assert.ok(difference < FEATURE_TOLERANCE, `ratio ${ratio}: features differ by ${difference}`);
  }
});

test('resized pad keeps the drawing', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);
  const session = await page.context().newCDPSession(page);
  await drawMouseStroke(session, curvePoints(), { startSeconds: Date.now() / 1000 });
  const before = await page.evaluate(() => window.testPad.signature);

  // Turns the pad from landscape to portrait, as a rotated phone would.
  await page.evaluate(() => {
    Object.assign(window.testCanvas.style, { width: '150px', height: '300px' });
  });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));

  assert.deepEqual(await page.evaluate(() => window.testPad.signature), before, 'samples are unchanged');
  const ink = await page.evaluate(() => {
    const canvas = window.testCanvas;
    const { data, width, height } = canvas
      .getContext('2d')
      .getImageData(0, 0, canvas.width, canvas.height);
    let minX = Infinity;
    let maxX = -Infinity;
    let count = 0;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        if (data[(y * width + x) * 4 + 3] > 0) {
          count += 1;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
        }
      }
    }
    return { count, minX, maxX, width };
  });
  assert.ok(ink.count > 100, `${ink.count} ink pixels after the resize`);
  // The stroke spans 203 of the 292 content pixels, and scaled to fit the narrower pad it
  // keeps that fraction of the width (0.7).
  const spanFraction = (ink.maxX - ink.minX) / ink.width;
  assert.ok(spanFraction > 0.6, `ink spans ${spanFraction} of the width`);
  assert.ok(spanFraction < 0.8, `ink spans ${spanFraction} of the width`);
  await session.detach();
  assertClean(page);
});

test('replay takes the recorded time', async (t) => {
  const page = await openReadyPage(t);
  await installTestPad(page);
  const session = await page.context().newCDPSession(page);
  // 30 points 25 ms apart: 725 ms from the first sample to the last.
  await drawMouseStroke(session, curvePoints(), { startSeconds: Date.now() / 1000, stepMs: 25 });
  const points = await testPadPoints(page);
  const recordedMs = points[points.length - 3] - points[2];
  assert.ok(Math.abs(recordedMs - 725) < 1, `recorded ${recordedMs} ms`);

  const replay = await page.evaluate(async () => {
    const start = performance.now();
    const replaying = window.testPad.replay();
    const flagged = window.testCanvas.dataset.replaying === 'true';
    const finished = await replaying;
    return { finished, flagged, elapsedMs: performance.now() - start };
  });

  assert.ok(replay.flagged, 'the canvas is marked while replaying');
  assert.equal(replay.finished, true);
  assert.ok(replay.elapsedMs >= recordedMs, `replay took ${replay.elapsedMs} ms`);
  assert.ok(replay.elapsedMs < recordedMs + 400, `replay took ${replay.elapsedMs} ms`);
  assert.deepEqual(await testPadPoints(page), points, 'replay leaves the samples unchanged');
  await session.detach();
  assertClean(page);
});

test('ink past the pad edge is reported', async (t) => {
  const page = await openReadyPage(t);
  const session = await page.context().newCDPSession(page);
  const box = await page.locator('#pad').boundingBox();

  // A stroke inside the pad: nothing to report.
  const inside = curvePoints().map(([x, y]) => [box.x + (x - 40) / 2, box.y + y - 40]);
  await drawMouseStroke(session, inside, { startSeconds: Date.now() / 1000 });
  assert.match(await page.textContent('#pad-status'), /^1 stroke, 30 samples \(mouse, no pressure\)\.$/);

  // A stroke of 20 points, 20 px apart, whose last 14 lie past the right edge.
  const across = [];
  for (let i = 0; i < 20; i += 1) {
    across.push([box.x + box.width - 100 + i * 20, box.y + box.height / 2]);
  }
  await drawMouseStroke(session, across, { startSeconds: Date.now() / 1000 + 1 });
  const status = await page.textContent('#pad-status');
  assert.match(status, /^2 strokes, 50 samples \(mouse, no pressure\)\. \d+ samples lie past the edge of the pad/);
  const outside = Number(/\. (\d+) samples lie past/.exec(status)[1]);
  assert.ok(outside >= 14, status);
  assert.ok(outside <= 15, status);

  // Enrol refuses ink the writer did not see.
  await page.fill('#person', 'edge');
  await page.click('#enrol');
  assert.equal(
    await page.textContent('#message'),
    `${outside} samples of this signature lie past the edge of the pad, where they are not shown, ` +
      'so it was not enrolled. Press Clear and sign inside the pad.',
  );
  assert.match(await page.textContent('#enrol-count'), /^0 of 5/);

  await page.click('#undo');
  assert.match(await page.textContent('#pad-status'), /^1 stroke, 30 samples \(mouse, no pressure\)\.$/);
  await session.detach();
  assertClean(page);
});

test('undo removes the last stroke', async (t) => {
  const page = await openReadyPage(t);
  const session = await page.context().newCDPSession(page);
  const box = await page.locator('#pad').boundingBox();
  const stroke = (dx) =>
    curvePoints().map(([x, y]) => [box.x + (x - 40) / 2 + dx, box.y + y - 40]);

  await drawMouseStroke(session, stroke(0), { startSeconds: Date.now() / 1000 });
  await drawMouseStroke(session, stroke(150), { startSeconds: Date.now() / 1000 + 1 });
  assert.match(await page.textContent('#pad-status'), /^2 strokes, /);

  await page.click('#undo');
  assert.match(await page.textContent('#pad-status'), /^1 stroke, 30 samples /);
  await page.click('#undo');
  assert.equal(await page.textContent('#pad-status'), 'The pad is empty.');
  await page.click('#undo');
  assert.match(await page.textContent('#message'), /no stroke to undo/);
  await session.detach();
  assertClean(page);
});
