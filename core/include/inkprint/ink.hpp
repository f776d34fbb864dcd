// Ink: a signature with every channel that the capture device reported, for import and export.
// The network's Signature (signature.hpp) keeps only x, y, time and pressure. Ink also keeps
// the pointer type of each stroke and the pen tilt, and marks channels the device did not
// report as absent instead of filling them with a placeholder value.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "inkprint/signature.hpp"

namespace inkprint {

// One sample. A channel that its stroke does not have is NaN.
struct InkSample {
    double x = 0;     // horizontal position: CSS pixels for pad captures, else the source's unit
    double y = 0;     // vertical position, growing downward
    double t_ms = 0;  // time in milliseconds, any origin
    double pressure = std::numeric_limits<double>::quiet_NaN();  // 0..1
    double tilt_x = std::numeric_limits<double>::quiet_NaN();    // degrees, -90..90
    double tilt_y = std::numeric_limits<double>::quiet_NaN();    // degrees, -90..90
};

// Samples from one pointer-down to its pointer-up, from one pointer.
struct InkStroke {
    // The Pointer Events pointerType ("mouse", "pen", "touch"), or "" when not known.
    std::string pointer_type;
    bool has_pressure = false;
    bool has_tilt = false;  // tilt_x and tilt_y are present together or not at all
    std::vector<InkSample> samples;
};

struct InkSignature {
    std::vector<InkStroke> strokes;

    std::size_t sample_count() const;
};

// Maximum number of strokes in one file. A signature has tens of strokes, so more than this
// is a wrong file.
inline constexpr std::size_t kMaxInkStrokes = 10000;

// Maximum length of a pointer type.
inline constexpr std::size_t kMaxPointerTypeLength = 32;

// Values per sample in the flat exchange format of the bindings:
// [x, y, t_ms, pressure, tilt_x, tilt_y, stroke_index], with NaN for an absent channel and
// stroke_index counting 0, 1, 2, ... without gaps. The pointer types travel beside it, one
// per stroke.
inline constexpr std::size_t kInkFlatStride = 7;

// Checks what every reader guarantees and every writer expects: at least one stroke, at most
// kMaxInkStrokes strokes and kMaxPoints samples, no empty stroke, finite coordinates and times
// within 1e15, times that never decrease (across strokes too), pressure within 0..1 and tilt
// within -90..90 degrees where the stroke has them and NaN where it does not, and pointer
// types of at most kMaxPointerTypeLength characters from a-z, 0-9 and '-'. Throws Error
// naming the stroke and sample (both counted from 1) otherwise.
void validate_ink(const InkSignature& ink);

// Converts to the network's Signature: x, y, time, and pressure when any stroke has it
// (strokes without pressure then get 0, as in signature_from_flat).
Signature signature_from_ink(const InkSignature& ink);

// Converts a Signature read from a file (SVC2004) to ink with the given pointer type.
InkSignature ink_from_signature(const Signature& signature, const std::string& pointer_type);

// Builds ink from the flat exchange format and one pointer type per stroke, then validates
// it. Throws Error on a malformed array, on a pressure or tilt channel that is present on
// some samples of a stroke and absent on others, and on anything validate_ink rejects.
InkSignature ink_from_flat(std::span<const double> values, const std::vector<std::string>& pointer_types);

// Writes ink in the flat exchange format. The pointer types are ink.strokes[i].pointer_type.
std::vector<double> ink_to_flat(const InkSignature& ink);

}  // namespace inkprint
