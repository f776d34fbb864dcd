// The rules that compare a query's embedding with each enrolment embedding, the per-writer
// normalisation, the fusion with DTW, its parameters in the model description, and the fused
// verification.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"
#include "inkprint/evaluation.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/verifier.hpp"
#include "fusion_fixtures.hpp"

using inkprint::EmbeddingScore;
using inkprint::Random;
using inkprint::testing::embed_all;
using inkprint::testing::random_model;
using inkprint::testing::synthetic_writers;

namespace {

inkprint::FusionParameters example_fusion() {
    inkprint::FusionParameters fusion;
    fusion.embedding_score = EmbeddingScore::MaxCosine;
    fusion.dtw_normalisation = inkprint::DistanceNormalisation::Mean;
    fusion.dtw_sequence = inkprint::DtwSequence::Timed;
    fusion.dtw_weight = 0.65;
    fusion.tdnn_mean = 0.25;
    fusion.tdnn_deviation = 0.125;
    fusion.dtw_mean = -1.5;
    fusion.dtw_deviation = 0.375;
    fusion.threshold = -0.1;
    return fusion;
}

}  // namespace

TEST(EmbeddingScoreRules, MatchHandComputedValues) {
    // Three unit enrolment embeddings in 2-D and a query at 45 degrees.
    const std::vector<float> enrolled = {1, 0, 0, 1, 0.6f, 0.8f};
    const std::vector<float> query = {1, 1};
    const double c0 = std::sqrt(0.5), c1 = std::sqrt(0.5), c2 = (0.6 + 0.8) / std::sqrt(2.0);
    EXPECT_NEAR(inkprint::score_embedding(EmbeddingScore::MeanCosine, enrolled, query), (c0 + c1 + c2) / 3, 1e-6);
    EXPECT_NEAR(inkprint::score_embedding(EmbeddingScore::MaxCosine, enrolled, query), c2, 1e-6);
    const auto reference = inkprint::make_reference(enrolled, 2);
    EXPECT_NEAR(inkprint::score_embedding(EmbeddingScore::Reference, enrolled, query),
                inkprint::cosine(query.data(), reference.data(), 2), 1e-6);
    // Distances among the enrolment: 1 - 0 (first two), 1 - 0.6, 1 - 0.8.
    const double among = (1.0 + 0.4 + 0.2) / 3;
    const double to_query = ((1 - c0) + (1 - c1) + (1 - c2)) / 3;
    EXPECT_NEAR(inkprint::score_embedding(EmbeddingScore::Normalised, enrolled, query), -to_query / among, 1e-6);
    // Distance of each enrolment embedding to its nearest other: 0.4, 0.2 and 0.2.
    const double nearest_among = (0.4 + 0.2 + 0.2) / 3;
    EXPECT_NEAR(inkprint::score_embedding(EmbeddingScore::Nearest, enrolled, query), -(1 - c2) / nearest_among, 1e-6);
}

TEST(EmbeddingScoreRules, RejectMismatchedSizes) {
    const std::vector<float> enrolled = {1, 0, 0};
    const std::vector<float> query = {1, 1};
    EXPECT_THROW(inkprint::score_embedding(EmbeddingScore::MeanCosine, enrolled, query), inkprint::Error);
    EXPECT_THROW(inkprint::score_embedding(EmbeddingScore::MeanCosine, {}, query), inkprint::Error);
    const std::vector<float> not_finite = {1, std::nanf("")};
    EXPECT_THROW(inkprint::score_embedding(EmbeddingScore::Normalised, not_finite, query), inkprint::Error);
}

TEST(EmbeddingScoreRules, NamesReadBack) {
    for (EmbeddingScore rule : {EmbeddingScore::Reference, EmbeddingScore::MeanCosine, EmbeddingScore::MaxCosine,
                                EmbeddingScore::Normalised, EmbeddingScore::Nearest}) {
        EXPECT_EQ(inkprint::parse_embedding_score(inkprint::embedding_score_name(rule)), rule);
    }
    EXPECT_THROW(inkprint::parse_embedding_score("median"), inkprint::Error);
    for (auto rule : {inkprint::DistanceNormalisation::Mean, inkprint::DistanceNormalisation::Nearest}) {
        EXPECT_EQ(inkprint::parse_distance_normalisation(inkprint::distance_normalisation_name(rule)), rule);
    }
    EXPECT_THROW(inkprint::parse_distance_normalisation("median"), inkprint::Error);
}

TEST(NormalisedDistance, MeanDividesByTheMeanSpread) {
    using inkprint::DistanceNormalisation;
    // Three enrolment signatures: pairs (0, 1), (0, 2), (1, 2).
    const std::vector<double> to_query = {2, 4, 3}, among = {0.5, 1.5, 1.0};
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Mean, to_query, among, 0), -3.0);
    // Identical enrolment signatures leave the distance as it is, and a tiny spread is raised.
    const std::vector<double> zeros = {0, 0, 0}, tiny = {1e-9, 1e-9, 1e-9};
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Mean, to_query, zeros, 0), -3.0);
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Mean, to_query, tiny, 0.5), -6.0);
    // One enrolment signature has no distances among.
    const std::vector<double> one = {2};
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Mean, one, {}, 0), -2.0);
}

TEST(NormalisedDistance, NearestDividesByTheNearestNeighbourSpread) {
    using inkprint::DistanceNormalisation;
    const std::vector<double> to_query = {2, 4, 3}, among = {0.5, 1.5, 1.0};
    // Nearest others: 0 -> 0.5, 1 -> 0.5, 2 -> 1.0, mean 2/3; the nearest query distance is 2.
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Nearest, to_query, among, 0), -3.0);
    const std::vector<double> one = {2};
    EXPECT_DOUBLE_EQ(inkprint::normalised_distance_score(DistanceNormalisation::Nearest, one, {}, 0), -2.0);
}

TEST(NormalisedDistance, RejectsWrongCounts) {
    using inkprint::DistanceNormalisation;
    const std::vector<double> to_query = {2, 4, 3}, among = {0.5, 1.5};
    EXPECT_THROW(inkprint::normalised_distance_score(DistanceNormalisation::Mean, to_query, among, 0), inkprint::Error);
    EXPECT_THROW(inkprint::normalised_distance_score(DistanceNormalisation::Nearest, {}, {}, 0), inkprint::Error);
}

