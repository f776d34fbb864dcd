// The gradient of the siamese pair loss with respect to every weight, against central finite
// differences in double precision.
#include <gtest/gtest.h>

#include <vector>

#include "inkprint/random.hpp"
#include "inkprint/siamese.hpp"
#include "inkprint/train.hpp"

using inkprint::Network;
using inkprint::NetworkConfig;
using inkprint::PairWorkspace;

namespace {

std::vector<double> random_grid(const NetworkConfig& config, inkprint::Random& random) {
    std::vector<double> grid(static_cast<std::size_t>(config.n_steps) * config.n_features);
    for (double& value : grid) value = random.normal();
    return grid;
}

double pair_loss(Network<double>& network, const std::vector<double>& a, const std::vector<double>& b,
                 double target) {
    PairWorkspace<double> workspace;
    network.zero_gradients();
    return inkprint::accumulate_pair_gradient(network, a.data(), b.data(), target, workspace);
}

// Step 1e-5: the loss is smooth, truncation error ~ step^2 and rounding ~ 1e-16 / step, both far
// below the tolerance of 1e-7 absolute plus 1e-5 relative.
void check_every_weight(const NetworkConfig& config, double target, std::uint64_t seed) {
    inkprint::Random random(seed);
    Network<double> network(config);
    inkprint::initialise_network(network, random);
    // Non-zero biases, so that their gradients are checked away from the symmetric start.
    for (std::size_t l = 0; l < config.layers.size(); ++l) {
        for (int o = 0; o < config.layers[l].channels; ++o) {
            network.parameters()[network.bias_offset(l) + o] = 0.1 * random.normal();
        }
    }
    const auto a = random_grid(config, random);
    const auto b = random_grid(config, random);

    pair_loss(network, a, b, target);
    const std::vector<double> analytic = network.gradients();
    const double step = 1e-5;
    for (std::size_t i = 0; i < analytic.size(); ++i) {
        const double saved = network.parameters()[i];
        network.parameters()[i] = saved + step;
        const double plus = pair_loss(network, a, b, target);
        network.parameters()[i] = saved - step;
        const double minus = pair_loss(network, a, b, target);
        network.parameters()[i] = saved;
        const double numeric = (plus - minus) / (2 * step);
        EXPECT_NEAR(analytic[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << "parameter " << i;
    }
}

}  // namespace

TEST(PairLossGradient, PublishedNetworkForgeryPair) {
    check_every_weight(NetworkConfig{}, -0.9, 11);
}

TEST(PairLossGradient, PublishedNetworkGenuinePair) {
    check_every_weight(NetworkConfig{}, 1.0, 12);
}

TEST(PairLossGradient, ThreeLayersUnevenStrides) {
    NetworkConfig config;
    config.n_features = 3;
    config.n_steps = 37;
    config.layers = {{5, 4, 2}, {4, 3, 1}, {3, 5, 2}};
    check_every_weight(config, 0.3, 13);
}

// One siamese step equals two explicit copies of the network, each run on one branch, whose
// gradients are summed: the shared weights receive the sum of both branches' gradients.
TEST(WeightSharing, EqualsSumOfTwoCopies) {
    inkprint::Random random(21);
    const NetworkConfig config;
    Network<double> shared(config);
    inkprint::initialise_network(shared, random);
    const auto a = random_grid(config, random);
    const auto b = random_grid(config, random);
    const double target = -0.9;

    pair_loss(shared, a, b, target);

    Network<double> copy_a(config), copy_b(config);
    copy_a.parameters() = shared.parameters();
    copy_b.parameters() = shared.parameters();
    Network<double>::Workspace workspace_a, workspace_b;
    const std::size_t size = config.embedding_size();
    std::vector<double> ea(size), eb(size), grad_a(size), grad_b(size);
    copy_a.forward(a.data(), workspace_a, ea.data());
    copy_b.forward(b.data(), workspace_b, eb.data());
    const double c = inkprint::cosine(ea.data(), eb.data(), size, grad_a.data(), grad_b.data());
    for (std::size_t i = 0; i < size; ++i) {
        grad_a[i] *= c - target;
        grad_b[i] *= c - target;
    }
    copy_a.backward(workspace_a, grad_a.data());
    copy_b.backward(workspace_b, grad_b.data());

    for (std::size_t i = 0; i < shared.gradients().size(); ++i) {
        EXPECT_NEAR(shared.gradients()[i], copy_a.gradients()[i] + copy_b.gradients()[i], 1e-14) << i;
    }
    // Each copy alone gives a different gradient, so the sum is what the shared weights need.
    double difference = 0;
    for (std::size_t i = 0; i < shared.gradients().size(); ++i) {
        difference += std::abs(copy_a.gradients()[i] - copy_b.gradients()[i]);
    }
    EXPECT_GT(difference, 1e-6);
}
