// The calibrated DTW score: the statistics it reads from the distances, the logistic regression
// that weighs them, its place in the model description and in the fused verification.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "inkprint/error.hpp"
#include "inkprint/evaluation.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/network.hpp"
#include "inkprint/verifier.hpp"
#include "fusion_fixtures.hpp"

using inkprint::DistanceNormalisation;
using inkprint::DtwCalibration;
using inkprint::Random;
using inkprint::testing::embed_all;
using inkprint::testing::random_model;
using inkprint::testing::synthetic_writers;

namespace {

// A calibration whose weights are 1, 2, 3, ... on statistics standardised by mean 0.5 and
// deviation 2.
DtwCalibration example_calibration() {
    DtwCalibration calibration;
    for (std::size_t k = 0; k < inkprint::kDtwStatisticCount; ++k) {
        calibration.mean.push_back(0.5);
        calibration.deviation.push_back(2.0);
        calibration.weights.push_back(static_cast<double>(k + 1));
    }
    calibration.bias = -0.25;
    return calibration;
}

}  // namespace

TEST(DtwStatistics, MatchHandComputedValues) {
    // Three enrolment signatures with distances 1 (0-1), 2 (0-2) and 4 (1-2) among them.
    const std::vector<double> to_query = {3, 2, 6}, among = {1, 2, 4}, steps = {100, 100, 400};
    // Descriptor k of enrolment signature i is i + k; the query's are all 5.
    std::vector<double> descriptors;
    for (int i = 0; i < 3; ++i) {
        for (std::size_t k = 0; k < inkprint::kDescriptorCount; ++k) descriptors.push_back(static_cast<double>(i + k));
    }
    const std::vector<double> query_descriptors(inkprint::kDescriptorCount, 5.0);
    const auto values = inkprint::dtw_statistics(to_query, among, steps, 200, descriptors, query_descriptors);
    ASSERT_EQ(values.size(), inkprint::kDtwStatisticCount);
    // Nearest neighbours 1, 1, 2 (mean 4/3); farthest 2, 4, 4 (mean 10/3); row means 1.5, 2.5, 3.
    EXPECT_NEAR(values[0], 2.0 / (4.0 / 3.0), 1e-12);
    EXPECT_NEAR(values[1], (11.0 / 3.0) / (7.0 / 3.0), 1e-12);
    EXPECT_NEAR(values[2], 6.0 / (10.0 / 3.0), 1e-12);
    EXPECT_NEAR(values[3], 3.0 / 1.5, 1e-12);  // signature 0 is the most central
    EXPECT_NEAR(values[4], std::log(4.0 / 3.0), 1e-12);
    EXPECT_NEAR(values[5], std::log(2.0), 1e-12);
    // Log steps: mean (2 log 100 + log 400) / 3; the query's 200 is log 2 above 100.
    const double mean_log = (2 * std::log(100.0) + std::log(400.0)) / 3;
    const double gap = std::abs(std::log(200.0) - mean_log);
    EXPECT_NEAR(values[6], gap, 1e-12);
    const double spread = std::sqrt((2 * std::pow(std::log(100.0) - mean_log, 2) + std::pow(std::log(400.0) - mean_log, 2)) / 2);
    EXPECT_NEAR(values[7], gap / (spread + 0.05), 1e-12);
    EXPECT_NEAR(values[8], std::log(7.0 / 3.0), 1e-12);
    EXPECT_NEAR(values[9], std::log(11.0 / 3.0), 1e-12);
    // Mean enrolment descriptor k is 1 + k.
    for (std::size_t k = 0; k < inkprint::kDescriptorCount; ++k) {
        EXPECT_NEAR(values[10 + k], std::abs(5.0 - (1.0 + static_cast<double>(k))), 1e-12) << "descriptor " << k;
    }
}

TEST(DtwStatistics, StayFiniteForCopies) {
    // The same signature enrolled three times and queried again: every distance is 0.
    const std::vector<double> zeros3 = {0, 0, 0};
    const std::vector<double> descriptors(3 * inkprint::kDescriptorCount, 1.0), query(inkprint::kDescriptorCount, 1.0);
    const auto values =
        inkprint::dtw_statistics(zeros3, zeros3, std::vector<double>{50, 50, 50}, 50, descriptors, query);
    for (double value : values) EXPECT_TRUE(std::isfinite(value));
}