TEST(DtwScore, MatchesTheScorer) {
    Random random(11);
    const auto writer = inkprint::testing::make_writer(random);
    std::vector<inkprint::Signature> signatures;
    for (int i = 0; i < 4; ++i) signatures.push_back(inkprint::testing::draw_signature(writer, 0.03, false, random));
    std::vector<const inkprint::Signature*> enrolment = {&signatures[0], &signatures[1], &signatures[2]};
    for (auto sequence : {inkprint::DtwSequence::Grid, inkprint::DtwSequence::Timed}) {
        std::vector<inkprint::DtwSignature> prepared;
        for (int i = 0; i < 3; ++i) prepared.push_back(inkprint::prepare_dtw(sequence, signatures[i]));
        for (auto rule : {inkprint::DistanceNormalisation::Mean, inkprint::DistanceNormalisation::Nearest}) {
            inkprint::DtwScorer scorer(rule, sequence);
            EXPECT_DOUBLE_EQ(scorer.score(enrolment, signatures[3]),
                             inkprint::dtw_score(rule, prepared, inkprint::prepare_dtw(sequence, signatures[3]),
                                                 inkprint::dtw_band(sequence)));
        }
        EXPECT_THROW(inkprint::dtw_score(inkprint::DistanceNormalisation::Mean, {}, prepared[0]), inkprint::Error);
    }
}

namespace {

// One stroke of `count` samples every `interval_ms`: a wave along x whose speed varies.
inkprint::Signature wave_stroke(int count, double interval_ms, double scale = 1, double shift = 0) {
    inkprint::Signature signature;
    signature.strokes.emplace_back();
    for (int i = 0; i < count; ++i) {
        const double u = static_cast<double>(i) / (count - 1);
        signature.strokes[0].points.push_back({shift + scale * (100 * u + 15 * std::cos(7 * u)),
                                               shift + scale * 20 * std::sin(12 * u), i * interval_ms, 0});
    }
    return signature;
}

}  // namespace

TEST(DtwTimed, TakesOneStepPerIntervalOfWriting) {
    // 2 s of writing give 200 steps; a copy written 1.5 times slower gives 300.
    EXPECT_EQ(inkprint::dtw_timed(wave_stroke(201, 10)).size(), 200u * inkprint::kFeatureCount);
    EXPECT_EQ(inkprint::dtw_timed(wave_stroke(201, 15)).size(), 300u * inkprint::kFeatureCount);
    // Very short and very long signatures are held between the step limits.
    EXPECT_EQ(inkprint::dtw_timed(wave_stroke(11, 1)).size(),
              static_cast<std::size_t>(inkprint::kDtwMinSteps) * inkprint::kFeatureCount);
    EXPECT_EQ(inkprint::dtw_timed(wave_stroke(3001, 10)).size(),
              static_cast<std::size_t>(inkprint::kDtwMaxSteps) * inkprint::kFeatureCount);
}

TEST(DtwTimed, DropsPenUpAndStandardises) {
    // Two strokes of 1 s with 500 ms between them: about 200 pen-down steps of 250.
    inkprint::Signature signature = wave_stroke(101, 10);
    inkprint::Signature second = wave_stroke(101, 10, 1, 150);
    for (auto& point : second.strokes[0].points) point.t_ms += 1500;
    signature.strokes.push_back(second.strokes[0]);
    const std::vector<float> values = inkprint::dtw_timed(signature);
    const std::size_t steps = values.size() / inkprint::kFeatureCount;
    EXPECT_GE(steps, 195u);
    EXPECT_LE(steps, 205u);
    for (int f = 0; f < inkprint::kFeatureCount; ++f) {
        double sum = 0, squares = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            sum += values[t * inkprint::kFeatureCount + f];
            squares += double(values[t * inkprint::kFeatureCount + f]) * values[t * inkprint::kFeatureCount + f];
        }
        EXPECT_NEAR(sum / steps, 0.0, 1e-4) << "feature " << f;
        EXPECT_NEAR(squares / steps, 1.0, 1e-3) << "feature " << f;
    }
}

TEST(DtwTimed, IgnoresPlaceAndSizeButNotPace) {
    const auto original = inkprint::dtw_timed(wave_stroke(201, 10));
    const auto moved = inkprint::dtw_timed(wave_stroke(201, 10, 3.5, -400));
    ASSERT_EQ(original.size(), moved.size());
    for (std::size_t i = 0; i < original.size(); ++i) EXPECT_NEAR(original[i], moved[i], 1e-4);
    const int band = inkprint::dtw_band(inkprint::DtwSequence::Timed);
    EXPECT_NEAR(inkprint::dtw_distance(original, moved, band), 0.0, 1e-4);
    // The same path written slower aligns only at a cost.
    const auto slower = inkprint::dtw_timed(wave_stroke(201, 16));
    EXPECT_GT(inkprint::dtw_distance(original, slower, band), 0.05);
}

TEST(DtwTimed, RejectsWhatFeaturesReject) {
    inkprint::Signature dot;
    dot.strokes.push_back({{{5, 5, 0, 0}, {5, 5, 10, 0}}});
    EXPECT_THROW(inkprint::dtw_timed(dot), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_timed(inkprint::Signature{}), inkprint::Error);
}

TEST(DtwDynamics, ExtendsTimedWithHigherDifferences) {
    const inkprint::Signature signature = wave_stroke(201, 10);
    const std::vector<float> timed = inkprint::dtw_timed(signature);
    const std::vector<float> dynamics = inkprint::dtw_dynamics(signature, false);
    const int columns = inkprint::dtw_columns(inkprint::DtwSequence::Dynamics);
    ASSERT_EQ(columns, 12);
    const std::size_t steps = timed.size() / inkprint::kFeatureCount;
    ASSERT_EQ(dynamics.size(), steps * columns);
    // The first 8 columns are the timed sequence's; the last 4 are standardised like them.
    for (std::size_t t = 0; t < steps; ++t) {
        for (int f = 0; f < inkprint::kFeatureCount; ++f) {
            ASSERT_NEAR(dynamics[t * columns + f], timed[t * inkprint::kFeatureCount + f], 1e-5) << t << ' ' << f;
        }
    }
    for (int f = inkprint::kFeatureCount; f < columns; ++f) {
        double sum = 0, squares = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            sum += dynamics[t * columns + f];
            squares += double(dynamics[t * columns + f]) * dynamics[t * columns + f];
        }
        EXPECT_NEAR(sum / steps, 0.0, 1e-4) << "column " << f;
        EXPECT_NEAR(squares / steps, 1.0, 1e-3) << "column " << f;
    }
    EXPECT_EQ(inkprint::dtw_sequence(inkprint::DtwSequence::Dynamics, signature), dynamics);
    EXPECT_EQ(inkprint::dtw_band(inkprint::DtwSequence::Dynamics), inkprint::kDtwTimedBand);
}

