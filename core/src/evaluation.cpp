#include "inkprint/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/metrics.hpp"

namespace inkprint {

std::vector<Fold> make_folds(int n_users, int k, int validation_count) {
    if (k < 2 || k > n_users || validation_count < 1) {
        throw Error("cannot make " + std::to_string(k) + " folds of " + std::to_string(n_users) + " users with " +
                    std::to_string(validation_count) + " validation users: use 2 <= folds <= users and at least 1 "
                    "validation user");
    }
    // Each fold validates on users of the next group, and trains on the users left, of which it
    // needs at least 2. The smallest group and the largest test group bound the validation count.
    const int smallest_group = n_users / k;
    const int largest_group = (n_users + k - 1) / k;
    const int max_validation = std::min(smallest_group - 1, n_users - largest_group - 2);
    if (validation_count > max_validation) {
        if (max_validation < 1) {
            throw Error(std::to_string(k) + " folds over " + std::to_string(n_users) + " users leave no user to " +
                        "validate on beside the test users and 2 training users: use at most " +
                        std::to_string(n_users / 2) + " folds");
        }
        throw Error(std::to_string(validation_count) + " validation users are too many for " + std::to_string(k) +
                    " folds over " + std::to_string(n_users) + " users, whose groups have " +
                    std::to_string(smallest_group) + " users or more and whose training needs at least 2 users: use " +
                    "at most " + std::to_string(max_validation) + " validation users" + (k > 2 ? ", or fewer folds" : ""));
    }
    std::vector<std::vector<int>> groups(k);
    for (int u = 1; u <= n_users; ++u) groups[(u - 1) % k].push_back(u);
    std::vector<Fold> folds(k);
    for (int f = 0; f < k; ++f) {
        folds[f].test = groups[f];
        const std::vector<int>& next = groups[(f + 1) % k];
        if (static_cast<int>(next.size()) <= validation_count) {
            throw Error(std::to_string(validation_count) + " validation users need groups of more than " +
                        std::to_string(validation_count) + " users, but " + std::to_string(k) + " folds over " +
                        std::to_string(n_users) + " users make a group of " + std::to_string(next.size()) +
                        ": use fewer validation users or at most " +
                        std::to_string(std::max(1, n_users / (validation_count + 1))) + " folds");
        }
        folds[f].validation.assign(next.begin(), next.begin() + validation_count);
        for (int u = 1; u <= n_users; ++u) {
            const bool tested = (u - 1) % k == f;
            const bool validating = std::find(folds[f].validation.begin(), folds[f].validation.end(), u) !=
                                    folds[f].validation.end();
            if (!tested && !validating) folds[f].train.push_back(u);
        }
    }
    return folds;
}

// ---- EmbeddingScorer ----

const std::vector<float>& EmbeddingScorer::embedding(const Signature& signature) {
    auto found = embeddings_.find(&signature);
    if (found == embeddings_.end()) found = embeddings_.emplace(&signature, verifier_.embed(signature)).first;
    return found->second;
}

double EmbeddingScorer::score(const std::vector<const Signature*>& enrolment, const Signature& query) {
    std::vector<float> enrolled;
    for (const Signature* signature : enrolment) {
        const auto& e = embedding(*signature);
        enrolled.insert(enrolled.end(), e.begin(), e.end());
    }
    return score_embedding(rule_, enrolled, embedding(query));
}

// ---- DtwScorer ----

const DtwSignature& DtwScorer::prepared(const Signature& signature) {
    auto found = prepared_.find(&signature);
    if (found == prepared_.end()) found = prepared_.emplace(&signature, prepare_dtw(sequence_, signature)).first;
    return found->second;
}

const std::vector<double>& DtwScorer::cached_distances(const Signature& a, const Signature& b, bool with_parts) {
    const auto key = &a < &b ? std::make_pair(&a, &b) : std::make_pair(&b, &a);
    auto found = distances_.find(key);
    if (found == distances_.end()) {
        const double whole = dtw_distance(prepared(a).sequence, prepared(b).sequence, band_, dtw_columns(sequence_));
        found = distances_.emplace(key, std::vector<double>{whole}).first;
    }
    // Only the calibration reads the parts, so they are aligned the first time it needs them.
    std::vector<double>& distances = found->second;
    if (with_parts && distances.size() == 1) {
        const std::vector<double> parts = dtw_part_distances(prepared(a), prepared(b), band_);
        distances.insert(distances.end(), parts.begin(), parts.end());
    }
    return distances;
}

void DtwScorer::collect_distances(const std::vector<const Signature*>& enrolment, const Signature& query,
                                  bool with_parts, DistanceLists& lists) {
    const std::size_t parts = with_parts ? dtw_part_count(sequence_) : 0;
    lists.part_to_query.assign(parts, {});
    lists.part_among.assign(parts, {});
    for (std::size_t i = 0; i < enrolment.size(); ++i) {
        const std::vector<double>& distances = cached_distances(query, *enrolment[i], with_parts);
        lists.to_query.push_back(distances.front());
        for (std::size_t p = 0; p < parts; ++p) lists.part_to_query[p].push_back(distances.at(1 + p));
        for (std::size_t j = i + 1; j < enrolment.size(); ++j) {
            const std::vector<double>& pair = cached_distances(*enrolment[i], *enrolment[j], with_parts);
            lists.among.push_back(pair.front());
            for (std::size_t p = 0; p < parts; ++p) lists.part_among[p].push_back(pair.at(1 + p));
        }
    }
}

std::vector<double> DtwScorer::statistics(const std::vector<const Signature*>& enrolment, const Signature& query) {
    DistanceLists lists;
    collect_distances(enrolment, query, true, lists);
    std::vector<const DtwSignature*> signatures;
    for (const Signature* signature : enrolment) signatures.push_back(&prepared(*signature));
    const DtwSignature& prepared_query = prepared(query);
    const WriterTemplate* writer = nullptr;
    if (prepared_query.with_template && enrolment.size() >= 2) {
        auto found = templates_.find(enrolment);
        if (found == templates_.end()) {
            found = templates_.emplace(enrolment, build_writer_template(signatures, lists.among, band_)).first;
        }
        writer = &found->second;
    }
    return dtw_statistics(lists.to_query, lists.among, signatures, prepared_query, lists.part_to_query,
                          lists.part_among, writer);
}

double DtwScorer::score(const std::vector<const Signature*>& enrolment, const Signature& query) {
    if (normalisation_ == DistanceNormalisation::Calibrated) {
        if (calibration_.empty()) throw Error("calibrated DTW scoring needs a calibration: fit one on training writers");
        return calibration_.score(statistics(enrolment, query));
    }
    DistanceLists lists;
    collect_distances(enrolment, query, false, lists);
    return normalised_distance_score(normalisation_, lists.to_query, lists.among, 0.0);
}

// ---- FusionScorer ----

double FusionScorer::score(const std::vector<const Signature*>& enrolment, const Signature& query) {
    return fusion_.fuse(embedding_.score(enrolment, query), dtw_.score(enrolment, query));
}

// ---- Protocol ----

std::vector<WriterScores> run_protocol(Scorer& scorer, const std::vector<WriterSignatures>& test,
                                       const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config) {
    if (config.enrolment_count < 1 || config.enrolment_count > 10 || config.trials < 1) {
        throw Error("protocol needs 1-10 enrolment signatures and at least one trial, got " +
                    std::to_string(config.enrolment_count) + " and " + std::to_string(config.trials));
    }
    Random random(config.seed);
    std::vector<WriterScores> results;
    for (const WriterSignatures& writer : test) {
        if (writer.genuine.size() < 20) {
            throw Error("user " + std::to_string(writer.user) + " has " + std::to_string(writer.genuine.size()) +
                        " genuine signatures; the protocol needs S1-S20");
        }
        std::vector<const WriterSignatures*> others;
        for (const WriterSignatures& other : impostors) {
            if (!(other.user == writer.user && other.task == writer.task)) others.push_back(&other);
        }
        if (static_cast<int>(others.size()) < config.random_forgeries) {
            throw Error("only " + std::to_string(others.size()) + " other writers for " +
                        std::to_string(config.random_forgeries) + " random forgeries per trial");
        }
        WriterScores scores;
        scores.task = writer.task;
        scores.user = writer.user;
        for (int trial = 0; trial < config.trials; ++trial) {
            // Enrolment: a random subset of S1-S10 (a partial Fisher-Yates shuffle).
            std::vector<int> first_ten(10);
            std::iota(first_ten.begin(), first_ten.end(), 0);
            std::vector<const Signature*> enrolment;
            for (int i = 0; i < config.enrolment_count; ++i) {
                const int j = i + static_cast<int>(random.below(10 - i));
                std::swap(first_ten[i], first_ten[j]);
                enrolment.push_back(&writer.genuine[first_ten[i]]);
            }
            for (int i = 10; i < 20; ++i) scores.genuine.push_back(scorer.score(enrolment, writer.genuine[i]));
            for (const Signature& forgery : writer.forgeries) scores.skilled.push_back(scorer.score(enrolment, forgery));
            std::vector<const WriterSignatures*> pool = others;
            for (int i = 0; i < config.random_forgeries; ++i) {
                const int j = i + static_cast<int>(random.below(static_cast<std::uint32_t>(pool.size() - i)));
                std::swap(pool[i], pool[j]);
                const auto& genuine = pool[i]->genuine;
                scores.random.push_back(
                    scorer.score(enrolment, genuine[random.below(static_cast<std::uint32_t>(genuine.size()))]));
            }
        }
        results.push_back(std::move(scores));
    }
    return results;
}

void pool_scores(const std::vector<WriterScores>& writers, Scores& into) {
    for (const WriterScores& writer : writers) {
        into.genuine.insert(into.genuine.end(), writer.genuine.begin(), writer.genuine.end());
        into.skilled.insert(into.skilled.end(), writer.skilled.begin(), writer.skilled.end());
        into.random.insert(into.random.end(), writer.random.begin(), writer.random.end());
    }
}

ProtocolSummary summarise(const std::vector<WriterScores>& scores) {
    if (scores.empty()) throw Error("no writers were scored");
    ProtocolSummary summary;
    for (const WriterScores& writer : scores) {
        summary.skilled_per_writer += equal_error_rate(writer.genuine, writer.skilled).rate / scores.size();
        summary.random_per_writer += equal_error_rate(writer.genuine, writer.random).rate / scores.size();
    }
    Scores pooled;
    pool_scores(scores, pooled);
    summary.skilled_global = equal_error_rate(pooled.genuine, pooled.skilled).rate;
    summary.random_global = equal_error_rate(pooled.genuine, pooled.random).rate;
    return summary;
}

Scores score_fixed_split(Scorer& scorer, const std::vector<WriterSignatures>& writers) {
    Scores scores;
    for (const WriterSignatures& writer : writers) {
        if (writer.genuine.size() < 20) {
            throw Error("user " + std::to_string(writer.user) + " has " + std::to_string(writer.genuine.size()) +
                        " genuine signatures; the fixed split needs S1-S20");
        }
        std::vector<const Signature*> enrolment;
        for (int i = 0; i < 5; ++i) enrolment.push_back(&writer.genuine[i]);
        for (int i = 10; i < 20; ++i) scores.genuine.push_back(scorer.score(enrolment, writer.genuine[i]));
        for (const Signature& forgery : writer.forgeries) scores.skilled.push_back(scorer.score(enrolment, forgery));
        for (const WriterSignatures& other : writers) {
            if (&other != &writer && other.task == writer.task) {
                scores.random.push_back(scorer.score(enrolment, other.genuine.at(10)));
            }
        }
    }
    return scores;
}

namespace {

// Returns copies of the writers of one task. The scorers cache by address, so a scorer must not
// outlive the copies it scored, because later copies may reuse their addresses.
std::vector<WriterSignatures> writers_of_task(const std::vector<WriterSignatures>& writers, int task) {
    std::vector<WriterSignatures> selected;
    for (const WriterSignatures& writer : writers) {
        if (writer.task == task) selected.push_back(writer);
    }
    return selected;
}

// Mean and population standard deviation of two lists together.
std::pair<double, double> mean_and_deviation(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0, squares = 0;
    for (const auto* list : {&a, &b}) {
        for (double v : *list) sum += v;
    }
    const double count = static_cast<double>(a.size() + b.size());
    const double mean = sum / count;
    for (const auto* list : {&a, &b}) {
        for (double v : *list) squares += (v - mean) * (v - mean);
    }
    return {mean, std::sqrt(squares / count)};
}

}  // namespace

FusionFit fit_fusion(const Model& model, EmbeddingScore rule, DistanceNormalisation dtw_normalisation,
                     DtwSequence dtw_sequence, const std::vector<WriterSignatures>& validation,
                     const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config,
                     const DtwCalibration& dtw_calibration) {
    if (validation.empty()) throw Error("fitting the fusion needs at least one validation writer");
    // Scores of both methods in the same order: the protocol's draws depend only on its seed.
    Scores tdnn_scores, dtw_scores;
    for (int task : {1, 2}) {
        const std::vector<WriterSignatures> writers = writers_of_task(validation, task);
        if (writers.empty()) continue;
        const std::vector<WriterSignatures> others = writers_of_task(impostors, task);
        // Fresh scorers for each task, because they cache by the address of the copies above.
        EmbeddingScorer embedding(model, rule);
        DtwScorer dtw(dtw_normalisation, dtw_sequence, dtw_calibration);
        pool_scores(run_protocol(embedding, writers, others, config), tdnn_scores);
        pool_scores(run_protocol(dtw, writers, others, config), dtw_scores);
    }
    if (tdnn_scores.genuine.empty()) throw Error("the validation writers are of neither task 1 nor task 2");

    FusionFit best;
    best.parameters.embedding_score = rule;
    best.parameters.dtw_normalisation = dtw_normalisation;
    best.parameters.dtw_sequence = dtw_sequence;
    best.parameters.dtw_calibration = dtw_calibration;
    std::tie(best.parameters.tdnn_mean, best.parameters.tdnn_deviation) =
        mean_and_deviation(tdnn_scores.genuine, tdnn_scores.skilled);
    std::tie(best.parameters.dtw_mean, best.parameters.dtw_deviation) =
        mean_and_deviation(dtw_scores.genuine, dtw_scores.skilled);
    // Identical scores have no spread to divide by, and FusionParameters::validate requires 1e-9.
    if (!(best.parameters.tdnn_deviation >= 1e-9)) best.parameters.tdnn_deviation = 1;
    if (!(best.parameters.dtw_deviation >= 1e-9)) best.parameters.dtw_deviation = 1;
    best.skilled_eer = 2;  // above any rate, so the first weight is kept
    for (int step = 0; step <= 20; ++step) {
        FusionParameters candidate = best.parameters;
        candidate.dtw_weight = step / 20.0;
        auto fuse = [&](const std::vector<double>& tdnn, const std::vector<double>& distance) {
            std::vector<double> fused(tdnn.size());
            for (std::size_t i = 0; i < tdnn.size(); ++i) fused[i] = candidate.fuse(tdnn[i], distance[i]);
            return fused;
        };
        const auto genuine = fuse(tdnn_scores.genuine, dtw_scores.genuine);
        const EqualErrorRate skilled = equal_error_rate(genuine, fuse(tdnn_scores.skilled, dtw_scores.skilled));
        const double random_rate = equal_error_rate(genuine, fuse(tdnn_scores.random, dtw_scores.random)).rate;
        if (skilled.rate < best.skilled_eer || (skilled.rate == best.skilled_eer && random_rate < best.random_eer)) {
            candidate.threshold = skilled.threshold;
            best.parameters = candidate;
            best.skilled_eer = skilled.rate;
            best.random_eer = random_rate;
        }
    }
    return best;
}

namespace {

// A scorer that keeps the DTW statistics of every comparison and returns their index. The
// protocol's lists of scores then tell which statistics belong to genuine queries and which
// to forgeries.
class StatisticsRecorder final : public Scorer {
public:
    explicit StatisticsRecorder(DtwSequence sequence) : dtw_(DistanceNormalisation::Nearest, sequence) {}

