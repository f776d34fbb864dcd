// Error rates of a verifier. A score at or above the threshold is accepted as genuine.
#pragma once

#include <vector>

namespace inkprint {

struct ErrorRates {
    double false_acceptance = 0;  // share of forgery scores accepted (FAR)
    double false_rejection = 0;   // share of genuine scores rejected (FRR)
};

ErrorRates error_rates_at(const std::vector<double>& genuine, const std::vector<double>& forgery,
                          double threshold);

struct EqualErrorRate {
    double rate = 0;       // mean of FAR and FRR where they are closest
    double threshold = 0;  // the threshold where that happens
};

// Finds the threshold where FAR and FRR are closest, trying every observed score.
// Throws Error when either list is empty.
EqualErrorRate equal_error_rate(const std::vector<double>& genuine, const std::vector<double>& forgery);

// Counts scores in `bins` equal bins from `low` to `high`. A score on a bin's lower edge counts
// in that bin; scores outside the range count in the first or last bin, and NaN in none.
// Throws Error unless low < high and bins >= 1.
std::vector<int> histogram(const std::vector<double>& scores, double low, double high, int bins);

}  // namespace inkprint