TEST(DtwStatistics, RejectWrongSizes) {
    const std::vector<double> one = {1}, two = {1, 2};
    const std::vector<double> descriptors(2 * inkprint::kDescriptorCount, 1.0), query(inkprint::kDescriptorCount, 1.0);
    EXPECT_THROW(inkprint::dtw_statistics(one, {}, one, 10, query, query), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_statistics(two, two, two, 10, descriptors, query), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_statistics(two, one, one, 10, descriptors, query), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_statistics(two, one, two, 10, query, query), inkprint::Error);
    EXPECT_THROW(inkprint::dtw_statistics(two, one, two, 10, descriptors, one), inkprint::Error);
    EXPECT_NO_THROW(inkprint::dtw_statistics(two, one, two, 10, descriptors, query));
}

TEST(SignatureDescriptors, DescribeDurationStrokesAndShape) {
    // Two horizontal strokes of 100 units, 1 s each with 500 ms between them.
    inkprint::Signature signature;
    for (int s = 0; s < 2; ++s) {
        inkprint::Stroke stroke;
        for (int i = 0; i <= 10; ++i) stroke.points.push_back({10.0 * i, 50.0 * s, 1500.0 * s + 100.0 * i, 0});
        signature.strokes.push_back(stroke);
    }
    const auto values = inkprint::signature_descriptors(signature);
    ASSERT_EQ(values.size(), inkprint::kDescriptorCount);
    EXPECT_NEAR(values[0], std::log(2500.0), 1e-9);
    EXPECT_NEAR(values[1], std::log(2000.0), 1e-9);
    EXPECT_EQ(values[2], 2.0);
    EXPECT_NEAR(values[6], 2000.0 / 2500.0, 1e-12);
    // The same signature moved and made three times larger is described the same.
    inkprint::Signature larger = signature;
    for (auto& stroke : larger.strokes) {
        for (auto& point : stroke.points) {
            point.x = 3 * point.x - 70;
            point.y = 3 * point.y + 900;
        }
    }
    const auto scaled = inkprint::signature_descriptors(larger);
    for (std::size_t k = 0; k < inkprint::kDescriptorCount; ++k) EXPECT_NEAR(scaled[k], values[k], 1e-9) << "descriptor " << k;
    EXPECT_THROW(inkprint::signature_descriptors(inkprint::Signature{}), inkprint::Error);
}

TEST(DtwCalibration, ScoreIsTheStandardisedSum) {
    const auto calibration = example_calibration();
    std::vector<double> statistics(inkprint::kDtwStatisticCount, 2.5);
    double expected = -0.25;
    for (std::size_t k = 1; k <= inkprint::kDtwStatisticCount; ++k) expected += static_cast<double>(k) * (2.5 - 0.5) / 2.0;
    EXPECT_DOUBLE_EQ(calibration.score(statistics), expected);
    statistics.pop_back();
    EXPECT_THROW(calibration.score(statistics), inkprint::Error);
}

// A statistic far outside the training writers' range counts no more than one at the limit.
TEST(DtwCalibration, ScoreClipsOutlyingStatistics) {
    const auto calibration = example_calibration();
    std::vector<double> statistics(inkprint::kDtwStatisticCount, 0.5);
    const double at_mean = calibration.score(statistics);
    statistics[0] = 0.5 + 2.0 * inkprint::kStatisticClip;
    const double at_limit = calibration.score(statistics);
    EXPECT_DOUBLE_EQ(at_limit, at_mean + inkprint::kStatisticClip);
    statistics[0] = 1e6;
    EXPECT_DOUBLE_EQ(calibration.score(statistics), at_limit);
    statistics[0] = -1e6;
    EXPECT_DOUBLE_EQ(calibration.score(statistics), at_mean - inkprint::kStatisticClip);
}

TEST(DtwCalibration, FitSeparatesAndRepeats) {
    // Genuine queries have small first statistics, forgeries large ones; the rest is noise.
    Random random(5);
    std::vector<inkprint::CalibrationSample> samples;
    for (int i = 0; i < 400; ++i) {
        inkprint::CalibrationSample sample;
        sample.genuine = i % 2 == 0;
        for (std::size_t k = 0; k < inkprint::kDtwStatisticCount; ++k) sample.statistics.push_back(random.uniform(0, 1));
        sample.statistics[0] += sample.genuine ? 0.0 : 1.5;
        samples.push_back(sample);
    }
    const auto calibration = inkprint::fit_dtw_calibration(samples);
    EXPECT_NO_THROW(calibration.validate(inkprint::kDtwStatisticCount));
    EXPECT_LT(calibration.weights[0], -1.0);
    std::vector<double> genuine, forged;
    for (const auto& sample : samples) (sample.genuine ? genuine : forged).push_back(calibration.score(sample.statistics));
    EXPECT_EQ(inkprint::equal_error_rate(genuine, forged).rate, 0.0);

    const auto again = inkprint::fit_dtw_calibration(samples);
    EXPECT_EQ(again.weights, calibration.weights);
    EXPECT_EQ(again.bias, calibration.bias);
}

