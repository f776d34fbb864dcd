#include <gtest/gtest.h>

#include <cmath>

#include "inkprint/error.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/svc2004.hpp"
#include "test_data.hpp"

using inkprint::Error;
using inkprint::parse_svc2004;
using inkprint::read_svc2004_file;
using inkprint::testing::svc2004_data;

namespace {

bool time_never_decreases(const inkprint::Signature& signature) {
    double previous = -INFINITY;
    for (const auto& stroke : signature.strokes) {
        for (const auto& point : stroke.points) {
            if (point.t_ms < previous) return false;
            previous = point.t_ms;
        }
    }
    return true;
}

}  // namespace

TEST(Svc2004Parse, SplitsStrokesAtButtonZeroAndGaps) {
    // Button 0 starts the second stroke; a 50 ms gap starts the third without a 0.
    const auto signature = parse_svc2004("5\n10 20 1000 0\n11 21 1010 1\n30 40 1100 0\n31 41 1110 1\n50 60 1160 1\n");
    ASSERT_EQ(signature.strokes.size(), 3u);
    EXPECT_EQ(signature.strokes[0].points.size(), 2u);
    EXPECT_EQ(signature.strokes[1].points.size(), 2u);
    EXPECT_EQ(signature.strokes[2].points.size(), 1u);
    EXPECT_FALSE(signature.has_pressure);
    EXPECT_EQ(signature.strokes[2].points[0].x, 50);
    EXPECT_EQ(signature.strokes[2].points[0].y, 60);
}

TEST(Svc2004Parse, ReadsUndocumentedButtonsAsPenDown) {
    const auto signature = parse_svc2004("3\n1 1 0 0\n2 2 10 3\n3 3 20 5\n");
    ASSERT_EQ(signature.strokes.size(), 1u);
    EXPECT_EQ(signature.strokes[0].points.size(), 3u);
}

TEST(Svc2004Parse, ClampsTimestampsThatStepBack) {
    const auto signature = parse_svc2004("3\n1 1 100 0\n2 2 110 1\n3 3 102 1\n");
    ASSERT_EQ(signature.strokes.size(), 1u);
    EXPECT_EQ(signature.strokes[0].points[2].t_ms, 110);
    // 100 ms back is still clamped.
    const auto limit = parse_svc2004("3\n1 1 100 0\n2 2 110 1\n3 3 10 1\n");
    EXPECT_EQ(limit.strokes.back().points.back().t_ms, 110);
}

TEST(Svc2004Parse, ScalesTask2Pressure) {
    const auto signature = parse_svc2004("2\n1 1 0 0 100 500 1023\n2 2 10 1 100 500 0\n");
    EXPECT_TRUE(signature.has_pressure);
    EXPECT_DOUBLE_EQ(signature.strokes[0].points[0].pressure, 1.0);
    EXPECT_DOUBLE_EQ(signature.strokes[0].points[1].pressure, 0.0);
}

// A tablet without a pressure sensor writes the same value on every line.
TEST(Svc2004Parse, ReadsConstantPressureAsNone) {
    EXPECT_FALSE(parse_svc2004("3\n1 1 0 1 100 500 0\n2 2 10 1 100 500 0\n3 1 20 1 100 500 0\n").has_pressure);
    EXPECT_FALSE(parse_svc2004("2\n1 1 0 1 100 500 512\n2 2 10 1 100 500 512\n").has_pressure);
    EXPECT_TRUE(parse_svc2004("2\n1 1 0 1 100 500 0\n2 2 10 1 100 500 1\n").has_pressure);
}

