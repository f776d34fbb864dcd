// Each layer's forward pass worked out by hand, its backward pass against central finite
// differences, and the three time-delay backends against each other.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "inkprint/error.hpp"
#include "inkprint/layers.hpp"
#include "inkprint/network.hpp"
#include "inkprint/random.hpp"

using inkprint::Activation;
using inkprint::ActivationLayer;
using inkprint::DenseLayer;
using inkprint::KernelBackend;
using inkprint::Layer;
using inkprint::LayerSpec;
using inkprint::NetworkConfig;
using inkprint::Shape;
using inkprint::TimeAverageLayer;
using inkprint::TimeDelayLayer;

namespace {

double scaled_tanh(double z) { return 1.7159 * std::tanh(2.0 * z / 3.0); }

std::vector<double> random_values(std::size_t count, inkprint::Random& random) {
    std::vector<double> values(count);
    for (double& value : values) value = random.normal();
    return values;
}

// Checks a layer's backward pass against central differences of L = sum(output * weights_of_loss)
// in double precision. Step 1e-6: truncation error ~ step^2 = 1e-12, rounding ~ 1e-16 / step =
// 1e-10, both below the tolerance of 1e-7 absolute plus 1e-6 relative.
void check_layer_gradients(const Layer<double>& layer, std::size_t batch, std::uint64_t seed) {
    inkprint::Random random(seed);
    auto parameters = random_values(layer.parameter_count(), random);
    auto input = random_values(batch * layer.input_shape().size(), random);
    const auto loss_weights = random_values(batch * layer.output_shape().size(), random);
    std::vector<double> output(loss_weights.size());

    auto loss = [&] {
        layer.forward(parameters.data(), input.data(), output.data(), batch);
        double sum = 0;
        for (std::size_t i = 0; i < output.size(); ++i) sum += output[i] * loss_weights[i];
        return sum;
    };
    loss();
    std::vector<double> input_grad(input.size()), parameter_grads(parameters.size(), 0.0);
    // dL/d(output) is loss_weights.
    layer.backward(parameters.data(), input.data(), output.data(), loss_weights.data(), input_grad.data(),
                   parameter_grads.data(), batch);

    const double step = 1e-6;
    auto check = [&](std::vector<double>& values, const std::vector<double>& analytic, const char* what) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double saved = values[i];
            values[i] = saved + step;
            const double plus = loss();
            values[i] = saved - step;
            const double minus = loss();
            values[i] = saved;
            const double numeric = (plus - minus) / (2 * step);
            EXPECT_NEAR(analytic[i], numeric, 1e-7 + 1e-6 * std::abs(numeric)) << what << " " << i;
        }
    };
    check(input, input_grad, "input");
    check(parameters, parameter_grads, "parameter");
}

}  // namespace

TEST(NetworkConfig, PublishedShapes) {
    const NetworkConfig config;  // the default is the configuration of Bromley et al. (1993)
    const auto shapes = config.shapes();
    ASSERT_EQ(shapes.size(), 6u);
    EXPECT_EQ(shapes[0].steps, 200u);
    EXPECT_EQ(shapes[0].channels, 8u);
    EXPECT_EQ(shapes[1].steps, 64u);
    EXPECT_EQ(shapes[1].channels, 12u);
    EXPECT_EQ(shapes[3].steps, 19u);
    EXPECT_EQ(shapes[3].channels, 16u);
    EXPECT_EQ(shapes[5].steps, 1u);
    EXPECT_EQ(config.embedding_size(), 16);
    // 12 maps x (8 x 11 weights + bias) + 16 maps x (12 x 10 weights + bias)
    EXPECT_EQ(config.parameter_count(), 12u * 89 + 16u * 121);
}

TEST(NetworkConfig, RejectsBadLayers) {
    NetworkConfig config;
    config.layers = {LayerSpec::time_delay(12, 11, 3), LayerSpec::time_delay(16, 70, 3)};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {LayerSpec::time_delay(0, 11, 3)};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {LayerSpec::time_delay(4, 11, 0)};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {LayerSpec::dense(0)};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {LayerSpec::activation_of(static_cast<Activation>(9))};
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = {};
    EXPECT_THROW(config.validate(), inkprint::Error);
}