TEST(DtwCalibration, FitRejectsOneKindAndWrongSizes) {
    std::vector<inkprint::CalibrationSample> genuine_only(3);
    for (auto& sample : genuine_only) {
        sample.statistics.assign(inkprint::kDtwStatisticCount, 1.0);
        sample.genuine = true;
    }
    EXPECT_THROW(inkprint::fit_dtw_calibration(genuine_only), inkprint::Error);
    EXPECT_THROW(inkprint::fit_dtw_calibration({}), inkprint::Error);
    auto wrong = genuine_only;
    wrong[0].genuine = false;
    wrong[1].statistics.pop_back();
    EXPECT_THROW(inkprint::fit_dtw_calibration(wrong), inkprint::Error);
}

TEST(DtwCalibration, ValidateNamesTheProblem) {
    auto calibration = example_calibration();
    EXPECT_NO_THROW(calibration.validate(inkprint::kDtwStatisticCount));
    calibration.deviation[3] = 0;
    EXPECT_THROW(calibration.validate(inkprint::kDtwStatisticCount), inkprint::Error);
    calibration = example_calibration();
    calibration.weights.pop_back();
    EXPECT_THROW(calibration.validate(inkprint::kDtwStatisticCount), inkprint::Error);
    calibration = example_calibration();
    calibration.bias = std::nan("");
    EXPECT_THROW(calibration.validate(inkprint::kDtwStatisticCount), inkprint::Error);
}

// On generated writers the learned score ranks genuine queries above forgeries, and the scorer
// agrees with dtw_score() given the same calibration.
TEST(CalibratedDtw, LearnsFromTrainingWriters) {
    const auto writers = synthetic_writers(24, 1, 31);
    inkprint::ProtocolConfig config;
    config.trials = 1;
    const auto calibration =
        inkprint::fit_dtw_calibration(writers, writers, config, inkprint::DtwSequence::Timed);
    EXPECT_NO_THROW(calibration.validate(inkprint::kDtwStatisticCount));

    const auto test_writers = synthetic_writers(3, 1, 32);
    inkprint::DtwScorer scorer(DistanceNormalisation::Calibrated, inkprint::DtwSequence::Timed, calibration);
    const auto scores = inkprint::run_protocol(scorer, test_writers, writers, config);
    double genuine = 0, skilled = 0;
    for (const auto& writer : scores) {
        for (double s : writer.genuine) genuine += s / writer.genuine.size();
        for (double s : writer.skilled) skilled += s / writer.skilled.size();
    }
    EXPECT_GT(genuine, skilled);

    const auto& person = test_writers[0];
    std::vector<const inkprint::Signature*> enrolment;
    std::vector<inkprint::DtwSignature> prepared;
    for (int i = 0; i < 4; ++i) {
        enrolment.push_back(&person.genuine[i]);
        prepared.push_back(inkprint::prepare_dtw(inkprint::DtwSequence::Timed, person.genuine[i]));
    }
    const auto forgery = inkprint::prepare_dtw(inkprint::DtwSequence::Timed, person.forgeries[0]);
    const int band = inkprint::dtw_band(inkprint::DtwSequence::Timed);
    EXPECT_DOUBLE_EQ(scorer.score(enrolment, person.forgeries[0]),
                     inkprint::dtw_score(DistanceNormalisation::Calibrated, prepared, forgery, band, &calibration));
    EXPECT_THROW(inkprint::dtw_score(DistanceNormalisation::Calibrated, prepared, forgery, band), inkprint::Error);
    inkprint::DtwScorer uncalibrated(DistanceNormalisation::Calibrated, inkprint::DtwSequence::Timed);
    EXPECT_THROW(uncalibrated.score(enrolment, person.forgeries[0]), inkprint::Error);
}

