#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "inkprint/error.hpp"
#include "inkprint/evaluation.hpp"
#include "inkprint/features.hpp"
#include "fusion_fixtures.hpp"

using inkprint::make_folds;

// No user of a fold's test set may take part in training or validation of that fold, and
// every user is tested exactly once.
TEST(Folds, TestUsersNeverTrain) {
    for (int k : {2, 4, 5, 8}) {
        const auto folds = make_folds(40, k, 3);
        ASSERT_EQ(folds.size(), static_cast<std::size_t>(k));
        std::multiset<int> tested;
        for (const auto& fold : folds) {
            const std::set<int> test(fold.test.begin(), fold.test.end());
            for (int user : fold.train) EXPECT_EQ(test.count(user), 0u) << "user " << user << " trains and tests";
            for (int user : fold.validation) EXPECT_EQ(test.count(user), 0u) << "user " << user << " validates and tests";
            for (int user : fold.validation) {
                EXPECT_EQ(std::count(fold.train.begin(), fold.train.end(), user), 0) << "user " << user;
            }
            EXPECT_EQ(fold.train.size() + fold.validation.size() + fold.test.size(), 40u);
            tested.insert(fold.test.begin(), fold.test.end());
        }
        for (int user = 1; user <= 40; ++user) EXPECT_EQ(tested.count(user), 1u) << "user " << user;
    }
}

TEST(Folds, RejectsImpossibleSplits) {
    EXPECT_THROW(make_folds(40, 1, 3), inkprint::Error);
    EXPECT_THROW(make_folds(40, 41, 3), inkprint::Error);
    EXPECT_THROW(make_folds(40, 4, 10), inkprint::Error);
    EXPECT_THROW(make_folds(40, 4, 0), inkprint::Error);
    // The message gives the largest count that works: groups of 20 with 2 folds leave 18
    // validation users beside 2 training users, and groups of 1 leave none.
    EXPECT_NO_THROW(make_folds(40, 2, 18));
    try {
        make_folds(40, 2, 19);
        ADD_FAILURE() << "19 validation users of 2 folds were accepted";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("use at most 18 validation users"), std::string::npos) << error.what();
    }
    try {
        make_folds(40, 40, 1);
        ADD_FAILURE() << "40 folds of one user were accepted";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("use at most 20 folds"), std::string::npos) << error.what();
    }
}

TEST(Dtw, IdenticalGridsHaveZeroDistance) {
    inkprint::Random random(3);
    std::vector<float> grid(50 * inkprint::kFeatureCount);
    for (float& v : grid) v = static_cast<float>(random.normal());
    EXPECT_DOUBLE_EQ(inkprint::DtwScorer::distance(grid, grid, 5), 0.0);
}

TEST(Dtw, AlignsShiftedSequences) {
    // b is a delayed by two steps; warping absorbs the delay, a step-by-step distance cannot.
    const int n = 40;
    std::vector<float> a(n * inkprint::kFeatureCount, 0.0f), b = a;
    for (int t = 0; t < n; ++t) {
        a[t * inkprint::kFeatureCount] = static_cast<float>(std::sin(t * 0.3));
        b[t * inkprint::kFeatureCount] = static_cast<float>(std::sin(std::max(t - 2, 0) * 0.3));
    }
    double lockstep = 0;
    for (int t = 0; t < n; ++t) lockstep += std::abs(a[t * inkprint::kFeatureCount] - b[t * inkprint::kFeatureCount]);
    lockstep /= 2 * n;
    EXPECT_LT(inkprint::DtwScorer::distance(a, b, 5), 0.5 * lockstep);
}

TEST(DetCurve, EndsAtBothExtremes) {
    const auto points = inkprint::det_curve({0.9, 0.8, 0.4}, {0.1, 0.5});
    ASSERT_EQ(points.size(), 5u);
    // The lowest threshold accepts everything, the highest rejects all but its own score.
    EXPECT_DOUBLE_EQ(points.front().false_acceptance, 1.0);
    EXPECT_DOUBLE_EQ(points.front().false_rejection, 0.0);
    EXPECT_DOUBLE_EQ(points.back().false_acceptance, 0.0);
    EXPECT_DOUBLE_EQ(points.back().false_rejection, 2.0 / 3);
}

// The protocol draws enrolments from S1-S10 only and gives the documented number of scores.
TEST(Protocol, CountsAndEnrolmentSource) {
    const auto writers = inkprint::testing::synthetic_writers(22, 1, 5);

    // Records every enrolment signature it is given.
    struct RecordingScorer final : inkprint::Scorer {
        std::set<const inkprint::Signature*> enrolled;
        double score(const std::vector<const inkprint::Signature*>& enrolment, const inkprint::Signature&) override {
            enrolled.insert(enrolment.begin(), enrolment.end());
            return 0;
        }
    } scorer;
    inkprint::ProtocolConfig config;
    const std::vector<inkprint::WriterSignatures> test(writers.begin(), writers.begin() + 2);
    const auto scores = inkprint::run_protocol(scorer, test, writers, config);
    ASSERT_EQ(scores.size(), 2u);
    for (const auto& writer : scores) {
        EXPECT_EQ(writer.genuine.size(), 100u);  // 10 trials x S11-S20
        EXPECT_EQ(writer.skilled.size(), 200u);  // 10 trials x S21-S40
        EXPECT_EQ(writer.random.size(), 200u);   // 10 trials x 20 other writers
    }
    for (const auto* signature : scorer.enrolled) {
        bool from_first_ten = false;
        for (const auto& writer : test) {
            for (int i = 0; i < 10; ++i) from_first_ten = from_first_ten || signature == &writer.genuine[i];
        }
        EXPECT_TRUE(from_first_ten);
    }
}

TEST(Protocol, DtwSeparatesGeneratedWriters) {
    const auto writers = inkprint::testing::synthetic_writers(21, 1, 6);
    inkprint::DtwScorer scorer;
    inkprint::ProtocolConfig config;
    config.trials = 2;
    const std::vector<inkprint::WriterSignatures> test(writers.begin(), writers.begin() + 3);
    const auto summary = inkprint::summarise(inkprint::run_protocol(scorer, test, writers, config));
    EXPECT_LT(summary.random_global, 0.1);
    EXPECT_LT(summary.skilled_global, 0.3);
}
