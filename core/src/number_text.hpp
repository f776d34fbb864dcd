// Decimal text of numbers for the file readers and writers. Emscripten 3.1.6's libc++ has no
// floating-point std::to_chars or std::from_chars, so these use snprintf and strtod, and check
// the grammar first so that strtod never receives hexadecimal, "inf" or "nan".
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace inkprint::detail {

// Returns the shortest decimal text that reads back as exactly `value`, such as "0.1" or
// "1234.5", or "NaN", "Infinity" and "-Infinity" for values that are not finite.
inline std::string format_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    if (value == 0) return "0";  // also for -0, which no file needs to tell apart
    char buffer[48];
    int precision = 1;
    for (; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    // %g switches to exponent notation once the exponent reaches the precision ("2e+01" for
    // 20). Between 1e-5 and 1e17 plain decimals are written instead, with the same digits.
    const char* exponent_mark = std::strchr(buffer, 'e');
    const double magnitude = std::abs(value);
    if (exponent_mark != nullptr && magnitude >= 1e-5 && magnitude < 1e17) {
        const int exponent = std::atoi(exponent_mark + 1);
        const int decimals = precision - 1 - exponent > 0 ? precision - 1 - exponent : 0;
        std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    }
    return buffer;
}

// Grammar of the accepted decimal numbers.
enum class NumberSyntax {
    Json,     // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    Decimal,  // [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?  (XML Schema decimals and doubles)
};

// Returns the length of the number at the start of `text` in the given syntax, or 0 when
// `text` does not start with one.
inline std::size_t scan_number(std::string_view text, NumberSyntax syntax) {
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        return i - start;
    };
    if (i < text.size() && (text[i] == '-' || (syntax == NumberSyntax::Decimal && text[i] == '+'))) ++i;
    if (syntax == NumberSyntax::Json) {
        if (i < text.size() && text[i] == '0') {
            ++i;
        } else if (digits() == 0) {
            return 0;
        }
        if (i < text.size() && text[i] == '.') {
            ++i;
            if (digits() == 0) return 0;
        }
    } else {
        const std::size_t whole = digits();
        std::size_t fraction = 0;
        if (i < text.size() && text[i] == '.') {
            ++i;
            fraction = digits();
        }
        if (whole == 0 && fraction == 0) return 0;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (digits() == 0) return 0;
    }
    return i;
}

// Reads `text`, which must be exactly one number of the given syntax. Returns false when it is
// not, or when its value is beyond the range of double.
inline bool parse_number(std::string_view text, NumberSyntax syntax, double& value) {
    if (text.empty() || scan_number(text, syntax) != text.size()) return false;
    // A number of more than 400 characters is no real reading and would only cost time.
    if (text.size() > 400) return false;
    const std::string copy(text);
    value = std::strtod(copy.c_str(), nullptr);
    return std::isfinite(value);
}

}  // namespace inkprint::detail
