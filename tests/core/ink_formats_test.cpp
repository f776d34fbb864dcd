// Signature files: round trips through Inkprint JSON, InkML and SVC2004 keep every sample, and
// malformed files are rejected with a message that names the line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/ink.hpp"
#include "inkprint/ink_formats.hpp"
#include "inkprint/svc2004.hpp"

using inkprint::Error;
using inkprint::InkSample;
using inkprint::InkSignature;
using inkprint::InkStroke;

namespace {

constexpr double kNaN = NAN;

// A pen stroke with pressure and tilt, a mouse stroke without either, a touch stroke with
// pressure, and a one-sample pen tap. Values have fractions that decimal text must keep.
InkSignature mixed_signature() {
    InkSignature ink;
    InkStroke pen{"pen", true, true, {}};
    for (int i = 0; i < 20; ++i) {
        pen.samples.push_back({10.25 + i * 3.1, 40.5 - i * 0.7, 1000.125 + i * 4.2, 0.1 + i * 0.03, -12.5 + i, 33.0 - i * 0.5});
    }
    InkStroke mouse{"mouse", false, false, {}};
    for (int i = 0; i < 10; ++i) {
        mouse.samples.push_back({200 + i * 1.0 / 3.0, 80 + i * 2.0, 1200 + i * 16.6667, kNaN, kNaN, kNaN});
    }
    InkStroke touch{"touch", true, false, {}};
    for (int i = 0; i < 5; ++i) {
        touch.samples.push_back({-5.5 + i, 1e-7 * i, 1400 + i * 8.0, 0.5 + i * 0.1, kNaN, kNaN});
    }
    InkStroke tap{"pen", true, true, {{150.75, 60.125, 1500.5, 0.42, 0, -90}}};
    ink.strokes = {pen, mouse, touch, tap};
    return ink;
}

// Compares two numbers exactly, with NaN equal to NaN.
bool same_value(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

void expect_same_ink(const InkSignature& expected, const InkSignature& actual) {
    ASSERT_EQ(actual.strokes.size(), expected.strokes.size());
    for (std::size_t s = 0; s < expected.strokes.size(); ++s) {
        const InkStroke& want = expected.strokes[s];
        const InkStroke& got = actual.strokes[s];
        EXPECT_EQ(got.pointer_type, want.pointer_type) << "stroke " << s;
        EXPECT_EQ(got.has_pressure, want.has_pressure) << "stroke " << s;
        EXPECT_EQ(got.has_tilt, want.has_tilt) << "stroke " << s;
        ASSERT_EQ(got.samples.size(), want.samples.size()) << "stroke " << s;
        for (std::size_t i = 0; i < want.samples.size(); ++i) {
            const InkSample& a = want.samples[i];
            const InkSample& b = got.samples[i];
            EXPECT_TRUE(same_value(a.x, b.x)) << "stroke " << s << " sample " << i << " x " << b.x;
            EXPECT_TRUE(same_value(a.y, b.y)) << "stroke " << s << " sample " << i << " y " << b.y;
            EXPECT_TRUE(same_value(a.t_ms, b.t_ms)) << "stroke " << s << " sample " << i << " t " << b.t_ms;
            EXPECT_TRUE(same_value(a.pressure, b.pressure)) << "stroke " << s << " sample " << i;
            EXPECT_TRUE(same_value(a.tilt_x, b.tilt_x)) << "stroke " << s << " sample " << i;
            EXPECT_TRUE(same_value(a.tilt_y, b.tilt_y)) << "stroke " << s << " sample " << i;
        }
    }
}

template <typename Action>
std::string error_of(Action&& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "(no error)";
}

// A valid JSON file with one pen stroke of two samples. Line numbers: the first point is on
// line 7 and the second on line 8.
std::string json_with_points(const std::string& first, const std::string& second) {
    return "{\n"
           "  \"format\": \"inkprint-signature\",\n"
           "  \"version\": 1,\n"
           "  \"strokes\": [\n"
           "    {\n"
           "      \"pointerType\": \"pen\", \"points\": [\n"
           "        " + first + ",\n"
           "        " + second + "\n"
           "      ]\n"
           "    }\n"
           "  ]\n"
           "}\n";
}

// A valid InkML file with one trace of two points. The first point is on line 12 and the
// second on line 13.
std::string inkml_with_points(const std::string& first, const std::string& second) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<ink xmlns=\"http://www.w3.org/2003/InkML\">\n"
           "  <definitions>\n"
           "    <context xml:id=\"c\">\n"
           "      <traceFormat>\n"
           "        <channel name=\"X\" type=\"decimal\"/>\n"
           "        <channel name=\"Y\" type=\"decimal\"/>\n"
           "        <channel name=\"T\" type=\"decimal\" units=\"ms\"/>\n"
           "      </traceFormat>\n"
           "    </context>\n"
           "  </definitions>\n"
           "  <trace contextRef=\"#c\">" + first + ",\n"
           "    " + second + "</trace>\n"
           "</ink>\n";
}

}  // namespace

