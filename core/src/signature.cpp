#include "inkprint/signature.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "inkprint/error.hpp"

namespace inkprint {

namespace {

std::string format_number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    return std::to_string(value);
}

}  // namespace

std::size_t Signature::point_count() const {
    std::size_t count = 0;
    for (const Stroke& stroke : strokes) count += stroke.points.size();
    return count;
}

Signature signature_from_flat(std::span<const double> values) {
    if (values.size() % kFlatPointStride != 0) {
        throw Error("point array has " + std::to_string(values.size()) +
                    " values, which is not a multiple of " + std::to_string(kFlatPointStride) +
                    ": pass [x, y, t_ms, pressure, stroke_index] for each point");
    }
    const std::size_t n_points = values.size() / kFlatPointStride;
    if (n_points > kMaxPoints) {
        throw Error("signature has " + std::to_string(n_points) + " points, more than the limit of " +
                    std::to_string(kMaxPoints) + ": capture a shorter signature");
    }

    Signature signature;
    double previous_stroke = -1;
    for (std::size_t i = 0; i < n_points; ++i) {
        const double* p = values.data() + i * kFlatPointStride;
        const char* names[] = {"x", "y", "t_ms"};
        for (int k = 0; k < 3; ++k) {
            if (!std::isfinite(p[k])) {
                throw Error("point " + std::to_string(i) + " has an invalid " + names[k] + " (" +
                            format_number(p[k]) + "): every coordinate and time must be finite");
            }
        }
        if (std::abs(p[0]) > kMaxCoordinate || std::abs(p[1]) > kMaxCoordinate || std::abs(p[2]) > kMaxCoordinate) {
            throw Error("point " + std::to_string(i) + " has a value beyond 1e15 (x " + format_number(p[0]) + ", y " +
                        format_number(p[1]) + ", t_ms " + format_number(p[2]) +
                        "): rescale the coordinates, or count time from the signature's start");
        }
        if (i > 0 && p[2] < p[2 - static_cast<std::ptrdiff_t>(kFlatPointStride)]) {
            throw Error("point " + std::to_string(i) + " has time " + format_number(p[2]) +
                        " ms, before the previous point's " +
                        format_number(p[2 - static_cast<std::ptrdiff_t>(kFlatPointStride)]) +
                        " ms: times must never decrease, so pass the points in the order they were drawn");
        }
        const double stroke_index = p[4];
        if (!std::isfinite(stroke_index) || stroke_index < previous_stroke ||
            stroke_index != std::floor(stroke_index)) {
            throw Error("point " + std::to_string(i) + " has an invalid stroke index (" +
                        format_number(stroke_index) +
                        "): stroke indices must be whole numbers that never decrease");
        }
        if (stroke_index != previous_stroke) {
            signature.strokes.emplace_back();
            previous_stroke = stroke_index;
        }
        const bool has_pressure = !std::isnan(p[3]);
        if (has_pressure && !std::isfinite(p[3])) {
            throw Error("point " + std::to_string(i) + " has an invalid pressure (" +
                        format_number(p[3]) + "): use a finite value, or NaN for no pressure");
        }
        signature.has_pressure = signature.has_pressure || has_pressure;
        signature.strokes.back().points.push_back({p[0], p[1], p[2], has_pressure ? p[3] : 0.0});
    }
    return signature;
}

std::vector<double> signature_to_flat(const Signature& signature) {
    std::vector<double> values;
    values.reserve(signature.point_count() * kFlatPointStride);
    const double no_pressure = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t s = 0; s < signature.strokes.size(); ++s) {
        for (const Point& point : signature.strokes[s].points) {
            values.insert(values.end(), {point.x, point.y, point.t_ms,
                                         signature.has_pressure ? point.pressure : no_pressure,
                                         static_cast<double>(s)});
        }
    }
    return values;
}

