// A check that a model distinguishes clearly different signatures, run when a model is imported,
// put to use or saved after training. A model file can pass every format check and still be
// useless: every signature gets the same embedding (all weights zero, or dead relu units), some
// signatures get an embedding of all zeros, or its threshold accepts nearly everything. The
// check embeds a fixed set of synthetic signatures of clearly different shapes, which no writer
// would sign as one signature, and compares each pair with the model's own cosine threshold.
// A model with fusion parameters also enrols slight variations of each shape and verifies the
// shapes with its fused score, which catches fusion parameters that accept or reject nearly
// everyone.

// Share of the pairs of different probe shapes above which the model counts as accepting most
// of them as the same writer. With these probes the default model accepts 4 of the 28 pairs and
// the pen model 13. Models trained on SVC2004 Task 1 in the Trainer that verify well accept 4
// to 10, and a model that gives every real signature the same embedding accepts 21, which the
// check on near-identical embeddings below catches. The pen model's cosine threshold (0.545) is
// low because its fused score, not the cosine alone, decides when the enrolment signatures were
// saved with points, so the limit leaves it room: 21 of 28.
export const MAX_ACCEPTED_SHARE = 0.75;

// A threshold at or above this accepts only embeddings that point almost exactly the same way.
// With one, a model whose probe cosines all reach MIN_SPREAD_COSINE has embeddings that barely
// move, so that every signature scores about the same.
const NEAR_ONE_THRESHOLD = 0.99;
const MIN_SPREAD_COSINE = 0.9;

// Sampling interval of the probe signatures in ms, that of a 100 Hz tablet.
const SAMPLE_MS = 10;

// Returns one stroke as [x, y, t_ms] rows: `count` samples from `start` ms on, placed by
// `position(fraction)` with fraction from 0 to 1. `pace(fraction)` (default: uniform) maps the
// fraction of the stroke's time to the fraction of its path, so that the pen can slow down.
function stroke(count, start, position, pace = (fraction) => fraction) {
  const rows = [];
  for (let i = 0; i < count; i += 1) {
    const [x, y] = position(pace(i / (count - 1)));
    rows.push([x, y, start + i * SAMPLE_MS]);
  }
  return rows;
}

// Returns a signature in the module's flat point format (x, y, time in ms, pressure, stroke)
// from strokes of [x, y, t_ms] rows, without pressure, as a mouse draws.
function flatSignature(strokes) {
  const rows = strokes.flatMap((rows, index) => rows.map(([x, y, t]) => [x, y, t, Number.NaN, index]));
  const points = new Float64Array(rows.length * 5);
  rows.forEach((row, i) => points.set(row, i * 5));
  return points;
}

// Slows the pen at both ends of a stroke, as a hand does.
const easeInOut = (fraction) => fraction - Math.sin(2 * Math.PI * fraction) / (2 * Math.PI);

// The probe signatures, in pad pixels (y grows downwards), each 1 to 2.5 s long.
export const PROBE_SIGNATURES = [
  {
    name: 'straight line',
    points: flatSignature([stroke(120, 0, (f) => [20 + 360 * f, 120 - 30 * f], easeInOut)]),
  },
  {
    name: 'row of loops',
    points: flatSignature([
      stroke(200, 0, (f) => [
        20 + 300 * f + 40 * Math.cos(2 * Math.PI * 5 * f + Math.PI),
        100 - 40 * Math.sin(2 * Math.PI * 5 * f),
      ]),
    ]),
  },
  {
    name: 'zigzag',
    points: flatSignature([
      stroke(150, 0, (f) => {
        const phase = (f * 6) % 1;
        return [20 + 360 * f, 60 + 80 * (phase < 0.5 ? 2 * phase : 2 - 2 * phase)];
      }),
    ]),
  },
  {
    name: 'spiral',
    points: flatSignature([
      stroke(220, 0, (f) => [
        200 + 110 * f * Math.cos(2 * Math.PI * 3 * f),
        100 + 110 * f * Math.sin(2 * Math.PI * 3 * f),
      ]),
    ]),
  },
  {
    name: 'wave',
    points: flatSignature([
      stroke(160, 0, (f) => [20 + 360 * f, 100 + 70 * Math.sin(2 * Math.PI * 4 * f)]),
    ]),
  },
  {
    name: 'two strokes',
    points: flatSignature([
      stroke(40, 0, (f) => [100 - 20 * f, 30 + 150 * f]),
      stroke(110, 600, (f) => [200 + 60 * Math.cos(2 * Math.PI * f), 100 + 60 * Math.sin(2 * Math.PI * f)], easeInOut),
    ]),
  },
  {
    name: 'scribble with pauses',
    points: flatSignature([
      stroke(100, 0, (f) => [30 + 120 * f + 30 * Math.sin(17 * f), 100 + 60 * Math.sin(11 * f) * Math.cos(5 * f)]),
      // The pen rests for 300 ms between the two parts.
      stroke(30, 1000, () => [150 + 30 * Math.sin(17), 100 + 60 * Math.sin(11) * Math.cos(5)]),
      stroke(100, 1300, (f) => [180 + 150 * f, 100 - 50 * Math.sin(9 * f) + 20 * Math.cos(23 * f)]),
    ]),
  },
  {
    name: 'tall letters',
    points: flatSignature([
      stroke(180, 0, (f) => [20 + 300 * f + 15 * Math.sin(2 * Math.PI * 4 * f), 100 - 90 * Math.abs(Math.sin(2 * Math.PI * 2 * f))]),
    ]),
  },
];

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function cosineOf(a, b, aNorm, bNorm) {
  return a.reduce((sum, value, index) => sum + value * b[index], 0) / (aNorm * bNorm);
}

