// A check that a model's network distinguishes signatures, run when a model is imported or put to
// use. A model file can pass every format check and still give every signature the same
// embedding (all weights zero, or so small that the sums underflow), after which every query
// gets the same verdict.

// Cosine above which two embeddings count as the same direction. The default model gives the
// two shapes below a cosine of -0.14 and the pen model 0.56.
const SAME_DIRECTION = 0.99999;

// Returns a signature in the module's flat point format (x, y, time in ms, pressure, stroke)
// with 100 points over 1 s, placed by `position(fraction)`.
function probeSignature(position) {
  const points = new Float64Array(100 * 5);
  for (let i = 0; i < 100; i += 1) {
    const [x, y] = position(i / 99);
    points.set([x, y, i * 10, Number.NaN, 0], i * 5);
  }
  return points;
}

const LINE = probeSignature((fraction) => [300 * fraction, 20 * fraction]);
const LOOP = probeSignature((fraction) => [
  100 * Math.cos(2 * Math.PI * fraction),
  100 * Math.sin(4 * Math.PI * fraction),
]);

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

// Throws when `model` (the module's Model) gives an embedding of all zeros, or the same
// direction, to a straight line and a loop.
export function checkModelSeparates(model) {
  const line = model.embed(LINE);
  const loop = model.embed(LOOP);
  const lineNorm = norm(line);
  const loopNorm = norm(loop);
  if (lineNorm === 0 || loopNorm === 0) {
    throw new Error(
      'the model gives an embedding of all zeros, so it cannot compare signatures: the file is ' +
        'damaged or its training failed, so use another model or train it again',
    );
  }
  const cosine = line.reduce((sum, value, index) => sum + value * loop[index], 0) / (lineNorm * loopNorm);
  if (cosine > SAME_DIRECTION) {
    throw new Error(
      `the model gives a straight line and a loop the same embedding (cosine ${cosine.toFixed(6)}), ` +
        'so it cannot tell signatures apart: the file is damaged or its training failed, so use ' +
        'another model or train it again',
    );
  }
}