// Each writer's cross-fitted scores come from a calibration fitted without its group. So
// replacing writer 1 by another writer leaves the scores of the rest of its group as they were,
// while the other groups' scores, whose calibration saw writer 1, change. Without random
// forgeries no writer's queries include writer 1's signatures.
TEST(CrossFittedCalibration, ScoresComeFromTheOtherGroups) {
    auto writers = synthetic_writers(8, 1, 51);
    inkprint::ProtocolConfig config;
    config.trials = 2;
    config.random_forgeries = 0;
    const auto sequence = inkprint::DtwSequence::Timed;
    constexpr int kGroups = 4;
    const auto cross = inkprint::cross_fit_dtw_calibration(writers, writers, config, sequence, kGroups);

    const auto whole = inkprint::fit_dtw_calibration(writers, writers, config, sequence);
    EXPECT_EQ(cross.calibration.weights, whole.weights);
    EXPECT_EQ(cross.calibration.bias, whole.bias);
    ASSERT_EQ(cross.scores.size(), writers.size());
    for (std::size_t i = 0; i < writers.size(); ++i) {
        EXPECT_EQ(cross.scores[i].user, writers[i].user);
        EXPECT_EQ(cross.scores[i].genuine.size(), 20u);
        EXPECT_EQ(cross.scores[i].skilled.size(), 40u);
    }

    auto replacement = synthetic_writers(1, 1, 99).front();
    replacement.user = writers[0].user;
    writers[0] = std::move(replacement);
    const auto changed = inkprint::cross_fit_dtw_calibration(writers, writers, config, sequence, kGroups);
    for (std::size_t i = 1; i < writers.size(); ++i) {
        const bool same_group = i % kGroups == 0;
        const bool same_scores = changed.scores[i].genuine == cross.scores[i].genuine &&
                                 changed.scores[i].skilled == cross.scores[i].skilled;
        EXPECT_EQ(same_scores, same_group) << "writer " << writers[i].user;
    }

    EXPECT_THROW(inkprint::cross_fit_dtw_calibration(writers, writers, config, sequence, 1), inkprint::Error);
    EXPECT_THROW(inkprint::cross_fit_dtw_calibration(writers, writers, config, sequence, 9), inkprint::Error);
}

// With all the weight on DTW, the fused threshold is the EER point of the standardised DTW
// scores given. Scores of other writers than those named are rejected.
TEST(CrossFittedCalibration, FusedThresholdIsTheEerPoint) {
    const auto writers = synthetic_writers(6, 1, 52);
    inkprint::ProtocolConfig config;
    config.trials = 1;
    config.random_forgeries = 3;
    const auto sequence = inkprint::DtwSequence::Timed;
    const auto cross = inkprint::cross_fit_dtw_calibration(writers, writers, config, sequence, 3);
    inkprint::FusionParameters fusion;
    fusion.dtw_normalisation = DistanceNormalisation::Calibrated;
    fusion.dtw_sequence = sequence;
    fusion.dtw_calibration = cross.calibration;
    fusion.dtw_weight = 1;
    fusion.dtw_mean = 0.5;
    fusion.dtw_deviation = 2;
    std::vector<double> genuine, skilled;
    for (const auto& writer : cross.scores) {
        for (double score : writer.genuine) genuine.push_back((score - 0.5) / 2);
        for (double score : writer.skilled) skilled.push_back((score - 0.5) / 2);
    }
    const auto model = random_model(9);
    EXPECT_DOUBLE_EQ(inkprint::fused_threshold(model, fusion, writers, writers, config, cross.scores),
                     inkprint::equal_error_rate(genuine, skilled).threshold);

    std::vector<inkprint::WriterScores> missing(cross.scores.begin(), cross.scores.end() - 1);
    EXPECT_THROW(inkprint::fused_threshold(model, fusion, writers, writers, config, missing), inkprint::Error);
    std::vector<inkprint::WriterScores> swapped = cross.scores;
    std::swap(swapped[0], swapped[1]);
    EXPECT_THROW(inkprint::fused_threshold(model, fusion, writers, writers, config, swapped), inkprint::Error);
}