TEST(InkJson, RoundTripKeepsEverySample) {
    const InkSignature ink = mixed_signature();
    expect_same_ink(ink, inkprint::parse_ink_json(inkprint::write_ink_json(ink)));
}

TEST(InkJson, WritesDocumentedLayout) {
    InkSignature ink;
    ink.strokes.push_back({"mouse", false, false, {{1.5, 2, 20, kNaN, kNaN, kNaN}}});
    const std::string text = inkprint::write_ink_json(ink);
    EXPECT_NE(text.find("\"format\": \"inkprint-signature\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"version\": 1"), std::string::npos) << text;
    EXPECT_NE(text.find("\"pointerType\": \"mouse\""), std::string::npos) << text;
    EXPECT_NE(text.find("[1.5, 2, 20, null, null, null]"), std::string::npos) << text;
}

TEST(InkJson, ReadsEscapesAndAnyKeyOrder) {
    const std::string text =
        "\xEF\xBB\xBF{\"strokes\":[{\"points\":[[1,2,3,null,null,null],[4,5.5e1,6,null,null,null]],"
        "\"pointerType\":\"\\u0070en\"}],\"version\":1,\"format\":\"inkprint-signature\"}";
    const InkSignature ink = inkprint::parse_ink_json(text);
    ASSERT_EQ(ink.strokes.size(), 1u);
    EXPECT_EQ(ink.strokes[0].pointer_type, "pen");
    ASSERT_EQ(ink.strokes[0].samples.size(), 2u);
    EXPECT_EQ(ink.strokes[0].samples[1].y, 55);
    EXPECT_FALSE(ink.strokes[0].has_pressure);
}

TEST(InkJson, RejectsMalformedFilesNamingTheLine) {
    const std::string good = "[1, 2, 3, 0.5, null, null]";
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"", "JSON line 1, column 1: expected '{'"},
        {"[]", "JSON line 1, column 1: expected '{'"},
        {json_with_points(good, "[4, 5, 6, 0.5, null null]"), "JSON line 8, column"},
        {json_with_points(good, "[4, 5, 6, 0.5, null]"), "JSON line 8: \"strokes\"[0].\"points\"[1] has 5 values"},
        {json_with_points(good, "[4, 5, 6, 0.5, null, null, 7]"), "JSON line 8, column"},
        {json_with_points(good, "[4, 5, 6, 1.5, null, null]"), "JSON line 8: stroke 1, sample 2 has an invalid pressure"},
        {json_with_points(good, "[4, 5, 2, 0.5, null, null]"), "JSON line 8: stroke 1, sample 2 has time 2 ms"},
        {json_with_points(good, "[4, 5, 6, null, null, null]"), "JSON line 8: stroke 1, sample 2 has no pressure, but its stroke has"},
        {json_with_points(good, "[4, 5, 6, 0.5, 10, null]"), "JSON line 8: \"strokes\"[0].\"points\"[1] has only one of tiltX"},
        {json_with_points(good, "[4, NaN, 6, 0.5, null, null]"), "JSON line 8, column 13: \"strokes\"[0].\"points\"[1][1] must be a finite number"},
        {json_with_points(good, "[4, 1e999, 6, 0.5, null, null]"), "must be a finite number"},
        {json_with_points(good, "[4, 05, 6, 0.5, null, null]"), "JSON line 8, column"},
        {json_with_points(good, "[\"4\", 5, 6, 0.5, null, null]"), "must be a finite number, found '\"4\""},
        {json_with_points(good, good) + "x", "JSON line 13, column 1: unexpected 'x' after the top-level object"},
        {"{\"format\": \"something-else\", \"version\": 1, \"strokes\": []}", "\"format\" is \"something-else\""},
        {"{\"format\": \"inkprint-signature\", \"version\": 2, \"strokes\": []}", "reads version 1 only"},
        {"{\"format\": \"inkprint-signature\", \"version\": 1}", "has no \"strokes\" key"},
        {"{\"format\": \"inkprint-signature\", \"version\": 1, \"strokes\": []}", "\"strokes\" is empty"},
        {"{\"format\": \"inkprint-signature\", \"format\": \"x\"}", "appears twice"},
        {"{\"format\": \"inkprint-signature\",\n\"colour\": 1}", "JSON line 2: unknown key \"colour\""},
        {"{\"format\": \"inkprint-signature", "not closed before the end of the file"},
        {"{\"format\": \"ink\nprint\"}", "control character"},
        {"{\"format\": \"\\ud800\"}", "high surrogate"},
        {"{\"version\": 1, \"format\": \"inkprint-signature\", \"strokes\": [{\"pointerType\": \"Pen!\", "
         "\"points\": [[1, 2, 3, null, null, null]]}]}",
         "invalid pointer type 'Pen!'"},
        // One letter over the limit: the cut quote ends in "...", so that it does not look valid.
        {"{\"version\": 1, \"format\": \"inkprint-signature\", \"strokes\": [{\"pointerType\": \"" +
             std::string(inkprint::kMaxPointerTypeLength + 1, 'a') + "\", \"points\": [[1, 2, 3, null, null, null]]}]}",
         "invalid pointer type '" + std::string(inkprint::kMaxPointerTypeLength, 'a') + "...'"},
        {"{\"version\": 1, \"format\": \"inkprint-signature\", \"strokes\": [{\"pointerType\": \"pen\", "
         "\"points\": []}]}",
         "stroke 1 has no samples"},
        {"{\"version\": 1, \"format\": \"inkprint-signature\", \"strokes\": [{\"pointerType\": \"pen\"}]}",
         "has no \"points\" key"},
    };
    for (const Case& c : cases) {
        const std::string message = error_of([&] { inkprint::parse_ink_json(c.text); });
        EXPECT_NE(message.find(c.expected), std::string::npos)
            << "input:\n" << c.text << "\nmessage: " << message << "\nexpected to contain: " << c.expected;
    }
}

