// Inkprint's JSON signature format. The reader follows the format's schema directly instead of
// building a general JSON tree. It expects each value in its place and rejects unknown keys,
// so it never nests deeper than the format (5 levels, below kMaxInkNesting).
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/ink_formats.hpp"
#include "ink_checks.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

using detail::append_utf8;
using detail::format_number;

// Maximum length of a decoded JSON string. The format's strings are short names.
constexpr std::size_t kMaxJsonStringLength = 256;

// Number of values in one point: x, y, t, pressure, tilt x, tilt y.
constexpr std::size_t kJsonPointSize = 6;

class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    InkSignature read_document() {
        if (text_.size() > kMaxInkFileBytes) {
            throw Error("JSON file is " + std::to_string(text_.size()) + " bytes, more than the limit of " +
                        std::to_string(kMaxInkFileBytes) + ": is this a signature file?");
        }
        // A UTF-8 byte order mark, which some editors write, is skipped.
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") position_ = 3;

        skip_space();
        if (peek() != '{') {
            fail("expected '{' at the start of an Inkprint signature file, found " + describe_next() +
                 ": is this an Inkprint JSON file?");
        }
        InkSignature ink;
        bool has_format = false, has_version = false, has_strokes = false;
        read_object([&](const std::string& key, std::size_t key_line) {
            if (key == "format") {
                mark_seen(has_format, key, key_line);
                const std::size_t line = current_line();
                const std::string format = read_string("\"format\"");
                if (format != kInkJsonFormatName) {
                    fail_at(line, "\"format\" is \"" + format + "\", expected \"" + kInkJsonFormatName +
                                      "\": this is not an Inkprint signature file");
                }
            } else if (key == "version") {
                mark_seen(has_version, key, key_line);
                const std::size_t line = current_line();
                const double version = read_number("\"version\"");
                if (version != kInkJsonVersion) {
                    fail_at(line, "\"version\" is " + format_number(version) + ", and this reader reads version " +
                                      std::to_string(kInkJsonVersion) + " only: update Inkprint or export the file again");
                }
            } else if (key == "strokes") {
                mark_seen(has_strokes, key, key_line);
                read_strokes(ink);
            } else {
                fail_at(key_line, "unknown key \"" + key +
                                      "\" in the top-level object: it may hold \"format\", \"version\" and \"strokes\"");
            }
        });
        skip_space();
        if (position_ != text_.size()) fail("unexpected " + describe_next() + " after the top-level object");

        const char* missing = nullptr;
        if (!has_format) {
            missing = "format";
        } else if (!has_version) {
            missing = "version";
        } else if (!has_strokes) {
            missing = "strokes";
        }
        if (missing != nullptr) {
            fail_at(1, std::string("the top-level object has no \"") + missing +
                           "\" key: an Inkprint signature file needs \"format\", \"version\" and \"strokes\"");
        }
        if (ink.strokes.empty()) fail_at(1, "\"strokes\" is empty: the file contains no signature");
        // Every rule was checked while reading, with line numbers. This is a safety net.
        validate_ink(ink);
        return ink;
    }

