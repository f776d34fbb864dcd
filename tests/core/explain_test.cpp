// The explanation of a verification: the score split over the averaged time steps and mapped
// back onto the query's samples.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/verifier.hpp"
#include "synthetic.hpp"

using inkprint::Random;

namespace {

// A model with random weights and unit feature scaling: the split must hold for any weights.
inkprint::Model random_model(const std::string& layers, std::uint64_t seed) {
    inkprint::Model model;
    model.network.layers = inkprint::parse_layers(layers);
    model.scaling.mean.assign(inkprint::kFeatureCount, 0.0f);
    model.scaling.std_dev.assign(inkprint::kFeatureCount, 1.0f);
    inkprint::Network<float> network(model.network);
    Random random(seed);
    network.initialise(random);
    model.parameters = network.parameters();
    model.threshold = 0.3f;
    return model;
}

double sum(const std::vector<double>& values) { return std::accumulate(values.begin(), values.end(), 0.0); }

struct Case {
    inkprint::Signature query;
    std::vector<float> reference;
};

Case make_case(inkprint::Verifier& verifier, std::uint64_t seed, bool forged) {
    Random random(seed);
    const auto writer = inkprint::testing::make_writer(random);
    std::vector<float> enrolled;
    for (int i = 0; i < 5; ++i) {
        const auto e = verifier.embed(inkprint::testing::draw_signature(writer, 0.03, false, random));
        enrolled.insert(enrolled.end(), e.begin(), e.end());
    }
    return {inkprint::testing::draw_signature(writer, forged ? 0.3 : 0.03, forged, random),
            inkprint::make_reference(enrolled, verifier.embedding_size())};
}

}  // namespace

TEST(Explain, PublishedNetworkWindowsCoverTheGrid) {
    const auto windows = inkprint::averaged_step_windows(inkprint::NetworkConfig{});
    // Layer 2 step t sees layer 1 steps 3t..3t+9, which see input steps 9t..9t+37.
    ASSERT_EQ(windows.size(), 19u);
    for (std::size_t t = 0; t < windows.size(); ++t) {
        EXPECT_EQ(windows[t].first, static_cast<int>(9 * t));
        EXPECT_EQ(windows[t].end, static_cast<int>(9 * t + 38));
    }
    EXPECT_EQ(windows.back().end, 200);
}

TEST(Explain, ContributionsAddUpToTheScore) {
    for (const char* layers : {"delay:12:11:3,tanh,delay:16:10:3,tanh,average",
                               "delay:8:7:2,relu,dense:6,tanh,average"}) {
        inkprint::Verifier verifier(random_model(layers, 7));
        for (std::uint64_t seed = 1; seed <= 6; ++seed) {
            Case c = make_case(verifier, seed, seed % 2 == 0);
            const auto explanation = verifier.explain(c.reference, c.query);
            const double score = explanation.verification.score;
            SCOPED_TRACE(std::string(layers) + ", seed " + std::to_string(seed) + ", score " + std::to_string(score));

            EXPECT_DOUBLE_EQ(score, verifier.verify(c.reference, c.query).score);
            EXPECT_NEAR(sum(explanation.step_contributions), score, 1e-5);
            EXPECT_NEAR(sum(explanation.sample_contributions), score, 1e-5);
            ASSERT_EQ(explanation.sample_contributions.size(), c.query.point_count());
            ASSERT_EQ(explanation.sample_local_scores.size(), c.query.point_count());
            // The local scores are T c_t seen from each sample, so their range holds the score.
            const auto [low, high] = std::minmax_element(explanation.sample_local_scores.begin(),
                                                         explanation.sample_local_scores.end());
            EXPECT_LE(*low, score + 1e-9);
            EXPECT_GE(*high, score - 1e-9);
            // The shares differ from step to step: the split is not the score spread evenly.
            const auto [step_low, step_high] = std::minmax_element(explanation.step_contributions.begin(),
                                                                   explanation.step_contributions.end());
            EXPECT_GT(*step_high - *step_low, 1e-4);
        }
    }
}

TEST(Explain, SparseSamplesStillCarryTheWholeScore) {
    // Five samples for 200 grid steps: most windows hold no sample's nearest step.
    inkprint::Verifier verifier(random_model("delay:12:11:3,tanh,delay:16:10:3,tanh,average", 3));
    Case c = make_case(verifier, 11, false);
    inkprint::Signature sparse;
    sparse.strokes.emplace_back();
    for (int i = 0; i < 5; ++i) sparse.strokes[0].points.push_back({i * 10.0, (i % 2) * 7.0, i * 300.0, 0});
    const auto explanation = verifier.explain(c.reference, sparse);
    EXPECT_NEAR(sum(explanation.sample_contributions), explanation.verification.score, 1e-5);
    ASSERT_EQ(explanation.sample_positions.size(), 5u);
    EXPECT_DOUBLE_EQ(explanation.sample_positions.front(), 0.0);
    EXPECT_DOUBLE_EQ(explanation.sample_positions.back(), 199.0);
    EXPECT_DOUBLE_EQ(explanation.sample_positions[2], 99.5);
}

TEST(Explain, RejectsANetworkThatDoesNotEndWithTheAverage) {
    inkprint::NetworkConfig config;
    config.layers = inkprint::parse_layers("delay:8:7:2,tanh,average,dense:4");
    try {
        inkprint::averaged_step_windows(config);
        FAIL() << "no error";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("does not end with its only time average"), std::string::npos)
            << error.what();
    }
}

TEST(Explain, ProfileFollowsTheFeaturesAndThePressureChannel) {
    Random random(5);
    const auto writer = inkprint::testing::make_writer(random);
    inkprint::Signature signature = inkprint::testing::draw_signature(writer, 0.03, false, random);
    const auto grid = inkprint::compute_features(signature, 200);
    auto profile = inkprint::profile_signature(signature, 200);
    ASSERT_EQ(profile.speed.size(), 200u);
    for (int k = 0; k < 200; ++k) EXPECT_FLOAT_EQ(profile.speed[k], grid[k * inkprint::kFeatureCount + 3]);
    for (double p : profile.pressure) EXPECT_TRUE(std::isnan(p));

    signature.has_pressure = true;
    for (auto& stroke : signature.strokes) {
        for (auto& point : stroke.points) point.pressure = 0.25;
    }
    profile = inkprint::profile_signature(signature, 200);
    for (int k = 0; k < 200; ++k) {
        // Pressure is 0.25 on the strokes and 0 in the gaps between them.
        EXPECT_DOUBLE_EQ(profile.pressure[k], profile.pen_down[k] == 1 ? 0.25 : 0.0) << "step " << k;
    }
}
