// The joining unit of the siamese pair: the cosine of the angle between two embeddings, and its
// gradient with respect to both.
//
// For c = a.b / (|a| |b|):
//   dc/da = b / (|a| |b|) - c a / |a|^2
//   dc/db = a / (|a| |b|) - c b / |b|^2
// The cosine does not change when a or b is scaled, so both are first divided by their largest
// magnitude. That keeps |a|^2 away from underflow for tiny vectors (1e-20 in float squares
// to 1e-40, below float's normal range). A zero vector has no direction: its cosine is defined
// as 0 with zero gradients.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace inkprint {

// Computes the cosine of a and b (n values each). When grad_a and grad_b are not null, writes
// d(cosine)/d(a) and d(cosine)/d(b) into them, n values each.
template <typename T>
T cosine(const T* a, const T* b, std::size_t n, T* grad_a = nullptr, T* grad_b = nullptr) {
    T scale_a = 0, scale_b = 0;
    for (std::size_t i = 0; i < n; ++i) {
        scale_a = std::max(scale_a, std::abs(a[i]));
        scale_b = std::max(scale_b, std::abs(b[i]));
    }
    const bool defined = scale_a > T(0) && scale_b > T(0) && std::isfinite(scale_a) && std::isfinite(scale_b);
    if (!defined) {
        for (std::size_t i = 0; grad_a != nullptr && i < n; ++i) grad_a[i] = 0;
        for (std::size_t i = 0; grad_b != nullptr && i < n; ++i) grad_b[i] = 0;
        return T(0);
    }

    // With a' = a / scale_a and b' = b / scale_b, every sum below is of order 1.
    T dot = 0, norm_a2 = 0, norm_b2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const T ai = a[i] / scale_a, bi = b[i] / scale_b;
        dot += ai * bi;
        norm_a2 += ai * ai;
        norm_b2 += bi * bi;
    }
    const T inverse_norms = T(1) / std::sqrt(norm_a2 * norm_b2);
    const T c = std::clamp(dot * inverse_norms, T(-1), T(1));

    // dc/da = (b'/(|a'||b'|) - c a'/|a'|^2) / scale_a, and the same with a and b swapped.
    if (grad_a != nullptr) {
        for (std::size_t i = 0; i < n; ++i) {
            grad_a[i] = (b[i] / scale_b * inverse_norms - c * (a[i] / scale_a) / norm_a2) / scale_a;
        }
    }
    if (grad_b != nullptr) {
        for (std::size_t i = 0; i < n; ++i) {
            grad_b[i] = (a[i] / scale_a * inverse_norms - c * (b[i] / scale_b) / norm_b2) / scale_b;
        }
    }
    return c;
}

}  // namespace inkprint
