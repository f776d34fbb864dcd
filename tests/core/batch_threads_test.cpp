// The batch gradient shared by several threads against the single-threaded one.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkprint/batch_threads.hpp"
#include "inkprint/random.hpp"

using inkprint::BatchGradientThreads;
using inkprint::Network;
using inkprint::NetworkConfig;
using inkprint::PairLoss;

namespace {

struct Batch {
    std::vector<float> first, second;
    std::vector<bool> genuine;
};

Batch random_batch(const NetworkConfig& config, std::size_t pairs, inkprint::Random& random) {
    Batch batch;
    const std::size_t grid = static_cast<std::size_t>(config.n_steps) * config.n_features;
    batch.first.resize(pairs * grid);
    batch.second.resize(pairs * grid);
    for (float& value : batch.first) value = static_cast<float>(random.normal());
    for (float& value : batch.second) value = static_cast<float>(random.normal());
    for (std::size_t p = 0; p < pairs; ++p) batch.genuine.push_back(p % 3 == 0);
    return batch;
}

struct Result {
    float loss = 0;
    std::vector<float> gradients, cosines;
};

Result run(Network<float>& network, const Batch& batch, std::size_t threads) {
    BatchGradientThreads gradient(threads);
    network.zero_gradients();
    Result result;
    result.loss = gradient.accumulate(network, batch.first.data(), batch.second.data(), batch.genuine, PairLoss{});
    result.gradients = network.gradients();
    result.cosines = gradient.cosines();
    return result;
}

}  // namespace

// 1, 2, 3 and 5 threads over 13 pairs (parts of unequal size) give the single-threaded loss,
// cosines and gradient up to float rounding, and repeated runs give identical bits.
TEST(BatchGradientThreads, MatchesOneThread) {
    inkprint::Random random(5);
    const NetworkConfig config;
    Network<float> network(config);
    network.initialise(random);
    const Batch batch = random_batch(config, 13, random);
    const Result single = run(network, batch, 1);

    for (std::size_t threads : {2u, 3u, 5u}) {
        SCOPED_TRACE(threads);
        const Result threaded = run(network, batch, threads);
        EXPECT_NEAR(threaded.loss, single.loss, 1e-4 * std::abs(single.loss));
        ASSERT_EQ(threaded.cosines.size(), single.cosines.size());
        for (std::size_t p = 0; p < single.cosines.size(); ++p) EXPECT_NEAR(threaded.cosines[p], single.cosines[p], 1e-5) << p;
        ASSERT_EQ(threaded.gradients.size(), single.gradients.size());
        float largest = 0;
        for (float g : single.gradients) largest = std::max(largest, std::abs(g));
        for (std::size_t i = 0; i < single.gradients.size(); ++i) {
            EXPECT_NEAR(threaded.gradients[i], single.gradients[i], 1e-5f * largest) << i;
        }

        const Result again = run(network, batch, threads);
        EXPECT_EQ(again.loss, threaded.loss);
        EXPECT_EQ(again.gradients, threaded.gradients);
    }
}

// More threads than pairs: every pair still counts once.
TEST(BatchGradientThreads, MoreThreadsThanPairs) {
    inkprint::Random random(6);
    const NetworkConfig config;
    Network<float> network(config);
    network.initialise(random);
    const Batch batch = random_batch(config, 2, random);
    const Result single = run(network, batch, 1);
    const Result threaded = run(network, batch, 8);
    EXPECT_NEAR(threaded.loss, single.loss, 1e-5 * std::abs(single.loss));
    ASSERT_EQ(threaded.cosines.size(), 2u);
}

// The caller's gradients are added to, not replaced, as with accumulate_batch_gradient().
TEST(BatchGradientThreads, AddsToExistingGradients) {
    inkprint::Random random(7);
    const NetworkConfig config;
    Network<float> network(config);
    network.initialise(random);
    const Batch batch = random_batch(config, 6, random);
    const Result once = run(network, batch, 2);

    BatchGradientThreads gradient(2);
    network.zero_gradients();
    gradient.accumulate(network, batch.first.data(), batch.second.data(), batch.genuine, PairLoss{});
    gradient.accumulate(network, batch.first.data(), batch.second.data(), batch.genuine, PairLoss{});
    for (std::size_t i = 0; i < once.gradients.size(); ++i) {
        EXPECT_NEAR(network.gradients()[i], 2 * once.gradients[i], 1e-6f + 1e-5f * std::abs(once.gradients[i])) << i;
    }
}
