#include "inkprint/network.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "inkprint/error.hpp"

namespace inkprint {

namespace {

// Upper bounds that reject corrupted or absurd configurations before anything is allocated.
constexpr int kMaxLayers = 32;
constexpr int kMaxChannels = 1024;
constexpr int kMaxSteps = 100000;
constexpr int kMaxWidth = 1024;
// Largest number of weights a network may have. Its model file takes 4 bytes a weight, so 10
// million stay under the 50 MB that the page imports.
constexpr std::size_t kMaxParameters = 10'000'000;

// Returns the weights of a delay or dense layer over `input_channels` channels: for each output
// map, a weight per input value of its window, and a bias.
std::size_t weight_count(const LayerSpec& spec, std::size_t input_channels) {
    const auto window = static_cast<std::size_t>(spec.kind == LayerKind::TimeDelay ? spec.width : 1);
    return static_cast<std::size_t>(spec.channels) * (window * input_channels + 1);
}

}  // namespace

LayerSpec LayerSpec::time_delay(int channels, int width, int stride) {
    LayerSpec spec;
    spec.kind = LayerKind::TimeDelay;
    spec.channels = channels;
    spec.width = width;
    spec.stride = stride;
    return spec;
}

LayerSpec LayerSpec::activation_of(Activation activation) {
    LayerSpec spec;
    spec.kind = LayerKind::Activation;
    spec.activation = activation;
    return spec;
}

LayerSpec LayerSpec::time_average() {
    LayerSpec spec;
    spec.kind = LayerKind::TimeAverage;
    return spec;
}

LayerSpec LayerSpec::dense(int channels) {
    LayerSpec spec;
    spec.kind = LayerKind::Dense;
    spec.channels = channels;
    return spec;
}

std::vector<LayerSpec> published_layers() {
    return {LayerSpec::time_delay(12, 11, 3), LayerSpec::activation_of(Activation::ScaledTanh),
            LayerSpec::time_delay(16, 10, 3), LayerSpec::activation_of(Activation::ScaledTanh),
            LayerSpec::time_average()};
}

std::vector<LayerSpec> parse_layers(const std::string& text) {
    std::vector<LayerSpec> layers;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        const std::string item = text.substr(start, end - start);
        start = end + 1;

        std::vector<std::string> parts;
        for (std::size_t from = 0;;) {
            const std::size_t colon = item.find(':', from);
            parts.push_back(item.substr(from, colon - from));
            if (colon == std::string::npos) break;
            from = colon + 1;
        }
        std::vector<int> numbers;
        for (std::size_t i = 1; i < parts.size(); ++i) {
            char* number_end = nullptr;
            const long value = std::strtol(parts[i].c_str(), &number_end, 10);
            if (parts[i].empty() || *number_end != '\0' || value < 1 || value > 1000000) {
                throw Error("layer '" + item + "' has an invalid number '" + parts[i] + "': use whole numbers from 1");
            }
            numbers.push_back(static_cast<int>(value));
        }
        const std::string& name = parts[0];
        if (name == "delay" && numbers.size() == 3) layers.push_back(LayerSpec::time_delay(numbers[0], numbers[1], numbers[2]));
        else if (name == "dense" && numbers.size() == 1) layers.push_back(LayerSpec::dense(numbers[0]));
        else if (name == "tanh" && numbers.empty()) layers.push_back(LayerSpec::activation_of(Activation::ScaledTanh));
        else if (name == "relu" && numbers.empty()) layers.push_back(LayerSpec::activation_of(Activation::Relu));
        else if (name == "average" && numbers.empty()) layers.push_back(LayerSpec::time_average());
        else {
            throw Error("layer '" + item + "' is not one of delay:MAPS:WIDTH:STRIDE, tanh, relu, average, dense:UNITS");
        }
    }
    return layers;
}

std::string format_layers(const std::vector<LayerSpec>& layers) {
    std::string text;
    for (const LayerSpec& spec : layers) {
        if (!text.empty()) text += ',';
        switch (spec.kind) {
            case LayerKind::TimeDelay:
                text += "delay:" + std::to_string(spec.channels) + ":" + std::to_string(spec.width) + ":" +
                        std::to_string(spec.stride);
                break;
            case LayerKind::Activation: text += spec.activation == Activation::Relu ? "relu" : "tanh"; break;
            case LayerKind::TimeAverage: text += "average"; break;
            case LayerKind::Dense: text += "dense:" + std::to_string(spec.channels); break;
        }
    }
    return text;
}