// One map, width 2, stride 1, weights (0.5, -1), bias 0.1 over the input 1, 2, 3, 4:
// z = 0.1 + 0.5 x[t] - x[t+1] = -1.4, -1.9, -2.4.
TEST(TimeDelayLayer, ForwardByHand) {
    for (auto backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        TimeDelayLayer<double> layer({4, 1}, 1, 2, 1);
        layer.set_backend(backend);
        const double parameters[] = {0.5, -1.0, 0.1};
        const double input[] = {1, 2, 3, 4};
        double output[3];
        layer.forward(parameters, input, output, 1);
        EXPECT_NEAR(output[0], -1.4, 1e-12);
        EXPECT_NEAR(output[1], -1.9, 1e-12);
        EXPECT_NEAR(output[2], -2.4, 1e-12);
    }
}

// Two input channels, stride 3: output step t reads input steps 3t and 3t+1. Map 0 picks
// channel 1 of the window's second step, map 1 channel 0 of its first step.
TEST(TimeDelayLayer, WindowLayoutWithStride) {
    TimeDelayLayer<double> layer({5, 2}, 2, 2, 3);
    ASSERT_EQ(layer.output_shape().steps, 2u);
    // weights [map][step in window][channel], then biases
    const double parameters[] = {0, 0, 0, 1,  // map 0
                                 1, 0, 0, 0,  // map 1
                                 0, 0};
    // input [step][channel]: value = 10 * step + channel
    const double input[] = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41};
    double output[4];
    layer.forward(parameters, input, output, 1);
    EXPECT_EQ(output[0], 11);  // step 0, map 0: x[1][1]
    EXPECT_EQ(output[1], 0);   // step 0, map 1: x[0][0]
    EXPECT_EQ(output[2], 41);  // step 1, map 0: x[4][1]
    EXPECT_EQ(output[3], 30);  // step 1, map 1: x[3][0]
}

TEST(TimeDelayLayer, GradientsMatchFiniteDifferences) {
    for (auto backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        TimeDelayLayer<double> layer({23, 3}, 4, 5, 2);
        layer.set_backend(backend);
        check_layer_gradients(layer, 2, 31);
    }
}

TEST(TimeDelayLayer, BackendsAgree) {
    inkprint::Random random(32);
    TimeDelayLayer<float> layer({200, 8}, 12, 11, 3);
    std::vector<float> parameters(layer.parameter_count()), input(2 * 200 * 8), output_grad(2 * 64 * 12);
    for (float& v : parameters) v = static_cast<float>(random.normal());
    for (float& v : input) v = static_cast<float>(random.normal());
    for (float& v : output_grad) v = static_cast<float>(random.normal());

    std::vector<std::vector<float>> outputs, input_grads, parameter_grads;
    for (auto backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        layer.set_backend(backend);
        outputs.emplace_back(output_grad.size());
        input_grads.emplace_back(input.size());
        parameter_grads.emplace_back(parameters.size(), 0.0f);
        layer.forward(parameters.data(), input.data(), outputs.back().data(), 2);
        layer.backward(parameters.data(), input.data(), outputs.back().data(), output_grad.data(),
                       input_grads.back().data(), parameter_grads.back().data(), 2);
    }
    for (std::size_t b = 1; b < 3; ++b) {
        for (std::size_t i = 0; i < outputs[0].size(); ++i) EXPECT_NEAR(outputs[b][i], outputs[0][i], 1e-4) << b << " " << i;
        for (std::size_t i = 0; i < input_grads[0].size(); ++i) EXPECT_NEAR(input_grads[b][i], input_grads[0][i], 1e-4);
        for (std::size_t i = 0; i < parameter_grads[0].size(); ++i) {
            EXPECT_NEAR(parameter_grads[b][i], parameter_grads[0][i], 1e-3);
        }
    }
}

