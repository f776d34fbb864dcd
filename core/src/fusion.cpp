#include "inkprint/fusion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/verifier.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

using detail::format_number;

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
        expect('{', "the model description must be a JSON object");
        skip_space();
        if (peek() == '}') {
            ++position_;
        } else {
            for (;;) {
                skip_space();
                const std::string key = read_string();
                skip_space();
                expect(':', "expected ':' after the key \"" + key + "\"");
                skip_space();
                if (key == "fusion") {
                    if (fusion) fail("the key \"fusion\" appears twice");
                    fusion = read_fusion_object();
                } else {
                    skip_value(1);
                }
                skip_space();
                if (peek() == ',') {
                    ++position_;
                    continue;
                }
                expect('}', "expected ',' or '}' in the model description");
                break;
            }
        }
        skip_space();
        if (position_ != text_.size()) fail("unexpected text after the description's JSON object");
        return fusion;
    }

private:
    // Deeper nesting than any description the tools write is taken as damage.
    static constexpr int kMaxDepth = 32;

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
        expect('{', "\"fusion\" must be an object");
        constexpr std::size_t kKeyCount = 9;
        bool seen[kKeyCount] = {};
        // The first three members are names, the others numbers. "dtwSequence" may be missing.
        const char* const keys[kKeyCount] = {"embeddingScore", "dtwNormalisation", "dtwSequence",
                                             "dtwWeight",      "tdnnMean",         "tdnnDeviation",
                                             "dtwMean",        "dtwDeviation",     "threshold"};
        double* const numbers[kKeyCount] = {nullptr,
                                            nullptr,
                                            nullptr,
                                            &fusion.dtw_weight,
                                            &fusion.tdnn_mean,
                                            &fusion.tdnn_deviation,
                                            &fusion.dtw_mean,
                                            &fusion.dtw_deviation,
                                            &fusion.threshold};

        skip_space();
        if (peek() != '}') {
            for (;;) {
                skip_space();
                const std::string key = read_string();
                skip_space();
                expect(':', "expected ':' after the key \"" + key + "\"");
                skip_space();
                const auto found = std::find_if(std::begin(keys), std::end(keys),
                                                [&](const char* name) { return key == name; });
                if (found == std::end(keys)) fail("unknown key \"" + key + "\" in \"fusion\"");
                const auto index = static_cast<std::size_t>(found - std::begin(keys));
                if (seen[index]) fail("the key \"" + key + "\" appears twice in \"fusion\"");
                seen[index] = true;
                if (index < 3) {
                    const std::string name = read_string();
                    try {
                        if (index == 0) fusion.embedding_score = parse_embedding_score(name);
                        else if (index == 1) fusion.dtw_normalisation = parse_distance_normalisation(name);
                        else fusion.dtw_sequence = parse_dtw_sequence(name);
                    } catch (const Error& error) {
                        fail(error.what());
                    }
                } else {
                    *numbers[index] = read_number();
                }
                skip_space();
                if (peek() == ',') {
                    ++position_;
                    continue;
                }
                break;
            }
        }
        expect('}', "expected ',' or '}' in \"fusion\"");

        for (std::size_t i = 0; i < kKeyCount; ++i) {
            if (!seen[i] && i != 2) fail(std::string("\"fusion\" has no \"") + keys[i] + "\"");
        }
        try {
            fusion.validate();
        } catch (const Error& error) {
            fail(error.what());
        }
        return fusion;
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
    return rule == DistanceNormalisation::Nearest ? "nearest" : "mean";
}

DistanceNormalisation parse_distance_normalisation(std::string_view name) {
    if (name == "mean") return DistanceNormalisation::Mean;
    if (name == "nearest") return DistanceNormalisation::Nearest;
    throw Error("unknown distance normalisation \"" + std::string(name) + "\": use \"mean\" or \"nearest\"");
}