std::vector<Shape> NetworkConfig::shapes() const {
    validate();
    std::vector<Shape> result = {{static_cast<std::size_t>(n_steps), static_cast<std::size_t>(n_features)}};
    for (const LayerSpec& spec : layers) {
        const Shape in = result.back();
        switch (spec.kind) {
            case LayerKind::TimeDelay:
                result.push_back({(in.steps - spec.width) / spec.stride + 1, static_cast<std::size_t>(spec.channels)});
                break;
            case LayerKind::Activation: result.push_back(in); break;
            case LayerKind::TimeAverage: result.push_back({1, in.channels}); break;
            case LayerKind::Dense: result.push_back({in.steps, static_cast<std::size_t>(spec.channels)}); break;
        }
    }
    return result;
}

std::vector<StepWindow> averaged_step_windows(const NetworkConfig& config) {
    config.validate();
    const std::vector<LayerSpec>& layers = config.layers;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const bool last = l + 1 == layers.size();
        if ((layers[l].kind == LayerKind::TimeAverage) != last) {
            throw Error("the network \"" + format_layers(layers) +
                        "\" does not end with its only time average, so its score does not split over time steps");
        }
    }
    std::vector<StepWindow> windows(static_cast<std::size_t>(config.n_steps));
    for (int k = 0; k < config.n_steps; ++k) windows[k] = {k, k + 1};
    for (std::size_t l = 0; l + 1 < layers.size(); ++l) {
        // Activations and dense layers act on each step alone and keep the windows.
        if (layers[l].kind != LayerKind::TimeDelay) continue;
        const std::size_t width = static_cast<std::size_t>(layers[l].width);
        const std::size_t stride = static_cast<std::size_t>(layers[l].stride);
        std::vector<StepWindow> next((windows.size() - width) / stride + 1);
        for (std::size_t t = 0; t < next.size(); ++t) {
            next[t] = {windows[t * stride].first, windows[t * stride + width - 1].end};
        }
        windows = std::move(next);
    }
    return windows;
}

void NetworkConfig::validate() const {
    auto fail = [](const std::string& message) { throw Error("invalid network configuration: " + message); };
    if (n_features < 1 || n_features > kMaxChannels) {
        fail("feature count " + std::to_string(n_features) + " is outside 1.." + std::to_string(kMaxChannels));
    }
    if (n_steps < 1 || n_steps > kMaxSteps) {
        fail("step count " + std::to_string(n_steps) + " is outside 1.." + std::to_string(kMaxSteps));
    }
    if (layers.empty() || layers.size() > static_cast<std::size_t>(kMaxLayers)) {
        fail("layer count " + std::to_string(layers.size()) + " is outside 1.." + std::to_string(kMaxLayers));
    }
    int steps = n_steps;
    int channels = n_features;
    bool has_weights = false;
    std::size_t weights = 0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const LayerSpec& spec = layers[l];
        const std::string name = "layer " + std::to_string(l + 1);
        switch (spec.kind) {
            case LayerKind::TimeDelay:
                if (spec.width < 1 || spec.width > std::min(steps, kMaxWidth)) {
                    fail(name + " has width " + std::to_string(spec.width) + " but its input has " +
                         std::to_string(steps) + " steps");
                }
                if (spec.stride < 1 || spec.stride > kMaxWidth) {
                    fail(name + " has stride " + std::to_string(spec.stride) + ", outside 1.." +
                         std::to_string(kMaxWidth));
                }
                steps = (steps - spec.width) / spec.stride + 1;
                [[fallthrough]];
            case LayerKind::Dense:
                if (spec.channels < 1 || spec.channels > kMaxChannels) {
                    fail(name + " has " + std::to_string(spec.channels) + " channels, outside 1.." +
                         std::to_string(kMaxChannels));
                }
                weights += weight_count(spec, static_cast<std::size_t>(channels));
                channels = spec.channels;
                has_weights = true;
                break;
            case LayerKind::Activation:
                if (spec.activation != Activation::ScaledTanh && spec.activation != Activation::Relu) {
                    fail(name + " has an unknown activation " +
                         std::to_string(static_cast<std::uint32_t>(spec.activation)));
                }
                break;
            case LayerKind::TimeAverage: steps = 1; break;
            default:
                fail(name + " has an unknown kind " + std::to_string(static_cast<std::uint32_t>(spec.kind)));
        }
    }
    // Training changes only the weights of the time-delay and dense layers, so a network
    // without one computes the same embeddings whatever it is trained on.
    if (!has_weights) {
        fail("the layers \"" + format_layers(layers) +
             "\" have no trainable weights; add a delay:MAPS:WIDTH:STRIDE or dense:UNITS layer");
    }
    // The cosine of two embeddings of one value each is only -1 or 1, which cannot tell a
    // close forgery from a genuine signature.
    if (static_cast<long long>(steps) * channels < 2) {
        fail("the layers \"" + format_layers(layers) +
             "\" give an embedding of only 1 value, but the cosine of two 1-value embeddings is always -1 or 1; "
             "give the last delay or dense layer 2 or more maps");
    }
    if (weights > kMaxParameters) {
        fail("the layers \"" + format_layers(layers) + "\" have " + std::to_string(weights) +
             " weights, more than the limit of " + std::to_string(kMaxParameters) +
             "; give the delay and dense layers fewer maps or narrower windows");
    }
}