TEST(DtwDynamics, ComparesPressureOnRequest) {
    inkprint::Signature light = wave_stroke(201, 10), heavy = light;
    light.has_pressure = heavy.has_pressure = true;
    for (std::size_t i = 0; i < light.strokes[0].points.size(); ++i) {
        light.strokes[0].points[i].pressure = 0.5 + 0.3 * std::sin(0.05 * static_cast<double>(i));
        heavy.strokes[0].points[i].pressure = 0.5 + 0.3 * std::cos(0.05 * static_cast<double>(i));
    }
    const int band = inkprint::kDtwTimedBand;
    const int with = inkprint::dtw_columns(inkprint::DtwSequence::DynamicsPressure);
    ASSERT_EQ(with, 13);
    // Same path and pace, different pressure: only the pressure sequence separates them.
    EXPECT_NEAR(inkprint::dtw_distance(inkprint::dtw_dynamics(light, false), inkprint::dtw_dynamics(heavy, false), band,
                                       12),
                0.0, 1e-4);
    EXPECT_GT(inkprint::dtw_distance(inkprint::dtw_dynamics(light, true), inkprint::dtw_dynamics(heavy, true), band, with),
              0.05);

    const auto prepared = inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsPressure, light);
    EXPECT_EQ(prepared.columns, with);
    ASSERT_EQ(prepared.descriptors.size(), inkprint::kDescriptorCount + inkprint::kPressureDescriptorCount);
    double mean_pressure = 0;
    for (const auto& point : light.strokes[0].points) mean_pressure += point.pressure / light.strokes[0].points.size();
    EXPECT_NEAR(prepared.descriptors[inkprint::kDescriptorCount], mean_pressure, 1e-12);
    EXPECT_GT(prepared.descriptors[inkprint::kDescriptorCount + 1], 0.1);  // the spread of 0.3 sin
    EXPECT_EQ(inkprint::dtw_statistic_count(inkprint::DtwSequence::DynamicsPressure),
              inkprint::kDtwStatisticCount + inkprint::kPressureDescriptorCount);

    // A signature without pressure is rejected with the fix, not compared with zeros.
    const inkprint::Signature mouse = wave_stroke(201, 10);
    try {
        inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsPressure, mouse);
        FAIL() << "a signature without pressure was prepared for the pressure sequence";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("a sequence without pressure"), std::string::npos) << error.what();
    }
    EXPECT_THROW(inkprint::dtw_dynamics(mouse, true), inkprint::Error);
    // Nor is a pen signature with a mouse stroke, whose missing pressure reads as 0.
    inkprint::Signature mixed = light;
    mixed.strokes.push_back(wave_stroke(51, 10, 1, 300).strokes[0]);
    for (auto& point : mixed.strokes[1].points) point.t_ms += 3000;
    try {
        inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsPressure, mixed);
        FAIL() << "a stroke without pressure was compared as pressure 0";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("stroke 2 of this signature has no pen pressure"), std::string::npos)
            << error.what();
    }
    // A stroke of one point at pressure 0 is kept: it has no pressure curve to compare.
    inkprint::Signature touch = light;
    touch.strokes.insert(touch.strokes.begin(), inkprint::Stroke{{inkprint::Point{0, 0, 0, 0}}});
    for (std::size_t s = 1; s < touch.strokes.size(); ++s) {
        for (auto& point : touch.strokes[s].points) point.t_ms += 300;
    }
    EXPECT_NO_THROW(inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsPressure, touch));

    // Signatures prepared with different sequences are not compared.
    const std::vector<inkprint::DtwSignature> enrolment = {prepared, prepared};
    const auto query = inkprint::prepare_dtw(inkprint::DtwSequence::Dynamics, light);
    EXPECT_THROW(inkprint::dtw_score(inkprint::DistanceNormalisation::Nearest, enrolment, query, band), inkprint::Error);
    // A column count below 1 is invalid.
    EXPECT_THROW(inkprint::dtw_distance(prepared.sequence, query.sequence, band, 0), inkprint::Error);
}

// The wave of wave_stroke() with a small zigzag of four samples added: the same path
// at the same pace, but with its motion in the highest differences.
inkprint::Signature shaky_wave(int count, double interval_ms) {
    inkprint::Signature signature = wave_stroke(count, interval_ms);
    for (std::size_t i = 0; i < signature.strokes[0].points.size(); ++i) {
        signature.strokes[0].points[i].y += (i % 4 < 2 ? 0.4 : -0.4);
    }
    return signature;
}

