// Training of the shared network on pairs of signatures from many writers.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "inkprint/network.hpp"
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
    double learning_rate = 1e-3;  // Adam step size
    PairTargets targets;
    // Share of genuine/genuine pairs and of genuine/skilled-forgery pairs; the rest pair a
    // genuine signature with another writer's genuine signature (a random forgery).
    double genuine_share = 0.5;
    double skilled_share = 0.3;
    std::uint64_t seed = 1;
};

struct EpochReport {
    int epoch = 0;  // counted from 1
    double mean_loss = 0;
    double seconds = 0;
};

// Sets the weights uniformly in +-sqrt(3 / fan_in), a standard deviation of 1 / sqrt(fan_in),
// and the biases to zero, which keeps the scaled tanh in its near-linear range at the start.
template <typename T>
void initialise_network(Network<T>& network, Random& random);

// Adam (Kingma and Ba, 2015) over one flat parameter array.
class AdamOptimizer {
public:
    AdamOptimizer(std::size_t size, double learning_rate, double beta1 = 0.9, double beta2 = 0.999,
                  double epsilon = 1e-8);
    void step(std::vector<float>& parameters, const std::vector<float>& gradients);

private:
    double learning_rate_, beta1_, beta2_, epsilon_;
    std::vector<double> first_moment_, second_moment_;
    long long steps_ = 0;
};

// Trains `network` from its current weights. Calls `on_epoch` after each epoch; training stops
// early when it returns false. Throws Error when the loss turns NaN or the writers cannot
// supply the requested pairs.
void train_network(Network<float>& network, const std::vector<Writer>& writers,
                   const TrainingConfig& config,
                   const std::function<bool(const EpochReport&)>& on_epoch);

}  // namespace inkprint
