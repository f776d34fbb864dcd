#include "inkprint/network.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "inkprint/error.hpp"
#include "inkprint/kernels.hpp"

namespace inkprint {

namespace {

// Upper bounds that reject corrupted or absurd configurations before anything is allocated.
constexpr int kMaxLayers = 16;
constexpr int kMaxChannels = 1024;
constexpr int kMaxSteps = 100000;
constexpr int kMaxWidth = 1024;

}  // namespace

void NetworkConfig::validate() const {
    auto fail = [](const std::string& what) {
        throw Error("invalid network configuration: " + what);
    };
    if (n_features < 1 || n_features > kMaxChannels) {
        fail("feature count " + std::to_string(n_features) + " is outside 1.." + std::to_string(kMaxChannels));
    }
    if (n_steps < 1 || n_steps > kMaxSteps) {
        fail("step count " + std::to_string(n_steps) + " is outside 1.." + std::to_string(kMaxSteps));
    }
    if (layers.empty() || layers.size() > static_cast<std::size_t>(kMaxLayers)) {
        fail("layer count " + std::to_string(layers.size()) + " is outside 1.." + std::to_string(kMaxLayers));
    }
    if (activation != Activation::ScaledTanh) {
        fail("activation " + std::to_string(static_cast<std::uint32_t>(activation)) + " is unknown");
    }
    int steps = n_steps;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const LayerSpec& spec = layers[l];
        const std::string name = "layer " + std::to_string(l + 1);
        if (spec.channels < 1 || spec.channels > kMaxChannels) {
            fail(name + " has " + std::to_string(spec.channels) + " channels, outside 1.." +
                 std::to_string(kMaxChannels));
        }
        if (spec.width < 1 || spec.width > std::min(steps, kMaxWidth)) {
            fail(name + " has width " + std::to_string(spec.width) + " but its input has " +
                 std::to_string(steps) + " steps");
        }
        if (spec.stride < 1 || spec.stride > kMaxWidth) {
            fail(name + " has stride " + std::to_string(spec.stride) + ", outside 1.." +
                 std::to_string(kMaxWidth));
        }
        steps = (steps - spec.width) / spec.stride + 1;
    }
}

int NetworkConfig::input_steps(std::size_t layer) const {
    return layer == 0 ? n_steps : output_steps(layer - 1);
}

int NetworkConfig::input_channels(std::size_t layer) const {
    return layer == 0 ? n_features : layers[layer - 1].channels;
}

int NetworkConfig::output_steps(std::size_t layer) const {
    return (input_steps(layer) - layers[layer].width) / layers[layer].stride + 1;
}

std::size_t NetworkConfig::parameter_count() const {
    std::size_t count = 0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const std::size_t fan_in = static_cast<std::size_t>(layers[l].width) * input_channels(l);
        count += static_cast<std::size_t>(layers[l].channels) * (fan_in + 1);
    }
    return count;
}

template <typename T>
Network<T>::Network(NetworkConfig config) : config_(std::move(config)) {
    config_.validate();
    std::size_t offset = 0;
    for (std::size_t l = 0; l < config_.layers.size(); ++l) {
        offsets_.push_back(offset);
        const std::size_t fan_in = static_cast<std::size_t>(config_.layers[l].width) * config_.input_channels(l);
        offset += static_cast<std::size_t>(config_.layers[l].channels) * (fan_in + 1);
    }
    parameters_.assign(offset, T(0));
    gradients_.assign(offset, T(0));
}

template <typename T>
std::size_t Network<T>::bias_offset(std::size_t layer) const {
    const std::size_t fan_in = static_cast<std::size_t>(config_.layers[layer].width) * config_.input_channels(layer);
    return offsets_[layer] + static_cast<std::size_t>(config_.layers[layer].channels) * fan_in;
}

template <typename T>
void Network<T>::zero_gradients() {
    std::fill(gradients_.begin(), gradients_.end(), T(0));
}

