#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/optimizer.hpp"

using inkprint::Optimizer;
using inkprint::OptimizerConfig;
using inkprint::OptimizerKind;
using inkprint::Schedule;

TEST(SgdMomentum, TwoStepsByHand) {
    OptimizerConfig config;
    config.kind = OptimizerKind::Sgd;
    config.momentum = 0.5;
    Optimizer optimizer(1, config);
    std::vector<float> p = {1.0f}, g = {2.0f};
    optimizer.step(p, g, 0.1);  // v = 2, p = 1 - 0.1 * 2 = 0.8
    EXPECT_FLOAT_EQ(p[0], 0.8f);
    g = {2.0f};
    optimizer.step(p, g, 0.1);  // v = 0.5 * 2 + 2 = 3, p = 0.8 - 0.3 = 0.5
    EXPECT_FLOAT_EQ(p[0], 0.5f);
}

TEST(Adam, FirstStepMovesByLearningRate) {
    // With bias correction, m^ = g and v^ = g^2 after one step, so p moves by lr * sign(g).
    Optimizer optimizer(2, OptimizerConfig{});
    std::vector<float> p = {1.0f, -1.0f}, g = {0.003f, -40.0f};
    optimizer.step(p, g, 0.01);
    EXPECT_NEAR(p[0], 0.99f, 1e-6);
    EXPECT_NEAR(p[1], -0.99f, 1e-6);
}

TEST(Adam, SecondStepByHand) {
    OptimizerConfig config;  // beta1 0.9, beta2 0.999, epsilon 1e-8
    Optimizer optimizer(1, config);
    std::vector<float> p = {0.0f}, g = {1.0f};
    optimizer.step(p, g, 0.1);
    g = {3.0f};
    optimizer.step(p, g, 0.1);
    // m = 0.9 * 0.1 + 0.1 * 3 = 0.39, m^ = 0.39 / 0.19; v = 0.999 * 0.001 + 0.001 * 9 = 0.009999,
    // v^ = 0.009999 / 0.001999; step 2 = 0.1 * m^ / sqrt(v^)
    const double m_hat = 0.39 / (1 - 0.81), v_hat = 0.009999 / (1 - 0.998001);
    EXPECT_NEAR(p[0], -0.1 - 0.1 * m_hat / std::sqrt(v_hat), 1e-6);
}

TEST(Optimizer, DecoupledWeightDecay) {
    OptimizerConfig config;
    config.kind = OptimizerKind::Sgd;
    config.momentum = 0;
    config.weight_decay = 0.5;
    Optimizer optimizer(1, config);
    std::vector<float> p = {2.0f}, g = {0.0f};
    optimizer.step(p, g, 0.1);  // p -= 0.1 * 0.5 * 2
    EXPECT_FLOAT_EQ(p[0], 1.9f);
}

TEST(Optimizer, ClipsGlobalNorm) {
    OptimizerConfig config;
    config.kind = OptimizerKind::Sgd;
    config.momentum = 0;
    config.clip_norm = 1.0;
    Optimizer optimizer(2, config);
    std::vector<float> p = {0.0f, 0.0f}, g = {3.0f, 4.0f};
    const double norm = optimizer.step(p, g, 1.0);
    EXPECT_DOUBLE_EQ(norm, 5.0);
    EXPECT_FLOAT_EQ(g[0], 0.6f);
    EXPECT_FLOAT_EQ(g[1], 0.8f);
    EXPECT_FLOAT_EQ(p[0], -0.6f);
    EXPECT_FLOAT_EQ(p[1], -0.8f);
}

TEST(Schedule, StepAndCosine) {
    OptimizerConfig config;
    config.learning_rate = 0.1;
    EXPECT_DOUBLE_EQ(inkprint::scheduled_learning_rate(config, 7, 10), 0.1);
    config.schedule = Schedule::Step;
    config.step_epochs = 3;
    config.step_factor = 0.5;
    EXPECT_DOUBLE_EQ(inkprint::scheduled_learning_rate(config, 2, 10), 0.1);
    EXPECT_DOUBLE_EQ(inkprint::scheduled_learning_rate(config, 3, 10), 0.05);
    EXPECT_DOUBLE_EQ(inkprint::scheduled_learning_rate(config, 6, 10), 0.025);
    config.schedule = Schedule::Cosine;
    EXPECT_DOUBLE_EQ(inkprint::scheduled_learning_rate(config, 0, 10), 0.1);
    EXPECT_NEAR(inkprint::scheduled_learning_rate(config, 5, 10), 0.05, 1e-15);
}

TEST(Optimizer, RejectsInvalidSettings) {
    OptimizerConfig config;
    config.learning_rate = 0;
    EXPECT_THROW(Optimizer(1, config), inkprint::Error);
    config = OptimizerConfig{};
    config.momentum = 1.0;
    EXPECT_THROW(Optimizer(1, config), inkprint::Error);
    config = OptimizerConfig{};
    config.clip_norm = -1;
    EXPECT_THROW(Optimizer(1, config), inkprint::Error);
}