private:
    void read_strokes(InkSignature& ink) {
        double previous_t = -INFINITY;
        expect_array_of("\"strokes\"", [&] {
            const std::size_t s = ink.strokes.size();
            const std::string path = "\"strokes\"[" + std::to_string(s) + "]";
            if (s >= kMaxInkStrokes) {
                fail("the file has more than " + std::to_string(kMaxInkStrokes) + " strokes: is this a signature?");
            }
            if (peek() != '{') fail(path + " must be an object, found " + describe_next());
            const std::size_t stroke_line = current_line();
            InkStroke& stroke = ink.strokes.emplace_back();
            bool has_type = false, has_points = false;
            read_object([&](const std::string& key, std::size_t key_line) {
                if (key == "pointerType") {
                    mark_seen(has_type, key, key_line);
                    stroke.pointer_type = read_string(path + ".\"pointerType\"");
                } else if (key == "points") {
                    mark_seen(has_points, key, key_line);
                    read_points(stroke, s, path + ".\"points\"", previous_t);
                } else {
                    fail_at(key_line, "unknown key \"" + key + "\" in " + path +
                                          ": a stroke may hold \"pointerType\" and \"points\"");
                }
            });
            if (!has_type || !has_points) {
                fail_at(stroke_line, path + " has no \"" + (has_type ? "points" : "pointerType") +
                                         "\" key: every stroke needs \"pointerType\" and \"points\"");
            }
            checked(stroke_line, [&] { detail::check_stroke(stroke, s); });
        });
    }

    void read_points(InkStroke& stroke, std::size_t s, const std::string& path, double& previous_t) {
        expect_array_of(path, [&] {
            const std::size_t i = stroke.samples.size();
            const std::string point_path = path + "[" + std::to_string(i) + "]";
            const std::size_t line = current_line();
            double values[kJsonPointSize];
            bool present[kJsonPointSize];
            std::size_t count = 0;
            expect_array_of(point_path, [&] {
                if (count == kJsonPointSize) {
                    fail(point_path + " has more than " + std::to_string(kJsonPointSize) +
                         " values: write [x, y, t, pressure, tiltX, tiltY] with null for a missing channel");
                }
                const std::string value_path = point_path + "[" + std::to_string(count) + "]";
                present[count] = !(count >= 3 && read_null());
                values[count] = present[count] ? read_number(value_path) : NAN;
                ++count;
            });
            if (count != kJsonPointSize) {
                fail_at(line, point_path + " has " + std::to_string(count) + " values, expected " +
                                  std::to_string(kJsonPointSize) +
                                  ": write [x, y, t, pressure, tiltX, tiltY] with null for a missing channel");
            }
            if (present[4] != present[5]) {
                fail_at(line, point_path + " has only one of tiltX and tiltY: give both, or null for both");
            }
            if (i == 0) {
                stroke.has_pressure = present[3];
                stroke.has_tilt = present[4];
            }
            stroke.samples.push_back({values[0], values[1], values[2], values[3], values[4], values[5]});
            checked(line, [&] { detail::check_sample(stroke, s, i, previous_t); });
            previous_t = values[2];
        });
    }

    // Reads an object whose opening '{' is next, calling on_member(key, key_line) with the
    // position just after each key's ':'. on_member must read the value.
    template <typename OnMember>
    void read_object(OnMember&& on_member) {
        expect('{', "'{'");
        skip_space();
        if (peek() == '}') {
            ++position_;
            return;
        }
        while (true) {
            skip_space();
            if (peek() != '"') fail("expected a key in double quotes, found " + describe_next());
            const std::size_t key_line = current_line();
            const std::string key = read_string("object key");
            skip_space();
            expect(':', "':' after the key \"" + key + "\"");
            skip_space();
            on_member(key, key_line);
            skip_space();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            expect('}', "',' or '}' after the value of \"" + key + "\"");
            return;
        }
    }

    // Reads an array, calling on_element() with the position at each element.
    template <typename OnElement>
    void expect_array_of(const std::string& path, OnElement&& on_element) {
        skip_space();
        if (peek() != '[') fail(path + " must be an array, found " + describe_next());
        ++position_;
        skip_space();
        if (peek() == ']') {
            ++position_;
            return;
        }
        while (true) {
            skip_space();
            on_element();
            skip_space();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            expect(']', "',' or ']' after an element of " + path);
            return;
        }
    }

    void mark_seen(bool& seen, const std::string& key, std::size_t line) {
        if (seen) fail_at(line, "the key \"" + key + "\" appears twice in one object: keep one");
        seen = true;
    }

    bool read_null() {
        skip_space();
        if (text_.substr(position_, 4) != "null") return false;
        position_ += 4;
        return true;
    }

    double read_number(const std::string& path) {
        skip_space();
        const std::size_t length = detail::scan_number(text_.substr(position_), detail::NumberSyntax::Json);
        double value = 0;
        if (length == 0 ||
            !detail::parse_number(text_.substr(position_, length), detail::NumberSyntax::Json, value)) {
            fail(path + " must be a finite number, found " + describe_next());
        }
        position_ += length;
        return value;
    }

    std::string read_string(const std::string& path) {
        skip_space();
        if (peek() != '"') fail(path + " must be a string, found " + describe_next());
        ++position_;
        std::string out;
        while (true) {
            if (position_ >= text_.size()) fail("a string is not closed before the end of the file");
            const char c = text_[position_++];
            if (c == '"') break;
            if (static_cast<unsigned char>(c) < 0x20) {
                --position_;
                fail("a string contains a control character (code " + std::to_string(static_cast<int>(c)) +
                     "): write it as an escape such as \\n");
            }
            if (c != '\\') {
                out += c;
            } else {
                read_escape(out);
            }
            if (out.size() > kMaxJsonStringLength) {
                fail("a string is longer than " + std::to_string(kMaxJsonStringLength) +
                     " characters, which no value of this format needs");
            }
        }
        return out;
    }

    void read_escape(std::string& out) {
        if (position_ >= text_.size()) fail("a string ends inside an escape sequence");
        const char c = text_[position_++];
        switch (c) {
            case '"': out += '"'; return;
            case '\\': out += '\\'; return;
            case '/': out += '/'; return;
            case 'b': out += '\b'; return;
            case 'f': out += '\f'; return;
            case 'n': out += '\n'; return;
            case 'r': out += '\r'; return;
            case 't': out += '\t'; return;
            case 'u': break;
            default: --position_; fail(std::string("invalid escape sequence \\") + c + " in a string");
        }
        unsigned code = read_hex4();
        if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(position_, 2) != "\\u") fail("a \\u escape of a high surrogate is not followed by a low one");
            position_ += 2;
            const unsigned low = read_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("a \\u escape of a high surrogate is not followed by a low one");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("a \\u escape is a low surrogate without a high one before it");
        }
        append_utf8(out, code);
    }

    unsigned read_hex4() {
        unsigned code = 0;
        for (int k = 0; k < 4; ++k) {
            if (position_ >= text_.size()) fail("a string ends inside a \\u escape");
            const char c = text_[position_];
            unsigned digit;
            if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
            else fail("a \\u escape needs 4 hexadecimal digits, found " + describe_next());
            code = code * 16 + digit;
            ++position_;
        }
        return code;
    }


    void skip_space() {
        while (position_ < text_.size()) {
            const char c = text_[position_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            ++position_;
        }
    }

    char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }

    void expect(char c, const std::string& expected) {
        skip_space();
        if (position_ >= text_.size() || text_[position_] != c) fail("expected " + expected + ", found " + describe_next());
        ++position_;
    }

    // Describes the text at the current position for a message: a short quote, or "the end".
    std::string describe_next() const {
        return detail::quote_text_at(text_, position_);
    }

    std::size_t current_line() const { return line_of(position_); }

    // Counts lines from the last offset asked for, because the reader asks in increasing
    // order: counting from the start each time would take quadratic time on large files.
    std::size_t line_of(std::size_t offset) const {
        offset = std::min(offset, text_.size());
        if (offset < counted_offset_) {
            counted_offset_ = 0;
            counted_line_ = 1;
        }
        for (; counted_offset_ < offset; ++counted_offset_) {
            counted_line_ += text_[counted_offset_] == '\n' ? 1 : 0;
        }
        return counted_line_;
    }

    // Runs a check from ink_checks.hpp and adds the line to its message.
    template <typename Check>
    void checked(std::size_t line, Check&& check) {
        try {
            check();
        } catch (const Error& error) {
            fail_at(line, error.what());
        }
    }

    [[noreturn]] void fail(const std::string& message) const {
        std::size_t line_start = text_.rfind('\n', position_ == 0 ? 0 : position_ - 1);
        line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
        const std::size_t column = position_ >= line_start ? position_ - line_start + 1 : 1;
        throw Error("JSON line " + std::to_string(current_line()) + ", column " + std::to_string(column) + ": " +
                    message);
    }

    [[noreturn]] void fail_at(std::size_t line, const std::string& message) const {
        throw Error("JSON line " + std::to_string(line) + ": " + message);
    }

    std::string_view text_;
    std::size_t position_ = 0;
    mutable std::size_t counted_offset_ = 0;
    mutable std::size_t counted_line_ = 1;
};

