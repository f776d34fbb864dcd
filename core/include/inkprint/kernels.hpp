// Inner loops of the time-delay layers, written once with xsimd and once as plain scalar
// references that the tests compare against.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace inkprint::kernels {

namespace scalar {

// Returns sum_i a[i] * b[i].
template <typename T>
T dot(const T* a, const T* b, std::size_t n) {
    T sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// y[i] += alpha * x[i]
template <typename T>
void axpy(T alpha, const T* x, T* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace scalar

// Returns sum_i a[i] * b[i], a SIMD vector at a time with a scalar tail.
template <typename T>
T dot(const T* a, const T* b, std::size_t n) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size;
    const std::size_t vector_end = n - n % lanes;
    Batch sum(T(0));
    for (std::size_t i = 0; i < vector_end; i += lanes) {
        sum = xsimd::fma(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i), sum);
    }
    T total = xsimd::hadd(sum);
    for (std::size_t i = vector_end; i < n; ++i) total += a[i] * b[i];
    return total;
}

// y[i] += alpha * x[i], a SIMD vector at a time with a scalar tail.
template <typename T>
void axpy(T alpha, const T* x, T* y, std::size_t n) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size;
    const std::size_t vector_end = n - n % lanes;
    const Batch factor(alpha);
    for (std::size_t i = 0; i < vector_end; i += lanes) {
        const Batch updated = xsimd::fma(factor, Batch::load_unaligned(x + i), Batch::load_unaligned(y + i));
        updated.store_unaligned(y + i);
    }
    for (std::size_t i = vector_end; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace inkprint::kernels