TEST(CalibratedFusion, RoundTripsInTheDescription) {
    inkprint::FusionParameters fusion;
    fusion.dtw_normalisation = DistanceNormalisation::Calibrated;
    fusion.dtw_sequence = inkprint::DtwSequence::Timed;
    fusion.dtw_calibration = example_calibration();
    fusion.dtw_calibration.weights[2] = -0.125;
    const auto read = inkprint::read_fusion("{\"fusion\":" + inkprint::fusion_json(fusion) + "}");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->dtw_normalisation, DistanceNormalisation::Calibrated);
    EXPECT_EQ(read->dtw_calibration.mean, fusion.dtw_calibration.mean);
    EXPECT_EQ(read->dtw_calibration.deviation, fusion.dtw_calibration.deviation);
    EXPECT_EQ(read->dtw_calibration.weights, fusion.dtw_calibration.weights);
    EXPECT_EQ(read->dtw_calibration.bias, fusion.dtw_calibration.bias);
}

TEST(CalibratedFusion, RejectsMissingOrDamagedCalibration) {
    inkprint::FusionParameters fusion;
    fusion.dtw_normalisation = DistanceNormalisation::Calibrated;
    fusion.dtw_calibration = example_calibration();
    const std::string good = inkprint::fusion_json(fusion);

    std::string missing = good;
    const std::size_t start = missing.find("\"dtwCalibration\"");
    const std::size_t end = missing.find("},", start) + 2;
    missing.erase(start, end - start);
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + missing + "}"), inkprint::Error) << missing;

    std::string short_list = good;
    short_list.replace(short_list.find("\"weights\":[1,"), 13, "\"weights\":[");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + short_list + "}"), inkprint::Error) << short_list;

    std::string unknown = good;
    unknown.replace(unknown.find("\"bias\""), 6, "\"shift\"");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + unknown + "}"), inkprint::Error) << unknown;

    // A calibration is fitted to one sequence, so a calibrated fusion must name it.
    std::string no_sequence = good;
    const std::string sequence_member = "\"dtwSequence\":\"grid\",";
    ASSERT_NE(no_sequence.find(sequence_member), std::string::npos);
    no_sequence.erase(no_sequence.find(sequence_member), sequence_member.size());
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + no_sequence + "}"), inkprint::Error) << no_sequence;

    // A calibration that the nearest normalisation would never read.
    std::string unread = good;
    unread.replace(unread.find("\"calibrated\""), 12, "\"nearest\"");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + unread + "}"), inkprint::Error) << unread;

    std::string empty = good;
    empty.replace(start, end - start, "\"dtwCalibration\":{},");
    try {
        inkprint::read_fusion("{\"fusion\":" + empty + "}");
        FAIL() << "an empty calibration was accepted: " << empty;
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("needs \"mean\""), std::string::npos) << error.what();
    }

    // Finite but absurd numbers would turn scores into infinities.
    std::string huge = good;
    huge.replace(huge.find("\"bias\":-0.25"), 12, "\"bias\":1e308");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + huge + "}"), inkprint::Error) << huge;
    std::string tiny = good;
    tiny.replace(tiny.find("\"deviation\":[2"), 14, "\"deviation\":[1e-300");
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + tiny + "}"), inkprint::Error) << tiny;
}

// Generated writers whose pens measure pressure: each writer presses in a rhythm of their own,
// which their forgers miss.
static std::vector<inkprint::WriterSignatures> writers_with_pressure(int count, std::uint64_t seed) {
    auto writers = synthetic_writers(count, 2, seed);
    for (auto& writer : writers) {
        const double rhythm = 0.02 + 0.01 * static_cast<double>(writer.user % 5);
        for (auto* list : {&writer.genuine, &writer.forgeries}) {
            const double pace = list == &writer.genuine ? rhythm : 1.7 * rhythm;
            for (auto& signature : *list) {
                signature.has_pressure = true;
                int index = 0;
                for (auto& stroke : signature.strokes) {
                    for (auto& point : stroke.points) point.pressure = 0.5 + 0.4 * std::sin(pace * index++);
                }
            }
        }
    }
    return writers;
}