TEST(DtwDynamicsParts, SplitsPositionAndTheHighestDifferences) {
    const auto kind = inkprint::DtwSequence::DynamicsParts;
    const inkprint::Signature smooth = wave_stroke(201, 10);
    const auto prepared = inkprint::prepare_dtw(kind, smooth);

    // The whole sequence is the dynamics sequence, and each part is a copy of some of its columns.
    EXPECT_EQ(prepared.sequence, inkprint::dtw_dynamics(smooth, false));
    ASSERT_EQ(prepared.parts.size(), inkprint::dtw_part_count(kind));
    ASSERT_EQ(prepared.parts.size(), 2u);
    const std::size_t steps = prepared.sequence.size() / 12;
    ASSERT_EQ(prepared.parts[0].columns, 2);
    ASSERT_EQ(prepared.parts[1].columns, 4);
    ASSERT_EQ(prepared.parts[0].sequence.size(), steps * 2);
    ASSERT_EQ(prepared.parts[1].sequence.size(), steps * 4);
    for (std::size_t t = 0; t < steps; t += 37) {
        EXPECT_EQ(prepared.parts[0].sequence[t * 2 + 1], prepared.sequence[t * 12 + 1]);
        EXPECT_EQ(prepared.parts[1].sequence[t * 4], prepared.sequence[t * 12 + 8]);
        EXPECT_EQ(prepared.parts[1].sequence[t * 4 + 3], prepared.sequence[t * 12 + 11]);
    }
    EXPECT_EQ(inkprint::dtw_part_count(inkprint::DtwSequence::Dynamics), 0u);
    EXPECT_TRUE(inkprint::prepare_dtw(inkprint::DtwSequence::Dynamics, smooth).parts.empty());

    // The shaky copy is rougher at every order, and the roughness does not depend on the
    // signature's size or position.
    ASSERT_EQ(prepared.roughness.size(), inkprint::kRoughnessCount);
    EXPECT_EQ(prepared.roughness, inkprint::roughness_descriptors(smooth));
    const auto shaky = inkprint::roughness_descriptors(shaky_wave(201, 10));
    for (std::size_t k = 0; k < inkprint::kRoughnessCount; ++k) EXPECT_GT(shaky[k], prepared.roughness[k] + 0.5) << k;
    const auto larger = inkprint::roughness_descriptors(wave_stroke(201, 10, 3.0, 50.0));
    for (std::size_t k = 0; k < inkprint::kRoughnessCount; ++k) EXPECT_NEAR(larger[k], prepared.roughness[k], 1e-4) << k;
    const auto tiny = inkprint::roughness_descriptors(wave_stroke(201, 10, 1e-8));
    for (std::size_t k = 0; k < inkprint::kRoughnessCount; ++k) EXPECT_NEAR(tiny[k], prepared.roughness[k], 1e-3) << k;

    // The position part cannot tell the shaky copy from the smooth wave; the highest
    // differences can.
    const auto copy = inkprint::prepare_dtw(kind, shaky_wave(201, 10));
    const auto parts = inkprint::dtw_part_distances(prepared, copy, inkprint::kDtwTimedBand);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_LT(parts[0], 0.05);
    EXPECT_GT(parts[1], 0.5);
    EXPECT_THROW(inkprint::dtw_part_distances(prepared, inkprint::prepare_dtw(inkprint::DtwSequence::Dynamics, smooth),
                                              inkprint::kDtwTimedBand),
                 inkprint::Error);
}

TEST(DtwDynamicsParts, AddsPartAndRoughnessStatistics) {
    const auto kind = inkprint::DtwSequence::DynamicsParts;
    EXPECT_EQ(inkprint::dtw_statistic_count(kind), inkprint::kDtwStatisticCount +
                                                       2 * inkprint::kPartStatisticCount +
                                                       inkprint::kRoughnessCount);
    std::vector<inkprint::DtwSignature> enrolment;
    for (int k = 0; k < 3; ++k) enrolment.push_back(inkprint::prepare_dtw(kind, wave_stroke(190 + 10 * k, 10)));
    const auto query = inkprint::prepare_dtw(kind, shaky_wave(201, 10));
    const int band = inkprint::kDtwTimedBand;
    const auto prepared = [&] {
        std::vector<inkprint::Signature> signatures;
        for (int k = 0; k < 3; ++k) signatures.push_back(wave_stroke(190 + 10 * k, 10));
        return inkprint::prepare_dtw_enrolment(kind, signatures, band);
    }();
    ASSERT_EQ(prepared.part_among.size(), 2u);
    ASSERT_EQ(prepared.part_among[1].size(), 3u);
    EXPECT_DOUBLE_EQ(prepared.part_among[1][2], inkprint::dtw_part_distances(enrolment[1], enrolment[2], band)[1]);

    std::vector<double> to_query;
    std::vector<std::vector<double>> part_to_query(2);
    std::vector<const inkprint::DtwSignature*> pointers;
    for (const auto& signature : enrolment) {
        to_query.push_back(inkprint::dtw_distance(query.sequence, signature.sequence, band, 12));
        const auto parts = inkprint::dtw_part_distances(query, signature, band);
        part_to_query[0].push_back(parts[0]);
        part_to_query[1].push_back(parts[1]);
        pointers.push_back(&signature);
    }
    const auto statistics =
        inkprint::dtw_statistics(to_query, prepared.among, pointers, query, part_to_query, prepared.part_among);
    ASSERT_EQ(statistics.size(), inkprint::dtw_statistic_count(kind));
    // The first part's values, after the whole sequence's: nearest and mean ratios, log nearest.
    const auto& among = prepared.part_among[0];
    const double among_mean = (among[0] + among[1] + among[2]) / 3;
    const double nearest = *std::min_element(part_to_query[0].begin(), part_to_query[0].end());
    const std::size_t first = inkprint::kDtwStatisticCount;
    EXPECT_NEAR(statistics[first + 1],
                (part_to_query[0][0] + part_to_query[0][1] + part_to_query[0][2]) / 3 / std::max(among_mean, 1e-6),
                1e-9);
    EXPECT_NEAR(statistics[first + 2], std::log(std::max(nearest, 1e-6)), 1e-9);
    // The roughness values: how far the query is from the enrolment's mean.
    const std::size_t rough = first + 2 * inkprint::kPartStatisticCount;
    const double mean = (enrolment[0].roughness[0] + enrolment[1].roughness[0] + enrolment[2].roughness[0]) / 3;
    EXPECT_NEAR(statistics[rough], std::abs(query.roughness[0] - mean), 1e-12);

    // Part distances that do not fit the parts are rejected, and so is a query of another sequence.
    EXPECT_THROW(inkprint::dtw_statistics(to_query, prepared.among, pointers, query, {}, prepared.part_among),
                 inkprint::Error);
    auto short_list = part_to_query;
    short_list[1].pop_back();
    EXPECT_THROW(inkprint::dtw_statistics(to_query, prepared.among, pointers, query, short_list, prepared.part_among),
                 inkprint::Error);
    std::vector<inkprint::DtwSignature> without_parts;
    for (int k = 0; k < 3; ++k) {
        without_parts.push_back(inkprint::prepare_dtw(inkprint::DtwSequence::Dynamics, wave_stroke(190 + 10 * k, 10)));
    }
    const std::vector<const inkprint::DtwSignature*> mixed = {&without_parts[0], &without_parts[1], &without_parts[2]};
    EXPECT_THROW(inkprint::dtw_statistics(to_query, prepared.among, mixed, query, part_to_query, prepared.part_among),
                 inkprint::Error);
    const auto plain = inkprint::prepare_dtw(inkprint::DtwSequence::Dynamics, shaky_wave(201, 10));
    EXPECT_THROW(inkprint::dtw_score(inkprint::DistanceNormalisation::Nearest, prepared, plain, band, nullptr), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_score(inkprint::DistanceNormalisation::Nearest, enrolment, plain, band), inkprint::Error);
    // Without a calibration the parts change nothing: the plain rules read the whole sequence.
    EXPECT_DOUBLE_EQ(inkprint::dtw_score(inkprint::DistanceNormalisation::Nearest, prepared, query, band, nullptr),
                     inkprint::normalised_distance_score(inkprint::DistanceNormalisation::Nearest, to_query,
                                                         prepared.among, 0.0));
}