void validate_signature(const Signature& signature) {
    const std::size_t n_points = signature.point_count();
    if (n_points == 0) {
        throw Error("signature is empty: draw or load a signature first");
    }
    if (n_points < 2) {
        throw Error("signature has only 1 point, and at least 2 are needed (" + std::to_string(kMinEnrolmentPoints) +
                    " to enrol): press Clear and sign in full, or load a longer signature, not a single tap");
    }
    if (n_points > kMaxPoints) {
        throw Error("signature has " + std::to_string(n_points) + " points, more than the limit of " +
                    std::to_string(kMaxPoints) + ": capture a shorter signature");
    }

    const Point* first = nullptr;
    bool has_extent = false;
    std::size_t index = 0;
    for (std::size_t s = 0; s < signature.strokes.size(); ++s) {
        const Stroke& stroke = signature.strokes[s];
        if (stroke.points.empty()) {
            throw Error("stroke " + std::to_string(s + 1) + " has no points: leave empty strokes out");
        }
        for (const Point& point : stroke.points) {
            if (signature.has_pressure && !std::isfinite(point.pressure)) {
                throw Error("point " + std::to_string(index) + " has a non-finite pressure (" +
                            format_number(point.pressure) + "): give every point a finite pressure, or mark the "
                            "signature as having none");
            }
            if (!std::isfinite(point.x) || !std::isfinite(point.y) || !std::isfinite(point.t_ms)) {
                throw Error("point " + std::to_string(index) + " has a non-finite value (x " +
                            format_number(point.x) + ", y " + format_number(point.y) + ", t " +
                            format_number(point.t_ms) + "): every coordinate and time must be finite");
            }
            // Beyond 1e15 the squared distances used in normalisation lose all precision.
            if (std::abs(point.x) > 1e15 || std::abs(point.y) > 1e15) {
                throw Error("point " + std::to_string(index) + " has a coordinate beyond 1e15 (x " +
                            format_number(point.x) + ", y " + format_number(point.y) +
                            "): rescale the input");
            }
            if (first == nullptr) first = &point;
            has_extent = has_extent || point.x != first->x || point.y != first->y;
            ++index;
        }
    }
    if (!has_extent) {
        throw Error("signature has " + std::to_string(n_points) +
                    " points all at the same position: sign with a visible stroke");
    }
}

namespace {

// Writes `ms` in seconds rounded up to a tenth, so that a time just over a limit never reads as
// the limit itself.
std::string seconds_rounded_up(double ms) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f", std::ceil(ms / 100) / 10);
    return text;
}

// Writes `value` with one decimal, such as "4.2".
std::string one_decimal(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

// Writes `value` with three significant digits, such as "2.83" or "22.4", and from 100 on as a
// whole number, such as "1253".
std::string three_digits(double value) {
    char text[64];
    std::snprintf(text, sizeof text, std::abs(value) >= 100 ? "%.0f" : "%.3g", value);
    return text;
}

// Throws Error when `signature` pauses longer than kMaxEnrolmentPauseMs or lasts longer than
// kMaxEnrolmentDurationMs. `what` names the kind of signature in the message, and the advice
// strings tell the user what to do about each.
void check_pauses_and_duration(const Signature& signature, const std::string& what, const std::string& pause_advice,
                               const std::string& duration_advice) {
    // The maximum pause, and the strokes (counted from 1) on either side of it.
    double pause_ms = 0;
    std::size_t before = 0;
    std::size_t after = 0;
    const Point* previous = nullptr;
    std::size_t previous_stroke = 0;
    for (std::size_t s = 0; s < signature.strokes.size(); ++s) {
        for (const Point& point : signature.strokes[s].points) {
            if (previous != nullptr && point.t_ms - previous->t_ms > pause_ms) {
                pause_ms = point.t_ms - previous->t_ms;
                before = previous_stroke + 1;
                after = s + 1;
            }
            previous = &point;
            previous_stroke = s;
        }
    }
    if (pause_ms > kMaxEnrolmentPauseMs) {
        const std::string where = before == after ? "within stroke " + std::to_string(before)
                                                  : "between strokes " + std::to_string(before) + " and " +
                                                        std::to_string(after);
        throw Error("the signature pauses for " + seconds_rounded_up(pause_ms) + " s " + where + ", longer than the " +
                    std::to_string(std::lround(kMaxEnrolmentPauseMs / 1000)) + " s " + what + " may pause: " +
                    pause_advice);
    }
    const double duration_ms = signature.strokes.back().points.back().t_ms - signature.strokes.front().points.front().t_ms;
    if (duration_ms > kMaxEnrolmentDurationMs) {
        throw Error("the signature lasts " + seconds_rounded_up(duration_ms) + " s from its first to its last sample, longer "
                    "than the " + std::to_string(std::lround(kMaxEnrolmentDurationMs / 1000)) + " s " + what +
                    " may last: " + duration_advice);
    }
}

}  // namespace