TEST(InkJson, RejectsFileOverSizeLimit) {
    const std::string text(inkprint::kMaxInkFileBytes + 1, ' ');
    EXPECT_NE(error_of([&] { inkprint::parse_ink_json(text); }).find("more than the limit"), std::string::npos);
}

TEST(InkInkml, RoundTripKeepsEverySample) {
    const InkSignature ink = mixed_signature();
    expect_same_ink(ink, inkprint::parse_inkml(inkprint::write_inkml(ink)));
}

TEST(InkInkml, RoundTripKeepsUnknownPointerType) {
    InkSignature ink;
    ink.strokes.push_back({"", false, false, {{1, 2, 3, kNaN, kNaN, kNaN}, {4, 5, 6, kNaN, kNaN, kNaN}}});
    ink.strokes.push_back({"pen", false, false, {{7, 8, 9, kNaN, kNaN, kNaN}}});
    expect_same_ink(ink, inkprint::parse_inkml(inkprint::write_inkml(ink)));
}

TEST(InkInkml, WritesStandardChannels) {
    const std::string text = inkprint::write_inkml(mixed_signature());
    EXPECT_NE(text.find("<ink xmlns=\"http://www.w3.org/2003/InkML\">"), std::string::npos);
    EXPECT_NE(text.find("<channel name=\"T\" type=\"decimal\" units=\"ms\"/>"), std::string::npos);
    EXPECT_NE(text.find("<channel name=\"F\" type=\"decimal\" min=\"0\" max=\"1\"/>"), std::string::npos);
    EXPECT_NE(text.find("<channel name=\"OTx\" type=\"decimal\" units=\"deg\"/>"), std::string::npos);
    EXPECT_NE(text.find("<annotation type=\"pointerType\">mouse</annotation>"), std::string::npos);
}

TEST(InkInkml, ReadsCommentsCdataAndReferences) {
    const std::string text =
        "<?xml version='1.0'?>\n<!-- made by hand -->\n"
        "<ink xmlns='http://www.w3.org/2003/InkML'><annotation type='author'>A &amp; B &#x263A;</annotation>"
        "<definitions><context xml:id='c'><traceFormat>"
        "<channel name='T' units='ms'/><channel name='X'/><channel name='Y' type='integer'/>"
        "</traceFormat></context></definitions>"
        "<traceGroup><annotation type='pointerType'> touch </annotation>"
        "<trace contextRef='#c'><![CDATA[10 1 2,]]>20 3 4<!-- end --></trace></traceGroup></ink>\n";
    const InkSignature ink = inkprint::parse_inkml(text);
    ASSERT_EQ(ink.strokes.size(), 1u);
    EXPECT_EQ(ink.strokes[0].pointer_type, "touch");
    ASSERT_EQ(ink.strokes[0].samples.size(), 2u);
    EXPECT_EQ(ink.strokes[0].samples[1].t_ms, 20);
    EXPECT_EQ(ink.strokes[0].samples[1].x, 3);
    EXPECT_EQ(ink.strokes[0].samples[1].y, 4);
}

