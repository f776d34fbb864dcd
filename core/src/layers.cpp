#include "inkprint/layers.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Core>
#include <xsimd/xsimd.hpp>

#include "inkprint/error.hpp"
#include "inkprint/kernels.hpp"

namespace inkprint {

namespace {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using StridedMap = Eigen::Map<const RowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <typename T>
void fill_uniform(T* values, std::size_t count, std::size_t fan_in, Random& random) {
    const double limit = std::sqrt(3.0 / static_cast<double>(fan_in));
    for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<T>(random.uniform(-limit, limit));
}

// output[i] = kTanhGain * tanh(kTanhSlope * input[i]) with xsimd's vectorised tanh. Scalar
// std::tanh took about 40 % of a training step (perf, on the benchmark's step of 32 pairs).
// The tail shorter than one SIMD vector goes through a padded vector, so that every value
// comes from the same tanh whatever its position.
template <typename T>
void scaled_tanh(const T* input, T* output, std::size_t count) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size;
    const Batch gain(static_cast<T>(kTanhGain)), slope(static_cast<T>(kTanhSlope));
    const std::size_t vector_end = count - count % lanes;
    for (std::size_t i = 0; i < vector_end; i += lanes) {
        (gain * xsimd::tanh(slope * Batch::load_unaligned(input + i))).store_unaligned(output + i);
    }
    if (vector_end < count) {
        alignas(64) T tail[lanes] = {};
        std::copy(input + vector_end, input + count, tail);
        (gain * xsimd::tanh(slope * Batch::load_unaligned(tail))).store_unaligned(tail);
        std::copy(tail, tail + (count - vector_end), output + vector_end);
    }
}

}  // namespace

KernelBackend default_kernel_backend() {
    // Measured with the benchmarks in bench/ (docs/benchmarks.md): natively Eigen's matrix
    // product wins the training step; in WebAssembly, where Eigen runs without its SIMD
    // paths, the xsimd kernels tie with it on the step and win the backward pass.
#ifdef __EMSCRIPTEN__
    return KernelBackend::Simd;
#else
    return KernelBackend::Eigen;
#endif
}

// ---- TimeDelayLayer ----

template <typename T>
TimeDelayLayer<T>::TimeDelayLayer(Shape input, std::size_t channels, std::size_t width, std::size_t stride)
    : input_(input), width_(width), stride_(stride), backend_(default_kernel_backend()) {
    if (channels == 0 || width == 0 || stride == 0 || width > input.steps) {
        throw Error("time-delay layer with " + std::to_string(channels) + " channels, width " + std::to_string(width) +
                    " and stride " + std::to_string(stride) + " does not fit an input of " +
                    std::to_string(input.steps) + " steps");
    }
    output_ = {(input.steps - width) / stride + 1, channels};
}

template <typename T>
void TimeDelayLayer<T>::initialise(T* parameters, Random& random) const {
    fill_uniform(parameters, output_.channels * window(), window(), random);
    std::fill(parameters + output_.channels * window(), parameters + parameter_count(), T(0));
}

template <typename T>
void TimeDelayLayer<T>::forward(const T* parameters, const T* input, T* output, std::size_t batch) const {
    const std::size_t n = window(), step = stride_ * input_.channels, channels = output_.channels;
    const T* weights = parameters;  // [channels][window]
    const T* biases = parameters + channels * n;

    for (std::size_t b = 0; b < batch; ++b) {
        const T* x = input + b * input_.size();
        T* z = output + b * output_.size();
        if (backend_ == KernelBackend::Eigen) {
            // Z [steps][channels] = windows [steps][n] * W^T, the windows read in place.
            StridedMap<T> windows(x, output_.steps, n, Eigen::OuterStride<>(step));
            Eigen::Map<const RowMatrix<T>> w(weights, channels, n);
            Eigen::Map<RowMatrix<T>> result(z, output_.steps, channels);
            result.noalias() = windows * w.transpose();
            result.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(biases, channels);
            continue;
        }
        for (std::size_t t = 0; t < output_.steps; ++t) {
            const T* x_window = x + t * step;
            for (std::size_t o = 0; o < channels; ++o) {
                const T* w = weights + o * n;
                const T sum = backend_ == KernelBackend::Simd ? kernels::dot(w, x_window, n)
                                                              : kernels::scalar::dot(w, x_window, n);
                z[t * channels + o] = biases[o] + sum;
            }
        }
    }
}

