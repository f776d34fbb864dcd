// Readers and writers of signature files: Inkprint's own JSON format and W3C InkML. The
// SVC2004 text format is in svc2004.hpp. docs/ink-formats.md describes each format and the
// subset that the readers accept.
//
// The readers are strict and bounded, because they read files from anywhere: every input
// either gives ink that validate_ink accepts or throws Error naming the line (and the JSON
// path or InkML element) of the first problem. They never read more than kMaxInkFileBytes or
// nest deeper than kMaxInkNesting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "inkprint/ink.hpp"

namespace inkprint {

// Maximum size of a signature file. The largest signature (kMaxPoints samples with every
// channel) takes about 8 MiB in either format.
inline constexpr std::size_t kMaxInkFileBytes = 16 * 1024 * 1024;

// Maximum nesting of JSON arrays and objects or of XML elements. The formats need 5.
inline constexpr std::size_t kMaxInkNesting = 16;

// Name and version of the JSON format, in its "format" and "version" fields.
inline constexpr const char* kInkJsonFormatName = "inkprint-signature";
inline constexpr int kInkJsonVersion = 1;

// The InkML namespace, required on the root element.
inline constexpr const char* kInkmlNamespace = "http://www.w3.org/2003/InkML";

// Writes ink as Inkprint JSON. Calls validate_ink first.
std::string write_ink_json(const InkSignature& ink);

// Reads Inkprint JSON. Throws Error naming the line and the JSON path of the first problem.
InkSignature parse_ink_json(std::string_view text);

// Writes ink as InkML. Calls validate_ink first.
std::string write_inkml(const InkSignature& ink);

// Reads the InkML subset that write_inkml writes. Throws Error naming the line and the element
// of the first problem.
InkSignature parse_inkml(std::string_view text);

}  // namespace inkprint