TEST(InkInkml, RejectsMalformedFilesNamingTheLine) {
    struct Case {
        std::string text;
        std::string expected;
    };
    std::string deep = "<ink xmlns=\"http://www.w3.org/2003/InkML\">";
    for (int i = 0; i < 20; ++i) deep += "<traceGroup>";
    const std::vector<Case> cases = {
        {"", "InkML line 1: expected the root element <ink>"},
        {"{\"format\": 1}", "InkML line 1: expected the root element <ink>"},
        {"<svg/>", "InkML line 1: the root element is <svg>, expected <ink>"},
        {"<ink/>", "<ink> must declare xmlns=\"http://www.w3.org/2003/InkML\""},
        {"<ink xmlns=\"http://www.w3.org/2003/InkML\"/>", "contains no <trace>"},
        {"<!DOCTYPE ink [<!ENTITY a \"b\">]><ink/>", "DOCTYPE declarations are not supported"},
        {"<inkml:ink xmlns:inkml=\"http://www.w3.org/2003/InkML\"/>", "namespace prefix"},
        {deep, "nested more than 16 deep"},
        {inkml_with_points("1 2 3", "4 5 6").substr(0, inkml_with_points("1 2 3", "4 5 6").size() - 7),
         "InkML line 2: element <ink> is not closed before the end of the file"},
        {inkml_with_points("1 2 3", "4 5"), "InkML line 13: trace point 2 has 2 values, but its traceFormat has 3"},
        {inkml_with_points("1 2 3", "4 5 6 7"), "InkML line 13: trace point 2 has more values than the 3 channels"},
        {inkml_with_points("1 2 3", "4 '5 6"), "InkML line 13: trace point 2 has ''5' where a decimal number"},
        {inkml_with_points("1 2 3", "4 5 1"), "InkML line 13: stroke 1, sample 2 has time 1 ms"},
        {inkml_with_points("1 2 3", "4 5 6,"), "InkML line 13: trace point 3 has 0 values"},
        {inkml_with_points("1 2 3", "4 5 6</trace><bogus/><trace>"), "InkML line 13: element <bogus> inside <ink>"},
        {inkml_with_points("1 2 3", "4 5 &nbsp;6"), "InkML line 13: unknown entity &nbsp;"},
        {inkml_with_points("1 2 3", "4 5 6</trace></traceGroup><trace>"),
         "InkML line 13: end tag </traceGroup> does not match the start tag <ink> on line 2"},
        {inkml_with_points("1 2 3", "4 5 6").replace(inkml_with_points("1 2 3", "4 5 6").find("#c"), 2, "#d"),
         "InkML line 12: <trace> refers to context \"#d\""},
        {inkml_with_points("1 2 3", "4 5 6").replace(inkml_with_points("1 2 3", "4 5 6").find("units=\"ms\""), 10,
                                                     "units=\"s\""),
         "InkML line 8: channel T needs units=\"ms\""},
        {inkml_with_points("1 2 3", "4 5 6").replace(inkml_with_points("1 2 3", "4 5 6").find("name=\"T\""), 8,
                                                     "name=\"Z\""),
         "InkML line 8: channel Z is not supported"},
        {inkml_with_points("1 2 3", "4 5 6").replace(inkml_with_points("1 2 3", "4 5 6").find("<trace "), 7,
                                                     "<trace type=\"penUp\" "),
         "InkML line 12: <trace type=\"penUp\"> is not supported"},
        {inkml_with_points("1 2 3", "4 5 6").replace(inkml_with_points("1 2 3", "4 5 6").find(" contextRef=\"#c\""), 16,
                                                     ""),
         "InkML line 12: <trace> has no contextRef attribute: add contextRef=\"#ID\", naming the xml:id of a <context>"},
    };
    for (const Case& c : cases) {
        const std::string message = error_of([&] { inkprint::parse_inkml(c.text); });
        EXPECT_NE(message.find(c.expected), std::string::npos)
            << "input:\n" << c.text << "\nmessage: " << message << "\nexpected to contain: " << c.expected;
    }
}

