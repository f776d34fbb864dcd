#include "inkprint/svc2004.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "inkprint/error.hpp"
#include "ink_checks.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

// Splits a line into whole numbers. Returns false when a field is not an integer.
bool parse_integers(std::string_view line, std::vector<long long>& fields) {
    fields.clear();
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        if (i == line.size()) break;
        long long value = 0;
        const auto [end, error] = std::from_chars(line.data() + i, line.data() + line.size(), value);
        if (error != std::errc() ||
            (end != line.data() + line.size() && *end != ' ' && *end != '\t' && *end != '\r')) {
            return false;
        }
        fields.push_back(value);
        i = static_cast<std::size_t>(end - line.data());
    }
    return true;
}

}  // namespace

Signature parse_svc2004(std::string_view text, const std::string& source) {
    std::vector<long long> fields;
    std::size_t line_number = 0;
    std::size_t position = 0;
    auto next_line = [&](std::string_view& line) {
        if (position >= text.size()) return false;
        std::size_t end = text.find('\n', position);
        if (end == std::string_view::npos) end = text.size();
        line = text.substr(position, end - position);
        position = end + 1;
        ++line_number;
        return true;
    };

    std::string_view line;
    if (!next_line(line) || !parse_integers(line, fields) || fields.size() != 1 || fields[0] < 1) {
        throw Error(source + ": line 1 must hold the number of points, found " +
                    detail::quote_text_at(line, 0, 40) + ": is this an SVC2004 signature file?");
    }
    const long long declared = fields[0];
    if (declared > static_cast<long long>(kMaxPoints)) {
        throw Error(source + ": declares " + std::to_string(declared) +
                    " points, more than the limit of " + std::to_string(kMaxPoints));
    }

    Signature signature;
    std::size_t columns = 0;
    double previous_t = 0;
    for (long long i = 0; i < declared; ++i) {
        if (!next_line(line)) {
            throw Error(source + ": declares " + std::to_string(declared) + " points but has only " +
                        std::to_string(i) + ": the file is truncated");
        }
        if (!parse_integers(line, fields) || (fields.size() != 4 && fields.size() != 7)) {
            throw Error(source + ": line " + std::to_string(line_number) +
                        " must hold 4 (Task 1) or 7 (Task 2) whole numbers, found " +
                        detail::quote_text_at(line, 0, 60));
        }
        if (columns == 0) columns = fields.size();
        if (fields.size() != columns) {
            throw Error(source + ": line " + std::to_string(line_number) + " has " +
                        std::to_string(fields.size()) + " numbers where earlier lines have " +
                        std::to_string(columns));
        }

        // Checked here too, so that the error names the line rather than the stroke and sample.
        const auto beyond = [](long long value) {
            constexpr auto limit = static_cast<long long>(kMaxCoordinate);
            return value > limit || value < -limit;
        };
        if (beyond(fields[0]) || beyond(fields[1])) {
            throw Error(source + ": line " + std::to_string(line_number) + " has a coordinate beyond 1e15 (x " +
                        std::to_string(fields[0]) + ", y " + std::to_string(fields[1]) +
                        "): correct the first two columns of that line");
        }
        if (beyond(fields[2])) {
            throw Error(source + ": line " + std::to_string(line_number) + " has time " + std::to_string(fields[2]) +
                        " ms, beyond 1e15 ms: correct the third column of that line");
        }

        Point point;
        point.x = static_cast<double>(fields[0]);
        point.y = static_cast<double>(fields[1]);
        point.t_ms = static_cast<double>(fields[2]);
        const long long button = fields[3];
        if (columns == 7) {
            // Checked here, where the line and the file's own value can still be named.
            if (fields[6] < 0 || fields[6] > static_cast<long long>(kSvc2004MaxPressure)) {
                throw Error(source + ": line " + std::to_string(line_number) + " has pressure " +
                            std::to_string(fields[6]) + ", outside the 0 to " +
                            std::to_string(std::lround(kSvc2004MaxPressure)) +
                            " of SVC2004 tablets: correct the seventh column of that line");
            }
            point.pressure = static_cast<double>(fields[6]) / kSvc2004MaxPressure;
        }

        const bool starts_stroke = signature.strokes.empty() || button == 0 ||
                                   point.t_ms - previous_t > kStrokeGapMs;
        // A few SVC2004 files step back by up to 25 ms, which is clamped because time must never
        // decrease for resampling. A larger step back means the lines are out of order.
        if (!signature.strokes.empty() && point.t_ms < previous_t - kMaxSvc2004StepBackMs) {
            throw Error(source + ": line " + std::to_string(line_number) + " has time " + std::to_string(fields[2]) +
                        " ms, " + std::to_string(std::llround(previous_t - point.t_ms)) +
                        " ms before the line above it: times must not go back by more than " +
                        std::to_string(std::lround(kMaxSvc2004StepBackMs)) + " ms, so put the lines in time order");
        }
        if (!signature.strokes.empty() && point.t_ms < previous_t) point.t_ms = previous_t;
        previous_t = point.t_ms;
        if (starts_stroke) signature.strokes.emplace_back();
        signature.strokes.back().points.push_back(point);
    }
    while (next_line(line)) {
        if (!parse_integers(line, fields) || !fields.empty()) {
            throw Error(source + ": line " + std::to_string(line_number) + " follows the " +
                        std::to_string(declared) + " declared points: the point count is wrong");
        }
    }
    // A tablet without a pressure sensor writes one value, often 0, on every line. A real sensor
    // practically never keeps one reading over a whole signature, so such a file counts as
    // having no pressure, as the page's pad treats a pen that reports a constant placeholder.
    bool pressure_varies = false;
    const double first_pressure = signature.strokes.front().points.front().pressure;
    for (const Stroke& stroke : signature.strokes) {
        for (const Point& point : stroke.points) pressure_varies = pressure_varies || point.pressure != first_pressure;
    }
    signature.has_pressure = columns == 7 && pressure_varies;
    return signature;
}