TEST(CalibratedDtw, PressureSequenceRoundTrips) {
    const auto writers = writers_with_pressure(22, 41);
    inkprint::ProtocolConfig config;
    config.trials = 1;
    const auto sequence = inkprint::DtwSequence::DynamicsPressure;
    const auto calibration = inkprint::fit_dtw_calibration(writers, writers, config, sequence);
    ASSERT_EQ(calibration.weights.size(), inkprint::dtw_statistic_count(sequence));
    EXPECT_NO_THROW(calibration.validate(inkprint::dtw_statistic_count(sequence)));
    EXPECT_THROW(calibration.validate(inkprint::kDtwStatisticCount), inkprint::Error);

    const auto test_writers = writers_with_pressure(3, 42);
    inkprint::DtwScorer scorer(DistanceNormalisation::Calibrated, sequence, calibration);
    double genuine = 0, skilled = 0;
    for (const auto& writer : inkprint::run_protocol(scorer, test_writers, writers, config)) {
        for (double s : writer.genuine) genuine += s / writer.genuine.size();
        for (double s : writer.skilled) skilled += s / writer.skilled.size();
    }
    EXPECT_GT(genuine, skilled);

    inkprint::FusionParameters fusion;
    fusion.dtw_normalisation = DistanceNormalisation::Calibrated;
    fusion.dtw_sequence = sequence;
    fusion.dtw_calibration = calibration;
    const std::string json = inkprint::fusion_json(fusion);
    EXPECT_NE(json.find("\"dtwSequence\":\"dynamics-pressure\""), std::string::npos) << json;
    const auto read = inkprint::read_fusion("{\"fusion\":" + json + "}");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->dtw_sequence, sequence);
    EXPECT_EQ(read->dtw_calibration.weights.size(), calibration.weights.size());

    // The calibration must fit the sequence it names: 19 statistics with pressure, 17 without.
    std::string without_pressure = json;
    without_pressure.replace(without_pressure.find("\"dynamics-pressure\""), 19, "\"dynamics\"");
    try {
        inkprint::read_fusion("{\"fusion\":" + without_pressure + "}");
        FAIL() << "19 calibration values were read for the dynamics sequence: " << without_pressure;
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("19 values instead of 17, for the DTW sequence \"dynamics\""),
                  std::string::npos)
            << error.what();
    }
    fusion.dtw_calibration = example_calibration();
    EXPECT_THROW(inkprint::read_fusion("{\"fusion\":" + inkprint::fusion_json(fusion) + "}"), inkprint::Error);
    fusion.dtw_sequence = inkprint::DtwSequence::Dynamics;
    EXPECT_NO_THROW(inkprint::read_fusion("{\"fusion\":" + inkprint::fusion_json(fusion) + "}"));
}

// A parts calibration is written and read back whole, and only for the sequence it was fitted on.
TEST(CalibratedDtw, PartsSequenceRoundTrips) {
    const auto writers = synthetic_writers(22, 1, 38);
    inkprint::ProtocolConfig config;
    config.trials = 1;
    const auto sequence = inkprint::DtwSequence::DynamicsParts;
    inkprint::FusionParameters fusion;
    fusion.dtw_normalisation = DistanceNormalisation::Calibrated;
    fusion.dtw_sequence = sequence;
    fusion.dtw_calibration = inkprint::fit_dtw_calibration(writers, writers, config, sequence);
    ASSERT_EQ(fusion.dtw_calibration.weights.size(), inkprint::dtw_statistic_count(sequence));
    const std::string json = inkprint::fusion_json(fusion);
    const auto read = inkprint::read_fusion("{\"fusion\":" + json + "}");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->dtw_sequence, sequence);
    EXPECT_EQ(read->dtw_calibration.weights, fusion.dtw_calibration.weights);

    // A parts calibration does not fit a sequence that reads fewer values (dynamics) or one
    // more (the template).
    const std::pair<const char*, const char*> others[] = {{"\"dynamics\"", "27 values instead of 17"},
                                                          {"\"dynamics-template\"", "27 values instead of 28"}};
    for (const auto& [name, message] : others) {
        std::string renamed = json;
        renamed.replace(renamed.find("\"dynamics-parts\""), 16, name);
        try {
            inkprint::read_fusion("{\"fusion\":" + renamed + "}");
            FAIL() << "a parts calibration was read as " << name << ": " << renamed;
        } catch (const inkprint::Error& error) {
            EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
        }
    }
}

TEST(CalibratedDtw, NeedsTwoEnrolmentSignatures) {
    const auto writers = synthetic_writers(1, 1, 36);
    const std::vector<inkprint::DtwSignature> single_enrolment = {
        inkprint::prepare_dtw(inkprint::DtwSequence::Timed, writers[0].genuine[0])};
    const auto query = inkprint::prepare_dtw(inkprint::DtwSequence::Timed, writers[0].genuine[1]);
    const auto calibration = example_calibration();
    try {
        inkprint::dtw_score(DistanceNormalisation::Calibrated, single_enrolment, query, 100, &calibration);
        FAIL() << "one enrolment signature was accepted";
    } catch (const inkprint::Error& error) {
        EXPECT_NE(std::string(error.what()).find("enrol another signature"), std::string::npos) << error.what();
    }
}

