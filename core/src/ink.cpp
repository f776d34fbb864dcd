#include "inkprint/ink.hpp"

#include <cmath>
#include <string>

#include "inkprint/error.hpp"
#include "ink_checks.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

using detail::format_number;

std::string where(std::size_t stroke, std::size_t sample) {
    return "stroke " + std::to_string(stroke + 1) + ", sample " + std::to_string(sample + 1);
}

bool is_valid_pointer_type(const std::string& type) {
    if (type.size() > kMaxPointerTypeLength) return false;
    for (char c : type) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!allowed) return false;
    }
    return true;
}

void validate_channel(double value, bool present, double low, double high, const char* name,
                      const char* unit, std::size_t stroke, std::size_t sample) {
    if (!present) {
        if (!std::isnan(value)) {
            throw Error(where(stroke, sample) + " has a " + name + " (" + format_number(value) +
                        ") but its stroke has no " + name + " channel: give every sample of the "
                        "stroke a " + name + ", or none");
        }
        return;
    }
    if (std::isnan(value)) {
        throw Error(where(stroke, sample) + " has no " + name + ", but its stroke has a " + name +
                    " channel: give every sample of the stroke a " + name + ", or none");
    }
    if (!(value >= low && value <= high)) {
        throw Error(where(stroke, sample) + " has an invalid " + name + " (" + format_number(value) +
                    "): it must be a number from " + format_number(low) + " to " + format_number(high) +
                    unit);
    }
}

}  // namespace

namespace detail {

void check_stroke(const InkStroke& stroke, std::size_t s) {
    if (!is_valid_pointer_type(stroke.pointer_type)) {
        throw Error("stroke " + std::to_string(s + 1) + " has an invalid pointer type " +
                    (stroke.pointer_type.empty() ? "''" : quote_text_at(stroke.pointer_type, 0, kMaxPointerTypeLength)) +
                    ": use at most " +
                    std::to_string(kMaxPointerTypeLength) +
                    " characters from a-z, 0-9 and '-', such as mouse, pen or touch");
    }
    if (stroke.samples.empty()) {
        throw Error("stroke " + std::to_string(s + 1) + " has no samples: every stroke needs at least one");
    }
}

void check_sample(const InkStroke& stroke, std::size_t s, std::size_t i, double previous_t) {
    const InkSample& sample = stroke.samples[i];
    if (!std::isfinite(sample.x) || !std::isfinite(sample.y) || !std::isfinite(sample.t_ms)) {
        throw Error(where(s, i) + " has a value that is not a finite number (x " + format_number(sample.x) +
                    ", y " + format_number(sample.y) + ", t " + format_number(sample.t_ms) + ")");
    }
    if (std::abs(sample.x) > kMaxCoordinate || std::abs(sample.y) > kMaxCoordinate) {
        throw Error(where(s, i) + " has a coordinate beyond 1e15 (x " + format_number(sample.x) + ", y " +
                    format_number(sample.y) + "): rescale the input");
    }
    if (std::abs(sample.t_ms) > kMaxCoordinate) {
        throw Error(where(s, i) + " has a time beyond 1e15 ms (" + format_number(sample.t_ms) + ")");
    }
    if (sample.t_ms < previous_t) {
        throw Error(where(s, i) + " has time " + format_number(sample.t_ms) + " ms, before the previous sample's " +
                    format_number(previous_t) + " ms: times must never decrease");
    }
    validate_channel(sample.pressure, stroke.has_pressure, 0, 1, "pressure", "", s, i);
    validate_channel(sample.tilt_x, stroke.has_tilt, -90, 90, "tilt x", " degrees", s, i);
    validate_channel(sample.tilt_y, stroke.has_tilt, -90, 90, "tilt y", " degrees", s, i);
}

}  // namespace detail

std::size_t InkSignature::sample_count() const {
    std::size_t count = 0;
    for (const InkStroke& stroke : strokes) count += stroke.samples.size();
    return count;
}

void validate_ink(const InkSignature& ink) {
    if (ink.strokes.empty()) {
        throw Error("the signature has no strokes: draw or load a signature first");
    }
    if (ink.strokes.size() > kMaxInkStrokes) {
        throw Error("the signature has " + std::to_string(ink.strokes.size()) +
                    " strokes, more than the limit of " + std::to_string(kMaxInkStrokes) +
                    ": is this a signature?");
    }
    const std::size_t n_samples = ink.sample_count();
    if (n_samples > kMaxPoints) {
        throw Error("the signature has " + std::to_string(n_samples) + " samples, more than the limit of " +
                    std::to_string(kMaxPoints) + ": capture a shorter signature");
    }

    double previous_t = -INFINITY;
    for (std::size_t s = 0; s < ink.strokes.size(); ++s) {
        const InkStroke& stroke = ink.strokes[s];
        detail::check_stroke(stroke, s);
        for (std::size_t i = 0; i < stroke.samples.size(); ++i) {
            detail::check_sample(stroke, s, i, previous_t);
            previous_t = stroke.samples[i].t_ms;
        }
    }
}