InkSignature parse_svc2004_ink(std::string_view text, const std::string& source) {
    InkSignature ink = ink_from_signature(parse_svc2004(text, source), "pen");
    try {
        validate_ink(ink);
    } catch (const Error& error) {
        throw Error(source + ": " + error.what());
    }
    return ink;
}

std::string write_svc2004(const InkSignature& ink) {
    validate_ink(ink);
    const bool has_pressure = ink.strokes.front().has_pressure;
    for (std::size_t s = 0; s < ink.strokes.size(); ++s) {
        if (ink.strokes[s].has_pressure != has_pressure) {
            throw Error("stroke " + std::to_string(s + 1) + (has_pressure ? " has no pressure" : " has pressure") +
                        " but stroke 1 " + (has_pressure ? "has" : "has none") +
                        ": SVC2004 files have pressure on every point or on none, so export this signature "
                        "as JSON or InkML instead");
        }
    }

    // SVC2004 stores whole numbers, so a signature drawn within less than one unit would be
    // written as a single position, which no reader accepts. Rounding never reorders values,
    // so the rounded extremes are those of the rounded points.
    double low_x = ink.strokes.front().samples.front().x, high_x = low_x;
    double low_y = ink.strokes.front().samples.front().y, high_y = low_y;
    for (const InkStroke& stroke : ink.strokes) {
        for (const InkSample& sample : stroke.samples) {
            low_x = std::min(low_x, sample.x);
            high_x = std::max(high_x, sample.x);
            low_y = std::min(low_y, sample.y);
            high_y = std::max(high_y, sample.y);
        }
    }
    if (std::llround(low_x) == std::llround(high_x) && std::llround(low_y) == std::llround(high_y)) {
        throw Error("the signature spans only " + detail::format_number(high_x - low_x) + " by " +
                    detail::format_number(high_y - low_y) + " units, and SVC2004 files store whole numbers, so every point "
                    "would be written at the same position: export it as JSON or InkML instead, which keep the values "
                    "as they are");
    }

    std::string out = std::to_string(ink.sample_count()) + "\n";
    for (const InkStroke& stroke : ink.strokes) {
        for (std::size_t i = 0; i < stroke.samples.size(); ++i) {
            const InkSample& sample = stroke.samples[i];
            out += std::to_string(std::llround(sample.x)) + " " + std::to_string(std::llround(sample.y)) + " " +
                   std::to_string(std::llround(sample.t_ms)) + (i == 0 ? " 0" : " 1");
            if (has_pressure) {
                out += " 0 0 " + std::to_string(std::llround(sample.pressure * kSvc2004MaxPressure));
            }
            out += "\n";
        }
    }
    return out;
}

Signature read_svc2004_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw Error("cannot open SVC2004 file " + path.string() + ": check that it exists");
    }
    std::ostringstream buffer;
    buffer << file.rdbuf();
    return parse_svc2004(buffer.str(), path.string());
}

std::vector<Svc2004User> read_svc2004_task(const std::filesystem::path& task_folder,
                                           int first_user, int last_user) {
    if (!std::filesystem::is_directory(task_folder)) {
        throw Error("SVC2004 folder " + task_folder.string() +
                    " not found: place the SVC2004 Task1 and Task2 folders under one directory "
                    "and set INKPRINT_SVC2004_DIR to it");
    }
    std::vector<Svc2004User> users;
    for (int user = first_user; user <= last_user; ++user) {
        Svc2004User entry;
        entry.user = user;
        for (int n = 1; n <= 40; ++n) {
            // Built step by step: one concatenation of temporaries makes GCC 12 warn wrongly (-Wrestrict).
            std::string name = "U";
            name += std::to_string(user);
            name += "S";
            name += std::to_string(n);
            name += ".TXT";
            Signature signature = read_svc2004_file(task_folder / name);
            (n <= 20 ? entry.genuine : entry.forgeries).push_back(std::move(signature));
        }
        users.push_back(std::move(entry));
    }
    return users;
}

std::filesystem::path svc2004_folder(const std::filesystem::path& fallback) {
    const char* configured = std::getenv("INKPRINT_SVC2004_DIR");
    if (configured != nullptr && *configured != '\0') return configured;
    return fallback;
}

}  // namespace inkprint
