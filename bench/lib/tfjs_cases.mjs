// The TensorFlow.js peer of the training-step and forward-pass cases of bench/cases.hpp, for
// any backend. Used by bench/peer_tfjs.mjs (Node) and bench/browser/peer.js (Chromium).
//
// The network: conv1d 8->12 (width 11, stride 3), 1.7159 tanh(2x/3), conv1d 12->16 (width 10,
// stride 3), the same tanh, the mean over time. TensorFlow.js's conv1d reads
// [batch][steps][channels], the layout of our core. A training step runs both branches of B
// pairs as one batch of 2B signatures and takes each pair's cosine. Its loss is the squared
// error to +1 (genuine) or -0.9 (forgery), halved and averaged over the batch, and Adam
// (learning rate 1e-3) updates the weights, as in core/src/train.cpp.

const FEATURES = 8;

// Returns the weights of the network, uniform in +-sqrt(3 / fan_in) with zero biases, as
// variables when `trainable`.
function makeWeights(tf, trainable) {
  const make = (shape, fanIn) => {
    const limit = Math.sqrt(3 / fanIn);
    const value = tf.randomUniform(shape, -limit, limit, 'float32', 1);
    return trainable ? tf.variable(value) : value;
  };
  const zeros = (size) => (trainable ? tf.variable(tf.zeros([size])) : tf.zeros([size]));
  return {
    w1: make([11, FEATURES, 12], 11 * FEATURES),
    b1: zeros(12),
    w2: make([10, 12, 16], 10 * 12),
    b2: zeros(16),
  };
}

function scaledTanh(tf, x) {
  return tf.mul(1.7159, tf.tanh(tf.mul(x, 2 / 3)));
}

// grids [n][steps][features] -> embeddings [n][16]
function embed(tf, weights, grids) {
  const first = scaledTanh(tf, tf.add(tf.conv1d(grids, weights.w1, 3, 'valid'), weights.b1));
  const second = scaledTanh(tf, tf.add(tf.conv1d(first, weights.w2, 3, 'valid'), weights.b2));
  return tf.mean(second, 1);
}

function makeTrainingStep(tf, pairs, steps) {
  const weights = makeWeights(tf, true);
  const optimizer = tf.train.adam(1e-3);
  const grids = tf.randomNormal([2 * pairs, steps, FEATURES], 0, 1, 'float32', 2);
  const targets = tf.tensor1d(Array.from({ length: pairs }, (_, p) => (p % 2 === 0 ? 1 : -0.9)));
  return () => {
    const loss = optimizer.minimize(
      () => {
        const embeddings = embed(tf, weights, grids);
        const [a, b] = tf.split(embeddings, 2, 0);
        const dots = tf.sum(tf.mul(a, b), 1);
        const norms = tf.mul(tf.norm(a, 'euclidean', 1), tf.norm(b, 'euclidean', 1));
        const cosines = tf.div(dots, norms);
        return tf.mean(tf.div(tf.square(tf.sub(cosines, targets)), 2));
      },
      true,
      Object.values(weights),
    );
    // Reading the loss waits for the step to finish, as a training loop that reports it must.
    loss.dataSync();
    loss.dispose();
  };
}

function makeForward(tf, steps) {
  const weights = makeWeights(tf, false);
  const grid = tf.randomNormal([1, steps, FEATURES], 0, 1, 'float32', 3);
  return () => {
    const embedding = tf.tidy(() => embed(tf, weights, grid));
    embedding.dataSync();
    embedding.dispose();
  };
}

// Yields [name, pairs per iteration, run] for the cases this backend can run: the training
// step (unless trainable is false) at several batch sizes and sequence lengths, and the forward
// pass of one signature at several sequence lengths. quick keeps batch 32 and 200 steps.
export function* tfjsCases(tf, { trainable = true, quick = false } = {}) {
  const batches = quick ? [32] : [8, 32, 128];
  const lengths = quick ? [200] : [200, 400, 800];
  if (trainable) {
    for (const pairs of batches) yield [`train_step/b${pairs}/t200`, pairs, makeTrainingStep(tf, pairs, 200)];
    for (const steps of lengths) {
      if (steps !== 200) yield [`train_step/b32/t${steps}`, 32, makeTrainingStep(tf, 32, steps)];
    }
  }
  for (const steps of lengths) yield [`forward_one/t${steps}`, 0, makeForward(tf, steps)];
}
