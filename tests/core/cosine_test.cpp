#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkprint/cosine.hpp"
#include "inkprint/random.hpp"

using inkprint::cosine;

TEST(Cosine, ForwardByHand) {
    const double a[] = {1, 0}, b[] = {1, 1}, c[] = {-2, 0};
    EXPECT_NEAR(cosine(a, b, 2), 1 / std::sqrt(2.0), 1e-15);
    EXPECT_NEAR(cosine(a, c, 2), -1.0, 1e-15);
    EXPECT_NEAR(cosine(b, b, 2), 1.0, 1e-15);
}

// dc/da = b / (|a||b|) - c a / |a|^2, checked by hand for a = (1, 0), b = (1, 1):
// c = 1/sqrt2, dc/da = (1, 1)/sqrt2 - (1/sqrt2)(1, 0) = (0, 1/sqrt2).
TEST(Cosine, GradientByHand) {
    const double a[] = {1, 0}, b[] = {1, 1};
    double grad_a[2], grad_b[2];
    cosine(a, b, 2, grad_a, grad_b);
    EXPECT_NEAR(grad_a[0], 0.0, 1e-15);
    EXPECT_NEAR(grad_a[1], 1 / std::sqrt(2.0), 1e-15);
    // dc/db = a / (|a||b|) - c b / |b|^2 = (1, 0)/sqrt2 - (1/sqrt2)(1, 1)/2
    EXPECT_NEAR(grad_b[0], 1 / std::sqrt(2.0) / 2, 1e-15);
    EXPECT_NEAR(grad_b[1], -1 / std::sqrt(2.0) / 2, 1e-15);
}

// Central differences with step 1e-6 in double precision. The truncation error is of order
// step^2 (1e-12) and rounding of order 1e-16 / step (1e-10), so 1e-8 is a safe tolerance.
TEST(Cosine, GradientMatchesFiniteDifferences) {
    inkprint::Random random(7);
    for (int trial = 0; trial < 20; ++trial) {
        const std::size_t n = 1 + random.below(20);
        std::vector<double> a(n), b(n), grad_a(n), grad_b(n);
        for (std::size_t i = 0; i < n; ++i) {
            a[i] = random.normal();
            b[i] = random.normal();
        }
        cosine(a.data(), b.data(), n, grad_a.data(), grad_b.data());
        const double step = 1e-6;
        for (std::size_t i = 0; i < n; ++i) {
            for (auto [vector, grad] : {std::pair{&a, &grad_a}, std::pair{&b, &grad_b}}) {
                const double saved = (*vector)[i];
                (*vector)[i] = saved + step;
                const double plus = cosine(a.data(), b.data(), n);
                (*vector)[i] = saved - step;
                const double minus = cosine(a.data(), b.data(), n);
                (*vector)[i] = saved;
                EXPECT_NEAR((*grad)[i], (plus - minus) / (2 * step), 1e-8) << "trial " << trial << " index " << i;
            }
        }
    }
}

TEST(Cosine, ZeroVectorStaysFinite) {
    const float zero[] = {0, 0, 0}, b[] = {1, 2, 3};
    float grad_a[3], grad_b[3];
    const float c = cosine(zero, b, 3, grad_a, grad_b);
    EXPECT_EQ(c, 0.0f);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(std::isfinite(grad_a[i]));
        EXPECT_TRUE(std::isfinite(grad_b[i]));
    }
}

TEST(Cosine, TinyVectorsMatchUnitScale) {
    // Squares of 1e-20 underflow float; the cosine must still equal that of the scaled vectors.
    const float tiny_a[] = {1e-20f, 2e-20f, -1e-20f}, tiny_b[] = {3e-20f, -1e-20f, 2e-20f};
    const float unit_a[] = {1, 2, -1}, unit_b[] = {3, -1, 2};
    float grad_a[3], grad_b[3];
    const float c = cosine(tiny_a, tiny_b, 3, grad_a, grad_b);
    EXPECT_NEAR(c, cosine(unit_a, unit_b, 3), 1e-6);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(std::isfinite(grad_a[i])) << i;
        EXPECT_TRUE(std::isfinite(grad_b[i])) << i;
    }
}
