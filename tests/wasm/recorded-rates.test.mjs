// The check of the held-out rates a model file records, which the page runs when a model is
// imported or put to use. The shipped models pass. Files edited by hand fail when a rate is not
// a rate, or when the threshold or a rate at it no longer fits the recorded score histograms.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { checkRecordedRates } from '../../web/recorded-rates.js';
import { editDescription } from '../model-file.mjs';
import { checkProblem, defaultModelBytes, loadModule, penModelBytes } from './load-module.mjs';

let mod;

before(async () => {
  mod = await loadModule();
});

// Returns the message of checkRecordedRates() for the model file `bytes`, or '' when it passes.
const problemOf = (bytes) => checkProblem(mod, bytes, checkRecordedRates);

// Returns the message for the default model file with its description changed by `edit`.
const problemAfter = (edit) => problemOf(editDescription(defaultModelBytes(), edit));

test('shipped models pass', () => {
  assert.equal(problemOf(defaultModelBytes()), '');
  assert.equal(problemOf(penModelBytes()), '');
  // Rewriting the description without a change keeps it passing.
  assert.equal(problemAfter(() => {}), '');
});

test('rates that are not rates fail', () => {
  const cases = [
    [(d) => (d.heldOut.skilledEer = -5), /"heldOut\.skilledEer" as -5, which is not a rate from 0 to 1/],
    [(d) => (d.heldOut.randomEer = 'abc'), /"heldOut\.randomEer" as "abc", which is not a rate/],
    [(d) => (d.heldOutFused.frr = 1.5), /"heldOutFused\.frr" as 1\.5/],
    [(d) => (d.heldOutFused = [1, 2]), /held-out results "heldOutFused" are \[1,2\], not a list of rates/],
  ];
  for (const [edit, expected] of cases) {
    const message = problemAfter(edit);
    assert.match(message, expected);
    assert.match(message, /the file was changed after training\. Use the model file as it was written, or train a new model$/);
  }
});

test('edited fused threshold fails', () => {
  // -10 is within the scores the fused model can give, so only the histograms reveal it: every
  // held-out genuine signature lies above it, yet the file records that 8 % of them were rejected.
  assert.match(
    problemAfter((d) => (d.fusion.threshold = -10)),
    /records 8\.0 % as the share of genuine signatures rejected at its threshold \(heldOutFused\.frr\), but at that threshold, -10\.0000, the score histogram .* gives 0\.0 %/,
  );
  assert.match(problemAfter((d) => (d.fusion.threshold += 1)), /heldOutFused\.frr.* gives [\d.]+ % to [\d.]+ %/);
});

test('missing or coarse histograms fail', () => {
  // Removing the histogram, or cutting it to one bin, would hide an edited threshold.
  const lowered = (d) => (d.fusion.threshold = -10);
  const withoutHistogram = (d) => {
    lowered(d);
    delete d.heldOutFused.scoreHistogram;
  };
  assert.match(
    problemAfter(withoutHistogram),
    /records rates at its threshold \(heldOutFused\.frr\) but its score histogram \(heldOutFused\.scoreHistogram\) has none that can be read, fewer than the 10 bins/,
  );
  const oneBin = (d) => {
    lowered(d);
    const histogram = d.heldOutFused.scoreHistogram;
    for (const kind of ['genuine', 'skilled', 'random']) {
      histogram[kind] = [histogram[kind].reduce((sum, count) => sum + count, 0)];
    }
  };
  assert.match(problemAfter(oneBin), /has 1 bin, fewer than the 10 bins needed/);
  assert.match(
    problemAfter((d) => delete d.heldOutFused),
    /has fusion parameters but no held-out results of the fused score \(heldOutFused\)/,
  );
});

test('edited rates at the threshold fail', () => {
  assert.match(problemAfter((d) => (d.heldOutFused.frr = 0)), /records 0\.0 % as the share of genuine signatures rejected/);
  assert.match(
    problemAfter((d) => (d.heldOut.farSkilled = 0.9)),
    /records 90\.0 % as the share of skilled forgeries accepted at its threshold \(heldOut\.farSkilled\)/,
  );
  // The equal error rate is not measured at the threshold, so the histograms cannot bound it.
  assert.equal(problemAfter((d) => (d.heldOutFused.skilledEer = 0.001)), '');
});

test('chance-level model fails', () => {
  // The network alone may be weak when the fused score decides, so only the fused rate counts.
  assert.equal(problemAfter((d) => (d.heldOut.skilledEer = 0.6)), '');
  assert.match(
    problemAfter((d) => (d.heldOutFused.skilledEer = 0.5)),
    /records a skilled-forgery EER of 50\.0 % on its held-out writers \(heldOutFused\.skilledEer\), no better than chance/,
  );
  const networkOnly = (d) => {
    delete d.heldOutFused;
    delete d.fusion;
    d.heldOut.skilledEer = 0.56;
  };
  assert.match(problemAfter(networkOnly), /EER of 56\.0 % on its held-out writers \(heldOut\.skilledEer\)/);
});

test('a model without recorded rates passes', () => {
  const bare = (d) => {
    delete d.heldOut;
    delete d.heldOutFused;
    delete d.fusion;
  };
  assert.equal(problemAfter(bare), '');
});
