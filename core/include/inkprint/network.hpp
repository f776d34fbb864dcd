// The time-delay neural network (TDNN) that maps a feature grid to one embedding vector: a
// stack of layers from layers.hpp described by a NetworkConfig and sharing one flat weight
// array.
//
// The published configuration (Bromley et al., "Signature Verification using a 'Siamese' Time
// Delay Neural Network", NIPS 1993) is the default: 8 features x 200 steps in, 12 maps of 64
// steps (width 11, stride 3), then 16 maps of 19 steps (width 10, stride 3), each followed by
// the scaled tanh, averaged over time to 16 values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inkprint/layers.hpp"

namespace inkprint {

enum class LayerKind : std::uint32_t {
    TimeDelay = 1,
    Activation = 2,
    TimeAverage = 3,
    Dense = 4,
};

struct LayerSpec {
    LayerKind kind = LayerKind::TimeDelay;
    int channels = 0;  // output maps (TimeDelay, Dense)
    int width = 0;     // input steps in one output step's window (TimeDelay)
    int stride = 0;    // input steps between neighbouring output steps (TimeDelay)
    Activation activation = Activation::ScaledTanh;  // (Activation)

    static LayerSpec time_delay(int channels, int width, int stride);
    static LayerSpec activation_of(Activation activation);
    static LayerSpec time_average();
    static LayerSpec dense(int channels);

    bool operator==(const LayerSpec&) const = default;
};

// The layers of Bromley et al. (1993).
std::vector<LayerSpec> published_layers();

// Parses a comma-separated layer list, for example the published network:
//   "delay:12:11:3,tanh,delay:16:10:3,tanh,average"
// Items: delay:C:W:S is a time-delay layer of C maps, width W and stride S. tanh is the scaled
// tanh and relu the rectifier. average is the time average, and dense:C a fully connected layer.
// Throws Error naming the item that cannot be read.
std::vector<LayerSpec> parse_layers(const std::string& text);

// Writes layers in the form parse_layers() reads.
std::string format_layers(const std::vector<LayerSpec>& layers);

struct NetworkConfig {
    int n_features = 8;
    int n_steps = 200;
    std::vector<LayerSpec> layers = published_layers();

    // Throws Error on sizes that do not fit (a window wider than its input) or are absurd, on a
    // network without trainable weights or with more than 10 million, and on an embedding of
    // fewer than 2 values.
    void validate() const;
    // Shape of the input of each layer, then of the network's output: layers.size() + 1 shapes.
    std::vector<Shape> shapes() const;
    std::size_t parameter_count() const;
    // Values in the embedding: the last layer's output, flattened.
    int embedding_size() const;
};

// The input steps [first, end) that one step of a layer's output depends on.
struct StepWindow {
    int first = 0;
    int end = 0;
};

// For a network whose only time average is its last layer: the input window of each step that
// the average takes in. Throws Error for any other network, whose embedding does not split into
// contributions of time steps.
std::vector<StepWindow> averaged_step_windows(const NetworkConfig& config);

template <typename T>
class Network {
public:
    // Values of one forward pass over a batch, kept for the backward pass. Each branch of a
    // siamese pair has its own workspace while both use the same Network.
    struct Workspace {
        std::size_t batch = 0;
        std::vector<std::vector<T>> values;  // [0] the input, [i + 1] the output of layer i
        std::vector<std::vector<T>> grads;   // dL/d(values), same shapes
    };

    explicit Network(NetworkConfig config);

    const NetworkConfig& config() const { return config_; }
    std::size_t layer_count() const { return layers_.size(); }
    Layer<T>& layer(std::size_t index) { return *layers_[index]; }
    std::size_t parameter_offset(std::size_t index) const { return offsets_[index]; }
    std::vector<T>& parameters() { return parameters_; }
    const std::vector<T>& parameters() const { return parameters_; }
    std::vector<T>& gradients() { return gradients_; }
    const std::vector<T>& gradients() const { return gradients_; }

    // Initialises every layer's parameters from `random` (see each layer's initialise()).
    void initialise(Random& random);

    // Computes the embeddings of `batch` input grids, [batch][n_steps][n_features], into
    // `embeddings`, [batch][embedding_size], and keeps the intermediate values in `workspace`.
    void forward(const T* input, std::size_t batch, Workspace& workspace, T* embeddings) const;
    void forward(const T* input, Workspace& workspace, T* embedding) const { forward(input, 1, workspace, embedding); }

    // Adds d(loss)/d(parameters) for the pass recorded in `workspace` to gradients(), given
    // d(loss)/d(embeddings), [batch][embedding_size]. Gradients accumulate until zero_gradients().
    void backward(Workspace& workspace, const T* embedding_grads);

    void zero_gradients();

    // Selects the implementation of every time-delay layer's loops.
    void set_backend(KernelBackend backend);

private:
    NetworkConfig config_;
    std::vector<std::unique_ptr<Layer<T>>> layers_;
    std::vector<std::size_t> offsets_;
    std::vector<T> parameters_;
    std::vector<T> gradients_;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace inkprint