// Embeds the probe signatures with `model` (the module's Model) and compares each pair with the
// model's cosine threshold. Returns { threshold, embeddings, zeroNames, nonFiniteNames, pairs,
// acceptedPairs }, where pairs is [{ first, second, cosine, accepted }] by probe name.
export function measureSeparation(model) {
  const threshold = model.threshold();
  const embeddings = PROBE_SIGNATURES.map(({ points }) => model.embed(points));
  const norms = embeddings.map(norm);
  const names = PROBE_SIGNATURES.map(({ name }) => name);
  const nonFiniteNames = names.filter((_, i) => !embeddings[i].every(Number.isFinite));
  const zeroNames = names.filter((_, i) => norms[i] === 0);
  const pairs = [];
  for (let i = 0; i < names.length; i += 1) {
    for (let j = i + 1; j < names.length; j += 1) {
      const usable = Number.isFinite(norms[i]) && Number.isFinite(norms[j]) && norms[i] > 0 && norms[j] > 0;
      const cosine = usable ? cosineOf(embeddings[i], embeddings[j], norms[i], norms[j]) : Number.NaN;
      pairs.push({ first: names[i], second: names[j], cosine, accepted: cosine >= threshold });
    }
  }
  return { threshold, embeddings, zeroNames, nonFiniteNames, pairs, acceptedPairs: pairs.filter((pair) => pair.accepted) };
}

// Largest share of the pairs of different probe shapes that a fused model may accept, and the
// smallest share of slight variations of an enrolled probe that it must accept. The default
// model accepts 1 of the 56 pairs and 8 of the 8 variations, the pen model 0 and 8. A default
// model file whose fusion was edited by hand to accept everyone accepts 56 pairs. One edited to
// move the calibration's bias by 20 accepts 20. Edited to reject everyone, it accepts 0 to 4 of
// the 8 variations.
export const MAX_FUSED_ACCEPTED_SHARE = 0.25;
export const MIN_FUSED_VARIATION_SHARE = 0.75;

// Returns a slight variation of the flat points of a probe: stretched a little in x, y and time,
// with a small wobble, and with varying pen pressure when `withPressure`. Variation 0 is the
// probe itself in position and time.
function probeVariation(points, variation, withPressure) {
  const scaleX = [1, 1.04, 0.97, 1.02][variation];
  const scaleY = [1, 0.97, 1.03, 1.01][variation];
  const scaleTime = [1, 1.08, 0.93, 1.04][variation];
  const wobble = [0, 2, 1.5, 2.5][variation];
  const result = Float64Array.from(points);
  for (let offset = 0, index = 0; offset < result.length; offset += 5, index += 1) {
    result[offset] = points[offset] * scaleX + wobble * Math.sin(index / 7 + variation);
    result[offset + 1] = points[offset + 1] * scaleY + wobble * Math.cos(index / 9 + variation);
    result[offset + 2] = points[offset + 2] * scaleTime;
    if (withPressure) {
      result[offset + 3] = 0.5 + 0.25 * Math.sin(index / 13 + variation);
    }
  }
  return result;
}

