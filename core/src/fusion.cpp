#include "inkprint/fusion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/verifier.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

using detail::format_number;

// Bounds on the stored fusion and calibration numbers. Trained values are far inside them, and
// values beyond them would turn scores into infinities.
constexpr double kMaxParameterMagnitude = 1e6;
constexpr double kMinDeviation = 1e-9;

// Smallest mean cosine distance among enrolment embeddings that the normalised rule divides
// by. It only matters for enrolment signatures that are nearly copies of each other.
constexpr double kMinimumCosineSpread = 1e-3;

void check_finite(std::span<const float> values, const char* what) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            throw Error(std::string(what) + " has a non-finite value at index " + std::to_string(i) +
                        ": compute it again with this model");
        }
    }
}

// Reads the one JSON object that a model description is, far enough to find its top-level
// "fusion" member. Other members are checked for JSON syntax and skipped.
class DescriptionReader {
public:
    explicit DescriptionReader(std::string_view text) : text_(text) {}

    std::optional<FusionParameters> read() {
        std::optional<FusionParameters> fusion;
        skip_space();
        read_object("the model description", [&](const std::string& key) {
            if (key != "fusion") {
                skip_value(1);
                return;
            }
            if (fusion) fail("the key \"fusion\" appears twice");
            fusion = read_fusion_object();
        });
        skip_space();
        if (position_ != text_.size()) fail("unexpected text after the description's JSON object");
        return fusion;
    }

private:
    // Deeper nesting than any description the tools write is taken as damage.
    static constexpr int kMaxDepth = 32;

    // Reads a JSON object whose '{' comes next, calling read_value(key) at each member's value,
    // which read_value must consume. `what` names the object in messages.
    template <class ReadValue>
    void read_object(const std::string& what, ReadValue read_value) {
        expect('{', what + " must be a JSON object");
        skip_space();
        if (peek() == '}') {
            ++position_;
            return;
        }
        for (;;) {
            skip_space();
            const std::string key = read_string();
            skip_space();
            expect(':', "expected ':' after the key \"" + key + "\"");
            skip_space();
            read_value(key);
            skip_space();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            expect('}', "expected ',' or '}' in " + what);
            return;
        }
    }

    // Returns the index of `key` in `keys` and marks it in `seen`. Fails on an unknown or
    // repeated key of the object `what`.
    template <std::size_t N>
    std::size_t mark_key(const std::string& key, const char* const (&keys)[N], bool (&seen)[N], const std::string& what) {
        const auto found = std::find_if(std::begin(keys), std::end(keys), [&](const char* name) { return key == name; });
        if (found == std::end(keys)) fail("unknown key \"" + key + "\" in " + what);
        const auto index = static_cast<std::size_t>(found - std::begin(keys));
        if (seen[index]) fail("the key \"" + key + "\" appears twice in " + what);
        seen[index] = true;
        return index;
    }

    [[noreturn]] void fail(const std::string& message) const {
        throw Error("model description, at character " + std::to_string(position_) + ": " + message +
                    "; train the model again or fix its description");
    }

    char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }

    void expect(char c, const std::string& message) {
        if (peek() != c) fail(message);
        ++position_;
    }

    void skip_space() {
        while (position_ < text_.size() &&
               (text_[position_] == ' ' || text_[position_] == '\n' || text_[position_] == '\r' ||
                text_[position_] == '\t')) {
            ++position_;
        }
    }

    // Reads a string. Escapes are kept as written: the keys that matter here have none.
    std::string read_string() {
        expect('"', "expected a string");
        std::string value;
        while (position_ < text_.size() && text_[position_] != '"') {
            if (text_[position_] == '\\') {
                if (position_ + 1 >= text_.size()) break;
                value += text_[position_++];
            } else if (static_cast<unsigned char>(text_[position_]) < 0x20) {
                fail("control character inside a string");
            }
            value += text_[position_++];
        }
        expect('"', "unterminated string");
        return value;
    }

    double read_number() {
        const std::size_t length = detail::scan_number(text_.substr(position_), detail::NumberSyntax::Json);
        double value = 0;
        if (length == 0 || !detail::parse_number(text_.substr(position_, length), detail::NumberSyntax::Json, value)) {
            fail("expected a finite number");
        }
        position_ += length;
        return value;
    }

    void skip_value(int depth) {
        if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        const char c = peek();
        if (c == '"') {
            read_string();
        } else if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++position_;
            skip_space();
            if (peek() == close) {
                ++position_;
                return;
            }
            for (;;) {
                skip_space();
                if (c == '{') {
                    read_string();
                    skip_space();
                    expect(':', "expected ':' after a key");
                    skip_space();
                }
                skip_value(depth + 1);
                skip_space();
                if (peek() == ',') {
                    ++position_;
                    continue;
                }
                expect(close, std::string("expected ',' or '") + close + "'");
                return;
            }
        } else if (text_.substr(position_, 4) == "true" || text_.substr(position_, 4) == "null") {
            position_ += 4;
        } else if (text_.substr(position_, 5) == "false") {
            position_ += 5;
        } else {
            read_number();
        }
    }

    FusionParameters read_fusion_object() {
        FusionParameters fusion;
        constexpr std::size_t kKeyCount = 10;
        bool seen[kKeyCount] = {};
        // The first three members are names, the last an object, the others numbers.
        // "dtwSequence" and "dtwCalibration" may be missing.
        const char* const keys[kKeyCount] = {"embeddingScore", "dtwNormalisation", "dtwSequence", "dtwWeight",
                                             "tdnnMean",       "tdnnDeviation",    "dtwMean",     "dtwDeviation",
                                             "threshold",      "dtwCalibration"};
        double* const numbers[kKeyCount] = {nullptr,
                                            nullptr,
                                            nullptr,
                                            &fusion.dtw_weight,
                                            &fusion.tdnn_mean,
                                            &fusion.tdnn_deviation,
                                            &fusion.dtw_mean,
                                            &fusion.dtw_deviation,
                                            &fusion.threshold,
                                            nullptr};

        read_object("\"fusion\"", [&](const std::string& key) {
            const std::size_t index = mark_key(key, keys, seen, "\"fusion\"");
            if (index < 3) {
                const std::string name = read_string();
                try {
                    if (index == 0) fusion.embedding_score = parse_embedding_score(name);
                    else if (index == 1) fusion.dtw_normalisation = parse_distance_normalisation(name);
                    else fusion.dtw_sequence = parse_dtw_sequence(name);
                } catch (const Error& error) {
                    fail(error.what());
                }
            } else if (index == kKeyCount - 1) {
                fusion.dtw_calibration = read_calibration();
            } else {
                *numbers[index] = read_number();
            }
        });

        for (std::size_t i = 0; i < kKeyCount; ++i) {
            if (!seen[i] && i != 2 && i != kKeyCount - 1) fail(std::string("\"fusion\" has no \"") + keys[i] + "\"");
        }
        // A calibration is fitted to one sequence, so a calibrated fusion must name it, and a
        // calibration that nothing reads is a sign of a damaged description.
        if (fusion.dtw_normalisation == DistanceNormalisation::Calibrated) {
            if (!seen[2]) fail("a calibrated \"fusion\" needs \"dtwSequence\"");
            if (!seen[kKeyCount - 1]) fail("a calibrated \"fusion\" needs \"dtwCalibration\"");
        } else if (seen[kKeyCount - 1]) {
            fail("\"dtwCalibration\" is read only with \"dtwNormalisation\":\"calibrated\"");
        }
        try {
            fusion.validate();
        } catch (const Error& error) {
            fail(error.what());
        }
        return fusion;
    }

    std::vector<double> read_numbers(const std::string& name) {
        std::vector<double> values;
        expect('[', "expected a list of numbers");
        skip_space();
        if (peek() == ']') {
            ++position_;
            return values;
        }
        for (;;) {
            skip_space();
            if (values.size() >= 64) {
                // The template sequence has the longest calibration of all the sequences.
                fail("\"" + name + "\" in \"dtwCalibration\" has more than 64 numbers, where at most " +
                     std::to_string(dtw_statistic_count(DtwSequence::DynamicsTemplate)) + " are expected");
            }
            values.push_back(read_number());
            skip_space();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            expect(']', "expected ',' or ']' in a list of numbers");
            return values;
        }
    }

    DtwCalibration read_calibration() {
        DtwCalibration calibration;
        const char* const keys[4] = {"mean", "deviation", "weights", "bias"};
        bool seen[4] = {};
        read_object("\"dtwCalibration\"", [&](const std::string& key) {
            const std::size_t index = mark_key(key, keys, seen, "\"dtwCalibration\"");
            if (index == 0) calibration.mean = read_numbers(key);
            else if (index == 1) calibration.deviation = read_numbers(key);
            else if (index == 2) calibration.weights = read_numbers(key);
            else calibration.bias = read_number();
        });
        if (!(seen[0] && seen[1] && seen[2] && seen[3])) {
            fail("\"dtwCalibration\" needs \"mean\", \"deviation\", \"weights\" and \"bias\"");
        }
        return calibration;
    }

    std::string_view text_;
    std::size_t position_ = 0;
};

}  // namespace