    double score(const std::vector<const Signature*>& enrolment, const Signature& query) override {
        recorded.push_back(dtw_.statistics(enrolment, query));
        return static_cast<double>(recorded.size() - 1);
    }

    std::vector<std::vector<double>> recorded;

private:
    DtwScorer dtw_;  // its caches serve every comparison of the protocol
};

// The DTW statistics of one writer's protocol queries.
struct WriterStatistics {
    int task = 0, user = 0;
    std::vector<std::vector<double>> genuine, skilled, random;
};

// Runs the protocol on `writers`, task 1 first, in the order of writers_of_task(), and keeps the
// DTW statistics of every query.
std::vector<WriterStatistics> record_statistics(const std::vector<WriterSignatures>& writers,
                                                const std::vector<WriterSignatures>& impostors,
                                                const ProtocolConfig& config, DtwSequence sequence) {
    std::vector<WriterStatistics> recorded;
    for (int task : {1, 2}) {
        const std::vector<WriterSignatures> tested = writers_of_task(writers, task);
        if (tested.empty()) continue;
        const std::vector<WriterSignatures> others = writers_of_task(impostors, task);
        // A fresh recorder for each task, because it caches by the address of the copies above.
        StatisticsRecorder recorder(sequence);
        for (const WriterScores& scores : run_protocol(recorder, tested, others, config)) {
            WriterStatistics writer;
            writer.task = scores.task;
            writer.user = scores.user;
            const auto keep = [&](const std::vector<double>& indices, std::vector<std::vector<double>>& into) {
                for (double index : indices) into.push_back(recorder.recorded[static_cast<std::size_t>(index)]);
            };
            keep(scores.genuine, writer.genuine);
            keep(scores.skilled, writer.skilled);
            keep(scores.random, writer.random);
            recorded.push_back(std::move(writer));
        }
    }
    return recorded;
}

// Fits the calibration to the statistics of the writers for which `use(i)` is true.
template <class Use>
DtwCalibration fit_recorded(const std::vector<WriterStatistics>& recorded, Use use) {
    // Random forgeries are easy, so they count half as much as skilled ones.
    constexpr double kRandomWeight = 0.5;
    std::vector<CalibrationSample> samples;
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        if (!use(i)) continue;
        for (const auto& statistics : recorded[i].genuine) samples.push_back({statistics, true, 1.0});
        for (const auto& statistics : recorded[i].skilled) samples.push_back({statistics, false, 1.0});
        for (const auto& statistics : recorded[i].random) samples.push_back({statistics, false, kRandomWeight});
    }
    if (samples.empty()) throw Error("fitting the DTW calibration needs writers of task 1 or 2");
    return fit_dtw_calibration(samples);
}

}  // namespace