// Enrols variations 1 to 3 of each probe with the fused score of `model` (the module's Model,
// with fusion parameters) and verifies variation 0 of every probe against each enrolment.
// Returns { variations, variationsAccepted, pairs, pairsAccepted, example }, where example names
// an accepted pair of different probes, or null.
export function measureFusedSeparation(model) {
  // A model that compares pen pressure rejects signatures without it.
  let withPressure = false;
  try {
    model.checkSignature(PROBE_SIGNATURES[0].points);
  } catch {
    withPressure = true;
  }
  const size = model.embeddingSize();
  const result = { variations: 0, variationsAccepted: 0, pairs: 0, pairsAccepted: 0, example: null };
  for (const [index, probe] of PROBE_SIGNATURES.entries()) {
    const enrolment = [1, 2, 3].map((variation) => probeVariation(probe.points, variation, withPressure));
    const embeddings = new Float32Array(enrolment.length * size);
    enrolment.forEach((points, position) => embeddings.set(model.embed(points), position * size));
    for (const [otherIndex, other] of PROBE_SIGNATURES.entries()) {
      const verdict = model.verifyFused(embeddings, enrolment, probeVariation(other.points, 0, withPressure));
      if (otherIndex === index) {
        result.variations += 1;
        result.variationsAccepted += verdict.accepted ? 1 : 0;
      } else {
        result.pairs += 1;
        result.pairsAccepted += verdict.accepted ? 1 : 0;
        if (verdict.accepted && result.example === null) {
          result.example = { enrolled: probe.name, query: other.name };
        }
      }
    }
  }
  return result;
}

// Returns the Error of checkModelSeparates() for `reason`, with advice for a model file. Its
// `reason` property keeps the reason alone, for callers that give their own advice.
function separationError(reason) {
  const error = new Error(
    `${reason}: the file is damaged or its training failed, so use another model or train it again`,
  );
  error.reason = reason;
  return error;
}

// Throws when `model` (the module's Model) cannot tell clearly different signatures apart. That
// is when an embedding of a probe signature is all zeros or not finite, or when the model's
// cosine threshold accepts more than MAX_ACCEPTED_SHARE of the pairs of different probes. It is
// also when the threshold is at least NEAR_ONE_THRESHOLD and all probe embeddings point nearly
// the same way. For a model with fusion parameters, the fused score is checked too (see
// checkFusedSeparates).
export function checkModelSeparates(model) {
  const result = measureSeparation(model);
  const shapes = (names) => names.map((name) => `"${name}"`).join(', ');
  if (result.nonFiniteNames.length > 0) {
    throw separationError(
      `the model gives an embedding that is not finite to the test shapes ${shapes(result.nonFiniteNames)}, ` +
        'so it cannot compare signatures',
    );
  }
  if (result.zeroNames.length > 0) {
    throw separationError(
      `the model gives an embedding of all zeros to the test shapes ${shapes(result.zeroNames)}, so it ` +
        'cannot compare such signatures',
    );
  }
  const minCosine = Math.min(...result.pairs.map((pair) => pair.cosine));
  if (result.threshold >= NEAR_ONE_THRESHOLD && minCosine >= MIN_SPREAD_COSINE) {
    throw separationError(
      `the model's embeddings of clearly different test shapes barely differ (every cosine between ` +
        `them is ${minCosine.toFixed(4)} or more) and its cosine threshold is ${result.threshold.toFixed(4)}, so ` +
        'it gives every signature about the same score',
    );
  }
  if (result.acceptedPairs.length > MAX_ACCEPTED_SHARE * result.pairs.length) {
    const example = result.acceptedPairs[0];
    throw separationError(
      `at its cosine threshold ${result.threshold.toFixed(4)} the model accepts ${result.acceptedPairs.length} of ` +
        `${result.pairs.length} pairs of clearly different test shapes as the same writer ("${example.first}" ` +
        `and "${example.second}" have cosine ${example.cosine.toFixed(4)}), so it would accept other writers' ` +
        'signatures',
    );
  }
  if (model.hasFusion()) {
    checkFusedSeparates(model);
  }
}

// Throws when the fused score of `model` accepts more than MAX_FUSED_ACCEPTED_SHARE of the pairs
// of different probe shapes, or fewer than MIN_FUSED_VARIATION_SHARE of slight variations of an
// enrolled probe. Either means that its fusion parameters accept or reject nearly everyone.
function checkFusedSeparates(model) {
  const fused = measureFusedSeparation(model);
  if (fused.pairsAccepted > MAX_FUSED_ACCEPTED_SHARE * fused.pairs) {
    const { enrolled, query } = fused.example;
    throw separationError(
      `with its fused score the model accepts ${fused.pairsAccepted} of ${fused.pairs} pairs of clearly ` +
        `different test shapes as the same writer ("${query}" against an enrolment of "${enrolled}"), so it ` +
        "would accept other writers' signatures",
    );
  }
  if (fused.variationsAccepted < MIN_FUSED_VARIATION_SHARE * fused.variations) {
    throw separationError(
      `with its fused score the model rejects ${fused.variations - fused.variationsAccepted} of ` +
        `${fused.variations} slight variations of an enrolled test shape, so it would reject its writers' own ` +
        'signatures',
    );
  }
}