const char* embedding_score_name(EmbeddingScore rule) {
    switch (rule) {
        case EmbeddingScore::Reference: return "reference";
        case EmbeddingScore::MeanCosine: return "mean";
        case EmbeddingScore::MaxCosine: return "max";
        case EmbeddingScore::Normalised: return "normalised";
        case EmbeddingScore::Nearest: return "nearest";
    }
    return "reference";
}

EmbeddingScore parse_embedding_score(std::string_view name) {
    for (EmbeddingScore rule : {EmbeddingScore::Reference, EmbeddingScore::MeanCosine, EmbeddingScore::MaxCosine,
                                EmbeddingScore::Normalised, EmbeddingScore::Nearest}) {
        if (name == embedding_score_name(rule)) return rule;
    }
    throw Error("unknown embedding score rule \"" + std::string(name) +
                "\": use \"reference\", \"mean\", \"max\", \"normalised\" or \"nearest\"");
}

const char* distance_normalisation_name(DistanceNormalisation rule) {
    switch (rule) {
        case DistanceNormalisation::Nearest: return "nearest";
        case DistanceNormalisation::Calibrated: return "calibrated";
        case DistanceNormalisation::Mean: break;
    }
    return "mean";
}

DistanceNormalisation parse_distance_normalisation(std::string_view name) {
    if (name == "mean") return DistanceNormalisation::Mean;
    if (name == "nearest") return DistanceNormalisation::Nearest;
    if (name == "calibrated") return DistanceNormalisation::Calibrated;
    throw Error("unknown distance normalisation \"" + std::string(name) +
                "\": use \"mean\", \"nearest\" or \"calibrated\"");
}

std::vector<double> signature_descriptors(const Signature& signature) {
    validate_signature(signature);
    const double start = signature.strokes.front().points.front().t_ms;
    const double end = signature.strokes.back().points.back().t_ms;
    double pen_down_ms = 0, path = 0, cx = 0, cy = 0;
    double left = std::numeric_limits<double>::infinity(), right = -left, top = left, bottom = -left;
    std::size_t count = 0;

    for (const Stroke& stroke : signature.strokes) {
        if (stroke.points.empty()) continue;
        pen_down_ms += stroke.points.back().t_ms - stroke.points.front().t_ms;
        for (std::size_t i = 0; i < stroke.points.size(); ++i) {
            const Point& p = stroke.points[i];
            left = std::min(left, p.x);
            right = std::max(right, p.x);
            top = std::min(top, p.y);
            bottom = std::max(bottom, p.y);
            cx += p.x;
            cy += p.y;
            ++count;
            if (i > 0) path += std::hypot(p.x - stroke.points[i - 1].x, p.y - stroke.points[i - 1].y);
        }
    }

    cx /= static_cast<double>(count);
    cy /= static_cast<double>(count);
    double squares = 0;
    for (const Stroke& stroke : signature.strokes) {
        for (const Point& p : stroke.points) squares += (p.x - cx) * (p.x - cx) + (p.y - cy) * (p.y - cy);
    }
    // validate_signature rejects a single dot, so the radius is positive.
    const double radius = std::sqrt(squares / static_cast<double>(count));
    const double duration = std::max(end - start, 1.0), pen_down = std::max(pen_down_ms, 1.0);
    // A path of one dot per stroke has length 0, so a tenth of the radius keeps the logarithm finite.
    const double length = std::max(path, 0.1 * radius) / radius;
    return {std::log(duration),
            std::log(pen_down),
            static_cast<double>(signature.strokes.size()),
            std::log(length),
            std::log(length / pen_down),
            std::log((right - left + 0.01 * radius) / (bottom - top + 0.01 * radius)),
            std::min(pen_down_ms, duration) / duration};
}

namespace {

// Throws Error naming the fix when `signature` has no pressure channel. Also when a stroke of
// two or more points has pressure 0 on every point: a mouse or finger stroke within a pen
// signature, whose missing pressure signature_from_flat() stores as 0. A stroke of one point
// has no pressure curve to compare, so its 0 is kept. Some SVC2004 task 2 files begin with
// such a point, recorded before the pen touched.
void require_pressure(const Signature& signature) {
    const std::string fix = ": this DTW sequence compares pen pressure, so sign with a pen that measures it, or use "
                            "a model trained with a sequence without pressure, such as dynamics-template";
    if (!signature.has_pressure) throw Error("this signature has no pen pressure" + fix);
    for (std::size_t s = 0; s < signature.strokes.size(); ++s) {
        const auto& points = signature.strokes[s].points;
        if (points.size() > 1 &&
            std::all_of(points.begin(), points.end(), [](const Point& p) { return p.pressure == 0; })) {
            throw Error("stroke " + std::to_string(s + 1) + " of this signature has no pen pressure" + fix);
        }
    }
}

// Defined with the other sequence builders below.
std::vector<double> dynamics_columns(const Signature& signature, bool with_pressure);
std::vector<float> standardised(const std::vector<double>& raw, int columns);
std::vector<double> roughness_of(const std::vector<double>& raw, int columns);

}  // namespace

std::vector<double> pressure_descriptors(const Signature& signature) {
    validate_signature(signature);
    require_pressure(signature);
    double sum = 0, sum_squares = 0, count = 0;
    for (const Stroke& stroke : signature.strokes) {
        for (const Point& p : stroke.points) {
            sum += p.pressure;
            sum_squares += p.pressure * p.pressure;
            ++count;
        }
    }
    const double mean = sum / count;
    return {mean, std::sqrt(std::max(sum_squares / count - mean * mean, 0.0))};
}

bool dtw_uses_pressure(DtwSequence kind) {
    return kind == DtwSequence::DynamicsPressure || kind == DtwSequence::DynamicsPressureTemplate;
}

bool dtw_uses_template(DtwSequence kind) {
    return kind == DtwSequence::DynamicsTemplate || kind == DtwSequence::DynamicsPressureTemplate;
}

std::size_t dtw_descriptor_count(DtwSequence kind) {
    return kDescriptorCount + (dtw_uses_pressure(kind) ? kPressureDescriptorCount : 0);
}

std::size_t dtw_statistic_count(DtwSequence kind) {
    const std::size_t parts = dtw_part_count(kind);
    return kDtwStatisticCount - kDescriptorCount + dtw_descriptor_count(kind) + parts * kPartStatisticCount +
           (parts > 0 ? kRoughnessCount : 0) + (dtw_uses_template(kind) ? 1 : 0);
}

std::size_t dtw_part_count(DtwSequence kind) {
    return kind == DtwSequence::DynamicsParts || kind == DtwSequence::DynamicsTemplate ? 2 : 0;
}

