// Training of the shared network on pairs of signatures from many writers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "inkprint/network.hpp"
#include "inkprint/optimizer.hpp"
#include "inkprint/random.hpp"
#include "inkprint/siamese.hpp"

namespace inkprint {

// One writer's standardised feature grids.
struct Writer {
    std::vector<std::vector<float>> genuine;
    std::vector<std::vector<float>> forgeries;  // skilled forgeries of this writer; may be empty
};

struct TrainingConfig {
    int epochs = 30;
    int pairs_per_epoch = 4096;
    int batch_size = 32;
    OptimizerConfig optimizer;
    PairLoss loss;
    // Share of genuine/genuine pairs and of genuine/skilled-forgery pairs; the rest pair a
    // genuine signature with another writer's genuine signature (a random forgery). A writer
    // without skilled forgeries gives a random forgery instead.
    double genuine_share = 0.5;
    double skilled_share = 0.3;
    std::uint64_t seed = 1;
    // Threads that share each batch (BatchGradientThreads), or 0 for one per core. The
    // summed gradient depends on the count through float rounding, so a run is reproducible
    // only with the same count.
    int threads = 1;
};

struct EpochReport {
    int epoch = 0;  // counted from 1
    double mean_loss = 0;
    double learning_rate = 0;
    double mean_gradient_norm = 0;  // L2 norm of the batch gradient, before clipping
    // 1 - |mean of the writers' unit embeddings|: near 0 when every writer gets the same
    // direction (collapsed embeddings), up to 1 when they spread evenly.
    double embedding_spread = 0;
    bool collapsed = false;  // embedding_spread below kCollapsedSpread
    double seconds = 0;
};

inline constexpr double kCollapsedSpread = 1e-3;

// One mini-batch of pairs, drawn by the trainer's sampling rules.
struct PairBatch {
    std::vector<float> first, second;  // [batch][grid size]
    std::vector<bool> genuine;
};

// Draws `count` pairs from `writers` with the shares of `config`.
PairBatch draw_pairs(const std::vector<Writer>& writers, const TrainingConfig& config, std::size_t count,
                     Random& random);

// Trains `network` from its current weights. Calls `on_epoch` after each epoch; training stops
// early when it returns false. Throws Error when the loss turns NaN or infinite, or the
// writers cannot supply pairs.
void train_network(Network<float>& network, const std::vector<Writer>& writers, const TrainingConfig& config,
                   const std::function<bool(const EpochReport&)>& on_epoch);

}  // namespace inkprint
