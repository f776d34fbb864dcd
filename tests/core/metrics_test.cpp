#include <gtest/gtest.h>

#include <cmath>

#include "inkprint/error.hpp"
#include "inkprint/metrics.hpp"

using inkprint::equal_error_rate;
using inkprint::error_rates_at;

TEST(ErrorRates, CountsAtThreshold) {
    const std::vector<double> genuine = {0.9, 0.8, 0.4, 0.7};
    const std::vector<double> forgery = {0.1, 0.5, 0.7};
    const auto rates = error_rates_at(genuine, forgery, 0.7);
    EXPECT_DOUBLE_EQ(rates.false_rejection, 0.25);   // 0.4 is rejected
    EXPECT_DOUBLE_EQ(rates.false_acceptance, 1.0 / 3);  // 0.7 is accepted: at the threshold counts
}

TEST(EqualErrorRate, SeparableScoresGiveZero) {
    const auto eer = equal_error_rate({0.8, 0.9, 0.95}, {0.1, 0.2, 0.3});
    EXPECT_DOUBLE_EQ(eer.rate, 0.0);
    EXPECT_GT(eer.threshold, 0.3);
    EXPECT_LE(eer.threshold, 0.8);
}

TEST(EqualErrorRate, OverlapByHand) {
    // Threshold 0.6: genuine 0.5 rejected (FRR 1/4), forgery 0.6 accepted (FAR 1/4).
    const auto eer = equal_error_rate({0.5, 0.7, 0.8, 0.9}, {0.1, 0.2, 0.3, 0.6});
    EXPECT_DOUBLE_EQ(eer.rate, 0.25);
}

TEST(EqualErrorRate, ReversedScoresGiveOne) {
    // Every forgery scores above every genuine signature: at 0.8 all are wrong either way.
    const auto eer = equal_error_rate({0.1, 0.2}, {0.8, 0.9});
    EXPECT_DOUBLE_EQ(eer.rate, 1.0);
}

TEST(EqualErrorRate, RejectsEmptyLists) {
    EXPECT_THROW(equal_error_rate({}, {0.1}), inkprint::Error);
    EXPECT_THROW(equal_error_rate({0.1}, {}), inkprint::Error);
}

TEST(Histogram, CountsEdgesOutliersAndNaN) {
    const std::vector<double> scores = {-1.0, -0.5, -0.49, 0.0, 0.99, 1.0, 3.0, -7.0, std::nan("")};
    // Bins of 0.5 from -1 to 1: [-1, -0.5), [-0.5, 0), [0, 0.5), [0.5, 1].
    EXPECT_EQ(inkprint::histogram(scores, -1.0, 1.0, 4), (std::vector<int>{2, 2, 1, 3}));
    EXPECT_THROW(inkprint::histogram(scores, 1.0, 1.0, 4), inkprint::Error);
    EXPECT_THROW(inkprint::histogram(scores, -1.0, 1.0, 0), inkprint::Error);
}