DtwSignature prepare_dtw(DtwSequence kind, const Signature& signature) {
    DtwSignature prepared;
    prepared.columns = dtw_columns(kind);
    prepared.descriptors = signature_descriptors(signature);
    prepared.with_template = dtw_uses_template(kind);
    if (dtw_uses_pressure(kind)) {
        const std::vector<double> pressure = pressure_descriptors(signature);
        prepared.descriptors.insert(prepared.descriptors.end(), pressure.begin(), pressure.end());
    }
    if (kind != DtwSequence::DynamicsParts && kind != DtwSequence::DynamicsTemplate) {
        prepared.sequence = dtw_sequence(kind, signature);
        return prepared;
    }

    // The roughness needs the differences before standardising, so the columns are built once here.
    const std::vector<double> raw = dynamics_columns(signature, false);
    prepared.sequence = standardised(raw, prepared.columns);
    prepared.roughness = roughness_of(raw, prepared.columns);
    // Position (columns 0 and 1), then the two highest differences (the last four columns).
    const std::pair<int, int> spans[] = {{0, 2}, {2 * kDynamicsOrder - 2, 4}};
    const std::size_t width = static_cast<std::size_t>(prepared.columns);
    const std::size_t steps = prepared.sequence.size() / width;
    for (const auto& [first, count] : spans) {
        DtwPart part{std::vector<float>(steps * count), count};
        for (std::size_t t = 0; t < steps; ++t) {
            for (int c = 0; c < count; ++c) part.sequence[t * count + c] = prepared.sequence[t * width + first + c];
        }
        prepared.parts.push_back(std::move(part));
    }
    return prepared;
}

std::vector<double> roughness_descriptors(const Signature& signature) {
    return roughness_of(dynamics_columns(signature, false), dtw_columns(DtwSequence::Dynamics));
}

std::vector<double> dtw_part_distances(const DtwSignature& a, const DtwSignature& b, int band) {
    if (a.parts.size() != b.parts.size()) {
        throw Error("one signature was prepared with " + std::to_string(a.parts.size()) + " DTW parts and the other with " +
                    std::to_string(b.parts.size()) + ": prepare both with the same DTW sequence");
    }
    std::vector<double> distances;
    for (std::size_t p = 0; p < a.parts.size(); ++p) {
        distances.push_back(dtw_distance(a.parts[p].sequence, b.parts[p].sequence, band, a.parts[p].columns));
    }
    return distances;
}

std::vector<double> dtw_statistics(std::span<const double> to_query, std::span<const double> among,
                                   std::span<const double> enrolment_steps, double query_steps,
                                   std::span<const double> enrolment_descriptors,
                                   std::span<const double> query_descriptors) {
    const std::size_t n = to_query.size(), descriptor_count = query_descriptors.size();
    if (n < 2 || among.size() != n * (n - 1) / 2 || enrolment_steps.size() != n ||
        enrolment_descriptors.size() != n * descriptor_count) {
        throw Error("DTW statistics need at least 2 enrolment signatures with n (n - 1) / 2 distances among them, "
                    "one step count and as many descriptors each as the query, got " +
                    std::to_string(n) + " signatures, " + std::to_string(among.size()) + " distances, " +
                    std::to_string(enrolment_steps.size()) + " step counts, " +
                    std::to_string(enrolment_descriptors.size()) + " enrolment and " +
                    std::to_string(query_descriptors.size()) + " query descriptors");
    }
    // Distances of 0 (a signature enrolled twice) would make ratios and logs infinite.
    static constexpr double kSmallest = 1e-6;
    const auto positive = [](double value) { return std::max(value, kSmallest); };

    std::vector<double> nearest(n, std::numeric_limits<double>::infinity()), farthest(n, 0.0), row_mean(n, 0.0);
    double among_mean = 0;
    std::size_t pair = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j, ++pair) {
            const double d = among[pair];
            nearest[i] = std::min(nearest[i], d);
            nearest[j] = std::min(nearest[j], d);
            farthest[i] = std::max(farthest[i], d);
            farthest[j] = std::max(farthest[j], d);
            row_mean[i] += d / static_cast<double>(n - 1);
            row_mean[j] += d / static_cast<double>(n - 1);
            among_mean += d / static_cast<double>(among.size());
        }
    }
    double nearest_mean = 0, farthest_mean = 0, query_mean = 0;
    for (std::size_t i = 0; i < n; ++i) {
        nearest_mean += nearest[i] / static_cast<double>(n);
        farthest_mean += farthest[i] / static_cast<double>(n);
        query_mean += to_query[i] / static_cast<double>(n);
    }
    const std::size_t centre = static_cast<std::size_t>(std::min_element(row_mean.begin(), row_mean.end()) - row_mean.begin());
    const double query_nearest = *std::min_element(to_query.begin(), to_query.end());
    const double query_farthest = *std::max_element(to_query.begin(), to_query.end());

    double log_steps_mean = 0, log_steps_spread = 0;
    for (double steps : enrolment_steps) log_steps_mean += std::log(positive(steps)) / static_cast<double>(n);
    for (double steps : enrolment_steps) {
        const double d = std::log(positive(steps)) - log_steps_mean;
        log_steps_spread += d * d / static_cast<double>(n - 1);
    }
    log_steps_spread = std::sqrt(log_steps_spread);
    const double duration_gap = std::abs(std::log(positive(query_steps)) - log_steps_mean);

    std::vector<double> statistics = {query_nearest / positive(nearest_mean),
                                      query_mean / positive(among_mean),
                                      query_farthest / positive(farthest_mean),
                                      to_query[centre] / positive(row_mean[centre]),
                                      std::log(positive(nearest_mean)),
                                      std::log(positive(query_nearest)),
                                      duration_gap,
                                      duration_gap / (log_steps_spread + 0.05),
                                      std::log(positive(among_mean)),
                                      std::log(positive(query_mean))};
    for (std::size_t k = 0; k < descriptor_count; ++k) {
        double mean = 0;
        for (std::size_t i = 0; i < n; ++i) {
            mean += enrolment_descriptors[i * descriptor_count + k] / static_cast<double>(n);
        }
        statistics.push_back(std::abs(query_descriptors[k] - mean));
    }
    return statistics;
}

double DtwCalibration::score(std::span<const double> statistics) const {
    if (statistics.size() != weights.size() || weights.size() != mean.size() || mean.size() != deviation.size()) {
        throw Error("the DTW calibration has " + std::to_string(weights.size()) + " weights but got " +
                    std::to_string(statistics.size()) + " statistics: train the model again");
    }
    double log_odds = bias;
    for (std::size_t k = 0; k < weights.size(); ++k) {
        const double standardised = std::clamp((statistics[k] - mean[k]) / deviation[k], -kStatisticClip, kStatisticClip);
        log_odds += weights[k] * standardised;
    }
    return log_odds;
}

void DtwCalibration::validate(std::size_t count) const {
    const std::pair<const char*, const std::vector<double>*> lists[] = {
        {"mean", &mean}, {"deviation", &deviation}, {"weights", &weights}};
    for (const auto& [name, list] : lists) {
        if (list->size() != count) {
            throw Error(std::string("DTW calibration list \"") + name + "\" has " + std::to_string(list->size()) +
                        " values instead of " + std::to_string(count));
        }
        for (double value : *list) {
            if (!std::isfinite(value) || std::abs(value) > kMaxParameterMagnitude) {
                throw Error(std::string("DTW calibration list \"") + name + "\" has the value " + format_number(value) +
                            ", which is not a finite number within +-" + format_number(kMaxParameterMagnitude));
            }
        }
    }
    for (double value : deviation) {
        if (!(value >= kMinDeviation)) {
            throw Error("DTW calibration deviation " + format_number(value) + " is below " + format_number(kMinDeviation));
        }
    }
    if (!std::isfinite(bias) || std::abs(bias) > kMaxParameterMagnitude) {
        throw Error("DTW calibration bias " + format_number(bias) + " is not a finite number within +-" +
                    format_number(kMaxParameterMagnitude));
    }
}

