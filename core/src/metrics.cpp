#include "inkprint/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "inkprint/error.hpp"

namespace inkprint {

ErrorRates error_rates_at(const std::vector<double>& genuine, const std::vector<double>& forgery,
                          double threshold) {
    ErrorRates rates;
    const auto rejected = std::count_if(genuine.begin(), genuine.end(), [&](double s) { return s < threshold; });
    const auto accepted = std::count_if(forgery.begin(), forgery.end(), [&](double s) { return s >= threshold; });
    rates.false_rejection = genuine.empty() ? 0.0 : static_cast<double>(rejected) / genuine.size();
    rates.false_acceptance = forgery.empty() ? 0.0 : static_cast<double>(accepted) / forgery.size();
    return rates;
}

EqualErrorRate equal_error_rate(const std::vector<double>& genuine, const std::vector<double>& forgery) {
    if (genuine.empty() || forgery.empty()) {
        throw Error("equal error rate needs genuine and forgery scores, got " + std::to_string(genuine.size()) +
                    " and " + std::to_string(forgery.size()));
    }
    std::vector<double> sorted_genuine = genuine, sorted_forgery = forgery;
    std::sort(sorted_genuine.begin(), sorted_genuine.end());
    std::sort(sorted_forgery.begin(), sorted_forgery.end());
    std::vector<double> candidates = sorted_genuine;
    candidates.insert(candidates.end(), sorted_forgery.begin(), sorted_forgery.end());
    candidates.push_back(std::numeric_limits<double>::infinity());
    std::sort(candidates.begin(), candidates.end());

    EqualErrorRate best;
    double best_gap = std::numeric_limits<double>::infinity();
    for (double threshold : candidates) {
        // FRR: genuine below the threshold; FAR: forgeries at or above it.
        const auto rejected = std::lower_bound(sorted_genuine.begin(), sorted_genuine.end(), threshold) -
                              sorted_genuine.begin();
        const auto accepted = sorted_forgery.end() -
                              std::lower_bound(sorted_forgery.begin(), sorted_forgery.end(), threshold);
        const double frr = static_cast<double>(rejected) / sorted_genuine.size();
        const double far = static_cast<double>(accepted) / sorted_forgery.size();
        const double gap = std::abs(far - frr);
        if (gap < best_gap) {
            best_gap = gap;
            best.rate = (far + frr) / 2;
            best.threshold = threshold;
        }
    }
    return best;
}

std::vector<int> histogram(const std::vector<double>& scores, double low, double high, int bins) {
    if (!(low < high) || bins < 1) {
        throw Error("histogram needs low < high and at least one bin, got " + std::to_string(low) + " to " +
                    std::to_string(high) + " in " + std::to_string(bins) + " bins");
    }
    std::vector<int> counts(static_cast<std::size_t>(bins), 0);
    for (double score : scores) {
        if (std::isnan(score)) continue;
        const double position = std::floor((score - low) / (high - low) * bins);
        const int bin = position < 0 ? 0 : position >= bins ? bins - 1 : static_cast<int>(position);
        counts[static_cast<std::size_t>(bin)] += 1;
    }
    return counts;
}

}  // namespace inkprint
