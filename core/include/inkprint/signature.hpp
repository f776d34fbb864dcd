// Stroke model: a signature is a list of pen-down strokes, each a list of timed samples.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace inkprint {

// One sample of the pen or pointer.
struct Point {
    double x = 0;         // horizontal position, any unit (tablet counts, CSS pixels)
    double y = 0;         // vertical position, growing downward as on a screen
    double t_ms = 0;      // time in milliseconds, any origin
    double pressure = 0;  // 0..1 when the device measures it; see Signature::has_pressure
};

// Samples from one pen-down to the next pen-up.
struct Stroke {
    std::vector<Point> points;
};

struct Signature {
    std::vector<Stroke> strokes;
    bool has_pressure = false;  // false for mouse and for tablets without a pressure channel

    std::size_t point_count() const;
};

// Maximum number of samples accepted in one signature. A minute of 1 kHz pen input is
// 60,000 samples, so anything larger is a runaway capture or a wrong file.
inline constexpr std::size_t kMaxPoints = 100000;

// Largest magnitude accepted for a coordinate or a time. Beyond it the squared distances used
// in normalisation lose all precision.
inline constexpr double kMaxCoordinate = 1e15;

// Values per point in the flat exchange format used by the bindings and the page:
// [x, y, t_ms, pressure, stroke_index], with pressure NaN when the device has none and
// stroke_index counting 0, 1, 2, ... without going back.
inline constexpr std::size_t kFlatPointStride = 5;

// Builds a signature from the flat exchange format. Throws Error on a length that is not a
// multiple of kFlatPointStride, on non-finite values, on coordinates or times beyond
// kMaxCoordinate, on times that go back and on stroke indices that go back.
Signature signature_from_flat(std::span<const double> values);

// Writes a signature in the flat exchange format.
std::vector<double> signature_to_flat(const Signature& signature);

// Checks that a signature can be turned into features: at least two points, no empty stroke,
// finite values (pressure too, when the signature has it), at most kMaxPoints points, and a
// drawing that is not a single dot. Throws Error otherwise.
void validate_signature(const Signature& signature);

// Minimum pen-down time and number of samples of a signature to enrol. They turn away taps and
// dashes, which say nothing of the writer. No genuine SVC2004 signature has under 741 ms or 80 samples.
inline constexpr double kMinEnrolmentPenDownMs = 200;
inline constexpr std::size_t kMinEnrolmentPoints = 10;

// Maximum pause between two samples of a signature to enrol or to train on. A writer who stops
// for minutes has left the pad, and the signature's duration would mislead every comparison
// with it. The longest pause in any SVC2004 signature is 27.7 s.
inline constexpr double kMaxEnrolmentPauseMs = 60000;

// Maximum time from the first to the last sample of a signature to enrol or to train on, for
// the same reason.
// The longest SVC2004 signature lasts 32.8 s.
inline constexpr double kMaxEnrolmentDurationMs = 120000;

// Checks a signature that is to be enrolled: what validate_signature checks, and at least
// kMinEnrolmentPenDownMs of pen-down time, kMinEnrolmentPoints samples, no pause longer
// than kMaxEnrolmentPauseMs and no more than kMaxEnrolmentDurationMs in all. Throws Error
// naming the value otherwise. Queries are not held to
// this: such a query is simply rejected.
void check_enrolment_signature(const Signature& signature);

// Largest factor by which a new enrolment signature's size (the diagonal of its bounding box)
// may differ from the closest in size of the person's enrolment signatures so far. Features are
// scaled to each signature's size, so a scribble a few pixels wide looks like wild variation of
// the person's hand and lets more forgeries pass. Two genuine SVC2004 signatures of one writer
// differ by at most 1.75 times; the margin above that allows a pad of another width.
inline constexpr double kMaxEnrolmentSizeRatio = 5.0;

// Returns the diagonal of the signature's bounding box, over every stroke.
double signature_size(const Signature& signature);

// Checks that `signature` is within kMaxEnrolmentSizeRatio of the signature_size() of the
// closest in size of `enrolled`, the person's enrolment signatures so far (no check when there
// are none). The closest, not the median, because files keep their own units: a person may
// enrol signatures imported in tablet units beside others drawn in pixels. Throws Error giving
// both sizes otherwise.
void check_enrolment_size(const Signature& signature, const std::vector<Signature>& enrolled);

// Checks a signature that is to be trained on: what validate_signature checks, no pause longer
// than kMaxEnrolmentPauseMs and no more than kMaxEnrolmentDurationMs in all. Throws Error naming
// the value otherwise. Short signatures are accepted, because a training set may hold them.
void check_training_signature(const Signature& signature);

}  // namespace inkprint