DtwCalibration fit_dtw_calibration(const std::vector<CalibrationSample>& samples) {
    bool any_genuine = false, any_forgery = false;
    const std::size_t size = samples.empty() ? 0 : samples.front().statistics.size();
    for (const CalibrationSample& sample : samples) {
        if (sample.statistics.size() != size || size == 0) {
            throw Error("a calibration sample has " + std::to_string(sample.statistics.size()) +
                        " statistics where the first has " + std::to_string(size) +
                        ": every sample must come from the same kind of DTW sequence");
        }
        any_genuine = any_genuine || sample.genuine;
        any_forgery = any_forgery || !sample.genuine;
    }
    if (!any_genuine || !any_forgery) {
        throw Error("fitting a DTW calibration needs genuine and forged samples, got " + std::to_string(samples.size()) +
                    " samples of one kind or none");
    }
    const std::size_t count = samples.size();
    DtwCalibration calibration;
    calibration.mean.assign(size, 0.0);
    calibration.deviation.assign(size, 0.0);
    calibration.weights.assign(size, 0.0);
    for (const CalibrationSample& sample : samples) {
        for (std::size_t k = 0; k < size; ++k) calibration.mean[k] += sample.statistics[k] / static_cast<double>(count);
    }
    for (const CalibrationSample& sample : samples) {
        for (std::size_t k = 0; k < size; ++k) {
            const double d = sample.statistics[k] - calibration.mean[k];
            calibration.deviation[k] += d * d / static_cast<double>(count);
        }
    }
    for (double& deviation : calibration.deviation) deviation = std::max(std::sqrt(deviation), 1e-9);

    // The loss is convex and the statistics standardised, so a fixed step converges.
    constexpr int kIterations = 800;
    constexpr double kStep = 0.5, kPenalty = 1e-3;
    std::vector<double> standardised(count * size), gradient(size);
    for (std::size_t i = 0; i < count; ++i) {
        for (std::size_t k = 0; k < size; ++k) {
            standardised[i * size + k] = (samples[i].statistics[k] - calibration.mean[k]) / calibration.deviation[k];
        }
    }
    const auto probability_genuine = [&](std::size_t i) {
        double log_odds = calibration.bias;
        for (std::size_t k = 0; k < size; ++k) log_odds += calibration.weights[k] * standardised[i * size + k];
        return 1.0 / (1.0 + std::exp(-log_odds));
    };
    // Continues the descent from the current weights with one weight per sample.
    const auto descend = [&](const std::vector<double>& sample_weights) {
        double total_weight = 0;
        for (double weight : sample_weights) total_weight += weight;
        for (int iteration = 0; iteration < kIterations; ++iteration) {
            std::fill(gradient.begin(), gradient.end(), 0.0);
            double bias_gradient = 0;
            for (std::size_t i = 0; i < count; ++i) {
                const double target = samples[i].genuine ? 1.0 : 0.0;
                const double error = (probability_genuine(i) - target) * sample_weights[i] / total_weight;
                for (std::size_t k = 0; k < size; ++k) gradient[k] += error * standardised[i * size + k];
                bias_gradient += error;
            }
            for (std::size_t k = 0; k < size; ++k) {
                calibration.weights[k] -= kStep * (gradient[k] + kPenalty * calibration.weights[k]);
            }
            calibration.bias -= kStep * bias_gradient;
        }
    };

    std::vector<double> sample_weights(count);
    for (std::size_t i = 0; i < count; ++i) sample_weights[i] = samples[i].weight;
    descend(sample_weights);
    // The second pass: samples near the first fit's boundary count most (kBoundaryWeightFloor).
    for (std::size_t i = 0; i < count; ++i) {
        const double p = probability_genuine(i);
        sample_weights[i] = samples[i].weight * (4 * p * (1 - p) + kBoundaryWeightFloor);
    }
    descend(sample_weights);
    return calibration;
}

double normalised_distance_score(DistanceNormalisation rule, std::span<const double> to_query,
                                 std::span<const double> among, double minimum_spread) {
    const std::size_t n = to_query.size();
    if (rule == DistanceNormalisation::Calibrated) {
        throw Error("calibrated DTW scores need the model's calibration, not a per-writer normalisation");
    }
    if (n == 0) throw Error("a normalised distance score needs at least one enrolment signature");
    if (among.size() != n * (n - 1) / 2) {
        throw Error("a normalised distance score of " + std::to_string(n) + " enrolment signatures needs " +
                    std::to_string(n * (n - 1) / 2) + " distances among them, got " + std::to_string(among.size()));
    }
    double query_distance = 0, spread = 0;
    if (rule == DistanceNormalisation::Mean) {
        for (double d : to_query) query_distance += d;
        query_distance /= n;
        for (double d : among) spread += d;
        if (!among.empty()) spread /= among.size();
    } else {
        query_distance = *std::min_element(to_query.begin(), to_query.end());
        // Each enrolment signature's distance to its nearest other one.
        std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
        std::size_t pair = 0;
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = i + 1; j < n; ++j, ++pair) {
                nearest[i] = std::min(nearest[i], among[pair]);
                nearest[j] = std::min(nearest[j], among[pair]);
            }
        }
        if (n > 1) {
            for (double d : nearest) spread += d / n;
        }
    }
    spread = n < 2 || spread <= 0 ? 1.0 : std::max(spread, minimum_spread);
    return -query_distance / spread;
}

double score_embedding(EmbeddingScore rule, std::span<const float> enrolled, std::span<const float> query) {
    const std::size_t size = query.size();
    if (size == 0 || enrolled.empty() || enrolled.size() % size != 0) {
        throw Error("cannot score a query embedding of " + std::to_string(size) + " values against " +
                    std::to_string(enrolled.size()) + " enrolment values: pass one or more whole embeddings of the "
                    "query's size");
    }
    check_finite(enrolled, "an enrolment embedding");
    check_finite(query, "the query embedding");
    const std::size_t count = enrolled.size() / size;
    auto embedding = [&](std::size_t i) { return enrolled.data() + i * size; };
    switch (rule) {
        case EmbeddingScore::MeanCosine: {
            double sum = 0;
            for (std::size_t i = 0; i < count; ++i) sum += cosine(embedding(i), query.data(), size);
            return sum / count;
        }
        case EmbeddingScore::MaxCosine: {
            double best = -std::numeric_limits<double>::infinity();
            for (std::size_t i = 0; i < count; ++i) best = std::max<double>(best, cosine(embedding(i), query.data(), size));
            return best;
        }
        case EmbeddingScore::Normalised:
        case EmbeddingScore::Nearest: {
            std::vector<double> to_query, among;
            for (std::size_t i = 0; i < count; ++i) {
                to_query.push_back(1.0 - cosine(embedding(i), query.data(), size));
                for (std::size_t j = i + 1; j < count; ++j) among.push_back(1.0 - cosine(embedding(i), embedding(j), size));
            }
            const auto normalisation =
                rule == EmbeddingScore::Nearest ? DistanceNormalisation::Nearest : DistanceNormalisation::Mean;
            return normalised_distance_score(normalisation, to_query, among, kMinimumCosineSpread);
        }
        case EmbeddingScore::Reference:
        default: {
            const std::vector<float> reference = make_reference(enrolled, size);
            return cosine(query.data(), reference.data(), size);
        }
    }
}

namespace {

// Standardises each of the `columns` columns of a step-major sequence over its steps.
void standardise_columns(std::vector<float>& values, int columns = kFeatureCount) {
    const std::size_t steps = values.size() / columns;
    for (int f = 0; f < columns; ++f) {
        double sum = 0, sum_squares = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            sum += values[t * columns + f];
            sum_squares += double(values[t * columns + f]) * values[t * columns + f];
        }
        const double mean = sum / steps;
        const double deviation = std::sqrt(std::max(sum_squares / steps - mean * mean, 0.0));
        const double scale = deviation > 1e-9 ? 1.0 / deviation : 1.0;
        for (std::size_t t = 0; t < steps; ++t) {
            values[t * columns + f] = static_cast<float>((values[t * columns + f] - mean) * scale);
        }
    }
}

