// Pictures that explain a verification. The query is coloured by how much each stretch agrees
// with the reference, beside the closest enrolment signature. Plots show speed and pressure over
// normalised time, and where the score falls among the scores of writers the model never saw.
//
// The network's embedding is an average over time, so the score is an exact sum of shares, one
// per averaged time step. Each step's share times the step count is a local score on the scale
// of the score itself: the score is the mean of the local scores. The core maps the local
// scores onto the samples (see Explanation in core/include/inkprint/verifier.hpp).

import { readScoreHistogram } from './recorded-rates.js';

// Colour stops from "differs" to "agrees", from the Okabe-Ito palette, which stays distinct
// under the common kinds of colour blindness: vermillion, orange, grey, sky blue, blue.
const COLOUR_STOPS = [
  [213, 94, 0],
  [230, 159, 0],
  [153, 153, 153],
  [86, 180, 233],
  [0, 114, 178],
];

// Local scores this far below or above the threshold take the end colours.
export const COLOUR_RANGE = 1;

const QUERY_COLOUR = '#0072b2';
const ENROLMENT_COLOUR = '#999999';
const GENUINE_COLOUR = '#0072b2';
const SKILLED_COLOUR = '#d55e00';
const RANDOM_COLOUR = '#e69f00';

// Returns the CSS colour of a local score, given the model's threshold.
export function colourOf(localScore, threshold) {
  const clipped = Math.max(-COLOUR_RANGE, Math.min(COLOUR_RANGE, localScore - threshold));
  const position = ((clipped / COLOUR_RANGE + 1) / 2) * (COLOUR_STOPS.length - 1);
  const index = Math.min(Math.floor(position), COLOUR_STOPS.length - 2);
  const fraction = position - index;
  const [a, b] = [COLOUR_STOPS[index], COLOUR_STOPS[index + 1]];
  const channel = (k) => Math.round(a[k] + fraction * (b[k] - a[k]));
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

// Sizes a canvas's backing store to its CSS size times the device pixel ratio and returns a
// context that draws in CSS pixels, with the size.
function prepareCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 150;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

function textColour() {
  return getComputedStyle(document.body).color;
}

// Splits flat points [x, y, t_ms, pressure, stroke] into strokes of sample indices.
function strokesOf(points, stride) {
  const strokes = [];
  for (let index = 0; index * stride < points.length; index += 1) {
    const stroke = points[index * stride + 4];
    if (strokes.length === 0 || strokes.at(-1).stroke !== stroke) {
      strokes.push({ stroke, samples: [] });
    }
    strokes.at(-1).samples.push(index);
  }
  return strokes;
}

// Draws a signature scaled to fit the canvas. `colourAt(i, j)` gives the colour of the segment
// from sample i to sample j.
function drawSignature(canvas, points, stride, colourAt) {
  const { context, width, height } = prepareCanvas(canvas);
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let offset = 0; offset < points.length; offset += stride) {
    minX = Math.min(minX, points[offset]);
    maxX = Math.max(maxX, points[offset]);
    minY = Math.min(minY, points[offset + 1]);
    maxY = Math.max(maxY, points[offset + 1]);
  }
  const margin = 8;
  const scale = Math.min(
    (width - 2 * margin) / Math.max(maxX - minX, 1e-9),
    (height - 2 * margin) / Math.max(maxY - minY, 1e-9),
  );
  const left = (width - scale * (maxX - minX)) / 2;
  const top = (height - scale * (maxY - minY)) / 2;
  const at = (index) => [
    left + scale * (points[index * stride] - minX),
    top + scale * (points[index * stride + 1] - minY),
  ];

  context.lineWidth = 3;
  context.lineCap = 'round';
  for (const { samples } of strokesOf(points, stride)) {
    if (samples.length === 1) {
      const [x, y] = at(samples[0]);
      context.fillStyle = colourAt(samples[0], samples[0]);
      context.beginPath();
      context.arc(x, y, 2, 0, 2 * Math.PI);
      context.fill();
      continue;
    }
    for (let k = 1; k < samples.length; k += 1) {
      const [x0, y0] = at(samples[k - 1]);
      const [x1, y1] = at(samples[k]);
      context.strokeStyle = colourAt(samples[k - 1], samples[k]);
      context.beginPath();
      context.moveTo(x0, y0);
      context.lineTo(x1, y1);
      context.stroke();
    }
  }
}