TEST(Svc2004Parse, RejectsMalformedText) {
    const struct {
        const char* text;
        const char* expected;
    } cases[] = {
        {"", "line 1"},
        {"abc\n1 2 3 0\n", "line 1"},
        {"3\n1 2 3 0\n", "truncated"},
        {"2\n1 2 3 0\n1 2 x 0\n", "line 3"},
        {"2\n1 2 3 0\n1 2 3\n", "line 3"},
        {"2\n1 2 3 0\n1 2 3 0 1 2 3\n", "line 3"},
        {"1\n1 2 3 0\n4 5 6 0\n", "line 3"},
        {"999999999\n", "limit"},
        // A step back of 101 ms, beyond the 100 ms that are clamped.
        {"3\n1 2 500 0\n1 2 510 1\n1 2 409 1\n",
         "line 4 has time 409 ms, 101 ms before the line above it: times must not go back by more than 100 ms"},
        {"2\n1 2 0 0 1 1 500\n1 2 10 1 1 1 5000\n", "line 3 has pressure 5000, outside the 0 to 1023"},
        {"1\n1 2 0 0 1 1 -1\n", "line 2 has pressure -1"},
        // Values beyond 1e15 are named by line, not by stroke and sample.
        {"2\n1 2 0 0\n1 2000000000000000 10 1\n", "line 3 has a coordinate beyond 1e15 (x 1, y 2000000000000000)"},
        {"2\n1 2 0 0\n-9223372036854775808 2 10 1\n", "line 3 has a coordinate beyond 1e15"},
        {"2\n1 2 0 0\n3 4 2000000000000000 1\n",
         "line 3 has time 2000000000000000 ms, beyond 1e15 ms: correct the third column"},
    };
    for (const auto& c : cases) {
        try {
            parse_svc2004(c.text, "sample.TXT");
            ADD_FAILURE() << "no error for: " << c.text;
        } catch (const Error& error) {
            const std::string message = error.what();
            EXPECT_NE(message.find("sample.TXT"), std::string::npos) << message;
            EXPECT_NE(message.find(c.expected), std::string::npos) << message;
        }
    }
}

TEST(Svc2004Parse, QuotesControlCharactersInErrors) {
    // A NUL byte inside a quoted line would end the message wherever it is read as a C string,
    // so the quote shows it as '?' and keeps its closing quote mark.
    const std::string lines[] = {std::string("1\0x\n", 5), std::string("1\n1 2\0 3 0\n", 12)};
    const char* expected[] = {"found '1?x'", "found '1 2? 3 0'"};
    for (int i = 0; i < 2; ++i) {
        try {
            parse_svc2004(lines[i], "sample.TXT");
            ADD_FAILURE() << "no error for case " << i;
        } catch (const Error& error) {
            const std::string message = error.what();
            EXPECT_EQ(message.find('\0'), std::string::npos) << message;
            EXPECT_NE(message.find(expected[i]), std::string::npos) << message;
        }
    }
}

TEST(Svc2004Parse, CutsLongQuotesBetweenCharacters) {
    // 9 bytes, then 2-byte characters: the 60-byte limit falls inside the 26th of them.
    std::string text = "2\n1 2 3 4  ";
    for (int i = 0; i < 40; ++i) text += "\xc3\xa9";
    try {
        parse_svc2004(text, "sample.TXT");
        FAIL() << "no error";
    } catch (const Error& error) {
        const std::string message = error.what();
        std::string expected = "found '1 2 3 4  ";
        for (int i = 0; i < 25; ++i) expected += "\xc3\xa9";
        EXPECT_NE(message.find(expected + "...'"), std::string::npos) << message;
    }
}

TEST(Svc2004Parse, AcceptsCarriageReturns) {
    const auto signature = parse_svc2004("2\r\n1 1 0 0\r\n2 2 10 1\r\n");
    EXPECT_EQ(signature.point_count(), 2u);
}

TEST(Svc2004File, ReadsTask1File) {
    INKPRINT_REQUIRE_SVC2004();
    const auto signature = read_svc2004_file(svc2004_data() / "Task1" / "U1S1.TXT");
    EXPECT_EQ(signature.point_count(), 148u);
    // 9 samples carry button 0; together with the time gaps they make 9 strokes.
    EXPECT_EQ(signature.strokes.size(), 9u);
    EXPECT_FALSE(signature.has_pressure);
    EXPECT_EQ(signature.strokes[0].points[0].x, 635);
    EXPECT_EQ(signature.strokes[0].points[0].y, 5541);
}

