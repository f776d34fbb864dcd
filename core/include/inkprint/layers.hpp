// Layers of the time-delay network, each with a forward and a backward pass over a batch.
//
// Every buffer is [batch][steps][channels], row-major: one sample after another, and within a
// sample one time step after another. A layer's parameters live in the network's flat array;
// the layer receives a pointer to its own slice.
#pragma once

#include <cstddef>
#include <cstdint>

#include "inkprint/random.hpp"

namespace inkprint {

// Size of one sample at a point of the network.
struct Shape {
    std::size_t steps = 0;
    std::size_t channels = 0;
    std::size_t size() const { return steps * channels; }
};

enum class Activation : std::uint32_t {
    ScaledTanh = 0,  // 1.7159 tanh(2x/3), LeCun's choice: f(1) = 1 and f(-1) = -1
    Relu = 1,        // max(0, x)
};

// Implementation of the time-delay loops. All three compute the same values: the tests compare
// them, and the benchmark chose the default of each build.
enum class KernelBackend {
    Scalar,  // plain loops, the reference
    Simd,    // xsimd dot products and axpy updates
    Eigen,   // the convolution as a matrix product over strided windows
};

template <typename T>
class Layer {
public:
    virtual ~Layer() = default;

    virtual Shape input_shape() const = 0;
    virtual Shape output_shape() const = 0;
    virtual std::size_t parameter_count() const { return 0; }

    // Fills this layer's parameters for the start of training.
    virtual void initialise(T* /*parameters*/, Random& /*random*/) const {}

    // input [batch][input shape] -> output [batch][output shape]
    virtual void forward(const T* parameters, const T* input, T* output, std::size_t batch) const = 0;

    // Given dL/d(output), adds dL/d(parameters) to parameter_grads and, unless input_grad is
    // null, writes dL/d(input) to input_grad. `input` and `output` are the forward pass's.
    virtual void backward(const T* parameters, const T* input, const T* output, const T* output_grad,
                          T* input_grad, T* parameter_grads, std::size_t batch) const = 0;
};

// 1-D convolution over time. Output step t of map o is
//   z[t][o] = b[o] + sum over k < width, c < input channels of W[o][k][c] * x[t * stride + k][c].
// Because buffers are time-major, the window of step t is one contiguous run of
// width * input channels values, so each output is a single dot product.
// Parameters: W [channels][width][input channels], then b [channels].
template <typename T>
class TimeDelayLayer final : public Layer<T> {
public:
    TimeDelayLayer(Shape input, std::size_t channels, std::size_t width, std::size_t stride);

    Shape input_shape() const override { return input_; }
    Shape output_shape() const override { return output_; }
    std::size_t parameter_count() const override { return output_.channels * (window() + 1); }
    std::size_t window() const { return width_ * input_.channels; }
    std::size_t stride() const { return stride_; }

    // Weights uniform in +-sqrt(3 / fan_in), a standard deviation of 1 / sqrt(fan_in) that keeps
    // the activations near unit scale at the start; biases zero.
    void initialise(T* parameters, Random& random) const override;
    void forward(const T* parameters, const T* input, T* output, std::size_t batch) const override;
    void backward(const T* parameters, const T* input, const T* output, const T* output_grad, T* input_grad,
                  T* parameter_grads, std::size_t batch) const override;

    void set_backend(KernelBackend backend) { backend_ = backend; }
    KernelBackend backend() const { return backend_; }

private:
    Shape input_, output_;
    std::size_t width_, stride_;
    KernelBackend backend_;
};

// Element-wise activation; no parameters.
template <typename T>
class ActivationLayer final : public Layer<T> {
public:
    ActivationLayer(Shape shape, Activation activation) : shape_(shape), activation_(activation) {}

    Shape input_shape() const override { return shape_; }
    Shape output_shape() const override { return shape_; }
    void forward(const T* parameters, const T* input, T* output, std::size_t batch) const override;
    void backward(const T* parameters, const T* input, const T* output, const T* output_grad, T* input_grad,
                  T* parameter_grads, std::size_t batch) const override;

private:
    Shape shape_;
    Activation activation_;
};

// Mean over time: [steps][channels] -> [1][channels].
template <typename T>
class TimeAverageLayer final : public Layer<T> {
public:
    explicit TimeAverageLayer(Shape input) : input_(input) {}

    Shape input_shape() const override { return input_; }
    Shape output_shape() const override { return {1, input_.channels}; }
    void forward(const T* parameters, const T* input, T* output, std::size_t batch) const override;
    void backward(const T* parameters, const T* input, const T* output, const T* output_grad, T* input_grad,
                  T* parameter_grads, std::size_t batch) const override;

private:
    Shape input_;
};

// Fully connected layer applied at every time step: y[t] = W x[t] + b, through Eigen.
// Parameters: W [channels][input channels], then b [channels].
template <typename T>
class DenseLayer final : public Layer<T> {
public:
    DenseLayer(Shape input, std::size_t channels) : input_(input), output_{input.steps, channels} {}

    Shape input_shape() const override { return input_; }
    Shape output_shape() const override { return output_; }
    std::size_t parameter_count() const override { return output_.channels * (input_.channels + 1); }
    void initialise(T* parameters, Random& random) const override;
    void forward(const T* parameters, const T* input, T* output, std::size_t batch) const override;
    void backward(const T* parameters, const T* input, const T* output, const T* output_grad, T* input_grad,
                  T* parameter_grads, std::size_t batch) const override;

private:
    Shape input_, output_;
};

// Scaled hyperbolic tangent: f(x) = kTanhGain * tanh(kTanhSlope * x).
inline constexpr double kTanhGain = 1.7159;
inline constexpr double kTanhSlope = 2.0 / 3.0;

// The fastest backend measured for this build (see docs/benchmarks.md).
KernelBackend default_kernel_backend();

}  // namespace inkprint