// Draws the colour scale: a gradient with the threshold in the middle.
function drawLegend(canvas, threshold) {
  const { context, width, height } = prepareCanvas(canvas);
  const barTop = 4;
  const barHeight = 14;
  for (let x = 0; x < width; x += 1) {
    const localScore = threshold + ((x / (width - 1)) * 2 - 1) * COLOUR_RANGE;
    context.fillStyle = colourOf(localScore, threshold);
    context.fillRect(x, barTop, 1, barHeight);
  }
  context.fillStyle = textColour();
  context.font = '12px system-ui, sans-serif';
  context.textBaseline = 'top';
  // Short labels, so that they fit side by side on a phone.
  const labels = [
    [0, 'left', `\u2264 ${(threshold - COLOUR_RANGE).toFixed(2)} differs`],
    [width / 2, 'center', `${threshold.toFixed(2)} threshold`],
    [width, 'right', `agrees \u2265 ${(threshold + COLOUR_RANGE).toFixed(2)}`],
  ];
  for (const [x, align, text] of labels) {
    context.textAlign = align;
    context.fillText(text, x, barTop + barHeight + 4);
  }
}

// Draws line plots over normalised time. `series` items are { values, colour, width }; NaN
// values leave gaps. Returns false, drawing nothing, when no series has a finite value.
function drawProfiles(canvas, series, label) {
  const finite = series.flatMap(({ values }) => Array.from(values).filter(Number.isFinite));
  if (finite.length === 0) {
    prepareCanvas(canvas);
    return false;
  }
  const { context, width, height } = prepareCanvas(canvas);
  const sorted = finite.sort((a, b) => a - b);
  // The 99th percentile keeps one spike from flattening every other line.
  const top = Math.max(sorted[Math.floor(0.99 * (sorted.length - 1))], 1e-9);
  const plot = { left: 8, right: width - 8, top: 18, bottom: height - 18 };

  context.strokeStyle = textColour();
  context.globalAlpha = 0.4;
  context.lineWidth = 1;
  context.beginPath();
  context.moveTo(plot.left, plot.bottom);
  context.lineTo(plot.right, plot.bottom);
  context.stroke();
  context.globalAlpha = 1;

  for (const { values, colour, width: lineWidth } of series) {
    context.strokeStyle = colour;
    context.lineWidth = lineWidth;
    context.beginPath();
    let drawing = false;
    for (let k = 0; k < values.length; k += 1) {
      if (!Number.isFinite(values[k])) {
        drawing = false;
        continue;
      }
      const x = plot.left + ((plot.right - plot.left) * k) / (values.length - 1);
      const y = plot.bottom - (plot.bottom - plot.top) * Math.min(values[k] / top, 1);
      if (drawing) {
        context.lineTo(x, y);
      } else {
        context.moveTo(x, y);
        drawing = true;
      }
    }
    context.stroke();
  }

  context.fillStyle = textColour();
  context.font = '12px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.textAlign = 'left';
  context.fillText(label, plot.left, 2);
  context.textBaseline = 'bottom';
  context.fillText('start', plot.left, height);
  context.textAlign = 'right';
  context.fillText('end of the signature (normalised time)', plot.right, height);
  return true;
}