// Difference of each step from its neighbours within the same run of `run`, central where
// both neighbours are in the run, one-sided at a run's ends, 0 for a run of one step.
std::vector<double> step_differences(const std::vector<double>& values, const std::vector<int>& run) {
    const std::size_t n = values.size();
    std::vector<double> out(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t before = i > 0 && run[i - 1] == run[i] ? i - 1 : i;
        const std::size_t after = i + 1 < n && run[i + 1] == run[i] ? i + 1 : i;
        if (after > before) out[i] = (values[after] - values[before]) / static_cast<double>(after - before);
    }
    return out;
}

}  // namespace

std::vector<float> dtw_grid(const Signature& signature) {
    std::vector<float> values = compute_features(signature);
    standardise_columns(values);
    return values;
}

const char* dtw_sequence_name(DtwSequence kind) {
    switch (kind) {
    case DtwSequence::Grid: return "grid";
    case DtwSequence::Timed: return "timed";
    case DtwSequence::Dynamics: return "dynamics";
    case DtwSequence::DynamicsPressure: return "dynamics-pressure";
    case DtwSequence::DynamicsParts: return "dynamics-parts";
    case DtwSequence::DynamicsTemplate: return "dynamics-template";
    case DtwSequence::DynamicsPressureTemplate: return "dynamics-pressure-template";
    }
    return "grid";
}

DtwSequence parse_dtw_sequence(std::string_view name) {
    for (DtwSequence kind :
         {DtwSequence::Grid, DtwSequence::Timed, DtwSequence::Dynamics, DtwSequence::DynamicsPressure,
          DtwSequence::DynamicsParts, DtwSequence::DynamicsTemplate, DtwSequence::DynamicsPressureTemplate}) {
        if (name == dtw_sequence_name(kind)) return kind;
    }
    throw Error("unknown DTW sequence \"" + std::string(name) +
                "\": use \"grid\", \"timed\", \"dynamics\", \"dynamics-pressure\", \"dynamics-parts\", "
                "\"dynamics-template\" or \"dynamics-pressure-template\"");
}

namespace {

// Returns the pen-down steps of a signature resampled every kDtwStepMs: x and y and their differences
// up to `order`, as columns x, y, x', y', x'', y'', ..., then the pressure if `with_pressure`,
// step-major and not yet standardised.
std::vector<double> raw_timed_columns(const Signature& signature, int order, bool with_pressure) {
    validate_signature(signature);
    if (with_pressure) require_pressure(signature);
    const double start = signature.strokes.front().points.front().t_ms;
    const double end = signature.strokes.back().points.back().t_ms;
    const int steps =
        static_cast<int>(std::clamp(std::lround((end - start) / kDtwStepMs), long{kDtwMinSteps}, long{kDtwMaxSteps}));
    const ResampledSignature resampled = resample_in_time(signature, steps);

    int pen_down_steps = 0;
    for (double down : resampled.pen_down) pen_down_steps += down >= 0.5 ? 1 : 0;
    const bool keep_pen_up = pen_down_steps < 2;

    // Kept steps, with a run number that changes at each pen-up gap.
    std::vector<std::vector<double>> columns(2);
    std::vector<double> pressure;  // filled only `with_pressure`
    std::vector<int> run;
    int current_run = 0;
    for (int t = 0; t < steps; ++t) {
        if (!keep_pen_up && resampled.pen_down[t] < 0.5) {
            if (t > 0 && resampled.pen_down[t - 1] >= 0.5) ++current_run;
            continue;
        }
        columns[0].push_back(resampled.x[t]);
        columns[1].push_back(resampled.y[t]);
        if (with_pressure) pressure.push_back(resampled.pressure[t]);
        run.push_back(current_run);
    }
    for (int k = 1; k <= order; ++k) {
        columns.push_back(step_differences(columns[2 * k - 2], run));
        columns.push_back(step_differences(columns[2 * k - 1], run));
    }
    if (with_pressure) columns.push_back(std::move(pressure));

    const std::size_t width = columns.size(), step_count = run.size();
    std::vector<double> values(step_count * width);
    for (std::size_t t = 0; t < step_count; ++t) {
        for (std::size_t f = 0; f < width; ++f) values[t * width + f] = columns[f][t];
    }
    return values;
}

// Position needs no centring or scaling of its own: standardising does both.
std::vector<float> standardised(const std::vector<double>& raw, int columns) {
    std::vector<float> values(raw.begin(), raw.end());
    standardise_columns(values, columns);
    return values;
}

std::vector<float> timed_columns(const Signature& signature, int order, bool with_pressure) {
    return standardised(raw_timed_columns(signature, order, with_pressure), 2 + 2 * order + (with_pressure ? 1 : 0));
}

std::vector<double> dynamics_columns(const Signature& signature, bool with_pressure) {
    return raw_timed_columns(signature, kDynamicsOrder, with_pressure);
}

// roughness_descriptors() of raw dynamics columns, `columns` values per step.
std::vector<double> roughness_of(const std::vector<double>& raw, int columns) {
    const std::size_t width = static_cast<std::size_t>(columns), steps = raw.size() / width;
    // Root-mean-square length of the k-th difference of (x, y), in columns 2k and 2k + 1.
    const auto size_of = [&](int k) {
        double sum = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            const double dx = raw[t * width + 2 * k], dy = raw[t * width + 2 * k + 1];
            sum += dx * dx + dy * dy;
        }
        return std::sqrt(sum / static_cast<double>(steps));
    };
    const double first = size_of(1);
    // A signature that never moves (one point repeated) has no motion to divide, so it counts
    // as smooth. The floor is relative to the first difference, so the values stay
    // independent of the signature's size.
    std::vector<double> roughness;
    for (int k = 2; k <= kDynamicsOrder; ++k) {
        roughness.push_back(first > 0 ? std::log(std::max(size_of(k), 1e-9 * first) / first) : std::log(1e-9));
    }
    return roughness;
}

}  // namespace

std::vector<float> dtw_timed(const Signature& signature) { return timed_columns(signature, 3, false); }

std::vector<float> dtw_dynamics(const Signature& signature, bool with_pressure) {
    return timed_columns(signature, kDynamicsOrder, with_pressure);
}

int dtw_columns(DtwSequence kind) {
    switch (kind) {
    case DtwSequence::Dynamics:
    case DtwSequence::DynamicsParts:
    case DtwSequence::DynamicsTemplate: return 2 + 2 * kDynamicsOrder;
    case DtwSequence::DynamicsPressure:
    case DtwSequence::DynamicsPressureTemplate: return 3 + 2 * kDynamicsOrder;
    default: return kFeatureCount;
    }
}

std::vector<float> dtw_sequence(DtwSequence kind, const Signature& signature) {
    switch (kind) {
    case DtwSequence::Timed: return dtw_timed(signature);
    case DtwSequence::Dynamics:
    case DtwSequence::DynamicsParts:
    case DtwSequence::DynamicsTemplate: return dtw_dynamics(signature, false);
    case DtwSequence::DynamicsPressure:
    case DtwSequence::DynamicsPressureTemplate: return dtw_dynamics(signature, true);
    default: return dtw_grid(signature);
    }
}

int dtw_band(DtwSequence kind) { return kind == DtwSequence::Grid ? kDtwBand : kDtwTimedBand; }

