// Scores that compare a query with each of a person's enrolment signatures, and their fusion.
//
// Two comparisons are combined:
// - the siamese TDNN's embeddings, by one of the rules of EmbeddingScore;
// - dynamic time warping (DTW) between the feature grids, each feature standardised per
//   signature, normalised per person by one of the rules of DistanceNormalisation, so that a
//   person who signs more variably is judged more leniently.
// The fused score is a weighted sum of the two after standardising each with a mean and a
// standard deviation measured on writers that took no part in training (FusionParameters).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inkprint/signature.hpp"

namespace inkprint {

// Rule that compares a query's embedding with a person's enrolment embeddings.
enum class EmbeddingScore {
    Reference,   // cosine to make_reference() of the enrolment embeddings, as Verifier::verify scores
    MeanCosine,  // mean of the cosines to each enrolment embedding
    MaxCosine,   // largest cosine to one enrolment embedding
    // The cosine distances (1 - cosine) normalised by DistanceNormalisation::Mean.
    Normalised,
    // The cosine distances normalised by DistanceNormalisation::Nearest.
    Nearest,
};

// Per-person normalisation that turns the distances from a query to a person's enrolment
// signatures into a score, relative to the distances among the enrolment signatures
// themselves. Higher means more likely genuine.
enum class DistanceNormalisation {
    // Minus the mean distance to the enrolment signatures divided by the mean distance among them.
    Mean,
    // Minus the distance to the nearest enrolment signature divided by the mean, over the
    // enrolment signatures, of each one's distance to its nearest other enrolment signature.
    Nearest,
};

// The rule's name as the tools and the model description write it: "reference", "mean", "max",
// "normalised" or "nearest".
const char* embedding_score_name(EmbeddingScore rule);

// Reads a name that embedding_score_name() writes. Throws Error naming the accepted names.
EmbeddingScore parse_embedding_score(std::string_view name);

// The normalisation's name as the tools and the model description write it: "mean" or "nearest".
const char* distance_normalisation_name(DistanceNormalisation rule);

// Reads a name that distance_normalisation_name() writes. Throws Error naming the accepted names.
DistanceNormalisation parse_distance_normalisation(std::string_view name);

// Scores a query's embedding against `enrolled`, the enrolment embeddings one after another
// (count * size values), by `rule`. Higher means more likely genuine. Throws Error when the
// sizes do not fit or a value is not finite.
double score_embedding(EmbeddingScore rule, std::span<const float> enrolled, std::span<const float> query);

// Normalises the distances `to_query` from a query to n enrolment signatures by `rule`.
// `among` holds the distances among the enrolment signatures for the pairs (0, 1), (0, 2), ...,
// (0, n - 1), (1, 2), ..., (n - 2, n - 1). The divisor is at least `minimum_spread`, and 1 when there is a
// single enrolment signature or the distances among them are all 0. Throws Error when
// `to_query` is empty or `among` has not n (n - 1) / 2 values.
double normalised_distance_score(DistanceNormalisation rule, std::span<const double> to_query,
                                 std::span<const double> among, double minimum_spread);

// Band of the DTW alignment, in grid steps on either side of the diagonal.
inline constexpr int kDtwBand = 20;

// The feature grid of compute_features() with each feature standardised over the signature's
// own steps, as DTW compares it.
std::vector<float> dtw_grid(const Signature& signature);

// Kind of step sequence that DTW compares.
enum class DtwSequence {
    // dtw_grid(): the network's 200 steps, whatever the signature's duration.
    Grid,
    // dtw_timed(): one step every kDtwStepMs of pen-down time, so that a slower signature is a
    // longer sequence, with position and its first three time derivatives.
    Timed,
};

// The name as the tools and the model description write it: "grid" or "timed".
const char* dtw_sequence_name(DtwSequence kind);

// Reads a name that dtw_sequence_name() writes. Throws Error naming the accepted names.
DtwSequence parse_dtw_sequence(std::string_view name);

// Time between the steps of dtw_timed(), the sampling interval of the SVC2004 tablets.
inline constexpr double kDtwStepMs = 10.0;

// Minimum and maximum step count of dtw_timed(). Above 1,000 steps (10 s of writing) the
// interval grows, which bounds the work of one comparison.
inline constexpr int kDtwMinSteps = 20;
inline constexpr int kDtwMaxSteps = 1000;

// Resamples the signature every kDtwStepMs (see resample_in_time) and drops the pen-up steps
// between strokes. Each step gets kFeatureCount values: x and y, then the first, second and
// third differences of x and y from one step to the next within a stroke (velocity,
// acceleration and jerk). Each of the 8 is standardised over the signature's own steps.
// Standardising keeps rhythm and shape but not absolute speed; the number of steps keeps
// the duration. A signature with fewer than two pen-down steps keeps its pen-up steps.
// Throws Error as compute_features does.
std::vector<float> dtw_timed(const Signature& signature);

// dtw_grid() or dtw_timed().
std::vector<float> dtw_sequence(DtwSequence kind, const Signature& signature);

// Returns the DTW band that suits each sequence: kDtwBand for the grid, and for the timed
// sequence kDtwMaxSteps, so that the whole alignment is searched.
int dtw_band(DtwSequence kind);

// DTW distance of two sequences from dtw_grid() or dtw_timed(), each step compared by Euclidean distance, within
// a Sakoe-Chiba band of `band` steps, divided by the path length bound n + m.
double dtw_distance(const std::vector<float>& a, const std::vector<float>& b, int band = kDtwBand);

// The DTW score of `query` against the enrolment grids, normalised by `rule`. Throws Error when
// there is no enrolment grid.
double dtw_score(DistanceNormalisation rule, const std::vector<std::vector<float>>& enrolment,
                 const std::vector<float>& query, int band = kDtwBand);

// Weights and standardisation that combine the TDNN and DTW scores, chosen on writers that
// took no part in training.
struct FusionParameters {
    EmbeddingScore embedding_score = EmbeddingScore::MeanCosine;
    DistanceNormalisation dtw_normalisation = DistanceNormalisation::Nearest;
    // A description without "dtwSequence" was written before the timed sequence existed.
    DtwSequence dtw_sequence = DtwSequence::Grid;
    double dtw_weight = 0.5;  // in [0, 1]; the TDNN gets 1 - dtw_weight
    double tdnn_mean = 0, tdnn_deviation = 1;
    double dtw_mean = 0, dtw_deviation = 1;
    double threshold = 0;  // fused score at or above which a query is accepted

    // Returns dtw_weight * standardised dtw + (1 - dtw_weight) * standardised tdnn.
    double fuse(double tdnn, double dtw) const;

    // Throws Error naming the first value that is not finite, a weight outside [0, 1] or a
    // deviation that is not positive.
    void validate() const;
};

// Writes the parameters as a JSON object, for the "fusion" member of a model's description:
//   {"embeddingScore":"normalised","dtwNormalisation":"nearest","dtwSequence":"timed","dtwWeight":0.5,
//    "tdnnMean":...,"tdnnDeviation":...,
//    "dtwMean":...,"dtwDeviation":...,"threshold":...}
std::string fusion_json(const FusionParameters& fusion);

// Reads the "fusion" member of a model description (a JSON object). Returns nothing when the
// description has no top-level "fusion" member. Throws Error when the description is not a
// JSON object or its "fusion" member is not an object that fusion_json() could have written.
std::optional<FusionParameters> read_fusion(std::string_view description);

}  // namespace inkprint