// Draws the three score distributions as outlines of their shares per bin, the threshold as a
// dashed line and the query's score as a marker.
function drawDistribution(canvas, histogram, threshold, score) {
  const { context, width, height } = prepareCanvas(canvas);
  const plot = { left: 8, right: width - 8, top: 22, bottom: height - 20 };
  const bins = histogram.genuine.length;
  const xOf = (value) =>
    plot.left +
    ((plot.right - plot.left) * (Math.min(Math.max(value, histogram.low), histogram.high) - histogram.low)) /
      (histogram.high - histogram.low);
  const shares = ['genuine', 'skilled', 'random'].map((kind) => {
    const total = histogram[kind].reduce((sum, count) => sum + count, 0) || 1;
    return histogram[kind].map((count) => count / total);
  });
  const top = Math.max(...shares.flat(), 1e-9);
  const colours = [GENUINE_COLOUR, SKILLED_COLOUR, RANDOM_COLOUR];
  const dashes = [[], [], [4, 3]];

  for (const [kind, values] of shares.entries()) {
    context.strokeStyle = colours[kind];
    context.setLineDash(dashes[kind]);
    context.lineWidth = 2;
    context.beginPath();
    context.moveTo(plot.left, plot.bottom);
    for (let bin = 0; bin < bins; bin += 1) {
      const x0 = plot.left + ((plot.right - plot.left) * bin) / bins;
      const x1 = plot.left + ((plot.right - plot.left) * (bin + 1)) / bins;
      const y = plot.bottom - ((plot.bottom - plot.top) * values[bin]) / top;
      context.lineTo(x0, y);
      context.lineTo(x1, y);
    }
    context.lineTo(plot.right, plot.bottom);
    context.stroke();
  }
  context.setLineDash([]);

  const ink = textColour();
  context.strokeStyle = ink;
  context.setLineDash([5, 4]);
  context.lineWidth = 1.5;
  context.beginPath();
  context.moveTo(xOf(threshold), plot.top - 6);
  context.lineTo(xOf(threshold), plot.bottom);
  context.stroke();
  context.setLineDash([]);

  // A filled triangle under the axis marks the query's score.
  const scoreX = xOf(score);
  context.fillStyle = ink;
  context.beginPath();
  context.moveTo(scoreX, plot.bottom + 1);
  context.lineTo(scoreX - 6, plot.bottom + 11);
  context.lineTo(scoreX + 6, plot.bottom + 11);
  context.closePath();
  context.fill();

  context.font = '12px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.textAlign = 'left';
  context.fillText(`threshold ${threshold.toFixed(2)}`, Math.min(xOf(threshold) + 4, plot.right - 90), 2);
  context.textBaseline = 'bottom';
  context.fillText(histogram.low.toFixed(0), plot.left, height);
  context.textAlign = 'right';
  context.fillText(histogram.high.toFixed(0), plot.right, height);
  context.textAlign = scoreX > width / 2 ? 'right' : 'left';
  context.fillText(`this signature ${score.toFixed(2)}`, scoreX + (scoreX > width / 2 ? -10 : 10), height);
}

function percent(rate) {
  return `${(100 * rate).toFixed(1)} %`;
}