double normalised_distance_score(DistanceNormalisation rule, std::span<const double> to_query,
                                 std::span<const double> among, double minimum_spread) {
    const std::size_t n = to_query.size();
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

// Standardises each of the kFeatureCount columns of a step-major sequence over its steps.
void standardise_columns(std::vector<float>& values) {
    const std::size_t steps = values.size() / kFeatureCount;
    for (int f = 0; f < kFeatureCount; ++f) {
        double sum = 0, sum_squares = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            sum += values[t * kFeatureCount + f];
            sum_squares += double(values[t * kFeatureCount + f]) * values[t * kFeatureCount + f];
        }
        const double mean = sum / steps;
        const double deviation = std::sqrt(std::max(sum_squares / steps - mean * mean, 0.0));
        const double scale = deviation > 1e-9 ? 1.0 / deviation : 1.0;
        for (std::size_t t = 0; t < steps; ++t) {
            values[t * kFeatureCount + f] = static_cast<float>((values[t * kFeatureCount + f] - mean) * scale);
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

const char* dtw_sequence_name(DtwSequence kind) { return kind == DtwSequence::Timed ? "timed" : "grid"; }

DtwSequence parse_dtw_sequence(std::string_view name) {
    if (name == "grid") return DtwSequence::Grid;
    if (name == "timed") return DtwSequence::Timed;
    throw Error("unknown DTW sequence '" + std::string(name) + "': use grid or timed");
}

std::vector<float> dtw_timed(const Signature& signature) {
    validate_signature(signature);
    const double start = signature.strokes.front().points.front().t_ms;
    const double end = signature.strokes.back().points.back().t_ms;
    const int steps =
        static_cast<int>(std::clamp(std::lround((end - start) / kDtwStepMs), long{kDtwMinSteps}, long{kDtwMaxSteps}));
    const ResampledSignature resampled = resample_in_time(signature, steps);

    int pen_down_steps = 0;
    for (double down : resampled.pen_down) pen_down_steps += down >= 0.5 ? 1 : 0;
    const bool keep_pen_up = pen_down_steps < 2;

    // Kept steps, with a run number that changes at each pen-up gap.
    std::vector<double> x, y;
    std::vector<int> run;
    int current_run = 0;
    for (int t = 0; t < steps; ++t) {
        if (!keep_pen_up && resampled.pen_down[t] < 0.5) {
            if (t > 0 && resampled.pen_down[t - 1] >= 0.5) ++current_run;
            continue;
        }
        x.push_back(resampled.x[t]);
        y.push_back(resampled.y[t]);
        run.push_back(current_run);
    }
    const std::vector<double> vx = step_differences(x, run), vy = step_differences(y, run);
    const std::vector<double> ax = step_differences(vx, run), ay = step_differences(vy, run);
    const std::vector<double> jx = step_differences(ax, run), jy = step_differences(ay, run);
    const std::vector<double>* columns[kFeatureCount] = {&x, &y, &vx, &vy, &ax, &ay, &jx, &jy};

    std::vector<float> values(x.size() * kFeatureCount);
    for (std::size_t t = 0; t < x.size(); ++t) {
        for (int f = 0; f < kFeatureCount; ++f) values[t * kFeatureCount + f] = static_cast<float>((*columns[f])[t]);
    }
    // Position needs no centring or scaling of its own: standardising does both.
    standardise_columns(values);
    return values;
}

std::vector<float> dtw_sequence(DtwSequence kind, const Signature& signature) {
    return kind == DtwSequence::Timed ? dtw_timed(signature) : dtw_grid(signature);
}

int dtw_band(DtwSequence kind) { return kind == DtwSequence::Timed ? kDtwMaxSteps : kDtwBand; }

double dtw_distance(const std::vector<float>& a, const std::vector<float>& b, int band) {
    if (a.empty() || b.empty() || a.size() % kFeatureCount != 0 || b.size() % kFeatureCount != 0) {
        throw Error("DTW needs two non-empty grids of " + std::to_string(kFeatureCount) + " features per step, got " +
                    std::to_string(a.size()) + " and " + std::to_string(b.size()) + " values");
    }
    const int n = static_cast<int>(a.size() / kFeatureCount), m = static_cast<int>(b.size() / kFeatureCount);
    const double infinity = std::numeric_limits<double>::infinity();
    // cost[i][j] = d(a_i, b_j) + min(cost[i-1][j], cost[i][j-1], cost[i-1][j-1]), two rows at a time.
    std::vector<double> previous(m + 1, infinity), current(m + 1, infinity);
    previous[0] = 0;
    const int width = std::max(band, std::abs(n - m));
    for (int i = 1; i <= n; ++i) {
        std::fill(current.begin(), current.end(), infinity);
        const int from = std::max(1, i - width), to = std::min(m, i + width);
        for (int j = from; j <= to; ++j) {
            double local = 0;
            for (int f = 0; f < kFeatureCount; ++f) {
                const double d = a[(i - 1) * kFeatureCount + f] - b[(j - 1) * kFeatureCount + f];
                local += d * d;
            }
            current[j] = std::sqrt(local) + std::min({previous[j], current[j - 1], previous[j - 1]});
        }
        std::swap(previous, current);
    }
    return previous[m] / (n + m);
}

double dtw_score(DistanceNormalisation rule, const std::vector<std::vector<float>>& enrolment,
                 const std::vector<float>& query, int band) {
    if (enrolment.empty()) throw Error("DTW scoring needs at least one enrolment signature");
    std::vector<double> to_query, among;
    for (std::size_t i = 0; i < enrolment.size(); ++i) {
        to_query.push_back(dtw_distance(query, enrolment[i], band));
        for (std::size_t j = i + 1; j < enrolment.size(); ++j) among.push_back(dtw_distance(enrolment[i], enrolment[j], band));
    }
    return normalised_distance_score(rule, to_query, among, 0.0);
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
    }
    if (!(dtw_weight >= 0 && dtw_weight <= 1)) {
        throw Error("fusion parameter dtwWeight is " + format_number(dtw_weight) + ", outside [0, 1]");
    }
    if (!(tdnn_deviation > 0) || !(dtw_deviation > 0)) {
        throw Error("fusion deviations must be positive, got tdnnDeviation " + format_number(tdnn_deviation) +
                    " and dtwDeviation " + format_number(dtw_deviation));
    }
}

std::string fusion_json(const FusionParameters& fusion) {
    return std::string("{\"embeddingScore\":\"") + embedding_score_name(fusion.embedding_score) +
           "\",\"dtwNormalisation\":\"" + distance_normalisation_name(fusion.dtw_normalisation) +
           "\",\"dtwSequence\":\"" + dtw_sequence_name(fusion.dtw_sequence) + "\",\"dtwWeight\":" + format_number(fusion.dtw_weight) + ",\"tdnnMean\":" + format_number(fusion.tdnn_mean) +
           ",\"tdnnDeviation\":" + format_number(fusion.tdnn_deviation) + ",\"dtwMean\":" +
           format_number(fusion.dtw_mean) + ",\"dtwDeviation\":" + format_number(fusion.dtw_deviation) +
           ",\"threshold\":" + format_number(fusion.threshold) + "}";
}

std::optional<FusionParameters> read_fusion(std::string_view description) {
    return DescriptionReader(description).read();
}

}  // namespace inkprint