TEST(Svc2004File, ReadsTask2FileWithPressure) {
    INKPRINT_REQUIRE_SVC2004();
    const auto signature = read_svc2004_file(svc2004_data() / "Task2" / "U1S1.TXT");
    EXPECT_EQ(signature.point_count(), 84u);
    EXPECT_EQ(signature.strokes.size(), 6u);
    EXPECT_TRUE(signature.has_pressure);
    EXPECT_NEAR(signature.strokes[0].points[0].pressure, 439.0 / 1023.0, 1e-12);
}

TEST(Svc2004File, SurvivesTimestampStepBack) {
    INKPRINT_REQUIRE_SVC2004();
    // Sample 220 of this file is 8 ms earlier than sample 219.
    const auto signature = read_svc2004_file(svc2004_data() / "Task1" / "U11S1.TXT");
    EXPECT_EQ(signature.point_count(), 267u);
    EXPECT_TRUE(time_never_decreases(signature));
}

TEST(Svc2004File, SurvivesUndocumentedButtons) {
    INKPRINT_REQUIRE_SVC2004();
    // 148 samples of this file carry button values 2-5, and the first one is 2, not 0.
    const auto signature = read_svc2004_file(svc2004_data() / "Task1" / "U25S10.TXT");
    EXPECT_EQ(signature.point_count(), 187u);
    EXPECT_EQ(signature.strokes.size(), 5u);
}

TEST(Svc2004File, ReadsFileWithLongPause) {
    INKPRINT_REQUIRE_SVC2004();
    // The writer paused for about 28 s between two strokes.
    const auto signature = read_svc2004_file(svc2004_data() / "Task1" / "U23S2.TXT");
    EXPECT_EQ(signature.point_count(), 349u);
    EXPECT_EQ(signature.strokes.size(), 16u);
}

TEST(Svc2004File, ReadsEveryFileOfBothTasks) {
    INKPRINT_REQUIRE_SVC2004();
    for (const char* task : {"Task1", "Task2"}) {
        const auto users = inkprint::read_svc2004_task(svc2004_data() / task);
        ASSERT_EQ(users.size(), 40u);
        for (const auto& user : users) {
            ASSERT_EQ(user.genuine.size(), 20u);
            ASSERT_EQ(user.forgeries.size(), 20u);
            for (const auto& signature : user.genuine) EXPECT_TRUE(time_never_decreases(signature));
        }
    }
}

TEST(Svc2004File, Task2FitsPressureSequences) {
    INKPRINT_REQUIRE_SVC2004();
    // Seven files begin with one point at pressure 0, a stroke of its own. The pressure
    // sequences must accept them, because no model with pressure could be trained otherwise.
    const auto users = inkprint::read_svc2004_task(svc2004_data() / "Task2");
    std::size_t lone_points = 0;
    for (const auto& user : users) {
        for (const auto* list : {&user.genuine, &user.forgeries}) {
            for (const auto& signature : *list) {
                const auto& first = signature.strokes.front().points;
                if (first.size() == 1 && first[0].pressure == 0) ++lone_points;
                for (auto kind : {inkprint::DtwSequence::DynamicsPressure, inkprint::DtwSequence::DynamicsPressureTemplate}) {
                    EXPECT_NO_THROW(inkprint::prepare_dtw(kind, signature)) << "user " << user.user;
                }
            }
        }
    }
    EXPECT_EQ(lone_points, 7u);
}

TEST(Svc2004File, ReportsMissingFolder) {
    try {
        inkprint::read_svc2004_task("/nonexistent/svc2004/Task1");
        FAIL() << "no error for a missing folder";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("INKPRINT_SVC2004_DIR"), std::string::npos);
    }
}