// Shows the explanation of one verification in the page's explanation section.
//   explanation  what Model.explain returned, copied out of the module's memory
//   query        { points, profile } of the verified signature
//   enrolments   [{ points or null, profile or null, similarity }], in enrolment order
//   closest      index of the enrolment with the highest similarity that has points, or of
//                the one the signature copies; -1 when none has points
//   copied       whether the signature is a near-exact copy of enrolment signature `closest`
//   description  the model's parsed description (for the held-out score histograms)
//   stride       values per point in the flat format
//   decision     { fused, score, threshold } of the verdict: the fused score, or the cosine
export function showExplanation(shown) {
  lastShown = shown;
  const { explanation, query, enrolments, closest, copied, description, stride, decision } = shown;
  const section = document.getElementById('explanation');
  section.hidden = false;
  const { threshold, score } = explanation;

  const local = explanation.sampleLocalScores;
  drawSignature(document.getElementById('explain-query'), query.points, stride, (i, j) =>
    colourOf((local[i] + local[j]) / 2, threshold),
  );
  drawLegend(document.getElementById('explain-legend'), threshold);
  const lowest = Math.min(...local);
  const highest = Math.max(...local);
  section.dataset.cosine = String(score);
  section.dataset.cosineThreshold = String(threshold);
  section.dataset.lowestLocalScore = String(lowest);
  section.dataset.highestLocalScore = String(highest);
  const belowCount = local.filter((value) => value < threshold).length;
  let fusedNote = '';
  if (decision.fused) {
    fusedNote =
      " The colours explain the network's part of the verdict: its cosine with the reference " +
      `(the mean of the enrolment embeddings) is ${score.toFixed(2)}, against the network's ` +
      `own threshold ${threshold.toFixed(2)}.`;
    if (explanation.accepted !== decision.accepted) {
      fusedNote +=
        ` On its own the network would have ${explanation.accepted ? 'accepted' : 'rejected'} ` +
        'this signature: time warping against the enrolment signatures decided the verdict.';
    }
  }
  document.getElementById('explain-query-caption').textContent =
    `This signature, coloured by local score: ${belowCount} of ${local.length} samples lie ` +
    `in stretches below the threshold (local scores from ${lowest.toFixed(2)} to ${highest.toFixed(2)}).` +
    fusedNote;

  section.dataset.similarities = enrolments.map((enrolment) => enrolment.similarity.toFixed(4)).join(' ');
  const closestCanvas = document.getElementById('explain-closest');
  const closestCaption = document.getElementById('explain-closest-caption');
  if (closest >= 0) {
    drawSignature(closestCanvas, enrolments[closest].points, stride, () => ENROLMENT_COLOUR);
    const cosine = `cosine ${enrolments[closest].similarity.toFixed(2)} with this signature`;
    closestCaption.textContent = copied
      ? `Enrolment signature ${closest + 1} of ${enrolments.length}, which this signature copies (${cosine}).`
      : `The closest enrolment signature, number ${closest + 1} of ${enrolments.length} (${cosine}).`;
    section.dataset.closest = String(closest);
  } else {
    prepareCanvas(closestCanvas);
    closestCaption.textContent =
      'No enrolment signature of this person was saved with its points (they were enrolled ' +
      'with an earlier version of the page), so none can be shown. Enrol again to see them.';
    delete section.dataset.closest;
  }

  const enrolmentProfiles = enrolments.filter((enrolment) => enrolment.profile !== null);
  const speedSeries = [
    ...enrolmentProfiles.map(({ profile }) => ({ values: profile.speed, colour: ENROLMENT_COLOUR, width: 1 })),
    { values: query.profile.speed, colour: QUERY_COLOUR, width: 2.5 },
  ];
  drawProfiles(document.getElementById('explain-speed'), speedSeries, 'speed (signature sizes per second)');
  // Pressure is drawn only where the pen is down: a gap's zero would look like a light touch.
  const penDownOnly = (profile) =>
    Float64Array.from(profile.pressure, (value, k) => (profile.penDown[k] === 1 ? value : NaN));
  const pressureSeries = [
    ...enrolmentProfiles.map(({ profile }) => ({ values: penDownOnly(profile), colour: ENROLMENT_COLOUR, width: 1 })),
    { values: penDownOnly(query.profile), colour: QUERY_COLOUR, width: 2.5 },
  ];
  const hasPressure = drawProfiles(document.getElementById('explain-pressure'), pressureSeries, 'pressure (0 to 1)');
  document.getElementById('explain-pressure').hidden = !hasPressure;
  document.getElementById('explain-pressure-note').hidden = hasPressure;
  document.getElementById('explain-profiles-caption').textContent =
    `Blue: this signature. Grey: ${enrolmentProfiles.length} enrolment ` +
    `signature${enrolmentProfiles.length === 1 ? '' : 's'}. A hesitation shows as a dip in speed ` +
    'where the others keep moving.';

  const histogramKey = decision.fused ? 'heldOutFused' : 'heldOut';
  const histogram = readScoreHistogram(description, histogramKey);
  const distributionCanvas = document.getElementById('explain-distribution');
  const distributionCaption = document.getElementById('explain-distribution-caption');
  distributionCanvas.hidden = histogram === null;
  if (histogram === null) {
    distributionCaption.textContent =
      'This model carries no score distributions of held-out writers, so the score cannot be ' +
      'placed among them.';
    delete section.dataset.distribution;
    return;
  }
  drawDistribution(distributionCanvas, histogram, decision.threshold, decision.score);
  section.dataset.distribution = decision.fused ? 'fused' : 'cosine';
  const heldOut = description.training[histogramKey];
  const counts = ['genuine', 'skilled', 'random'].map((kind) =>
    histogram[kind].reduce((sum, count) => sum + count, 0),
  );
  let rates = '';
  if ([heldOut.frr, heldOut.farSkilled, heldOut.farRandom].every(Number.isFinite)) {
    rates =
      ` At this threshold the model rejected ${percent(heldOut.frr)} of their genuine ` +
      `signatures (false rejections) and accepted ${percent(heldOut.farSkilled)} of the ` +
      `skilled forgeries and ${percent(heldOut.farRandom)} of the random forgeries (false ` +
      'acceptances).';
  }
  const scoreKind = decision.fused ? 'Fused scores (network and time warping)' : 'Scores';
  distributionCaption.textContent =
    `${scoreKind} of writers the model never saw in training: ${counts[0]} genuine signatures ` +
    `(blue), ${counts[1]} skilled forgeries (vermillion) and ${counts[2]} random forgeries, ` +
    `genuine signatures of other writers (orange, dashed). The triangle marks this ` +
    `signature's score.${rates}`;
}

export function hideExplanation() {
  lastShown = null;
  document.getElementById('explanation').hidden = true;
}

// What showExplanation drew last, so that a new window size or colour scheme redraws it.
let lastShown = null;
let redrawPending = false;

function redraw() {
  if (lastShown === null || redrawPending) {
    return;
  }
  redrawPending = true;
  requestAnimationFrame(() => {
    redrawPending = false;
    if (lastShown !== null) {
      showExplanation(lastShown);
    }
  });
}

window.addEventListener('resize', redraw);
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