void append_value(std::string& out, double value, bool present) {
    out += present ? format_number(value) : "null";
}

}  // namespace

InkSignature parse_ink_json(std::string_view text) {
    return JsonReader(text).read_document();
}

std::string write_ink_json(const InkSignature& ink) {
    validate_ink(ink);
    std::string out;
    out.reserve(ink.sample_count() * 48 + 128);
    out += "{\n  \"format\": \"";
    out += kInkJsonFormatName;
    out += "\",\n  \"version\": " + std::to_string(kInkJsonVersion) + ",\n  \"strokes\": [\n";
    for (std::size_t s = 0; s < ink.strokes.size(); ++s) {
        const InkStroke& stroke = ink.strokes[s];
        // validate_ink allows only a-z, 0-9 and '-' in pointer types, so no escaping is needed.
        out += "    {\n      \"pointerType\": \"" + stroke.pointer_type + "\",\n      \"points\": [\n";
        for (std::size_t i = 0; i < stroke.samples.size(); ++i) {
            const InkSample& sample = stroke.samples[i];
            out += "        [";
            out += format_number(sample.x) + ", " + format_number(sample.y) + ", " + format_number(sample.t_ms) + ", ";
            append_value(out, sample.pressure, stroke.has_pressure);
            out += ", ";
            append_value(out, sample.tilt_x, stroke.has_tilt);
            out += ", ";
            append_value(out, sample.tilt_y, stroke.has_tilt);
            out += i + 1 < stroke.samples.size() ? "],\n" : "]\n";
        }
        out += s + 1 < ink.strokes.size() ? "      ]\n    },\n" : "      ]\n    }\n";
    }
    out += "  ]\n}\n";
    return out;
}

}  // namespace inkprint
