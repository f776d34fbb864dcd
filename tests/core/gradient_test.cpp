// The gradient of the siamese pair loss with respect to every weight, against central finite
// differences in double precision; the losses; and the proof of weight sharing.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkprint/random.hpp"
#include "inkprint/siamese.hpp"

using inkprint::LayerSpec;
using inkprint::LossKind;
using inkprint::Network;
using inkprint::NetworkConfig;
using inkprint::PairLoss;
using inkprint::PairWorkspace;

namespace {

std::vector<double> random_grid(const NetworkConfig& config, std::size_t batch, inkprint::Random& random) {
    std::vector<double> grid(batch * config.n_steps * config.n_features);
    for (double& value : grid) value = random.normal();
    return grid;
}

double batch_loss(Network<double>& network, const std::vector<double>& a, const std::vector<double>& b,
                  const std::vector<bool>& genuine, const PairLoss& loss) {
    PairWorkspace<double> workspace;
    network.zero_gradients();
    return inkprint::accumulate_batch_gradient(network, a.data(), b.data(), genuine, loss, workspace);
}

// Step 1e-5: the loss is smooth, truncation error ~ step^2 and rounding ~ 1e-16 / step, both far
// below the tolerance of 1e-7 absolute plus 1e-5 relative.
void check_every_weight(const NetworkConfig& config, const PairLoss& loss, const std::vector<bool>& genuine,
                        std::uint64_t seed) {
    inkprint::Random random(seed);
    Network<double> network(config);
    network.initialise(random);
    // Non-zero biases, so that their gradients are checked away from the symmetric start.
    for (double& p : network.parameters()) p += 0.05 * random.normal();
    const auto a = random_grid(config, genuine.size(), random);
    const auto b = random_grid(config, genuine.size(), random);

    batch_loss(network, a, b, genuine, loss);
    const std::vector<double> analytic = network.gradients();
    const double step = 1e-5;
    for (std::size_t i = 0; i < analytic.size(); ++i) {
        const double saved = network.parameters()[i];
        network.parameters()[i] = saved + step;
        const double plus = batch_loss(network, a, b, genuine, loss);
        network.parameters()[i] = saved - step;
        const double minus = batch_loss(network, a, b, genuine, loss);
        network.parameters()[i] = saved;
        const double numeric = (plus - minus) / (2 * step);
        EXPECT_NEAR(analytic[i], numeric, 1e-7 + 1e-5 * std::abs(numeric)) << "parameter " << i;
    }
}

NetworkConfig small_config() {
    NetworkConfig config;
    config.n_features = 3;
    config.n_steps = 37;
    config.layers = {LayerSpec::time_delay(5, 4, 2), LayerSpec::activation_of(inkprint::Activation::ScaledTanh),
                     LayerSpec::time_delay(4, 3, 1), LayerSpec::activation_of(inkprint::Activation::Relu),
                     LayerSpec::time_delay(3, 5, 2), LayerSpec::activation_of(inkprint::Activation::ScaledTanh),
                     LayerSpec::time_average(), LayerSpec::dense(6)};
    return config;
}

}  // namespace

TEST(PairLossGradient, PublishedNetworkForgeryPair) {
    check_every_weight(NetworkConfig{}, PairLoss{}, {false}, 11);
}

TEST(PairLossGradient, PublishedNetworkGenuinePair) {
    check_every_weight(NetworkConfig{}, PairLoss{}, {true}, 12);
}

TEST(PairLossGradient, DeeperNetworkWithDenseLayer) {
    check_every_weight(small_config(), PairLoss{}, {true, false, false}, 13);
}

TEST(PairLossGradient, DifferenceLoss) {
    PairLoss loss;
    loss.kind = LossKind::Difference;
    check_every_weight(small_config(), loss, {true, false}, 14);
}

TEST(PairLossGradient, MarginLoss) {
    PairLoss loss;
    loss.kind = LossKind::Margin;
    loss.margin = 1.5;  // large enough that the forgery pair is inside the margin
    check_every_weight(small_config(), loss, {true, false}, 15);
}