void check_enrolment_signature(const Signature& signature) {
    validate_signature(signature);
    const std::size_t points = signature.point_count();
    if (points < kMinEnrolmentPoints) {
        throw Error("this signature has only " + std::to_string(points) + " samples, fewer than the " +
                    std::to_string(kMinEnrolmentPoints) + " an enrolment signature needs: press Clear, sign in "
                    "full (not a tap or a dash), then enrol");
    }
    double pen_down_ms = 0;
    for (const Stroke& stroke : signature.strokes) pen_down_ms += stroke.points.back().t_ms - stroke.points.front().t_ms;
    if (pen_down_ms < kMinEnrolmentPenDownMs) {
        // Rounded down, so that 199.6 ms does not read as 200.
        throw Error("the pen was down for only " + std::to_string(static_cast<long>(std::floor(pen_down_ms))) +
                    " ms, less than the " + std::to_string(std::lround(kMinEnrolmentPenDownMs)) +
                    " ms an enrolment signature needs: press Clear, sign in full (not a tap or a dash), then enrol");
    }
    check_pauses_and_duration(signature, "an enrolment signature",
                              "press Clear and sign without stopping (or load a signature without such a pause), "
                              "then enrol",
                              "press Clear and sign again (or load a shorter signature), then enrol");
}

double signature_size(const Signature& signature) {
    double min_x = std::numeric_limits<double>::infinity(), max_x = -min_x;
    double min_y = min_x, max_y = -min_x;
    for (const Stroke& stroke : signature.strokes) {
        for (const Point& p : stroke.points) {
            min_x = std::min(min_x, p.x);
            max_x = std::max(max_x, p.x);
            min_y = std::min(min_y, p.y);
            max_y = std::max(max_y, p.y);
        }
    }
    return max_x >= min_x ? std::hypot(max_x - min_x, max_y - min_y) : 0.0;
}

void check_enrolment_size(const Signature& signature, const std::vector<Signature>& enrolled) {
    if (enrolled.empty()) return;
    // The enrolled signature closest in size, by ratio: a person who enrols both files and
    // drawings has signatures in two units, and the candidate is compared with its own kind.
    const double size = signature_size(signature);
    double closest = signature_size(enrolled.front());
    const auto distance = [size](double other) {
        if (size <= 0 || other <= 0) return std::numeric_limits<double>::infinity();
        return std::abs(std::log(size / other));
    };
    for (const Signature& other : enrolled) {
        const double other_size = signature_size(other);
        if (distance(other_size) < distance(closest)) closest = other_size;
    }
    const bool smaller = size * kMaxEnrolmentSizeRatio < closest;
    if (!smaller && size <= closest * kMaxEnrolmentSizeRatio) return;

    const std::string others = enrolled.size() == 1 ? "the enrolment signature so far"
                                                    : "every enrolment signature so far";
    std::string ratio = one_decimal(size / closest);
    if (smaller) ratio = size > 0 ? one_decimal(closest / size) : "infinitely many";
    const std::string theirs = enrolled.size() == 1 ? "its" : "the closest in size";
    throw Error("this signature is " + ratio + " times " + (smaller ? "smaller" : "larger") + " than " + others +
                " (the diagonal of its bounding box is " + three_digits(size) + " against " + three_digits(closest) +
                " for " + theirs + "), more than the factor of " + one_decimal(kMaxEnrolmentSizeRatio) +
                " by which one person's signatures may differ: press Clear and sign at your usual size. If an earlier "
                "enrolment signature was the odd one, press Forget and enrol again. Files keep their own units: if "
                "the earlier signatures were imported and this one drawn, or the reverse, enrol this one under "
                "another name");
}

void check_training_signature(const Signature& signature) {
    validate_signature(signature);
    check_pauses_and_duration(signature, "a signature for training",
                              "leave it out of the training data, or record it again without stopping",
                              "leave it out of the training data, or record it again");
}

}  // namespace inkprint
