// Checks of single strokes and samples, shared by validate_ink and the file readers, which add
// the line number of the sample to the message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "inkprint/ink.hpp"

namespace inkprint::detail {

// Throws Error when stroke `s` (counted from 0) has an invalid pointer type or no samples.
void check_stroke(const InkStroke& stroke, std::size_t s);

// Throws Error when sample `i` of stroke `s` (both counted from 0) breaks a rule of
// validate_ink. `previous_t` is the time of the sample before it, or -infinity for the first.
void check_sample(const InkStroke& stroke, std::size_t s, std::size_t i, double previous_t);

// Describes the text at `position` for an error message: a quote of at most `limit` bytes up to
// the end of the line, with control characters shown as '?', or "the end of the file". A quote
// cut short ends with "..." and never splits a UTF-8 character. A NUL byte would otherwise end
// the message early wherever it is read as a C string.
inline std::string quote_text_at(std::string_view text, std::size_t position, std::size_t limit = 20) {
    if (position >= text.size()) return "the end of the file";
    std::string quote;
    std::size_t i = position;
    for (; i < text.size() && quote.size() < limit; ++i) {
        const char c = text[i];
        if (c == '\n' || c == '\r') break;
        quote += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
    const bool cut = i < text.size() && text[i] != '\n' && text[i] != '\r';
    if (cut) {
        // Bytes 10xxxxxx continue a character; drop a last character whose bytes did not all fit.
        std::size_t start = quote.size();
        while (start > 0 && (static_cast<unsigned char>(quote[start - 1]) & 0xC0) == 0x80) --start;
        if (start > 0) {
            const auto lead = static_cast<unsigned char>(quote[start - 1]);
            std::size_t length = 1;
            if (lead >= 0xF0) {
                length = 4;
            } else if (lead >= 0xE0) {
                length = 3;
            } else if (lead >= 0xC0) {
                length = 2;
            }
            if (quote.size() - (start - 1) < length) quote.resize(start - 1);
        }
        quote += "...";
    }
    return "'" + quote + "'";
}

// Appends the UTF-8 encoding of code point `code` (at most 0x10FFFF, not a surrogate) to `out`.
inline void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

}  // namespace inkprint::detail
