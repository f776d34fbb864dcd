// A check of the held-out error rates that a model file records, run when a model is imported
// or put to use. The page shows these rates as the model's accuracy, but it has no held-out
// writers to measure them again, and a file's checksum detects damage, not edits. The check
// catches a rate that is not a number from 0 to 1, and a threshold or rate that no longer fits
// the held-out score histograms recorded beside them. It also catches removed histograms or
// fused results, and a recorded error rate no better than chance.

// Keys of a held-out result that are rates from 0 to 1.
const RATE_KEYS = ['skilledEer', 'randomEer', 'farSkilled', 'farRandom', 'frr'];

// The rates measured at the model's threshold, each with the histogram it counts and whether
// it counts the scores accepted (at or above the threshold) or those rejected (below it).
const RATES_AT_THRESHOLD = [
  { key: 'frr', kind: 'genuine', accepted: false, name: 'share of genuine signatures rejected' },
  { key: 'farSkilled', kind: 'skilled', accepted: true, name: 'share of skilled forgeries accepted' },
  { key: 'farRandom', kind: 'random', accepted: true, name: 'share of random forgeries accepted' },
];

const ADVICE = 'the file was changed after training. Use the model file as it was written, or train a new model';

// Returns [lowest, highest]: the lowest and the highest number of scores of `counts` that can lie at
// or above `threshold` when `accepted`, else below it. `counts` is a histogram from `low` to
// `high` whose first and last bins also hold the scores beyond them.
function countBounds(counts, low, high, threshold, accepted) {
  const width = (high - low) / counts.length;
  let lowest = 0;
  let highest = 0;
  counts.forEach((count, bin) => {
    const lower = bin === 0 ? -Infinity : low + bin * width;
    const upper = bin === counts.length - 1 ? Infinity : low + (bin + 1) * width;
    const surely = accepted ? lower >= threshold : upper <= threshold;
    const maybe = accepted ? upper > threshold : lower < threshold;
    lowest += surely ? count : 0;
    highest += maybe ? count : 0;
  });
  return [lowest, highest];
}

// Returns the held-out score histograms of the model's description, or null when it has none
// or they are malformed. `resultKey` is "heldOut" for the cosine or "heldOutFused" for the score
// fused with dynamic time warping.
export function readScoreHistogram(description, resultKey = 'heldOut') {
  const histogram = description?.training?.[resultKey]?.scoreHistogram;
  if (typeof histogram !== 'object' || histogram === null) {
    return null;
  }
  const { low, high, genuine, skilled, random } = histogram;
  const isCounts = (counts) =>
    Array.isArray(counts) &&
    counts.length > 0 &&
    counts.length === genuine?.length &&
    counts.every((count) => Number.isInteger(count) && count >= 0);
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    return null;
  }
  if (![genuine, skilled, random].every(isCounts)) {
    return null;
  }
  return { low, high, genuine, skilled, random };
}

// Minimum number of bins of a recorded score histogram that the rates at the threshold are
// checked against. The training command writes 40.
const MIN_HISTOGRAM_BINS = 10;

// Equal error rate at or above which a model does no better than chance. Training in the page
// does not save such a model, and Import and Use reject one.
export const CHANCE_EER = 0.5;

const percent = (rate) => `${(rate * 100).toFixed(1)} %`;

// Throws Error when a held-out rate recorded in the description of `model` (the module's Model)
// is not a number from 0 to 1. Also throws when a share of genuine signatures rejected or of
// forgeries accepted at the model's threshold does not fit the score histogram recorded for the
// same writers. The network's cosine threshold applies to "heldOut", the fusion's threshold to
// "heldOutFused". Last, throws when the recorded skilled-forgery EER of the score that decides
// (the fused one when there is one) is CHANCE_EER or more, which training in the page and the
// training command do not save either.
export function checkRecordedRates(model) {
  let description;
  try {
    description = JSON.parse(model.describe());
  } catch {
    return;
  }
  const training = description?.training;
  if (typeof training !== 'object' || training === null) {
    return;
  }
  // The training command records the fused score's held-out results with every fusion, and
  // without them a fusion edited by hand could not be caught.
  if (training.fusion !== undefined && training.heldOutFused === undefined) {
    throw new Error(
      'the model file has fusion parameters but no held-out results of the fused score (heldOutFused) to ' +
        `check them against: ${ADVICE}`,
    );
  }
  const thresholds = { heldOut: model.threshold(), heldOutFused: training.fusion?.threshold };

  for (const resultKey of ['heldOut', 'heldOutFused']) {
    const result = training[resultKey];
    if (result === undefined) {
      continue;
    }
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new Error(`the model file's held-out results "${resultKey}" are ${JSON.stringify(result)}, not a list of rates: ${ADVICE}`);
    }
    for (const key of RATE_KEYS) {
      const value = result[key];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
        throw new Error(
          `the model file records the held-out rate "${resultKey}.${key}" as ${JSON.stringify(value)}, which is not a ` +
            `rate from 0 to 1: ${ADVICE}`,
        );
      }
    }

    const histogram = readScoreHistogram(description, resultKey);
    const threshold = thresholds[resultKey];
    const atThreshold = RATES_AT_THRESHOLD.filter(({ key }) => result[key] !== undefined).map(({ key }) => key);
    // Without fine histograms beside them, a threshold edited by hand could not be caught.
    if (atThreshold.length > 0 && (histogram === null || histogram.genuine.length < MIN_HISTOGRAM_BINS)) {
      const bins = histogram?.genuine.length;
      const found = histogram === null ? 'none that can be read' : `${bins} ${bins === 1 ? 'bin' : 'bins'}`;
      throw new Error(
        `the model file records rates at its threshold (${resultKey}.${atThreshold[0]}) but its score histogram ` +
          `(${resultKey}.scoreHistogram) has ${found}, fewer than the ${MIN_HISTOGRAM_BINS} bins needed to check ` +
          `them: ${ADVICE}`,
      );
    }
    if (histogram === null || !Number.isFinite(threshold)) {
      continue;
    }
    for (const { key, kind, accepted, name } of RATES_AT_THRESHOLD) {
      const counts = histogram[kind];
      const total = counts.reduce((sum, count) => sum + count, 0);
      if (result[key] === undefined || total === 0) {
        continue;
      }
      const [lowest, highest] = countBounds(counts, histogram.low, histogram.high, threshold, accepted);
      // Half a score of slack, because the file writes each rate rounded.
      const recorded = result[key] * total;
      if (recorded < lowest - 0.5 || recorded > highest + 0.5) {
        const range =
          lowest === highest ? percent(lowest / total) : `${percent(lowest / total)} to ${percent(highest / total)}`;
        throw new Error(
          `the model file records ${percent(result[key])} as the ${name} at its threshold (${resultKey}.${key}), but at ` +
            `that threshold, ${threshold.toFixed(4)}, the score histogram it records for the same writers gives ${range}: ` +
            `the threshold or the rate does not fit, so ${ADVICE}`,
        );
      }
    }
  }

  const decisive = training.heldOutFused !== undefined ? 'heldOutFused' : 'heldOut';
  const eer = training[decisive]?.skilledEer;
  if (typeof eer === 'number' && eer >= CHANCE_EER) {
    throw new Error(
      `the model file records a skilled-forgery EER of ${percent(eer)} on its held-out writers ` +
        `(${decisive}.skilledEer), no better than chance, so it tells forgeries from genuine signatures no better than tossing a coin: ` +
        'train a new model, for example with a lower learning rate or more epochs',
    );
  }
}