TEST(InkSvc2004, RoundTripKeepsEverySample) {
    // Whole numbers 10 ms apart, and pressures that are whole steps of 1/1023, come back exactly.
    InkSignature ink;
    for (int s = 0; s < 3; ++s) {
        InkStroke stroke{"pen", true, false, {}};
        const int count = s == 2 ? 1 : 12;
        for (int i = 0; i < count; ++i) {
            stroke.samples.push_back({100.0 + s * 50 + i * 3, 200.0 - i * 2, 5000.0 + s * 400 + i * 10,
                                      (100.0 + 37 * i + s) / 1023.0, kNaN, kNaN});
        }
        ink.strokes.push_back(stroke);
    }
    const InkSignature read = inkprint::parse_svc2004_ink(inkprint::write_svc2004(ink));
    expect_same_ink(ink, read);
}

TEST(InkSvc2004, WritesTask1ColumnsWithoutPressure) {
    InkSignature ink;
    ink.strokes.push_back({"mouse", false, false, {{1.4, 2.6, 10.2, kNaN, kNaN, kNaN}, {3, 4, 20, kNaN, kNaN, kNaN}}});
    EXPECT_EQ(inkprint::write_svc2004(ink), "2\n1 3 10 0\n3 4 20 1\n");
}

TEST(InkSvc2004, RejectsSignatureWithinOneUnit) {
    InkSignature ink;
    ink.strokes.push_back({"mouse", false, false, {{0, 0, 10, kNaN, kNaN, kNaN}, {1e-300, 2e-300, 20, kNaN, kNaN, kNaN}}});
    const std::string error = error_of([&] { inkprint::write_svc2004(ink); });
    EXPECT_NE(error.find("spans only 1e-300 by 2e-300 units"), std::string::npos) << error;
    EXPECT_NE(error.find("export it as JSON or InkML instead"), std::string::npos) << error;
    // Points 0.4 units apart still round to one position, and 0.6 units apart to two.
    ink.strokes[0].samples[1].x = 0.4;
    EXPECT_NE(error_of([&] { inkprint::write_svc2004(ink); }), "");
    ink.strokes[0].samples[1].x = 0.6;
    EXPECT_EQ(inkprint::write_svc2004(ink), "2\n0 0 10 0\n1 0 20 1\n");
}

TEST(InkSvc2004, RejectsPressureOnSomeStrokes) {
    InkSignature ink = mixed_signature();
    EXPECT_NE(error_of([&] { inkprint::write_svc2004(ink); }).find("stroke 2 has no pressure"), std::string::npos);
}

TEST(InkFlat, RoundTripKeepsEverySample) {
    const InkSignature ink = mixed_signature();
    std::vector<std::string> types;
    for (const InkStroke& stroke : ink.strokes) types.push_back(stroke.pointer_type);
    expect_same_ink(ink, inkprint::ink_from_flat(inkprint::ink_to_flat(ink), types));
}

TEST(InkFlat, RejectsInvalidArrays) {
    const std::vector<double> one = {1, 2, 3, kNaN, kNaN, kNaN, 0};
    EXPECT_NE(error_of([&] { inkprint::ink_from_flat(std::vector<double>(6), {}); }).find("not a multiple of 7"),
              std::string::npos);
    EXPECT_NE(error_of([&] { inkprint::ink_from_flat(one, {}); }).find("got 0 pointer types for 1 strokes"),
              std::string::npos);
    std::vector<double> skipped = one;
    skipped[6] = 1;
    EXPECT_NE(error_of([&] { inkprint::ink_from_flat(skipped, {"pen"}); }).find("stroke index 1"), std::string::npos);
    std::vector<double> mixed = {1, 2, 3, 0.5, kNaN, kNaN, 0, 4, 5, 6, kNaN, kNaN, kNaN, 0};
    EXPECT_NE(error_of([&] { inkprint::ink_from_flat(mixed, {"pen"}); }).find("stroke 1, sample 2 has no pressure"),
              std::string::npos);
}

TEST(InkConversion, SignatureKeepsPositionsTimesAndPressure) {
    const inkprint::Signature signature = inkprint::signature_from_ink(mixed_signature());
    EXPECT_TRUE(signature.has_pressure);
    ASSERT_EQ(signature.strokes.size(), 4u);
    EXPECT_EQ(signature.strokes[1].points[0].pressure, 0.0);  // the mouse stroke has none
    EXPECT_EQ(signature.strokes[3].points[0].x, 150.75);
    EXPECT_EQ(signature.strokes[3].points[0].pressure, 0.42);
}