namespace {

// Neighbour that the cheapest path to a DTW cell comes from.
enum class DtwStep : unsigned char { Diagonal, Above, Left };

// Runs the DTW recurrence over n x m steps within `band` steps of the diagonal (wider when
// the lengths differ by more) and returns the cheapest path's cost over n + m. `local(i, j)`
// is the cost of matching step i of the first sequence with step j of the second, both from
// 0, and `came_from(i, j, step)` learns where each cell's cheapest path came from.
template <class Local, class CameFrom>
double dtw_recurrence(int n, int m, int band, Local local, CameFrom came_from) {
    const double infinity = std::numeric_limits<double>::infinity();
    // cost[i][j] = local(i, j) + min(cost[i-1][j], cost[i][j-1], cost[i-1][j-1]), two rows at a time.
    std::vector<double> previous(m + 1, infinity), current(m + 1, infinity);
    previous[0] = 0;
    const int width = std::max(band, std::abs(n - m));
    for (int i = 1; i <= n; ++i) {
        std::fill(current.begin(), current.end(), infinity);
        const int from = std::max(1, i - width), to = std::min(m, i + width);
        for (int j = from; j <= to; ++j) {
            double best = previous[j - 1];
            DtwStep step = DtwStep::Diagonal;
            if (previous[j] < best) best = previous[j], step = DtwStep::Above;
            if (current[j - 1] < best) best = current[j - 1], step = DtwStep::Left;
            current[j] = local(i - 1, j - 1) + best;
            came_from(i, j, step);
        }
        std::swap(previous, current);
    }
    return previous[m] / (n + m);
}

// Returns the Euclidean distance between step i of `a` and step j of `b`, `columns` values each.
double step_distance(const std::vector<float>& a, int i, const std::vector<float>& b, int j, std::size_t columns) {
    double sum = 0;
    for (std::size_t f = 0; f < columns; ++f) {
        const double d = a[i * columns + f] - b[j * columns + f];
        sum += d * d;
    }
    return std::sqrt(sum);
}

}  // namespace

double dtw_distance(const std::vector<float>& a, const std::vector<float>& b, int band, int columns) {
    if (columns < 1 || a.empty() || b.empty() || a.size() % columns != 0 || b.size() % columns != 0) {
        throw Error("DTW needs two non-empty sequences of " + std::to_string(columns) + " values per step, got " +
                    std::to_string(a.size()) + " and " + std::to_string(b.size()) + " values");
    }
    const std::size_t stride = static_cast<std::size_t>(columns);
    const int n = static_cast<int>(a.size() / stride), m = static_cast<int>(b.size() / stride);
    return dtw_recurrence(
        n, m, band, [&](int i, int j) { return step_distance(a, i, b, j, stride); }, [](int, int, DtwStep) {});
}

namespace {

// Returns the steps (i, j) of the cheapest DTW path between `a` and `b`, from the first steps
// of both to their last, each step compared as dtw_distance() does.
std::vector<std::pair<int, int>> dtw_path(const std::vector<float>& a, const std::vector<float>& b, int band,
                                          int columns) {
    const std::size_t stride = static_cast<std::size_t>(columns);
    const int n = static_cast<int>(a.size() / stride), m = static_cast<int>(b.size() / stride);
    const std::size_t row = static_cast<std::size_t>(m) + 1;
    std::vector<DtwStep> steps(static_cast<std::size_t>(n + 1) * row, DtwStep::Diagonal);
    dtw_recurrence(
        n, m, band, [&](int i, int j) { return step_distance(a, i, b, j, stride); },
        [&](int i, int j, DtwStep step) { steps[i * row + j] = step; });
    std::vector<std::pair<int, int>> path;
    for (int i = n, j = m; i >= 1 && j >= 1;) {
        path.emplace_back(i - 1, j - 1);
        const DtwStep step = steps[i * row + j];
        if (step != DtwStep::Left) --i;
        if (step != DtwStep::Above) --j;
    }
    std::reverse(path.begin(), path.end());
    return path;
}

// Returns `other` on the steps of `centre`: at each step of the centre, the mean of the steps
// of `other` that `path` (steps of the centre, steps of the other) matches to it.
std::vector<double> on_centre_steps(const DtwSignature& centre, const DtwSignature& other,
                                    const std::vector<std::pair<int, int>>& path) {
    const std::size_t columns = static_cast<std::size_t>(centre.columns);
    const std::size_t steps = centre.sequence.size() / columns;
    std::vector<double> matched(steps * columns, 0.0), matched_count(steps, 0.0);
    for (const auto& [t, j] : path) {
        for (std::size_t c = 0; c < columns; ++c) matched[t * columns + c] += other.sequence[j * columns + c];
        matched_count[t] += 1;
    }
    for (std::size_t t = 0; t < steps; ++t) {
        // A DTW path visits every step of both sequences, so this is a bug, not bad input.
        if (matched_count[t] == 0) {
            throw Error("the alignment for the writer's template skipped step " + std::to_string(t) +
                        " of the central signature, which a DTW path never does: this is a bug in Inkprint");
        }
        for (std::size_t c = 0; c < columns; ++c) matched[t * columns + c] /= matched_count[t];
    }
    return matched;
}

// Builds the template from `centre` and the `others` already put on its steps by
// on_centre_steps(), so each signature counts once at every step.
WriterTemplate template_from(const DtwSignature& centre, const std::vector<const std::vector<double>*>& others) {
    const std::size_t values = centre.sequence.size();
    const double count = static_cast<double>(others.size() + 1);
    // Per step and column, the sum of the values and of their squares.
    std::vector<double> sum(centre.sequence.begin(), centre.sequence.end()), squares(values);
    for (std::size_t k = 0; k < values; ++k) squares[k] = sum[k] * sum[k];
    for (const std::vector<double>* other : others) {
        for (std::size_t k = 0; k < values; ++k) {
            sum[k] += (*other)[k];
            squares[k] += (*other)[k] * (*other)[k];
        }
    }
    WriterTemplate writer;
    writer.columns = centre.columns;
    writer.mean.resize(values);
    writer.precision.resize(values);
    for (std::size_t k = 0; k < values; ++k) {
        const double mean = sum[k] / count;
        const double variance = std::max(squares[k] / count - mean * mean, 0.0);
        writer.mean[k] = static_cast<float>(mean);
        writer.precision[k] = static_cast<float>(1.0 / (variance + kTemplateVarianceFloor));
    }
    return writer;
}

}  // namespace

WriterTemplate build_writer_template(const std::vector<const DtwSignature*>& enrolment, std::span<const double> among,
                                     int band) {
    const std::size_t n = enrolment.size();
    if (n < 2 || among.size() != n * (n - 1) / 2) {
        throw Error("a writer's template needs at least 2 enrolment signatures and the n (n - 1) / 2 distances "
                    "among them, got " + std::to_string(n) + " signatures and " + std::to_string(among.size()) +
                    " distances: enrol another signature");
    }
    for (const DtwSignature* signature : enrolment) {
        const int columns = signature->columns;
        if (columns < 1 || columns != enrolment.front()->columns || signature->sequence.empty() ||
            signature->sequence.size() % static_cast<std::size_t>(columns) != 0) {
            throw Error("the enrolment signatures were prepared with " + std::to_string(enrolment.front()->columns) +
                        " and " + std::to_string(columns) + " values per step (" +
                        std::to_string(signature->sequence.size()) +
                        " values): prepare all of them with the same DTW sequence");
        }
    }
    std::vector<double> summed(n, 0.0);
    std::size_t pair = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j, ++pair) {
            summed[i] += among[pair];
            summed[j] += among[pair];
        }
    }
    const std::size_t centre = static_cast<std::size_t>(std::min_element(summed.begin(), summed.end()) - summed.begin());
    const DtwSignature& central = *enrolment[centre];
    std::vector<std::vector<double>> aligned(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == centre) continue;
        const auto path = dtw_path(central.sequence, enrolment[i]->sequence, band, central.columns);
        aligned[i] = on_centre_steps(central, *enrolment[i], path);
    }
    const auto build_without = [&](std::size_t left_out) {
        std::vector<const std::vector<double>*> others;
        for (std::size_t i = 0; i < n; ++i) {
            if (i != centre && i != left_out) others.push_back(&aligned[i]);
        }
        return template_from(central, others);
    };
    WriterTemplate writer = build_without(n);
    double spread = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i != centre) spread += template_distance(*enrolment[i], build_without(i), band) / static_cast<double>(n - 1);
    }
    writer.spread = spread;
    writer.band = band;
    return writer;
}

