// The time-delay neural network (TDNN) that maps a feature grid to one embedding vector.
//
// Each layer is a 1-D convolution over time followed by the activation. Output step t of map o
// is computed from `width` consecutive input steps starting at t * stride, across all input maps.
// Buffers are time-major, [steps][channels] row-major, so the window an output unit sees is one
// contiguous run of width * channels values and the convolution is a dot product per unit.
// After the last layer the outputs are averaged over time into the embedding.
//
// The published configuration (Bromley et al., "Signature Verification using a 'Siamese' Time
// Delay Neural Network", NIPS 1993) is the default: 8 features x 200 steps in, 12 maps of 64
// steps (width 11, stride 3), then 16 maps of 19 steps (width 10, stride 3), averaged to 16
// values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace inkprint {

enum class Activation : std::uint32_t {
    ScaledTanh = 0,  // 1.7159 tanh(2x/3), LeCun's choice: f(1) = 1, f(-1) = -1
};

struct LayerSpec {
    int channels = 0;  // feature maps of the output
    int width = 0;     // input steps in the window of one output step
    int stride = 0;    // input steps between neighbouring output steps
};

struct NetworkConfig {
    int n_features = 8;
    int n_steps = 200;
    std::vector<LayerSpec> layers = {{12, 11, 3}, {16, 10, 3}};
    Activation activation = Activation::ScaledTanh;

    // Throws Error on sizes that do not fit (a window wider than its input) or are absurd.
    void validate() const;
    int input_steps(std::size_t layer) const;
    int input_channels(std::size_t layer) const;
    int output_steps(std::size_t layer) const;
    int embedding_size() const { return layers.back().channels; }
    std::size_t parameter_count() const;
};

// The network's weights in one flat array, so that optimisers, the model file and the weight
// sharing of the siamese pair all treat them as one vector. Per layer: the weights
// [channels][width][input channels], then the biases [channels].
template <typename T>
class Network {
public:
    // Intermediate values of one forward pass, kept for the backward pass. Each branch of a
    // siamese pair has its own workspace while both use the same Network.
    struct Workspace {
        std::vector<T> input;                      // [n_steps][n_features]
        std::vector<std::vector<T>> outputs;       // per layer, [output steps][channels]
        std::vector<std::vector<T>> output_grads;  // same shapes
    };

    explicit Network(NetworkConfig config);

    const NetworkConfig& config() const { return config_; }
    std::vector<T>& parameters() { return parameters_; }
    const std::vector<T>& parameters() const { return parameters_; }
    std::vector<T>& gradients() { return gradients_; }
    const std::vector<T>& gradients() const { return gradients_; }
    std::size_t weight_offset(std::size_t layer) const { return offsets_[layer]; }
    std::size_t bias_offset(std::size_t layer) const;

    // Computes the embedding of one input grid [n_steps][n_features] into `embedding`
    // (embedding_size values) and keeps the intermediate values in `workspace`.
    void forward(const T* input, Workspace& workspace, T* embedding) const;

    // Adds d(loss)/d(parameters) for the pass recorded in `workspace` to gradients(), given
    // d(loss)/d(embedding). Gradients accumulate until zero_gradients() is called.
    void backward(Workspace& workspace, const T* embedding_grad);

    void zero_gradients();

private:
    NetworkConfig config_;
    std::vector<std::size_t> offsets_;
    std::vector<T> parameters_;
    std::vector<T> gradients_;
};

extern template class Network<float>;
extern template class Network<double>;

// Scaled hyperbolic tangent: f(x) = kTanhGain * tanh(kTanhSlope * x).
inline constexpr double kTanhGain = 1.7159;
inline constexpr double kTanhSlope = 2.0 / 3.0;

}  // namespace inkprint