std::size_t NetworkConfig::parameter_count() const {
    const std::vector<Shape> shape = shapes();
    std::size_t count = 0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        if (layers[l].kind == LayerKind::TimeDelay || layers[l].kind == LayerKind::Dense) {
            count += weight_count(layers[l], shape[l].channels);
        }
    }
    return count;
}

int NetworkConfig::embedding_size() const {
    return static_cast<int>(shapes().back().size());
}

template <typename T>
Network<T>::Network(NetworkConfig config) : config_(std::move(config)) {
    const std::vector<Shape> shapes = config_.shapes();
    std::size_t offset = 0;
    for (std::size_t l = 0; l < config_.layers.size(); ++l) {
        const LayerSpec& spec = config_.layers[l];
        const auto channels = static_cast<std::size_t>(spec.channels);
        switch (spec.kind) {
            case LayerKind::TimeDelay:
                layers_.push_back(std::make_unique<TimeDelayLayer<T>>(shapes[l], channels, spec.width, spec.stride));
                break;
            case LayerKind::Activation:
                layers_.push_back(std::make_unique<ActivationLayer<T>>(shapes[l], spec.activation));
                break;
            case LayerKind::TimeAverage: layers_.push_back(std::make_unique<TimeAverageLayer<T>>(shapes[l])); break;
            case LayerKind::Dense: layers_.push_back(std::make_unique<DenseLayer<T>>(shapes[l], channels)); break;
        }
        offsets_.push_back(offset);
        offset += layers_.back()->parameter_count();
    }
    parameters_.assign(offset, T(0));
    gradients_.assign(offset, T(0));
}

template <typename T>
void Network<T>::initialise(Random& random) {
    for (std::size_t l = 0; l < layers_.size(); ++l) layers_[l]->initialise(parameters_.data() + offsets_[l], random);
}

template <typename T>
void Network<T>::zero_gradients() {
    std::fill(gradients_.begin(), gradients_.end(), T(0));
}

template <typename T>
void Network<T>::set_backend(KernelBackend backend) {
    for (auto& layer : layers_) {
        if (auto* time_delay = dynamic_cast<TimeDelayLayer<T>*>(layer.get())) time_delay->set_backend(backend);
    }
}

template <typename T>
void Network<T>::forward(const T* input, std::size_t batch, Workspace& workspace, T* embeddings) const {
    const std::size_t n_layers = layers_.size();
    workspace.batch = batch;
    workspace.values.resize(n_layers + 1);
    workspace.grads.resize(n_layers + 1);
    workspace.values[0].assign(input, input + batch * layers_[0]->input_shape().size());
    for (std::size_t l = 0; l < n_layers; ++l) {
        workspace.values[l + 1].resize(batch * layers_[l]->output_shape().size());
        layers_[l]->forward(parameters_.data() + offsets_[l], workspace.values[l].data(),
                            workspace.values[l + 1].data(), batch);
    }
    std::copy(workspace.values.back().begin(), workspace.values.back().end(), embeddings);
}

template <typename T>
void Network<T>::backward(Workspace& workspace, const T* embedding_grads) {
    const std::size_t n_layers = layers_.size();
    const std::size_t batch = workspace.batch;
    workspace.grads[n_layers].assign(embedding_grads, embedding_grads + workspace.values.back().size());
    for (std::size_t l = n_layers; l-- > 0;) {
        T* input_grad = nullptr;
        if (l > 0) {
            workspace.grads[l].resize(workspace.values[l].size());
            input_grad = workspace.grads[l].data();
        }
        layers_[l]->backward(parameters_.data() + offsets_[l], workspace.values[l].data(),
                             workspace.values[l + 1].data(), workspace.grads[l + 1].data(), input_grad,
                             gradients_.data() + offsets_[l], batch);
    }
}

template class Network<float>;
template class Network<double>;

}  // namespace inkprint