// Windows of every length from 1 to three SIMD vectors plus three, so that each tail of the
// vector loops runs in the forward and both backward passes.
TEST(TimeDelayLayer, BackendsAgreeAtEveryTail) {
    inkprint::Random random(33);
    const std::size_t lanes = xsimd::batch<float>::size;
    for (std::size_t window = 1; window <= 3 * lanes + 3; ++window) {
        // A window of width * channels values: width 1 with `window` channels, and where it
        // divides, a wider window of fewer channels.
        for (std::size_t width : {std::size_t(1), window % 3 == 0 ? std::size_t(3) : std::size_t(1)}) {
            const std::size_t channels = window / width;
            const Shape input_shape{9, channels};
            std::vector<std::vector<float>> results;
            const auto parameters_seed = random.next();
            for (auto backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
                TimeDelayLayer<float> layer(input_shape, 3, width, 2);
                layer.set_backend(backend);
                inkprint::Random values(parameters_seed);
                std::vector<float> parameters(layer.parameter_count()), input(2 * input_shape.size()),
                    output_grad(2 * layer.output_shape().size());
                for (float& v : parameters) v = static_cast<float>(values.normal());
                for (float& v : input) v = static_cast<float>(values.normal());
                for (float& v : output_grad) v = static_cast<float>(values.normal());
                std::vector<float> output(output_grad.size()), input_grad(input.size()),
                    parameter_grads(parameters.size(), 0.0f);
                layer.forward(parameters.data(), input.data(), output.data(), 2);
                layer.backward(parameters.data(), input.data(), output.data(), output_grad.data(), input_grad.data(),
                               parameter_grads.data(), 2);
                output.insert(output.end(), input_grad.begin(), input_grad.end());
                output.insert(output.end(), parameter_grads.begin(), parameter_grads.end());
                results.push_back(std::move(output));
            }
            for (std::size_t b = 1; b < results.size(); ++b) {
                for (std::size_t i = 0; i < results[0].size(); ++i) {
                    EXPECT_NEAR(results[b][i], results[0][i], 1e-4f * (1 + std::abs(results[0][i])))
                        << "window " << window << ", width " << width << ", backend " << b << ", value " << i;
                }
            }
        }
    }
}

TEST(ActivationLayer, ScaledTanhByHand) {
    ActivationLayer<double> layer({3, 1}, Activation::ScaledTanh);
    const double input[] = {1, 0, -2};
    double output[3];
    layer.forward(nullptr, input, output, 1);
    // LeCun's constants make f(1) = 1.7159 tanh(2/3) = 0.99999726, and f is odd.
    EXPECT_NEAR(output[0], 0.999997255922, 1e-11);
    EXPECT_EQ(output[1], 0.0);
    EXPECT_NEAR(output[2], scaled_tanh(-2), 1e-15);
}

TEST(ActivationLayer, ReluByHand) {
    ActivationLayer<double> layer({4, 1}, Activation::Relu);
    const double input[] = {1.5, 0, -2, 3};
    double output[4];
    layer.forward(nullptr, input, output, 1);
    EXPECT_EQ(output[0], 1.5);
    EXPECT_EQ(output[1], 0.0);
    EXPECT_EQ(output[2], 0.0);
    EXPECT_EQ(output[3], 3.0);
}

TEST(ActivationLayer, GradientsMatchFiniteDifferences) {
    check_layer_gradients(ActivationLayer<double>({7, 3}, Activation::ScaledTanh), 2, 41);
    // Random normal inputs lie further than the step from ReLU's kink at 0.
    check_layer_gradients(ActivationLayer<double>({7, 3}, Activation::Relu), 2, 42);
}

TEST(TimeAverageLayer, MeanByHand) {
    TimeAverageLayer<double> layer({3, 2});
    const double input[] = {1, 10, 2, 20, 6, 60};
    double output[2];
    layer.forward(nullptr, input, output, 1);
    EXPECT_DOUBLE_EQ(output[0], 3.0);
    EXPECT_DOUBLE_EQ(output[1], 30.0);
}

TEST(TimeAverageLayer, GradientsMatchFiniteDifferences) {
    check_layer_gradients(TimeAverageLayer<double>({9, 4}), 3, 51);
}