template <typename T>
void Network<T>::forward(const T* input, Workspace& workspace, T* embedding) const {
    const std::size_t n_layers = config_.layers.size();
    workspace.input.assign(input, input + static_cast<std::size_t>(config_.n_steps) * config_.n_features);
    workspace.outputs.resize(n_layers);
    workspace.output_grads.resize(n_layers);

    const T* x = workspace.input.data();
    for (std::size_t l = 0; l < n_layers; ++l) {
        const LayerSpec& spec = config_.layers[l];
        const std::size_t in_channels = config_.input_channels(l);
        const std::size_t out_steps = config_.output_steps(l);
        const std::size_t window = spec.width * in_channels;
        const T* weights = parameters_.data() + offsets_[l];  // [channels][width][in_channels]
        const T* biases = parameters_.data() + bias_offset(l);
        std::vector<T>& y = workspace.outputs[l];           // [out_steps][channels]
        y.resize(out_steps * spec.channels);

        // y[t][o] = f(b[o] + sum over the window of W[o] . x[t * stride ...])
        for (std::size_t t = 0; t < out_steps; ++t) {
            const T* x_window = x + t * spec.stride * in_channels;
            for (int o = 0; o < spec.channels; ++o) {
                const T z = biases[o] + kernels::dot(weights + o * window, x_window, window);
                y[t * spec.channels + o] = T(kTanhGain) * std::tanh(T(kTanhSlope) * z);
            }
        }
        x = y.data();
    }

    // embedding[c] = mean over t of the last layer's y[t][c]
    const std::size_t channels = config_.layers.back().channels;
    const std::size_t steps = config_.output_steps(n_layers - 1);
    const std::vector<T>& last = workspace.outputs.back();
    for (std::size_t c = 0; c < channels; ++c) {
        T sum = 0;
        for (std::size_t t = 0; t < steps; ++t) sum += last[t * channels + c];
        embedding[c] = sum / T(steps);
    }
}

template <typename T>
void Network<T>::backward(Workspace& workspace, const T* embedding_grad) {
    const std::size_t n_layers = config_.layers.size();

    // d(loss)/d(y[t][c]) = d(loss)/d(embedding[c]) / steps, from the time average.
    {
        const std::size_t channels = config_.layers.back().channels;
        const std::size_t steps = config_.output_steps(n_layers - 1);
        std::vector<T>& dy = workspace.output_grads.back();
        dy.resize(steps * channels);
        for (std::size_t t = 0; t < steps; ++t) {
            for (std::size_t c = 0; c < channels; ++c) dy[t * channels + c] = embedding_grad[c] / T(steps);
        }
    }

    for (std::size_t l = n_layers; l-- > 0;) {
        const LayerSpec& spec = config_.layers[l];
        const std::size_t in_channels = config_.input_channels(l);
        const std::size_t out_steps = config_.output_steps(l);
        const std::size_t window = spec.width * in_channels;
        const T* weights = parameters_.data() + offsets_[l];
        T* weight_grads = gradients_.data() + offsets_[l];
        T* bias_grads = gradients_.data() + bias_offset(l);
        const std::vector<T>& y = workspace.outputs[l];
        std::vector<T>& dy = workspace.output_grads[l];
        const T* x = l == 0 ? workspace.input.data() : workspace.outputs[l - 1].data();
        T* dx = nullptr;
        if (l > 0) {
            std::vector<T>& below = workspace.output_grads[l - 1];
            below.assign(workspace.outputs[l - 1].size(), T(0));
            dx = below.data();
        }

        for (std::size_t t = 0; t < out_steps; ++t) {
            const T* x_window = x + t * spec.stride * in_channels;
            for (int o = 0; o < spec.channels; ++o) {
                // dz = dy * f'(z), with f'(z) = (slope / gain) * (gain^2 - y^2) for the scaled tanh
                const T out = y[t * spec.channels + o];
                const T dz = dy[t * spec.channels + o] * T(kTanhSlope / kTanhGain) *
                             (T(kTanhGain * kTanhGain) - out * out);
                // dW[o] += dz * x_window, db[o] += dz, dx_window += dz * W[o]
                bias_grads[o] += dz;
                kernels::axpy(dz, x_window, weight_grads + o * window, window);
                if (dx != nullptr) {
                    kernels::axpy(dz, weights + o * window, dx + t * spec.stride * in_channels, window);
                }
            }
        }
    }
}

template class Network<float>;
template class Network<double>;

}  // namespace inkprint