template <typename T>
void TimeDelayLayer<T>::backward(const T* parameters, const T* input, const T* /*output*/, const T* output_grad,
                                 T* input_grad, T* parameter_grads, std::size_t batch) const {
    const std::size_t n = window(), step = stride_ * input_.channels, channels = output_.channels;
    const T* weights = parameters;
    T* weight_grads = parameter_grads;
    T* bias_grads = parameter_grads + channels * n;
    if (input_grad != nullptr) std::fill(input_grad, input_grad + batch * input_.size(), T(0));

    for (std::size_t b = 0; b < batch; ++b) {
        const T* x = input + b * input_.size();
        const T* dz = output_grad + b * output_.size();
        T* dx = input_grad == nullptr ? nullptr : input_grad + b * input_.size();
        if (backend_ == KernelBackend::Eigen) {
            StridedMap<T> windows(x, output_.steps, n, Eigen::OuterStride<>(step));
            Eigen::Map<const RowMatrix<T>> w(weights, channels, n);
            Eigen::Map<const RowMatrix<T>> dz_matrix(dz, output_.steps, channels);
            // dW += dZ^T windows, db += column sums of dZ
            Eigen::Map<RowMatrix<T>>(weight_grads, channels, n).noalias() += dz_matrix.transpose() * windows;
            Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias_grads, channels) += dz_matrix.colwise().sum();
            if (dx != nullptr) {
                // Windows overlap, so dL/d(windows) = dZ W is added into dx one row at a time.
                const RowMatrix<T> window_grads = dz_matrix * w;
                for (std::size_t t = 0; t < output_.steps; ++t) {
                    kernels::axpy(T(1), window_grads.data() + t * n, dx + t * step, n);
                }
            }
            continue;
        }
        const bool simd = backend_ == KernelBackend::Simd;
        for (std::size_t t = 0; t < output_.steps; ++t) {
            const T* x_window = x + t * step;
            for (std::size_t o = 0; o < channels; ++o) {
                const T g = dz[t * channels + o];
                // dW[o] += dz * window, db[o] += dz, d(window) += dz * W[o]
                bias_grads[o] += g;
                if (simd) {
                    kernels::axpy(g, x_window, weight_grads + o * n, n);
                    if (dx != nullptr) kernels::axpy(g, weights + o * n, dx + t * step, n);
                } else {
                    kernels::scalar::axpy(g, x_window, weight_grads + o * n, n);
                    if (dx != nullptr) kernels::scalar::axpy(g, weights + o * n, dx + t * step, n);
                }
            }
        }
    }
}

// ---- ActivationLayer ----

template <typename T>
void ActivationLayer<T>::forward(const T* /*parameters*/, const T* input, T* output, std::size_t batch) const {
    const std::size_t count = batch * shape_.size();
    if (activation_ == Activation::ScaledTanh) {
        scaled_tanh(input, output, count);
    } else {
        for (std::size_t i = 0; i < count; ++i) output[i] = input[i] > T(0) ? input[i] : T(0);
    }
}

template <typename T>
void ActivationLayer<T>::backward(const T* /*parameters*/, const T* input, const T* output, const T* output_grad,
                                  T* input_grad, T* /*parameter_grads*/, std::size_t batch) const {
    if (input_grad == nullptr) return;
    const std::size_t count = batch * shape_.size();
    if (activation_ == Activation::ScaledTanh) {
        // f'(x) = (slope / gain) * (gain^2 - f(x)^2), from the stored output
        const T factor = T(kTanhSlope / kTanhGain), gain2 = T(kTanhGain * kTanhGain);
        for (std::size_t i = 0; i < count; ++i) input_grad[i] = output_grad[i] * factor * (gain2 - output[i] * output[i]);
    } else {
        // f'(x) = 1 for x > 0, else 0
        for (std::size_t i = 0; i < count; ++i) input_grad[i] = input[i] > T(0) ? output_grad[i] : T(0);
    }
}