TEST(DtwSequenceNames, RoundTrip) {
    for (auto kind : {inkprint::DtwSequence::Grid, inkprint::DtwSequence::Timed, inkprint::DtwSequence::Dynamics,
                      inkprint::DtwSequence::DynamicsPressure, inkprint::DtwSequence::DynamicsParts,
                      inkprint::DtwSequence::DynamicsTemplate, inkprint::DtwSequence::DynamicsPressureTemplate}) {
        EXPECT_EQ(inkprint::parse_dtw_sequence(inkprint::dtw_sequence_name(kind)), kind);
    }
    try {
        inkprint::parse_dtw_sequence("steps");
        FAIL() << "an unknown name was accepted";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("\"dynamics-template\" or \"dynamics-pressure-template\""),
                  std::string::npos)
            << error.what();
    }
}

namespace {

std::vector<const inkprint::DtwSignature*> pointers_to(const std::vector<inkprint::DtwSignature>& signatures) {
    std::vector<const inkprint::DtwSignature*> pointers;
    for (const auto& signature : signatures) pointers.push_back(&signature);
    return pointers;
}

}  // namespace

TEST(WriterTemplate, CopiesGiveStepsAndFloor) {
    const auto kind = inkprint::DtwSequence::DynamicsTemplate;
    const int band = inkprint::kDtwTimedBand;
    std::vector<inkprint::Signature> copies(3, wave_stroke(201, 10));
    const auto prepared = inkprint::prepare_dtw_enrolment(kind, copies, band);
    const auto& writer = prepared.writer_template;
    const auto& steps = prepared.signatures[0].sequence;
    ASSERT_EQ(writer.mean.size(), steps.size());
    ASSERT_EQ(writer.columns, 12);
    EXPECT_EQ(writer.band, band);
    for (std::size_t k = 0; k < steps.size(); k += 53) {
        EXPECT_NEAR(writer.mean[k], steps[k], 1e-5) << k;
        EXPECT_NEAR(writer.precision[k], 1 / inkprint::kTemplateVarianceFloor, 1e-2) << k;
    }
    EXPECT_NEAR(writer.spread, 0.0, 1e-4);
    EXPECT_NEAR(inkprint::template_distance(prepared.signatures[1], writer, band), 0.0, 1e-4);
    // Other sequences get no template.
    EXPECT_TRUE(inkprint::prepare_dtw_enrolment(inkprint::DtwSequence::DynamicsParts, copies, band)
                    .writer_template.mean.empty());
}

TEST(WriterTemplate, PressureTemplateWeighsPressure) {
    const auto kind = inkprint::DtwSequence::DynamicsPressureTemplate;
    const int band = inkprint::kDtwTimedBand;
    EXPECT_TRUE(inkprint::dtw_uses_pressure(kind));
    EXPECT_TRUE(inkprint::dtw_uses_template(kind));
    EXPECT_EQ(inkprint::dtw_part_count(kind), 0u);
    EXPECT_EQ(inkprint::dtw_statistic_count(kind),
              inkprint::kDtwStatisticCount + inkprint::kPressureDescriptorCount + 1);

    // One path and pace; the pressure rises and falls with a phase of its own in each signature.
    const auto with_pressure = [](double phase) {
        inkprint::Signature signature = wave_stroke(201, 10);
        signature.has_pressure = true;
        for (std::size_t i = 0; i < signature.strokes[0].points.size(); ++i) {
            signature.strokes[0].points[i].pressure = 0.5 + 0.3 * std::sin(0.05 * static_cast<double>(i) + phase);
        }
        return signature;
    };
    const std::vector<inkprint::Signature> enrolment = {with_pressure(0.0), with_pressure(0.1), with_pressure(0.2)};
    const auto prepared = inkprint::prepare_dtw_enrolment(kind, enrolment, band);
    const auto& writer = prepared.writer_template;
    ASSERT_EQ(writer.columns, 13);
    ASSERT_FALSE(writer.mean.empty());
    EXPECT_TRUE(prepared.signatures[0].with_template);
    EXPECT_TRUE(prepared.signatures[0].parts.empty());

    // The template has pressure in it: a query whose pressure is out of phase is farther from it
    // than one in phase, although both draw the same path at the same pace.
    const auto same = inkprint::prepare_dtw(kind, with_pressure(0.1));
    const auto other = inkprint::prepare_dtw(kind, with_pressure(3.0));
    EXPECT_LT(2 * inkprint::template_distance(same, writer, band), inkprint::template_distance(other, writer, band));

    const auto to_query = [&](const inkprint::DtwSignature& query) {
        std::vector<double> distances;
        for (const auto& signature : prepared.signatures) {
            distances.push_back(inkprint::dtw_distance(signature.sequence, query.sequence, band, 13));
        }
        return distances;
    };
    const auto statistics = inkprint::dtw_statistics(to_query(other), prepared.among,
                                                     pointers_to(prepared.signatures), other, {}, {}, &writer);
    ASSERT_EQ(statistics.size(), inkprint::dtw_statistic_count(kind));
    EXPECT_NEAR(statistics.back(),
                std::log(inkprint::template_distance(other, writer, band) / writer.spread), 1e-9);

    // A signature without pressure cannot be weighed against it.
    EXPECT_THROW(inkprint::prepare_dtw(kind, wave_stroke(201, 10)), inkprint::Error);
}

