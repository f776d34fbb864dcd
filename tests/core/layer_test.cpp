#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/network.hpp"

using inkprint::Network;
using inkprint::NetworkConfig;

TEST(NetworkConfig, PublishedShapes) {
    const NetworkConfig config;  // the default is the configuration of Bromley et al. (1993)
    EXPECT_EQ(config.n_features, 8);
    EXPECT_EQ(config.n_steps, 200);
    EXPECT_EQ(config.output_steps(0), 64);
    EXPECT_EQ(config.output_steps(1), 19);
    EXPECT_EQ(config.embedding_size(), 16);
    // 12 maps x (8 x 11 weights + bias) + 16 maps x (12 x 10 weights + bias)
    EXPECT_EQ(config.parameter_count(), 12u * 89 + 16u * 121);
}

TEST(NetworkConfig, RejectsWindowWiderThanInput) {
    NetworkConfig config;
    config.layers = {{12, 11, 3}, {16, 70, 3}};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {{0, 11, 3}};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {{4, 11, 0}};
    EXPECT_THROW(config.validate(), inkprint::Error);
}

// One map, width 2, stride 1, weights (0.5, -1), bias 0.1 over the input 1, 2, 3, 4:
// z = 0.1 + 0.5 x[t] - x[t+1] = -1.4, -1.9, -2.4, and y = 1.7159 tanh(2z/3).
TEST(TimeDelayLayer, ForwardByHand) {
    NetworkConfig config;
    config.n_features = 1;
    config.n_steps = 4;
    config.layers = {{1, 2, 1}};
    Network<double> network(config);
    network.parameters() = {0.5, -1.0, 0.1};
    const double input[] = {1, 2, 3, 4};
    Network<double>::Workspace workspace;
    double embedding = 0;
    network.forward(input, workspace, &embedding);

    ASSERT_EQ(workspace.outputs[0].size(), 3u);
    EXPECT_NEAR(workspace.outputs[0][0], -1.256286272849, 1e-11);
    EXPECT_NEAR(workspace.outputs[0][1], -1.463476775595, 1e-11);
    EXPECT_NEAR(workspace.outputs[0][2], -1.581491072506, 1e-11);
    // The embedding is the time average of the last layer.
    EXPECT_NEAR(embedding, -1.433751373650, 1e-11);
}

// Two input channels, stride 3: output step t reads input steps 3t and 3t+1. Map 0 picks
// channel 1 of the window's second step, map 1 channel 0 of its first step.
TEST(TimeDelayLayer, WindowLayoutWithStride) {
    NetworkConfig config;
    config.n_features = 2;
    config.n_steps = 5;
    config.layers = {{2, 2, 3}};
    Network<double> network(config);
    // weights [map][step in window][channel], then biases
    network.parameters() = {0, 0, 0, 1,  // map 0
                            1, 0, 0, 0,  // map 1
                            0, 0};
    // input [step][channel]: value = 10 * step + channel
    const double input[] = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41};
    Network<double>::Workspace workspace;
    double embedding[2];
    network.forward(input, workspace, embedding);

    auto f = [](double z) { return 1.7159 * std::tanh(2.0 * z / 3.0); };
    ASSERT_EQ(workspace.outputs[0].size(), 4u);
    EXPECT_NEAR(workspace.outputs[0][0], f(11), 1e-12);  // step 0, map 0: x[1][1]
    EXPECT_NEAR(workspace.outputs[0][1], f(0), 1e-12);   // step 0, map 1: x[0][0]
    EXPECT_NEAR(workspace.outputs[0][2], f(41), 1e-12);  // step 1, map 0: x[4][1]
    EXPECT_NEAR(workspace.outputs[0][3], f(30), 1e-12);  // step 1, map 1: x[3][0]
}

TEST(ScaledTanh, UnitInputGivesUnitOutput) {
    // LeCun's constants make f(1) = 1 to about 3e-6.
    EXPECT_NEAR(inkprint::kTanhGain * std::tanh(inkprint::kTanhSlope * 1.0), 1.0, 1e-5);
}