double template_distance(const DtwSignature& query, const WriterTemplate& writer, int band) {
    const std::size_t stride = static_cast<std::size_t>(query.columns);
    if (query.columns < 1 || writer.columns != query.columns || writer.mean.empty() ||
        writer.mean.size() != writer.precision.size() || writer.mean.size() % stride != 0 ||
        query.sequence.empty() || query.sequence.size() % stride != 0) {
        throw Error("a writer's template of " + std::to_string(writer.columns) + " values per step and " +
                    std::to_string(writer.mean.size()) + " values cannot be compared with a query of " +
                    std::to_string(query.columns) + " values per step and " + std::to_string(query.sequence.size()) +
                    " values: prepare both with the same DTW sequence");
    }
    const int n = static_cast<int>(query.sequence.size() / stride), m = static_cast<int>(writer.mean.size() / stride);
    const auto weighted = [&](int i, int j) {
        double sum = 0;
        for (std::size_t f = 0; f < stride; ++f) {
            const std::size_t at = j * stride + f;
            const double d = query.sequence[i * stride + f] - writer.mean[at];
            sum += d * d * writer.precision[at];
        }
        return std::sqrt(sum);
    };
    return dtw_recurrence(n, m, band, weighted, [](int, int, DtwStep) {});
}

namespace {

// The distances among `signatures`, in the order of DtwEnrolment::among, and the same for each part.
void distances_among(const std::vector<DtwSignature>& signatures, int band, std::vector<double>& among,
                     std::vector<std::vector<double>>& part_among) {
    among.clear();
    part_among.assign(signatures.empty() ? 0 : signatures.front().parts.size(), {});
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        for (std::size_t j = i + 1; j < signatures.size(); ++j) {
            among.push_back(dtw_distance(signatures[i].sequence, signatures[j].sequence, band, signatures[i].columns));
            const std::vector<double> parts = dtw_part_distances(signatures[i], signatures[j], band);
            for (std::size_t p = 0; p < parts.size(); ++p) part_among[p].push_back(parts[p]);
        }
    }
}

// Throws Error when an enrolment signature was prepared with another sequence than the query.
void require_same_sequence(const std::vector<DtwSignature>& enrolment, const DtwSignature& query) {
    for (const DtwSignature& signature : enrolment) {
        if (signature.columns != query.columns || signature.descriptors.size() != query.descriptors.size() ||
            signature.parts.size() != query.parts.size() || signature.roughness.size() != query.roughness.size() ||
            signature.with_template != query.with_template) {
            const auto template_text = [](const DtwSignature& prepared) {
                return prepared.with_template ? std::string(", with the writer's template") : std::string();
            };
            throw Error("an enrolment signature was prepared with " + std::to_string(signature.columns) +
                        " values per step and " + std::to_string(signature.parts.size()) + " parts" +
                        template_text(signature) + ", and the query with " + std::to_string(query.columns) +
                        " and " + std::to_string(query.parts.size()) + template_text(query) +
                        ": prepare all of them with the same DTW sequence");
        }
    }
}

// The DTW score of `query` against `signatures`, whose distances among each other are `among`
// (and `part_among` for each part). The callers have checked that all were prepared with the
// same sequence.
double score_against(DistanceNormalisation rule, const std::vector<DtwSignature>& signatures,
                     std::span<const double> among, const std::vector<std::vector<double>>& part_among,
                     const WriterTemplate& writer, const DtwSignature& query, int band,
                     const DtwCalibration* calibration) {
    if (signatures.empty()) throw Error("DTW scoring needs at least one enrolment signature");
    if (rule == DistanceNormalisation::Calibrated && (calibration == nullptr || calibration->empty())) {
        throw Error("calibrated DTW scoring needs the calibration of the model's fusion: train the model again");
    }
    std::vector<double> to_query;
    std::vector<const DtwSignature*> pointers;
    for (const DtwSignature& signature : signatures) {
        to_query.push_back(dtw_distance(query.sequence, signature.sequence, band, query.columns));
        pointers.push_back(&signature);
    }
    if (rule == DistanceNormalisation::Calibrated) {
        // Only the calibration reads the parts, so only it pays for their alignments.
        std::vector<std::vector<double>> part_to_query(query.parts.size());
        for (const DtwSignature& signature : signatures) {
            const std::vector<double> parts = dtw_part_distances(query, signature, band);
            for (std::size_t p = 0; p < parts.size(); ++p) part_to_query[p].push_back(parts[p]);
        }
        return calibration->score(
            dtw_statistics(to_query, among, pointers, query, part_to_query, part_among, &writer));
    }
    return normalised_distance_score(rule, to_query, among, 0.0);
}

// Builds the writer's template of prepared signatures whose distances among them are `among`.
WriterTemplate template_of(const std::vector<DtwSignature>& signatures, std::span<const double> among, int band) {
    std::vector<const DtwSignature*> pointers;
    for (const DtwSignature& signature : signatures) pointers.push_back(&signature);
    return build_writer_template(pointers, among, band);
}

}  // namespace

DtwEnrolment prepare_dtw_enrolment(DtwSequence kind, const std::vector<Signature>& enrolment, int band) {
    DtwEnrolment prepared;
    for (const Signature& signature : enrolment) prepared.signatures.push_back(prepare_dtw(kind, signature));
    distances_among(prepared.signatures, band, prepared.among, prepared.part_among);
    if (dtw_uses_template(kind) && prepared.signatures.size() >= 2) {
        prepared.writer_template = template_of(prepared.signatures, prepared.among, band);
    }
    return prepared;
}

double dtw_score(DistanceNormalisation rule, const DtwEnrolment& enrolment, const DtwSignature& query, int band,
                 const DtwCalibration* calibration) {
    const std::vector<DtwSignature>& signatures = enrolment.signatures;
    const std::size_t pairs = signatures.size() * (signatures.size() - 1) / 2;
    bool parts_fit = enrolment.part_among.size() == query.parts.size();
    for (const auto& distances : enrolment.part_among) parts_fit = parts_fit && distances.size() == pairs;
    if (enrolment.among.size() != pairs || !parts_fit) {
        throw Error("a prepared enrolment of " + std::to_string(signatures.size()) + " signatures has " +
                    std::to_string(enrolment.among.size()) + " distances among them, or part distances that do not "
                    "fit the query's sequence: prepare it again");
    }
    require_same_sequence(signatures, query);
    return score_against(rule, signatures, enrolment.among, enrolment.part_among, enrolment.writer_template, query,
                         band, calibration);
}

double dtw_score(DistanceNormalisation rule, const std::vector<DtwSignature>& enrolment, const DtwSignature& query,
                 int band, const DtwCalibration* calibration) {
    // Checked before the distances among the enrolment, which need one column count too.
    require_same_sequence(enrolment, query);
    std::vector<double> among;
    std::vector<std::vector<double>> part_among;
    distances_among(enrolment, band, among, part_among);
    WriterTemplate writer;
    // Only the calibration reads the template, and it needs two signatures to compare.
    if (query.with_template && rule == DistanceNormalisation::Calibrated && enrolment.size() >= 2) {
        writer = template_of(enrolment, among, band);
    }
    return score_against(rule, enrolment, among, part_among, writer, query, band, calibration);
}