TEST(WriterTemplate, CentreAndLeaveOneOutSpread) {
    const auto kind = inkprint::DtwSequence::DynamicsTemplate;
    const int band = inkprint::kDtwTimedBand;
    // Three paces of one wave: the middle one is closest to both others.
    std::vector<inkprint::Signature> signatures = {wave_stroke(170, 10), wave_stroke(200, 10), wave_stroke(230, 10)};
    const auto prepared = inkprint::prepare_dtw_enrolment(kind, signatures, band);
    EXPECT_EQ(prepared.writer_template.mean.size(), prepared.signatures[1].sequence.size());

    // With two signatures, the template without the other contains the centre alone, whose
    // variance is 0. The spread is then the plain DTW distance over the square root of the floor.
    const std::vector<inkprint::Signature> pair = {signatures[0], signatures[1]};
    const auto two = inkprint::prepare_dtw_enrolment(kind, pair, band);
    const double plain = inkprint::dtw_distance(two.signatures[0].sequence, two.signatures[1].sequence, band, 12);
    EXPECT_GT(plain, 0.01);
    EXPECT_NEAR(two.writer_template.spread, plain / std::sqrt(inkprint::kTemplateVarianceFloor), 1e-3 * plain);
    // Built from both, the template is wider than the centre alone, so the other comes closer.
    const std::size_t other = two.writer_template.mean.size() == two.signatures[0].sequence.size() ? 1 : 0;
    EXPECT_LT(inkprint::template_distance(two.signatures[other], two.writer_template, band), two.writer_template.spread);

    EXPECT_THROW(inkprint::build_writer_template(pointers_to(two.signatures), {}, band), inkprint::Error);
    const std::vector<const inkprint::DtwSignature*> single = {&two.signatures[0]};
    EXPECT_THROW(inkprint::build_writer_template(single, {}, band), inkprint::Error);
    const auto grid = inkprint::prepare_dtw(inkprint::DtwSequence::Grid, signatures[0]);
    const std::vector<const inkprint::DtwSignature*> mixed = {&two.signatures[0], &grid};
    EXPECT_THROW(inkprint::build_writer_template(mixed, two.among, band), inkprint::Error);
    EXPECT_THROW(inkprint::template_distance(grid, two.writer_template, band), inkprint::Error);
    EXPECT_THROW(inkprint::template_distance(two.signatures[0], inkprint::WriterTemplate{}, band), inkprint::Error);
}

namespace {

// Returns a prepared signature of one column that contains `values`, one per step.
inkprint::DtwSignature one_column(std::vector<float> values) {
    inkprint::DtwSignature signature;
    signature.columns = 1;
    signature.sequence = std::move(values);
    return signature;
}

}  // namespace

TEST(WriterTemplate, AveragesTheAlignedSteps) {
    // The second signature lingers on 1 and 2, so aligned with the first it matches it exactly.
    const auto centre = one_column({0, 1, 2, 3});
    const auto slower = one_column({0, 1, 1, 2, 2, 3});
    const std::vector<const inkprint::DtwSignature*> pair = {&centre, &slower};
    const std::vector<double> among = {inkprint::dtw_distance(centre.sequence, slower.sequence, 10, 1)};
    ASSERT_EQ(among[0], 0.0);
    const auto writer = inkprint::build_writer_template(pair, among, 10);
    EXPECT_EQ(writer.mean, centre.sequence);
    for (float precision : writer.precision) EXPECT_NEAR(precision, 1 / inkprint::kTemplateVarianceFloor, 1e-3);
    EXPECT_EQ(writer.spread, 0.0);

    // Where the third signature differs, the template's mean moves and its precision drops.
    const auto third = one_column({0, 1, 2.5f, 3});
    const std::vector<const inkprint::DtwSignature*> three = {&centre, &slower, &third};
    const std::vector<double> three_among = {among[0], inkprint::dtw_distance(centre.sequence, third.sequence, 10, 1),
                                             inkprint::dtw_distance(slower.sequence, third.sequence, 10, 1)};
    const auto wider = inkprint::build_writer_template(three, three_among, 10);
    EXPECT_EQ(wider.mean[0], 0.0f);
    EXPECT_EQ(wider.mean[1], 1.0f);
    EXPECT_EQ(wider.mean[3], 3.0f);
    EXPECT_GT(wider.mean[2], 2.0f);
    EXPECT_LT(wider.precision[2], wider.precision[1]);

    const auto empty = one_column({});
    const std::vector<const inkprint::DtwSignature*> with_empty = {&centre, &empty};
    EXPECT_THROW(inkprint::build_writer_template(with_empty, among, 10), inkprint::Error);
}

TEST(WriterTemplate, ReadsPrecisionOfTemplateStep) {
    // The query skips the template's third step, which must be matched at the cost of its
    // own precision, 100: |2 - 1| or |2 - 3| times 10, over 3 + 4 steps.
    inkprint::WriterTemplate writer;
    writer.columns = 1;
    writer.mean = {0, 1, 2, 3};
    writer.precision = {1, 1, 100, 1};
    const auto query = one_column({0, 1, 3});
    EXPECT_NEAR(inkprint::template_distance(query, writer, 10), 10.0 / 7.0, 1e-6);
    auto no_columns = query;
    no_columns.columns = 0;
    EXPECT_THROW(inkprint::template_distance(no_columns, writer, 10), inkprint::Error);
}

TEST(WriterTemplate, WeighsSteadyStepsMore) {
    const int band = inkprint::kDtwTimedBand;
    const auto base = inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsTemplate, wave_stroke(201, 10));
    const std::size_t steps = base.sequence.size() / 12;
    inkprint::WriterTemplate writer;
    writer.columns = 12;
    writer.mean = base.sequence;
    writer.band = band;
    // A writer steady in the first half and loose in the second.
    writer.precision.assign(base.sequence.size(), 1.0f);
    for (std::size_t k = 0; k < steps / 2 * 12; ++k) writer.precision[k] = 16.0f;
    // The same change to the first column over ten steps, early or late.
    auto early = base, late = base;
    for (std::size_t t = 40; t < 50; ++t) early.sequence[t * 12] += 1.5f;
    for (std::size_t t = steps - 50; t < steps - 40; ++t) late.sequence[t * 12] += 1.5f;
    const double early_distance = inkprint::template_distance(early, writer, band);
    const double late_distance = inkprint::template_distance(late, writer, band);
    EXPECT_GT(early_distance, 2 * late_distance);
    EXPECT_GT(late_distance, 0.0);
}

