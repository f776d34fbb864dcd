#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "inkprint/error.hpp"
#include "inkprint/signature.hpp"

using inkprint::Error;
using inkprint::signature_from_flat;

namespace {

std::string error_of_flat(const std::vector<double>& values) {
    try {
        inkprint::validate_signature(signature_from_flat(values));
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST(FlatSignature, RoundTripKeepsStrokesAndPressure) {
    const std::vector<double> values = {
        1, 2, 0, 0.5, 0,  //
        3, 4, 10, 0.6, 0,  //
        5, 6, 100, 0.7, 1,
    };
    const auto signature = signature_from_flat(values);
    ASSERT_EQ(signature.strokes.size(), 2u);
    EXPECT_EQ(signature.strokes[0].points.size(), 2u);
    EXPECT_TRUE(signature.has_pressure);
    EXPECT_EQ(inkprint::signature_to_flat(signature), values);
}

TEST(FlatSignature, NaNPressureMeansNoPressure) {
    const auto signature = signature_from_flat(std::vector<double>{1, 2, 0, kNaN, 0, 3, 4, 10, kNaN, 0});
    EXPECT_FALSE(signature.has_pressure);
    const auto flat = inkprint::signature_to_flat(signature);
    EXPECT_TRUE(std::isnan(flat[3]));
}

TEST(FlatSignature, RejectsBadInputNamingTheValue) {
    const struct {
        std::vector<double> values;
        const char* expected;
    } cases[] = {
        {{}, "empty"},
        {{1, 2, 0, kNaN, 0}, "only 1 point"},
        {{1, 2, 0, kNaN}, "multiple of 5"},
        {{kNaN, 2, 0, kNaN, 0, 1, 2, 3, kNaN, 0}, "invalid x (NaN)"},
        {{1, kInf, 0, kNaN, 0, 1, 2, 3, kNaN, 0}, "invalid y (Infinity)"},
        {{1, 2, 0, kNaN, 0, 1, 2, -kInf, kNaN, 0}, "point 1 has an invalid t_ms"},
        {{1, 2, 0, kNaN, 1, 1, 2, 3, kNaN, 0}, "stroke index"},
        {{1, 2, 0, kNaN, 0.5, 1, 2, 3, kNaN, 1}, "stroke index"},
        {{1, 2, 0, kInf, 0, 1, 2, 3, kNaN, 0}, "pressure"},
        {{1, 2, 0, kNaN, 0, 1, 2, 3, kNaN, 0}, "same position"},
        {{1e300, 2, 0, kNaN, 0, 1, 2, 3, kNaN, 0}, "beyond 1e15"},
        {{1, 2, 1e16, kNaN, 0, 1, 2, 2e16, kNaN, 0}, "point 0 has a value beyond 1e15"},
        {{1, 2, 50, kNaN, 0, 3, 4, 40, kNaN, 0}, "point 1 has time 40.000000 ms, before the previous point's 50.000000"},
        {{1, 2, 50, kNaN, 0, 3, 4, 60, kNaN, 1, 5, 6, 55, kNaN, 1}, "times must never decrease"},
    };
    for (const auto& c : cases) {
        const std::string message = error_of_flat(c.values);
        EXPECT_NE(message.find(c.expected), std::string::npos) << "expected '" << c.expected << "', got '" << message << "'";
    }
}

TEST(FlatSignature, AcceptsRepeatedTimes) {
    // A busy browser delivers several pointer events with the same timestamp.
    EXPECT_EQ(error_of_flat({1, 2, 10, kNaN, 0, 3, 4, 10, kNaN, 0, 5, 7, 10, kNaN, 0, 6, 9, 20, kNaN, 0}), "");
}

TEST(FlatSignature, RejectsTooManyPoints) {
    std::vector<double> values;
    for (std::size_t i = 0; i <= inkprint::kMaxPoints; ++i) values.insert(values.end(), {double(i), 0, double(i), kNaN, 0});
    const std::string message = error_of_flat(values);
    EXPECT_NE(message.find("limit of " + std::to_string(inkprint::kMaxPoints)), std::string::npos) << message;
}

TEST(ValidateSignature, RejectsEmptyStrokes) {
    inkprint::Signature signature = signature_from_flat(std::vector<double>{1, 2, 0, kNaN, 0, 3, 4, 10, kNaN, 0});
    for (const bool at_end : {false, true}) {
        inkprint::Signature damaged = signature;
        damaged.strokes.insert(at_end ? damaged.strokes.end() : damaged.strokes.begin(), inkprint::Stroke{});
        try {
            inkprint::validate_signature(damaged);
            FAIL() << "an empty stroke was accepted";
        } catch (const Error& error) {
            EXPECT_NE(std::string(error.what()).find(at_end ? "stroke 2 has no points" : "stroke 1 has no points"),
                      std::string::npos)
                << error.what();
        }
    }
}

TEST(ValidateSignature, RejectsNonFinitePressure) {
    inkprint::Signature signature = signature_from_flat(std::vector<double>{1, 2, 0, 0.5, 0, 3, 4, 10, 0.5, 0});
    EXPECT_NO_THROW(inkprint::validate_signature(signature));
    signature.strokes[0].points[1].pressure = kNaN;
    try {
        inkprint::validate_signature(signature);
        FAIL() << "a NaN pressure was accepted in a signature with pressure";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("point 1 has a non-finite pressure"), std::string::npos) << error.what();
    }
    // Without the pressure channel the stored value is never read.
    signature.has_pressure = false;
    EXPECT_NO_THROW(inkprint::validate_signature(signature));
}

// A straight stroke of `points` samples, `step_ms` apart.
static inkprint::Signature dash(int points, double step_ms) {
    inkprint::Signature signature;
    signature.strokes.emplace_back();
    for (int i = 0; i < points; ++i) signature.strokes[0].points.push_back({10.0 * i, 3.0 * i, step_ms * i, 0});
    return signature;
}

// Returns the message of the Error that `check` throws for `signature`, or "" when it passes.
static std::string check_error(void (*check)(const inkprint::Signature&), const inkprint::Signature& signature) {
    try {
        check(signature);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

static std::string enrolment_error(const inkprint::Signature& signature) {
    return check_error(inkprint::check_enrolment_signature, signature);
}

TEST(CheckEnrolmentSignature, RejectsTapsAndDashes) {
    EXPECT_NE(enrolment_error(dash(2, 8)).find("only 2 samples, fewer than the 10"), std::string::npos)
        << enrolment_error(dash(2, 8));
    // Nine samples over 400 ms are still too few, and ten are enough.
    EXPECT_NE(enrolment_error(dash(9, 50)).find("only 9 samples"), std::string::npos) << enrolment_error(dash(9, 50));
    EXPECT_EQ(enrolment_error(dash(10, 50)), "");
    // 199.6 ms is reported as 199, not as the limit itself.
    EXPECT_NE(enrolment_error(dash(21, 9.98)).find("down for only 199 ms"), std::string::npos)
        << enrolment_error(dash(21, 9.98));
    // Enough samples, but a flick of 90 ms.
    EXPECT_NE(enrolment_error(dash(10, 10)).find("down for only 90 ms, less than the 200 ms"), std::string::npos)
        << enrolment_error(dash(10, 10));
    EXPECT_EQ(enrolment_error(dash(21, 10)), "");
    // Pen-up time does not count: two short strokes far apart in time are still too short.
    inkprint::Signature two = dash(6, 10);
    inkprint::Signature later = dash(6, 10);
    for (auto& point : later.strokes[0].points) point.t_ms += 5000;
    two.strokes.push_back(later.strokes[0]);
    EXPECT_NE(enrolment_error(two).find("down for only 100 ms"), std::string::npos) << enrolment_error(two);
    // What validate_signature rejects comes first.
    EXPECT_NE(enrolment_error(inkprint::Signature{}).find("signature is empty"), std::string::npos);
}

// `signature` with every coordinate multiplied by `factor`.
static inkprint::Signature scaled(inkprint::Signature signature, double factor) {
    for (auto& stroke : signature.strokes) {
        for (auto& point : stroke.points) {
            point.x *= factor;
            point.y *= factor;
        }
    }
    return signature;
}

static std::string size_error(const inkprint::Signature& signature, const std::vector<inkprint::Signature>& enrolled) {
    try {
        inkprint::check_enrolment_size(signature, enrolled);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

TEST(CheckEnrolmentSize, ComparesWithTheClosestInSize) {
    // dash() runs from (0, 0) to (10, 3) times (points - 1), so this one is 208.8 across.
    const inkprint::Signature base = dash(21, 10);
    EXPECT_NEAR(inkprint::signature_size(base), std::hypot(200.0, 60.0), 1e-9);
    EXPECT_EQ(size_error(scaled(base, 0.001), {}), "");
    const std::vector<inkprint::Signature> enrolled = {base, scaled(base, 1.5), scaled(base, 0.8)};
    EXPECT_EQ(size_error(scaled(base, 7.4), enrolled), "");
    EXPECT_EQ(size_error(scaled(base, 0.17), enrolled), "");

    const std::string larger = size_error(scaled(base, 9), enrolled);
    EXPECT_NE(larger.find("this signature is 6.0 times larger than every enrolment signature so far"),
              std::string::npos)
        << larger;
    EXPECT_NE(larger.find("1879 against 313 for the closest in size"), std::string::npos) << larger;
    EXPECT_NE(larger.find("press Clear and sign at your usual size"), std::string::npos) << larger;
    const std::string smaller = size_error(scaled(base, 0.01), {base});
    EXPECT_NE(smaller.find("100.0 times smaller than the enrolment signature so far"), std::string::npos) << smaller;
    EXPECT_NE(smaller.find("2.09 against 209 for its)"), std::string::npos) << smaller;
    // Signatures in two units, such as a file in tablet units beside drawings in pixels: each
    // new one is compared with its own kind.
    const std::vector<inkprint::Signature> mixed = {base, scaled(base, 26)};
    EXPECT_EQ(size_error(scaled(base, 1.2), mixed), "");
    EXPECT_EQ(size_error(scaled(base, 25), mixed), "");
    EXPECT_NE(size_error(scaled(base, 0.1), mixed).find("10.0 times smaller"), std::string::npos);
}

TEST(CheckEnrolmentSignature, RejectsLongPauses) {
    // Two strokes of 300 ms, the second starting `gap_ms` after the first ends.
    const auto two_strokes = [](double gap_ms) {
        inkprint::Signature signature = dash(31, 10);
        inkprint::Signature later = dash(31, 10);
        for (auto& point : later.strokes[0].points) point.t_ms += 300 + gap_ms;
        signature.strokes.push_back(later.strokes[0]);
        return signature;
    };
    EXPECT_EQ(enrolment_error(two_strokes(60000)), "");
    const std::string between = enrolment_error(two_strokes(60000.5));
    EXPECT_NE(between.find("pauses for 60.1 s between strokes 1 and 2, longer than the 60 s"), std::string::npos)
        << between;
    // A pen that rests within a stroke for about 32 years (and the 10 ms between samples).
    inkprint::Signature resting = dash(31, 10);
    for (std::size_t i = 20; i < 31; ++i) resting.strokes[0].points[i].t_ms += 1e12;
    const std::string within = enrolment_error(resting);
    EXPECT_NE(within.find("pauses for 1000000000.1 s within stroke 1"), std::string::npos) << within;
    EXPECT_NE(within.find("sign without stopping"), std::string::npos) << within;
}

TEST(CheckEnrolmentSignature, RejectsLongSignatures) {
    // Samples 3 s apart: no pause is too long, but 41 of them last 120 s and 42 last 123 s.
    EXPECT_EQ(enrolment_error(dash(41, 3000)), "");
    const std::string error = enrolment_error(dash(42, 3000));
    EXPECT_NE(error.find("lasts 123.0 s from its first to its last sample, longer than the 120 s"), std::string::npos)
        << error;
}

static std::string training_error(const inkprint::Signature& signature) {
    return check_error(inkprint::check_training_signature, signature);
}

TEST(CheckTrainingSignature, RejectsLongPausesAndDurations) {
    // A tap is too short to enrol but may be trained on.
    EXPECT_EQ(training_error(dash(2, 8)), "");
    EXPECT_NE(enrolment_error(dash(2, 8)), "");
    // A pause of 75 s between two strokes.
    inkprint::Signature paused = dash(31, 10);
    inkprint::Signature later = dash(31, 10);
    for (auto& point : later.strokes[0].points) point.t_ms += 300 + 75000;
    paused.strokes.push_back(later.strokes[0]);
    const std::string pause = training_error(paused);
    EXPECT_NE(pause.find("pauses for 75.0 s between strokes 1 and 2, longer than the 60 s a signature for training "
                         "may pause: leave it out of the training data"),
              std::string::npos)
        << pause;
    EXPECT_NE(enrolment_error(paused).find("an enrolment signature may pause: press Clear"), std::string::npos)
        << enrolment_error(paused);
    EXPECT_EQ(training_error(dash(41, 3000)), "");
    const std::string duration = training_error(dash(42, 3000));
    EXPECT_NE(duration.find("lasts 123.0 s from its first to its last sample, longer than the 120 s a signature for "
                            "training may last"),
              std::string::npos)
        << duration;
    EXPECT_NE(training_error(inkprint::Signature{}).find("signature is empty"), std::string::npos);
}