std::vector<double> dtw_statistics(std::span<const double> to_query, std::span<const double> among,
                                   const std::vector<const DtwSignature*>& enrolment, const DtwSignature& query,
                                   const std::vector<std::vector<double>>& part_to_query,
                                   const std::vector<std::vector<double>>& part_among,
                                   const WriterTemplate* writer) {
    if (enrolment.size() < 2) {
        throw Error("the calibrated DTW score compares the enrolment signatures with each other, so it needs at "
                    "least 2 of them, got " + std::to_string(enrolment.size()) + ": enrol another signature");
    }
    std::vector<double> steps, descriptors;
    for (const DtwSignature* signature : enrolment) {
        if (signature->parts.size() != query.parts.size() || signature->roughness.size() != query.roughness.size()) {
            throw Error("an enrolment signature was prepared with " + std::to_string(signature->parts.size()) +
                        " DTW parts and the query with " + std::to_string(query.parts.size()) +
                        ": prepare all of them with the same DTW sequence");
        }
        steps.push_back(static_cast<double>(signature->sequence.size() / signature->columns));
        descriptors.insert(descriptors.end(), signature->descriptors.begin(), signature->descriptors.end());
    }
    const double query_steps = static_cast<double>(query.sequence.size() / query.columns);
    std::vector<double> statistics = dtw_statistics(to_query, among, steps, query_steps, descriptors, query.descriptors);
    if (part_to_query.size() != query.parts.size() || part_among.size() != query.parts.size()) {
        throw Error("the query has " + std::to_string(query.parts.size()) + " DTW parts but " +
                    std::to_string(part_to_query.size()) + " and " + std::to_string(part_among.size()) +
                    " lists of part distances were given: give one of each per part");
    }
    const std::size_t pairs = enrolment.size() * (enrolment.size() - 1) / 2;
    for (std::size_t p = 0; p < query.parts.size(); ++p) {
        if (part_to_query[p].size() != enrolment.size() || part_among[p].size() != pairs) {
            throw Error("part " + std::to_string(p + 1) + " has " + std::to_string(part_to_query[p].size()) +
                        " distances to the query and " + std::to_string(part_among[p].size()) +
                        " among the enrolment, where " + std::to_string(enrolment.size()) + " and " +
                        std::to_string(pairs) + " are needed: give one per enrolment signature and pair");
        }
        // The values kept here (0, 1 and 5) come before the descriptors, so none are passed.
        const std::vector<double> part =
            dtw_statistics(part_to_query[p], part_among[p], steps, query_steps, {}, {});
        statistics.insert(statistics.end(), {part[0], part[1], part[5]});
    }
    const double n = static_cast<double>(enrolment.size());
    for (std::size_t k = 0; k < query.roughness.size(); ++k) {
        double mean = 0;
        for (const DtwSignature* signature : enrolment) mean += signature->roughness[k] / n;
        statistics.push_back(std::abs(query.roughness[k] - mean));
    }
    if (query.with_template) {
        if (writer == nullptr || writer->mean.empty()) {
            throw Error("the query was prepared to be compared with the writer's template, but the enrolment has no "
                        "template: prepare the enrolment with the same DTW sequence as the query");
        }
        // A query as close as the enrolment itself would make the logarithm infinite.
        static constexpr double kSmallest = 1e-6;
        const double distance = std::max(template_distance(query, *writer, writer->band),
                                         kSmallest);
        statistics.push_back(std::log(distance / std::max(writer->spread, kSmallest)));
    }
    return statistics;
}

double FusionParameters::fuse(double tdnn, double dtw) const {
    return dtw_weight * (dtw - dtw_mean) / dtw_deviation + (1.0 - dtw_weight) * (tdnn - tdnn_mean) / tdnn_deviation;
}

void FusionParameters::validate() const {
    const std::pair<const char*, double> values[] = {{"dtwWeight", dtw_weight}, {"tdnnMean", tdnn_mean},
                                                     {"tdnnDeviation", tdnn_deviation}, {"dtwMean", dtw_mean},
                                                     {"dtwDeviation", dtw_deviation}, {"threshold", threshold}};
    for (const auto& [name, value] : values) {
        if (!std::isfinite(value)) throw Error(std::string("fusion parameter ") + name + " is not finite");
        if (std::abs(value) > kMaxParameterMagnitude) {
            throw Error(std::string("fusion parameter ") + name + " is " + format_number(value) + ", beyond +-" +
                        format_number(kMaxParameterMagnitude));
        }
    }
    if (!(dtw_weight >= 0 && dtw_weight <= 1)) {
        throw Error("fusion parameter dtwWeight is " + format_number(dtw_weight) + ", outside [0, 1]");
    }
    if (!(tdnn_deviation >= kMinDeviation) || !(dtw_deviation >= kMinDeviation)) {
        throw Error("fusion deviations must be at least " + format_number(kMinDeviation) + ", got tdnnDeviation " +
                    format_number(tdnn_deviation) + " and dtwDeviation " + format_number(dtw_deviation));
    }
    if (dtw_normalisation == DistanceNormalisation::Calibrated) {
        try {
            dtw_calibration.validate(dtw_statistic_count(dtw_sequence));
        } catch (const Error& error) {
            throw Error(std::string(error.what()) + ", for the DTW sequence \"" + dtw_sequence_name(dtw_sequence) +
                        "\"");
        }
    }
    // A cosine lies in [-1, 1] and the calibrated log-odds within the bias plus or minus the
    // clipped statistics times their weights, so the fused score of these rules has bounds. A
    // threshold outside them would accept or reject every signature.
    const bool cosine_score = embedding_score == EmbeddingScore::MeanCosine ||
                              embedding_score == EmbeddingScore::MaxCosine ||
                              embedding_score == EmbeddingScore::Reference;
    if (dtw_normalisation == DistanceNormalisation::Calibrated && cosine_score) {
        double reach = 0;
        for (double weight : dtw_calibration.weights) reach += std::abs(weight) * kStatisticClip;
        // fuse() grows with both scores, because its weights and deviations are positive.
        const double lowest = fuse(-1.0, dtw_calibration.bias - reach);
        const double highest = fuse(1.0, dtw_calibration.bias + reach);
        if (threshold <= lowest || threshold > highest) {
            throw Error("fusion parameter threshold is " + format_number(threshold) + ", outside the fused scores " +
                        format_number(lowest) + " to " + format_number(highest) + " that the model can give, so it would " +
                        (threshold <= lowest ? "accept" : "reject") + " every signature");
        }
    }
}

std::string fusion_json(const FusionParameters& fusion) {
    std::string calibration;
    if (fusion.dtw_normalisation == DistanceNormalisation::Calibrated) {
        const auto list = [](const std::vector<double>& values) {
            std::string text = "[";
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (i > 0) text += ',';
                text += format_number(values[i]);
            }
            return text + "]";
        };
        const DtwCalibration& c = fusion.dtw_calibration;
        calibration = "\"dtwCalibration\":{\"mean\":" + list(c.mean) + ",\"deviation\":" + list(c.deviation) +
                      ",\"weights\":" + list(c.weights) + ",\"bias\":" + format_number(c.bias) + "},";
    }
    return std::string("{\"embeddingScore\":\"") + embedding_score_name(fusion.embedding_score) +
           "\",\"dtwNormalisation\":\"" + distance_normalisation_name(fusion.dtw_normalisation) +
           "\",\"dtwSequence\":\"" + dtw_sequence_name(fusion.dtw_sequence) + "\"," + calibration +
           "\"dtwWeight\":" + format_number(fusion.dtw_weight) + ",\"tdnnMean\":" + format_number(fusion.tdnn_mean) +
           ",\"tdnnDeviation\":" + format_number(fusion.tdnn_deviation) + ",\"dtwMean\":" +
           format_number(fusion.dtw_mean) + ",\"dtwDeviation\":" + format_number(fusion.dtw_deviation) +
           ",\"threshold\":" + format_number(fusion.threshold) + "}";
}

std::optional<FusionParameters> read_fusion(std::string_view description) {
    return DescriptionReader(description).read();
}

}  // namespace inkprint