// Calibrates DTW on `writers` and fits the fusion of `model` on the first two of them, one
// protocol trial each. Writes the fusion into the model's description and returns it.
static inkprint::FusionParameters fit_calibrated_fusion(const std::vector<inkprint::WriterSignatures>& writers,
                                                        inkprint::DtwSequence sequence, inkprint::Model& model) {
    inkprint::ProtocolConfig config;
    config.trials = 1;
    const std::vector<inkprint::WriterSignatures> validation(writers.begin(), writers.begin() + 2);
    const auto calibration = inkprint::fit_dtw_calibration(writers, writers, config, sequence);
    const auto fit = inkprint::fit_fusion(model, inkprint::EmbeddingScore::MeanCosine, DistanceNormalisation::Calibrated,
                                          sequence, validation, writers, config, calibration);
    model.description = "{\"fusion\":" + inkprint::fusion_json(fit.parameters) + "}";
    return fit.parameters;
}

// The page's fused verification gives the score that the evaluation measured, with the
// calibrated DTW part.
// The parts sequence takes another path through both: its enrolment keeps the parts' distances.
class CalibratedFusionSequence : public ::testing::TestWithParam<inkprint::DtwSequence> {};

INSTANTIATE_TEST_SUITE_P(Sequences, CalibratedFusionSequence,
                         ::testing::Values(inkprint::DtwSequence::Timed, inkprint::DtwSequence::DynamicsParts,
                                           inkprint::DtwSequence::DynamicsTemplate));

TEST_P(CalibratedFusionSequence, VerifyEqualsTheScorer) {
    const auto writers = synthetic_writers(22, 2, 33);
    auto model = random_model(7);
    const auto parameters = fit_calibrated_fusion(writers, GetParam(), model);
    EXPECT_EQ(parameters.dtw_calibration.weights.size(), inkprint::dtw_statistic_count(GetParam()));
    inkprint::Verifier verifier(model);
    ASSERT_TRUE(verifier.fusion().has_value());
    EXPECT_EQ(verifier.fusion()->dtw_normalisation, DistanceNormalisation::Calibrated);

    const auto& person = writers[5];
    std::vector<inkprint::Signature> enrolment(person.genuine.begin(), person.genuine.begin() + 5);
    std::vector<const inkprint::Signature*> pointers;
    for (const auto& signature : enrolment) pointers.push_back(&signature);
    const std::vector<float> enrolled = embed_all(verifier, enrolment);
    inkprint::FusionScorer scorer(model, parameters);
    for (const inkprint::Signature* query : {&person.genuine[14], &person.forgeries[2]}) {
        EXPECT_NEAR(verifier.verify_fused(enrolled, enrolment, *query).score, scorer.score(pointers, *query), 1e-9);
    }
}

// verify_fused keeps the last enrolment's alignments, so a changed enrolment must not reuse them.
TEST_P(CalibratedFusionSequence, ReusesOnlyTheSameEnrolment) {
    const auto writers = synthetic_writers(22, 1, 37);
    auto model = random_model(8);
    fit_calibrated_fusion(writers, GetParam(), model);

    const auto& person = writers[4];
    std::vector<inkprint::Signature> first(person.genuine.begin(), person.genuine.begin() + 4);
    std::vector<inkprint::Signature> second = first;
    for (auto& point : second[2].strokes[0].points) point.x += 0.3 * point.y;  // one signature slanted
    const inkprint::Signature& query = person.genuine[12];

    inkprint::Verifier reused(model);
    const std::vector<float> first_enrolled = embed_all(reused, first), second_enrolled = embed_all(reused, second);
    const double first_score = reused.verify_fused(first_enrolled, first, query).score;
    EXPECT_EQ(reused.verify_fused(first_enrolled, first, query).score, first_score);
    const double second_score = reused.verify_fused(second_enrolled, second, query).score;
    EXPECT_NE(second_score, first_score);

    inkprint::Verifier fresh(model);
    EXPECT_EQ(fresh.verify_fused(second_enrolled, second, query).score, second_score);
    EXPECT_EQ(reused.verify_fused(first_enrolled, first, query).score, first_score);
}