TEST(WriterTemplate, AddsTheLastStatistic) {
    const auto kind = inkprint::DtwSequence::DynamicsTemplate;
    const int band = inkprint::kDtwTimedBand;
    EXPECT_EQ(inkprint::dtw_statistic_count(kind),
              inkprint::dtw_statistic_count(inkprint::DtwSequence::DynamicsParts) + 1);
    std::vector<inkprint::Signature> signatures;
    for (int k = 0; k < 3; ++k) signatures.push_back(wave_stroke(190 + 10 * k, 10));
    const auto prepared = inkprint::prepare_dtw_enrolment(kind, signatures, band);
    const auto query = inkprint::prepare_dtw(kind, shaky_wave(201, 10));

    std::vector<double> to_query;
    std::vector<std::vector<double>> part_to_query(2);
    for (const auto& signature : prepared.signatures) {
        to_query.push_back(inkprint::dtw_distance(query.sequence, signature.sequence, band, 12));
        const auto parts = inkprint::dtw_part_distances(query, signature, band);
        part_to_query[0].push_back(parts[0]);
        part_to_query[1].push_back(parts[1]);
    }
    const auto pointers = pointers_to(prepared.signatures);
    const auto statistics = inkprint::dtw_statistics(to_query, prepared.among, pointers, query, part_to_query,
                                                     prepared.part_among, &prepared.writer_template);
    ASSERT_EQ(statistics.size(), inkprint::dtw_statistic_count(kind));
    EXPECT_NEAR(statistics.back(),
                std::log(inkprint::template_distance(query, prepared.writer_template, band) /
                         prepared.writer_template.spread),
                1e-9);
    // The shaky query is farther from the template than the enrolment is.
    EXPECT_GT(statistics.back(), 0.0);
    EXPECT_THROW(inkprint::dtw_statistics(to_query, prepared.among, pointers, query, part_to_query,
                                          prepared.part_among),
                 inkprint::Error);

    // A query of the parts sequence cannot meet an enrolment prepared with the template.
    const auto parts_query = inkprint::prepare_dtw(inkprint::DtwSequence::DynamicsParts, shaky_wave(201, 10));
    EXPECT_THROW(inkprint::dtw_score(inkprint::DistanceNormalisation::Nearest, prepared, parts_query, band, nullptr),
                 inkprint::Error);
}

TEST(FusionParameters, FuseStandardisesBothScores) {
    const auto fusion = example_fusion();
    const double tdnn = 0.5, dtw = -1.125;
    EXPECT_DOUBLE_EQ(fusion.fuse(tdnn, dtw), 0.65 * (dtw + 1.5) / 0.375 + 0.35 * (tdnn - 0.25) / 0.125);
}

TEST(FusionParameters, ValidateRejectsBadValues) {
    auto fusion = example_fusion();
    EXPECT_NO_THROW(fusion.validate());
    fusion.dtw_weight = 1.5;
    EXPECT_THROW(fusion.validate(), inkprint::Error);
    fusion = example_fusion();
    fusion.dtw_deviation = 0;
    EXPECT_THROW(fusion.validate(), inkprint::Error);
    fusion = example_fusion();
    fusion.threshold = std::nan("");
    EXPECT_THROW(fusion.validate(), inkprint::Error);
}

// A threshold below every fused score the model can give accepts every signature, and one above
// them rejects every signature.
TEST(FusionParameters, ValidateRejectsThresholdsOutsideTheScores) {
    auto fusion = example_fusion();
    fusion.dtw_normalisation = inkprint::DistanceNormalisation::Calibrated;
    const std::size_t count = inkprint::dtw_statistic_count(fusion.dtw_sequence);
    fusion.dtw_calibration.mean.assign(count, 0.0);
    fusion.dtw_calibration.deviation.assign(count, 1.0);
    fusion.dtw_calibration.weights.assign(count, 0.5);
    fusion.dtw_calibration.bias = 0.0;
    EXPECT_NO_THROW(fusion.validate());

    const double reach = 0.5 * inkprint::kStatisticClip * static_cast<double>(count);
    const double lowest = fusion.fuse(-1.0, -reach), highest = fusion.fuse(1.0, reach);
    for (const auto& [threshold, verb] : {std::pair{-1000.0, "accept"}, {lowest, "accept"}, {highest + 1e-6, "reject"}}) {
        fusion.threshold = threshold;
        try {
            fusion.validate();
            ADD_FAILURE() << "threshold " << threshold << " was accepted";
        } catch (const inkprint::Error& error) {
            EXPECT_NE(std::string(error.what()).find(std::string("would ") + verb + " every signature"), std::string::npos)
                << error.what();
        }
    }
    fusion.threshold = highest;
    EXPECT_NO_THROW(fusion.validate());
}

TEST(FusionDescription, RoundTripsAmongOtherMembers) {
    const auto fusion = example_fusion();
    const std::string description = "{\"data\":\"SVC2004 tasks 1,2\",\"heldOut\":{\"skilledEer\":0.2,\"list\":[1,2,"
                                    "{\"a\":[true,false,null]}]},\"fusion\":" +
                                    inkprint::fusion_json(fusion) + ",\"seed\":1}";
    const auto read = inkprint::read_fusion(description);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->embedding_score, fusion.embedding_score);
    EXPECT_EQ(read->dtw_normalisation, fusion.dtw_normalisation);
    EXPECT_EQ(read->dtw_sequence, fusion.dtw_sequence);
    EXPECT_DOUBLE_EQ(read->dtw_weight, fusion.dtw_weight);
    EXPECT_DOUBLE_EQ(read->tdnn_mean, fusion.tdnn_mean);
    EXPECT_DOUBLE_EQ(read->tdnn_deviation, fusion.tdnn_deviation);
    EXPECT_DOUBLE_EQ(read->dtw_mean, fusion.dtw_mean);
    EXPECT_DOUBLE_EQ(read->dtw_deviation, fusion.dtw_deviation);
    EXPECT_DOUBLE_EQ(read->threshold, fusion.threshold);
}

// Models trained before the timed sequence existed have no "dtwSequence" and used the grid.
TEST(FusionDescription, ReadsTheGridWhenTheSequenceIsMissing) {
    std::string json = inkprint::fusion_json(example_fusion());
    const std::string member = "\"dtwSequence\":\"timed\",";
    ASSERT_NE(json.find(member), std::string::npos);
    json.erase(json.find(member), member.size());
    const auto read = inkprint::read_fusion("{\"fusion\":" + json + "}");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->dtw_sequence, inkprint::DtwSequence::Grid);

    std::string unknown = inkprint::fusion_json(example_fusion());
    unknown.replace(unknown.find("\"timed\""), 7, "\"steps\"");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + unknown + "}"), inkprint::Error);
}

TEST(FusionDescription, AbsentWithoutFusionMember) {
    EXPECT_FALSE(inkprint::read_fusion("{}").has_value());
    EXPECT_FALSE(inkprint::read_fusion(" {\"seed\":1,\"inner\":{\"fusion\":{}}} ").has_value());
}