// ---- TimeAverageLayer ----

template <typename T>
void TimeAverageLayer<T>::forward(const T* /*parameters*/, const T* input, T* output, std::size_t batch) const {
    const std::size_t steps = input_.steps, channels = input_.channels;
    for (std::size_t b = 0; b < batch; ++b) {
        const T* x = input + b * input_.size();
        T* y = output + b * channels;
        std::fill(y, y + channels, T(0));
        for (std::size_t t = 0; t < steps; ++t) kernels::axpy(T(1), x + t * channels, y, channels);
        for (std::size_t c = 0; c < channels; ++c) y[c] /= T(steps);
    }
}

template <typename T>
void TimeAverageLayer<T>::backward(const T* /*parameters*/, const T* /*input*/, const T* /*output*/,
                                   const T* output_grad, T* input_grad, T* /*parameter_grads*/,
                                   std::size_t batch) const {
    if (input_grad == nullptr) return;
    // dL/dx[t][c] = dL/dy[c] / steps
    const std::size_t steps = input_.steps, channels = input_.channels;
    for (std::size_t b = 0; b < batch; ++b) {
        for (std::size_t t = 0; t < steps; ++t) {
            for (std::size_t c = 0; c < channels; ++c) {
                input_grad[b * input_.size() + t * channels + c] = output_grad[b * channels + c] / T(steps);
            }
        }
    }
}

// ---- DenseLayer ----

template <typename T>
void DenseLayer<T>::initialise(T* parameters, Random& random) const {
    fill_uniform(parameters, output_.channels * input_.channels, input_.channels, random);
    std::fill(parameters + output_.channels * input_.channels, parameters + parameter_count(), T(0));
}

template <typename T>
void DenseLayer<T>::forward(const T* parameters, const T* input, T* output, std::size_t batch) const {
    const auto rows = static_cast<Eigen::Index>(batch * input_.steps);
    Eigen::Map<const RowMatrix<T>> x(input, rows, input_.channels);
    Eigen::Map<const RowMatrix<T>> w(parameters, output_.channels, input_.channels);
    Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias(parameters + output_.channels * input_.channels,
                                                               output_.channels);
    Eigen::Map<RowMatrix<T>> y(output, rows, output_.channels);
    // Y = X W^T + b
    y.noalias() = x * w.transpose();
    y.rowwise() += bias;
}

template <typename T>
void DenseLayer<T>::backward(const T* parameters, const T* input, const T* /*output*/, const T* output_grad,
                             T* input_grad, T* parameter_grads, std::size_t batch) const {
    const auto rows = static_cast<Eigen::Index>(batch * input_.steps);
    Eigen::Map<const RowMatrix<T>> x(input, rows, input_.channels);
    Eigen::Map<const RowMatrix<T>> w(parameters, output_.channels, input_.channels);
    Eigen::Map<const RowMatrix<T>> dy(output_grad, rows, output_.channels);
    // dW += dY^T X, db += column sums of dY, dX = dY W
    Eigen::Map<RowMatrix<T>>(parameter_grads, output_.channels, input_.channels).noalias() += dy.transpose() * x;
    Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(parameter_grads + output_.channels * input_.channels,
                                                     output_.channels) += dy.colwise().sum();
    if (input_grad != nullptr) Eigen::Map<RowMatrix<T>>(input_grad, rows, input_.channels).noalias() = dy * w;
}

template class TimeDelayLayer<float>;
template class TimeDelayLayer<double>;
template class ActivationLayer<float>;
template class ActivationLayer<double>;
template class TimeAverageLayer<float>;
template class TimeAverageLayer<double>;
template class DenseLayer<float>;
template class DenseLayer<double>;

}  // namespace inkprint