// Each loss against central differences in c, at cosines across [-1, 1].
TEST(PairLoss, GradientMatchesFiniteDifferences) {
    for (auto kind : {LossKind::SquaredError, LossKind::Difference, LossKind::Margin}) {
        PairLoss loss;
        loss.kind = kind;
        loss.margin = 0.8;
        for (double c : {-0.95, -0.5, -0.1, 0.3, 0.7, 0.99}) {
            for (bool genuine : {true, false}) {
                double grad = 0, unused = 0;
                loss.evaluate(c, genuine, &grad);
                const double step = 1e-6;
                const double numeric =
                    (loss.evaluate(c + step, genuine, &unused) - loss.evaluate(c - step, genuine, &unused)) / (2 * step);
                EXPECT_NEAR(grad, numeric, 1e-8) << "kind " << static_cast<int>(kind) << " c " << c << " genuine " << genuine;
            }
        }
    }
}

TEST(PairLoss, ValuesByHand) {
    double grad = 0;
    const PairLoss squared;  // targets +1 and -0.9
    EXPECT_DOUBLE_EQ(squared.evaluate(0.5, true, &grad), 0.125);  // (0.5 - 1)^2 / 2
    EXPECT_DOUBLE_EQ(grad, -0.5);
    EXPECT_NEAR(squared.evaluate(0.1, false, &grad), 0.5, 1e-15);  // (0.1 + 0.9)^2 / 2
    EXPECT_NEAR(grad, 1.0, 1e-15);

    PairLoss difference;
    difference.kind = LossKind::Difference;
    EXPECT_DOUBLE_EQ(difference.evaluate(0.4, true, &grad), -0.4);
    EXPECT_DOUBLE_EQ(grad, -1.0);
    EXPECT_DOUBLE_EQ(difference.evaluate(0.4, false, &grad), 0.4);
    EXPECT_DOUBLE_EQ(grad, 1.0);

    PairLoss margin;
    margin.kind = LossKind::Margin;
    margin.margin = 1.0;
    EXPECT_DOUBLE_EQ(margin.evaluate(0.5, true, &grad), 0.125);   // d = 0.5, d^2 / 2
    EXPECT_DOUBLE_EQ(grad, -0.5);
    EXPECT_DOUBLE_EQ(margin.evaluate(0.5, false, &grad), 0.125);  // (1 - 0.5)^2 / 2
    EXPECT_DOUBLE_EQ(grad, 0.5);
    EXPECT_DOUBLE_EQ(margin.evaluate(-0.2, false, &grad), 0.0);   // d = 1.2 beyond the margin
    EXPECT_DOUBLE_EQ(grad, 0.0);
}

// The difference loss keeps rewarding larger separation: its gradient never shrinks.
TEST(PairLoss, DifferenceLossIsUnbounded) {
    PairLoss difference;
    difference.kind = LossKind::Difference;
    double near_grad = 0, far_grad = 0;
    difference.evaluate(0.0, false, &near_grad);
    difference.evaluate(-0.99, false, &far_grad);
    EXPECT_EQ(near_grad, far_grad);
}

// A batch gives the sum of the gradients of its pairs taken one at a time.
TEST(BatchGradient, EqualsSumOfSinglePairs) {
    inkprint::Random random(16);
    const NetworkConfig config;
    Network<double> network(config);
    network.initialise(random);
    const std::vector<bool> genuine = {true, false, false};
    const auto a = random_grid(config, 3, random);
    const auto b = random_grid(config, 3, random);
    const double total = batch_loss(network, a, b, genuine, PairLoss{});
    const std::vector<double> batched = network.gradients();

    std::vector<double> summed(batched.size(), 0.0);
    double summed_loss = 0;
    const std::size_t grid = config.n_steps * config.n_features;
    for (std::size_t p = 0; p < 3; ++p) {
        const std::vector<double> first(a.begin() + p * grid, a.begin() + (p + 1) * grid);
        const std::vector<double> second(b.begin() + p * grid, b.begin() + (p + 1) * grid);
        summed_loss += batch_loss(network, first, second, {genuine[p]}, PairLoss{});
        for (std::size_t i = 0; i < summed.size(); ++i) summed[i] += network.gradients()[i];
    }
    EXPECT_NEAR(total, summed_loss, 1e-12);
    for (std::size_t i = 0; i < summed.size(); ++i) EXPECT_NEAR(batched[i], summed[i], 1e-12) << i;
}