DtwCalibration fit_dtw_calibration(const std::vector<WriterSignatures>& writers,
                                   const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config,
                                   DtwSequence sequence) {
    return fit_recorded(record_statistics(writers, impostors, config, sequence), [](std::size_t) { return true; });
}

CrossFittedCalibration cross_fit_dtw_calibration(const std::vector<WriterSignatures>& writers,
                                                 const std::vector<WriterSignatures>& impostors,
                                                 const ProtocolConfig& config, DtwSequence sequence, int groups) {
    const std::vector<WriterStatistics> recorded = record_statistics(writers, impostors, config, sequence);
    if (groups < 2 || static_cast<std::size_t>(groups) > recorded.size()) {
        throw Error("cross-fitting the DTW calibration needs from 2 groups to one per writer, got " +
                    std::to_string(groups) + " groups of " + std::to_string(recorded.size()) +
                    " writers: use fewer groups or more writers");
    }
    CrossFittedCalibration result;
    result.calibration = fit_recorded(recorded, [](std::size_t) { return true; });
    result.scores.resize(recorded.size());
    const auto group_of = [&](std::size_t i) { return static_cast<int>(i % static_cast<std::size_t>(groups)); };
    for (int group = 0; group < groups; ++group) {
        const DtwCalibration without = fit_recorded(recorded, [&](std::size_t i) { return group_of(i) != group; });
        for (std::size_t i = 0; i < recorded.size(); ++i) {
            if (group_of(i) != group) continue;
            WriterScores& scores = result.scores[i];
            scores.task = recorded[i].task;
            scores.user = recorded[i].user;
            for (const auto& statistics : recorded[i].genuine) scores.genuine.push_back(without.score(statistics));
            for (const auto& statistics : recorded[i].skilled) scores.skilled.push_back(without.score(statistics));
            for (const auto& statistics : recorded[i].random) scores.random.push_back(without.score(statistics));
        }
    }
    return result;
}