// prepare_fused aligns the enrolment ahead of the first verification, which then gives the
// same score as without it; another enrolment replaces what it kept.
TEST_P(CalibratedFusionSequence, PreparesTheEnrolmentAhead) {
    const auto writers = synthetic_writers(22, 1, 41);
    auto model = random_model(9);
    fit_calibrated_fusion(writers, GetParam(), model);

    const auto& person = writers[6];
    std::vector<inkprint::Signature> first(person.genuine.begin(), person.genuine.begin() + 4);
    std::vector<inkprint::Signature> second(person.genuine.begin() + 1, person.genuine.begin() + 5);
    const inkprint::Signature& query = person.genuine[13];

    inkprint::Verifier prepared(model), fresh(model);
    const std::vector<float> first_enrolled = embed_all(fresh, first);
    EXPECT_FALSE(prepared.is_prepared(first));
    prepared.prepare_fused(first);
    EXPECT_TRUE(prepared.is_prepared(first));
    EXPECT_FALSE(prepared.is_prepared(second));
    EXPECT_EQ(prepared.verify_fused(first_enrolled, first, query).score,
              fresh.verify_fused(first_enrolled, first, query).score);

    prepared.prepare_fused(second);
    EXPECT_TRUE(prepared.is_prepared(second));
    EXPECT_FALSE(prepared.is_prepared(first));
    EXPECT_THROW(prepared.prepare_fused({}), inkprint::Error);
}

// Fitting over writers of both tasks gives the scores that fresh scorers give each task alone.
TEST(FitFusion, ScoresEachTaskAsAlone) {
    auto writers = synthetic_writers(22, 1, 34);
    auto second = synthetic_writers(22, 2, 35);
    writers.insert(writers.end(), second.begin(), second.end());
    const std::vector<inkprint::WriterSignatures> validation = {writers[0], writers[1], writers[22], writers[23]};
    inkprint::ProtocolConfig config;
    config.trials = 1;
    const auto model = random_model(8);
    const auto fit = inkprint::fit_fusion(model, inkprint::EmbeddingScore::MeanCosine, DistanceNormalisation::Nearest,
                                          inkprint::DtwSequence::Timed, validation, writers, config);

    std::vector<double> genuine, skilled;
    for (int task : {1, 2}) {
        std::vector<inkprint::WriterSignatures> tested, others;
        for (const auto& writer : validation) {
            if (writer.task == task) tested.push_back(writer);
        }
        for (const auto& writer : writers) {
            if (writer.task == task) others.push_back(writer);
        }
        inkprint::FusionScorer scorer(model, fit.parameters);
        for (const auto& scores : inkprint::run_protocol(scorer, tested, others, config)) {
            genuine.insert(genuine.end(), scores.genuine.begin(), scores.genuine.end());
            skilled.insert(skilled.end(), scores.skilled.begin(), scores.skilled.end());
        }
    }
    EXPECT_DOUBLE_EQ(inkprint::equal_error_rate(genuine, skilled).rate, fit.skilled_eer);
}

// Genuine queries that score like far-off forgeries (a writer whose signature changed) pull a
// plain logistic fit towards them. The second pass weights them down, so the boundary stays
// near the middle of the overlap where the equal error rate is decided.
TEST(DtwCalibration, FitCentresBoundaryDespiteOutliers) {
    Random random(11);
    std::vector<inkprint::CalibrationSample> samples;
    const auto add = [&](bool genuine, double first) {
        inkprint::CalibrationSample sample;
        sample.genuine = genuine;
        sample.statistics.assign(inkprint::kDtwStatisticCount, 0.0);
        for (auto& value : sample.statistics) value = random.uniform(0, 1);
        sample.statistics[0] = first;
        samples.push_back(sample);
    };
    for (int i = 0; i < 300; ++i) add(true, random.uniform(0, 2));
    for (int i = 0; i < 300; ++i) add(false, random.uniform(1, 3));
    for (int i = 0; i < 15; ++i) add(true, random.uniform(5, 6));
    const auto calibration = inkprint::fit_dtw_calibration(samples);

    // The first statistic where the score crosses 0, the others at their mean.
    std::vector<double> statistics = calibration.mean;
    const auto score_at = [&](double first) {
        statistics[0] = first;
        return calibration.score(statistics);
    };
    double low = 0, high = 3;
    for (int step = 0; step < 60; ++step) {
        const double middle = (low + high) / 2;
        (score_at(middle) > 0 ? low : high) = middle;
    }
    // The overlap's middle is 1.5. A single plain pass puts the boundary at about 1.61.
    EXPECT_GT(low, 1.45);
    EXPECT_LT(low, 1.56);
}