namespace {

// Backpropagates one pair through two separate copies of the network, one branch each, as if
// their weights were independent. Their gradients are left in copy_a and copy_b.
void backpropagate_two_copies(Network<double>& copy_a, Network<double>& copy_b, const std::vector<double>& a,
                              const std::vector<double>& b, bool genuine, const PairLoss& loss) {
    Network<double>::Workspace workspace_a, workspace_b;
    const std::size_t size = copy_a.config().embedding_size();
    std::vector<double> ea(size), eb(size), grad_a(size), grad_b(size);
    copy_a.forward(a.data(), workspace_a, ea.data());
    copy_b.forward(b.data(), workspace_b, eb.data());
    const double c = inkprint::cosine(ea.data(), eb.data(), size, grad_a.data(), grad_b.data());
    double loss_grad = 0;
    loss.evaluate(c, genuine, &loss_grad);
    for (std::size_t i = 0; i < size; ++i) {
        grad_a[i] *= loss_grad;
        grad_b[i] *= loss_grad;
    }
    copy_a.backward(workspace_a, grad_a.data());
    copy_b.backward(workspace_b, grad_b.data());
}

}  // namespace

// One siamese step equals two explicit copies of the network, each run on one branch, whose
// gradients are summed: the shared weights receive the sum of both branches' gradients.
TEST(WeightSharing, EqualsSumOfTwoCopies) {
    inkprint::Random random(21);
    const NetworkConfig config;
    Network<double> shared(config);
    shared.initialise(random);
    const auto a = random_grid(config, 1, random);
    const auto b = random_grid(config, 1, random);
    batch_loss(shared, a, b, {false}, PairLoss{});

    Network<double> copy_a(config), copy_b(config);
    copy_a.parameters() = shared.parameters();
    copy_b.parameters() = shared.parameters();
    backpropagate_two_copies(copy_a, copy_b, a, b, false, PairLoss{});

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

// After one optimiser step from the summed gradient, both copies hold the same weights as the
// shared network: the branches never drift apart.
TEST(WeightSharing, OneStepKeepsCopiesIdentical) {
    inkprint::Random random(22);
    NetworkConfig config = small_config();
    Network<double> shared(config), copy_a(config), copy_b(config);
    shared.initialise(random);
    copy_a.parameters() = shared.parameters();
    copy_b.parameters() = shared.parameters();
    const auto a = random_grid(config, 1, random);
    const auto b = random_grid(config, 1, random);
    batch_loss(shared, a, b, {true}, PairLoss{});
    backpropagate_two_copies(copy_a, copy_b, a, b, true, PairLoss{});

    const double rate = 0.1;
    for (std::size_t i = 0; i < shared.parameters().size(); ++i) {
        const double summed = copy_a.gradients()[i] + copy_b.gradients()[i];
        copy_a.parameters()[i] -= rate * summed;
        copy_b.parameters()[i] -= rate * summed;
        shared.parameters()[i] -= rate * shared.gradients()[i];
    }
    for (std::size_t i = 0; i < shared.parameters().size(); ++i) {
        EXPECT_EQ(copy_a.parameters()[i], copy_b.parameters()[i]) << i;
        EXPECT_NEAR(shared.parameters()[i], copy_a.parameters()[i], 1e-14) << i;
    }
}