Signature signature_from_ink(const InkSignature& ink) {
    Signature signature;
    for (const InkStroke& stroke : ink.strokes) {
        signature.has_pressure = signature.has_pressure || stroke.has_pressure;
    }
    signature.strokes.reserve(ink.strokes.size());
    for (const InkStroke& stroke : ink.strokes) {
        Stroke& out = signature.strokes.emplace_back();
        out.points.reserve(stroke.samples.size());
        for (const InkSample& sample : stroke.samples) {
            out.points.push_back({sample.x, sample.y, sample.t_ms, stroke.has_pressure ? sample.pressure : 0.0});
        }
    }
    return signature;
}

InkSignature ink_from_signature(const Signature& signature, const std::string& pointer_type) {
    InkSignature ink;
    ink.strokes.reserve(signature.strokes.size());
    for (const Stroke& stroke : signature.strokes) {
        InkStroke& out = ink.strokes.emplace_back();
        out.pointer_type = pointer_type;
        out.has_pressure = signature.has_pressure;
        out.samples.reserve(stroke.points.size());
        for (const Point& point : stroke.points) {
            InkSample sample;
            sample.x = point.x;
            sample.y = point.y;
            sample.t_ms = point.t_ms;
            if (signature.has_pressure) sample.pressure = point.pressure;
            out.samples.push_back(sample);
        }
    }
    return ink;
}

InkSignature ink_from_flat(std::span<const double> values, const std::vector<std::string>& pointer_types) {
    if (values.size() % kInkFlatStride != 0) {
        throw Error("ink array has " + std::to_string(values.size()) + " values, which is not a multiple of " +
                    std::to_string(kInkFlatStride) +
                    ": pass [x, y, t_ms, pressure, tilt_x, tilt_y, stroke_index] for each sample");
    }
    const std::size_t n_samples = values.size() / kInkFlatStride;
    if (n_samples > kMaxPoints) {
        throw Error("the signature has " + std::to_string(n_samples) + " samples, more than the limit of " +
                    std::to_string(kMaxPoints) + ": capture a shorter signature");
    }

    InkSignature ink;
    for (std::size_t i = 0; i < n_samples; ++i) {
        const double* p = values.data() + i * kInkFlatStride;
        const double stroke_index = p[6];
        const bool starts_stroke = stroke_index == static_cast<double>(ink.strokes.size());
        const bool continues_stroke = !ink.strokes.empty() && stroke_index == static_cast<double>(ink.strokes.size() - 1);
        if (!starts_stroke && !continues_stroke) {
            throw Error("sample " + std::to_string(i + 1) + " has stroke index " + format_number(stroke_index) +
                        " after stroke " + std::to_string(ink.strokes.size()) +
                        ": stroke indices must count 0, 1, 2, ... in order");
        }
        if (starts_stroke) {
            if (ink.strokes.size() >= kMaxInkStrokes) {
                throw Error("the signature has more than " + std::to_string(kMaxInkStrokes) + " strokes");
            }
            InkStroke& stroke = ink.strokes.emplace_back();
            stroke.has_pressure = !std::isnan(p[3]);
            stroke.has_tilt = !std::isnan(p[4]);
        }
        ink.strokes.back().samples.push_back({p[0], p[1], p[2], p[3], p[4], p[5]});
    }

    if (pointer_types.size() != ink.strokes.size()) {
        throw Error("got " + std::to_string(pointer_types.size()) + " pointer types for " +
                    std::to_string(ink.strokes.size()) + " strokes: pass one per stroke, \"\" when not known");
    }
    for (std::size_t s = 0; s < ink.strokes.size(); ++s) ink.strokes[s].pointer_type = pointer_types[s];
    validate_ink(ink);
    return ink;
}

std::vector<double> ink_to_flat(const InkSignature& ink) {
    std::vector<double> values;
    values.reserve(ink.sample_count() * kInkFlatStride);
    for (std::size_t s = 0; s < ink.strokes.size(); ++s) {
        for (const InkSample& sample : ink.strokes[s].samples) {
            values.insert(values.end(), {sample.x, sample.y, sample.t_ms, sample.pressure, sample.tilt_x,
                                         sample.tilt_y, static_cast<double>(s)});
        }
    }
    return values;
}

}  // namespace inkprint