TEST(FusionDescription, RejectsDamagedText) {
    const std::string good = inkprint::fusion_json(example_fusion());
    for (const std::string& text : {
             std::string("not json"),
             std::string("{\"fusion\":") + good,                        // unterminated object
             std::string("{\"fusion\":") + good + ",\"fusion\":" + good + "}",  // twice
             std::string("{\"fusion\":{\"dtwWeight\":0.5}}"),           // missing members
             std::string("{\"fusion\":[1]}"),                           // not an object
             std::string("{\"seed\":01}"),                              // invalid number elsewhere
             std::string("{\"a\":") + std::string(100, '[') + std::string(100, ']') + "}",  // too deep
         }) {
        EXPECT_THROW(inkprint::read_fusion(text), inkprint::Error) << text;
    }
    std::string unknown = good;
    unknown.insert(1, "\"weight\":1,");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + unknown + "}"), inkprint::Error);
    std::string out_of_range = good;
    out_of_range.replace(out_of_range.find("0.65"), 4, "1.65");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + out_of_range + "}"), inkprint::Error);
}

// The fit uses only the writers it is given, and its fused EER on them is no worse than either
// score alone (weights 0 and 1 are among the candidates).
TEST(FitFusion, NoWorseThanEitherScoreOnItsWriters) {
    const auto model = random_model(3);
    const auto impostors = synthetic_writers(24, 1, 21);
    const std::vector<inkprint::WriterSignatures> validation(impostors.begin(), impostors.begin() + 3);
    inkprint::ProtocolConfig config;
    config.trials = 2;
    const auto fit = inkprint::fit_fusion(model, EmbeddingScore::Normalised, inkprint::DistanceNormalisation::Nearest,
                                          inkprint::DtwSequence::Timed, validation, impostors, config);
    EXPECT_GE(fit.parameters.dtw_weight, 0.0);
    EXPECT_LE(fit.parameters.dtw_weight, 1.0);
    EXPECT_NO_THROW(fit.parameters.validate());

    auto skilled_eer = [&](inkprint::Scorer& scorer) {
        return inkprint::summarise(inkprint::run_protocol(scorer, validation, impostors, config)).skilled_global;
    };
    inkprint::EmbeddingScorer tdnn(model, EmbeddingScore::Normalised);
    inkprint::DtwScorer dtw(inkprint::DistanceNormalisation::Nearest, inkprint::DtwSequence::Timed);
    EXPECT_EQ(fit.parameters.dtw_sequence, inkprint::DtwSequence::Timed);
    EXPECT_LE(fit.skilled_eer, skilled_eer(tdnn) + 1e-12);
    EXPECT_LE(fit.skilled_eer, skilled_eer(dtw) + 1e-12);
    inkprint::FusionScorer fused(model, fit.parameters);
    EXPECT_NEAR(skilled_eer(fused), fit.skilled_eer, 1e-12);
}

TEST(FitFusion, RejectsTooFewImpostors) {
    const auto model = random_model(3);
    const auto writers = synthetic_writers(5, 2, 22);
    inkprint::ProtocolConfig config;
    config.trials = 1;
    EXPECT_THROW(inkprint::fit_fusion(model, EmbeddingScore::Reference, inkprint::DistanceNormalisation::Mean, inkprint::DtwSequence::Grid, writers, writers, config), inkprint::Error);
    EXPECT_THROW(inkprint::fit_fusion(model, EmbeddingScore::Reference, inkprint::DistanceNormalisation::Mean, inkprint::DtwSequence::Grid, {}, writers, config), inkprint::Error);
}

// The page's fused verification gives the score that the evaluation measured.
TEST(VerifyFused, EqualsTheFusionScorer) {
  for (auto sequence : {inkprint::DtwSequence::Grid, inkprint::DtwSequence::Timed}) {
    auto model = random_model(5);
    auto fusion = example_fusion();
    fusion.dtw_sequence = sequence;
    model.description = "{\"seed\":1,\"fusion\":" + inkprint::fusion_json(fusion) + "}";
    inkprint::Verifier verifier(model);
    ASSERT_TRUE(verifier.fusion().has_value());

    const auto writers = synthetic_writers(1, 1, 23);
    const auto& genuine = writers[0].genuine;
    std::vector<inkprint::Signature> enrolment(genuine.begin(), genuine.begin() + 5);
    std::vector<const inkprint::Signature*> pointers;
    for (const auto& signature : enrolment) pointers.push_back(&signature);
    const std::vector<float> enrolled = embed_all(verifier, enrolment);
    inkprint::FusionScorer scorer(model, fusion);
    for (const inkprint::Signature* query : {&genuine[12], &writers[0].forgeries[3]}) {
        const auto result = verifier.verify_fused(enrolled, enrolment, *query);
        EXPECT_NEAR(result.score, scorer.score(pointers, *query), 1e-9);
        EXPECT_DOUBLE_EQ(result.threshold, fusion.threshold);
        EXPECT_EQ(result.accepted, result.score >= fusion.threshold);
        EXPECT_DOUBLE_EQ(result.score, fusion.fuse(result.embedding_score, result.dtw_score));
    }
  }
}

TEST(VerifyFused, RejectsMissingParametersAndCounts) {
    auto model = random_model(5);
    inkprint::Verifier plain(model);
    const auto writers = synthetic_writers(1, 1, 24);
    std::vector<inkprint::Signature> enrolment(writers[0].genuine.begin(), writers[0].genuine.begin() + 3);
    const std::vector<float> enrolled = embed_all(plain, enrolment);
    EXPECT_FALSE(plain.fusion().has_value());
    EXPECT_THROW(plain.verify_fused(enrolled, enrolment, writers[0].genuine[15]), inkprint::Error);

    model.description = "{\"fusion\":" + inkprint::fusion_json(example_fusion()) + "}";
    inkprint::Verifier fused(model);
    const std::vector<inkprint::Signature> two(enrolment.begin(), enrolment.begin() + 2);
    EXPECT_THROW(fused.verify_fused(enrolled, two, writers[0].genuine[15]), inkprint::Error);
    EXPECT_THROW(fused.verify_fused({}, {}, writers[0].genuine[15]), inkprint::Error);
    EXPECT_NO_THROW(fused.verify_fused(enrolled, enrolment, writers[0].genuine[15]));
}