TEST(DenseLayer, ForwardByHand) {
    // y = W x + b with W = [[1, 2], [3, 4], [-1, 0]], b = (0.5, 0, 1), x = (1, -1).
    DenseLayer<double> layer({1, 2}, 3);
    const double parameters[] = {1, 2, 3, 4, -1, 0, 0.5, 0, 1};
    const double input[] = {1, -1};
    double output[3];
    layer.forward(parameters, input, output, 1);
    EXPECT_DOUBLE_EQ(output[0], -0.5);
    EXPECT_DOUBLE_EQ(output[1], -1.0);
    EXPECT_DOUBLE_EQ(output[2], 0.0);
}

TEST(DenseLayer, GradientsMatchFiniteDifferences) {
    check_layer_gradients(DenseLayer<double>({3, 5}, 4), 2, 61);
}

TEST(LayerList, ParsesAndFormatsPublishedNetwork) {
    const std::string text = "delay:12:11:3,tanh,delay:16:10:3,tanh,average";
    EXPECT_EQ(inkprint::parse_layers(text), inkprint::published_layers());
    EXPECT_EQ(inkprint::format_layers(inkprint::published_layers()), text);
    const auto other = inkprint::parse_layers("delay:8:5:2,relu,average,dense:10");
    ASSERT_EQ(other.size(), 4u);
    EXPECT_EQ(other[3], LayerSpec::dense(10));
    EXPECT_EQ(inkprint::format_layers(other), "delay:8:5:2,relu,average,dense:10");
}

TEST(LayerList, RejectsUnknownItems) {
    for (const char* text : {"", "delay:12:11", "delay:12:x:3", "delay:0:11:3", "sigmoid", "dense", "tanh,,average"}) {
        EXPECT_THROW(inkprint::parse_layers(text), inkprint::Error) << text;
    }
}

// Layer lists that parse but cannot make a verifier, each with the message that names the fix.
TEST(NetworkConfig, RejectsLayersThatCannotVerify) {
    const struct {
        const char* layers;
        const char* message;
    } cases[] = {
        {"average",
         "invalid network configuration: the layers \"average\" have no trainable weights; add a "
         "delay:MAPS:WIDTH:STRIDE or dense:UNITS layer"},
        {"tanh,average",
         "invalid network configuration: the layers \"tanh,average\" have no trainable weights; add a "
         "delay:MAPS:WIDTH:STRIDE or dense:UNITS layer"},
        {"delay:1:1:1,average",
         "invalid network configuration: the layers \"delay:1:1:1,average\" give an embedding of only 1 "
         "value, but the cosine of two 1-value embeddings is always -1 or 1; give the last delay or dense "
         "layer 2 or more maps"},
        {"delay:1024:100:1,tanh,delay:1024:50:1,tanh,average",
         "invalid network configuration: the layers \"delay:1024:100:1,tanh,delay:1024:50:1,tanh,average\" have "
         "53250048 weights, more than the limit of 10000000; give the delay and dense layers fewer maps or "
         "narrower windows"},
    };
    for (const auto& item : cases) {
        NetworkConfig config;
        config.layers = inkprint::parse_layers(item.layers);
        try {
            config.validate();
            ADD_FAILURE() << "accepted " << item.layers;
        } catch (const inkprint::Error& error) {
            EXPECT_STREQ(error.what(), item.message);
        }
    }
    // Just under the weight limit: 820,224 and 8,389,632 weights.
    NetworkConfig large;
    large.layers = inkprint::parse_layers("delay:1024:100:1,tanh,delay:1024:8:1,average");
    EXPECT_NO_THROW(large.validate());
    EXPECT_EQ(large.parameter_count(), 9209856u);
}

TEST(NetworkConfig, CountsEmbeddingValuesOfEveryLayerKind) {
    NetworkConfig config;
    // A last dense layer of 1 unit gives 1 value, and so does a window as wide as the input.
    config.layers = inkprint::parse_layers("delay:8:5:2,tanh,average,dense:1");
    EXPECT_THROW(config.validate(), inkprint::Error);
    config.layers = inkprint::parse_layers("delay:1:200:1");
    EXPECT_THROW(config.validate(), inkprint::Error);
    // Two values are enough: over 2 steps, or from 2 maps.
    config.layers = inkprint::parse_layers("delay:1:199:1");
    EXPECT_NO_THROW(config.validate());
    config.layers = inkprint::parse_layers("delay:2:1:1,average");
    EXPECT_NO_THROW(config.validate());
}
