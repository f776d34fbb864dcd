#include <gtest/gtest.h>

#include <vector>

#include "inkprint/kernels.hpp"
#include "inkprint/random.hpp"

namespace kernels = inkprint::kernels;

namespace {

// Every length from 0 to three full SIMD vectors plus three, so that every tail is exercised.
template <typename T>
void check_against_scalar() {
    const std::size_t lanes = xsimd::batch<T>::size;
    inkprint::Random random(3);
    for (std::size_t n = 0; n <= 3 * lanes + 3; ++n) {
        // One extra element on each side catches reads and writes out of range.
        std::vector<T> a(n + 2), b(n + 2), y_simd(n + 2), y_scalar(n + 2);
        for (std::size_t i = 0; i < n + 2; ++i) {
            a[i] = static_cast<T>(random.normal());
            b[i] = static_cast<T>(random.normal());
            y_simd[i] = y_scalar[i] = static_cast<T>(random.normal());
        }
        const T tolerance = static_cast<T>(sizeof(T) == 4 ? 1e-5 : 1e-13) * static_cast<T>(n + 1);
        EXPECT_NEAR(kernels::dot(a.data() + 1, b.data() + 1, n), kernels::scalar::dot(a.data() + 1, b.data() + 1, n),
                    tolerance)
            << "dot, length " << n;

        const T alpha = static_cast<T>(random.normal());
        kernels::axpy(alpha, a.data() + 1, y_simd.data() + 1, n);
        kernels::scalar::axpy(alpha, a.data() + 1, y_scalar.data() + 1, n);
        for (std::size_t i = 0; i < n + 2; ++i) {
            EXPECT_NEAR(y_simd[i], y_scalar[i], tolerance) << "axpy, length " << n << ", index " << i;
        }
    }
}

}  // namespace

TEST(Kernels, FloatMatchesScalar) { check_against_scalar<float>(); }

TEST(Kernels, DoubleMatchesScalar) { check_against_scalar<double>(); }