double fused_threshold(const Model& model, const FusionParameters& fusion,
                       const std::vector<WriterSignatures>& writers, const std::vector<WriterSignatures>& impostors,
                       const ProtocolConfig& config, const std::vector<WriterScores>& dtw_scores) {
    std::vector<double> genuine, skilled;
    std::size_t next = 0;
    for (int task : {1, 2}) {
        const std::vector<WriterSignatures> tested = writers_of_task(writers, task);
        if (tested.empty()) continue;
        const std::vector<WriterSignatures> others = writers_of_task(impostors, task);
        EmbeddingScorer embedding(model, fusion.embedding_score);
        for (const WriterScores& tdnn : run_protocol(embedding, tested, others, config)) {
            if (next >= dtw_scores.size() || dtw_scores[next].user != tdnn.user || dtw_scores[next].task != tdnn.task ||
                dtw_scores[next].genuine.size() != tdnn.genuine.size() ||
                dtw_scores[next].skilled.size() != tdnn.skilled.size()) {
                throw Error("the DTW scores at position " + std::to_string(next) + " do not match user " +
                            std::to_string(tdnn.user) + " of task " + std::to_string(tdnn.task) +
                            ": pass the scores of the same writers, in the same order, under the same protocol");
            }
            const WriterScores& dtw = dtw_scores[next++];
            for (std::size_t i = 0; i < tdnn.genuine.size(); ++i) genuine.push_back(fusion.fuse(tdnn.genuine[i], dtw.genuine[i]));
            for (std::size_t i = 0; i < tdnn.skilled.size(); ++i) skilled.push_back(fusion.fuse(tdnn.skilled[i], dtw.skilled[i]));
        }
    }
    if (next != dtw_scores.size()) {
        throw Error("DTW scores of " + std::to_string(dtw_scores.size()) + " writers were given for " +
                    std::to_string(next) + " writers: pass the scores of the same writers");
    }
    if (genuine.empty()) throw Error("choosing the fused threshold needs writers of task 1 or 2");
    return equal_error_rate(genuine, skilled).threshold;
}

std::vector<DetPoint> det_curve(const std::vector<double>& genuine, const std::vector<double>& forgery) {
    std::set<double> thresholds(genuine.begin(), genuine.end());
    thresholds.insert(forgery.begin(), forgery.end());
    std::vector<DetPoint> points;
    for (double threshold : thresholds) {
        const ErrorRates rates = error_rates_at(genuine, forgery, threshold);
        points.push_back({threshold, rates.false_acceptance, rates.false_rejection});
    }
    return points;
}

namespace {

// Inverse of the standard normal distribution function, by bisection on erfc: accurate to
// about 1e-12, ample for plotting.
double probit(double p) {
    double low = -10, high = 10;
    for (int i = 0; i < 80; ++i) {
        const double middle = (low + high) / 2;
        (0.5 * std::erfc(-middle / std::sqrt(2.0)) < p ? low : high) = middle;
    }
    return (low + high) / 2;
}

}  // namespace

std::string det_svg(const std::vector<DetSeries>& series, const std::string& title) {
    // Both axes run from 0.1 % to 50 % on the probit scale.
    const double lowest = probit(0.001), highest = probit(0.5);
    const double left = 70, top = 40, size = 400;
    auto position = [&](double rate) {
        const double clamped = std::clamp(rate, 0.001, 0.5);
        return (probit(clamped) - lowest) / (highest - lowest) * size;
    };
    auto number = [](double value) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.1f", value);
        return std::string(buffer);
    };
    // Colour-blind-safe colours (Okabe and Ito).
    const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};

    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(left + size + 200) +
                      "\" height=\"" + number(top + size + 60) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + number(left) + "\" y=\"24\" font-size=\"14\">" + title + "</text>\n";
    for (double tick : {0.001, 0.01, 0.05, 0.1, 0.2, 0.5}) {
        const double x = left + position(tick), y = top + size - position(tick);
        char label_text[16];
        std::snprintf(label_text, sizeof label_text, "%g %%", tick * 100);
        const std::string label = label_text;
        svg += "<line x1=\"" + number(x) + "\" y1=\"" + number(top) + "\" x2=\"" + number(x) + "\" y2=\"" +
               number(top + size) + "\" stroke=\"#ddd\"/>\n";
        svg += "<line x1=\"" + number(left) + "\" y1=\"" + number(y) + "\" x2=\"" + number(left + size) + "\" y2=\"" +
               number(y) + "\" stroke=\"#ddd\"/>\n";
        svg += "<text x=\"" + number(x) + "\" y=\"" + number(top + size + 16) + "\" text-anchor=\"middle\">" + label +
               "</text>\n";
        svg += "<text x=\"" + number(left - 6) + "\" y=\"" + number(y + 4) + "\" text-anchor=\"end\">" + label +
               "</text>\n";
    }
    svg += "<rect x=\"" + number(left) + "\" y=\"" + number(top) + "\" width=\"" + number(size) + "\" height=\"" +
           number(size) + "\" fill=\"none\" stroke=\"black\"/>\n";
    svg += "<text x=\"" + number(left + size / 2) + "\" y=\"" + number(top + size + 36) +
           "\" text-anchor=\"middle\">false acceptance rate</text>\n";
    svg += "<text transform=\"translate(16 " + number(top + size / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">false rejection rate</text>\n";
    for (std::size_t s = 0; s < series.size(); ++s) {
        const char* colour = colours[s % 6];
        std::string path;
        for (const DetPoint& point : series[s].points) {
            path += (path.empty() ? "M" : " L") + number(left + position(point.false_acceptance)) + " " +
                    number(top + size - position(point.false_rejection));
        }
        svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
        const double y = top + 10 + 18 * s;
        svg += "<line x1=\"" + number(left + size + 12) + "\" y1=\"" + number(y) + "\" x2=\"" +
               number(left + size + 32) + "\" y2=\"" + number(y) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
        svg += "<text x=\"" + number(left + size + 38) + "\" y=\"" + number(y + 4) + "\">" + series[s].label +
               "</text>\n";
    }
    return svg + "</svg>\n";
}

}  // namespace inkprint
