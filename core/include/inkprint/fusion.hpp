// Scores that compare a query with each of a person's enrolment signatures, and their fusion.
//
// Two comparisons are combined:
// - the siamese TDNN's embeddings, by one of the rules of EmbeddingScore;
// - dynamic time warping (DTW) between sequences of DtwSequence, turned into a score by one of
//   the rules of DistanceNormalisation. The per-person rules judge a person who signs more
//   variably more leniently, and the calibrated rule is learned on training writers.
// The fused score is a weighted sum of the two after standardising each with a mean and a
// standard deviation measured on writers that took no part in training (FusionParameters).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inkprint/features.hpp"
#include "inkprint/signature.hpp"

namespace inkprint {

struct DtwCalibration;

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
    // A logistic regression over dtw_statistics(), learned on training writers (DtwCalibration).
    // Its score is the log-odds that the query is genuine, on one scale for every writer.
    Calibrated,
};

// The rule's name as the tools and the model description write it: "reference", "mean", "max",
// "normalised" or "nearest".
const char* embedding_score_name(EmbeddingScore rule);

// Reads a name that embedding_score_name() writes. Throws Error naming the accepted names.
EmbeddingScore parse_embedding_score(std::string_view name);

// The normalisation's name as the tools and the model description write it: "mean", "nearest"
// or "calibrated".
const char* distance_normalisation_name(DistanceNormalisation rule);

// Reads a name that distance_normalisation_name() writes. Throws Error naming the accepted names.
DistanceNormalisation parse_distance_normalisation(std::string_view name);

// Scores a query's embedding against `enrolled`, the enrolment embeddings one after another
// (count * size values), by `rule`. Higher means more likely genuine. Throws Error when the
// sizes do not fit or a value is not finite.
double score_embedding(EmbeddingScore rule, std::span<const float> enrolled, std::span<const float> query);

// Normalises the distances `to_query` from a query to n enrolment signatures by `rule`, which
// must be Mean or Nearest: Calibrated needs DtwCalibration::score.
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
    // dtw_dynamics(): the steps of Timed with the first five time derivatives of position.
    Dynamics,
    // dtw_dynamics() with pen pressure: Dynamics plus a pressure column, for devices that
    // measure pressure on every point. The model compares pressure only with pressure.
    DynamicsPressure,
    // dtw_dynamics() as Dynamics, also aligned in two parts of its columns (position alone, and
    // the fourth and fifth differences alone), and with roughness_descriptors(). The parts
    // let the calibration weigh shape and fine motion separately.
    DynamicsParts,
    // DynamicsParts, and the query also aligned with the writer's template (WriterTemplate),
    // which weighs each moment of the signature by how steadily the writer repeats it.
    DynamicsTemplate,
    // DynamicsPressure, and the query also aligned with the writer's template of all 13
    // columns, pressure included. Without the parts, which gained nothing with pressure.
    DynamicsPressureTemplate,
};

// The name as the tools and the model description write it: "grid", "timed", "dynamics",
// "dynamics-pressure", "dynamics-parts", "dynamics-template" or "dynamics-pressure-template".
const char* dtw_sequence_name(DtwSequence kind);

// Whether the sequences of `kind` have a pressure column and the pressure descriptors, so
// that every signature needs pen pressure.
bool dtw_uses_pressure(DtwSequence kind);

// Whether the calibration of `kind` also weighs the query against the writer's template.
bool dtw_uses_template(DtwSequence kind);

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

// Highest order of the differences of x and y in dtw_dynamics().
inline constexpr int kDynamicsOrder = 5;

// Returns the steps of dtw_timed() with x, y and their first kDynamicsOrder differences (12
// values per step), then the pen pressure when `with_pressure` is set, each standardised over
// the signature's own steps. The fourth and fifth differences describe the finest timing of
// the pen; docs/accuracy.md measures what they add. Throws Error as dtw_timed() does, and,
// with `with_pressure`, as pressure_descriptors() does.
std::vector<float> dtw_dynamics(const Signature& signature, bool with_pressure);

// Returns the number of values per step in the sequences of `kind`: 8 for Grid and Timed, 12 for
// Dynamics, DynamicsParts and DynamicsTemplate, 13 for the two with pressure.
int dtw_columns(DtwSequence kind);

// Returns dtw_grid(), dtw_timed() or dtw_dynamics(), whichever `kind` names.
std::vector<float> dtw_sequence(DtwSequence kind, const Signature& signature);

// Band of the alignment of two timed sequences: 1 s of writing on either side of the diagonal,
// widened to the difference of their lengths. On SVC2004 it gives the EER of an unlimited band
// or a lower one, and it cuts the work for long signatures.
inline constexpr int kDtwTimedBand = 100;

// Returns the DTW band that suits each sequence: kDtwBand for the grid, kDtwTimedBand for the
// sequences of one step per kDtwStepMs.
int dtw_band(DtwSequence kind);

// DTW distance of two sequences of `columns` values per step from dtw_sequence(), each step
// compared by Euclidean distance, within a Sakoe-Chiba band of `band` steps, divided by the
// path length bound n + m. Throws Error for an empty sequence or one whose length is not a
// multiple of `columns`.
double dtw_distance(const std::vector<float>& a, const std::vector<float>& b, int band = kDtwBand,
                    int columns = kFeatureCount);

// Number of values of signature_descriptors().
inline constexpr std::size_t kDescriptorCount = 7;

// Describes a signature as a whole, for comparing with other signatures of the same person:
//   0 log of the duration in ms, first sample to last (at least 1 ms)
//   1 log of the pen-down time in ms, summed over the strokes (at least 1 ms)
//   2 number of strokes
//   3 log of the pen's path length over the root-mean-square radius around the centroid
//   4 log of that length per pen-down ms, a mean speed
//   5 log of the width over the height, each plus 1 % of the radius
//   6 pen-down time over the duration
// Every value ignores where and how large the signature is. Throws Error as
// validate_signature does.
std::vector<double> signature_descriptors(const Signature& signature);

// Number of values of roughness_descriptors().
inline constexpr std::size_t kRoughnessCount = kDynamicsOrder - 1;

// How much of the pen's motion lies in the higher differences of its path: for k = 2 to
// kDynamicsOrder, the log of the root-mean-square k-th difference of (x, y) over the
// root-mean-square first difference, on the steps of dtw_dynamics(). The values do not depend
// on the signature's size or position. Throws Error as validate_signature does.
std::vector<double> roughness_descriptors(const Signature& signature);

// Number of values of pressure_descriptors().
inline constexpr std::size_t kPressureDescriptorCount = 2;

// Returns the mean and the standard deviation of the pen pressure over all points. Throws
// Error as validate_signature does, and naming the fix for a signature without pressure or
// with a stroke whose pressure is 0 throughout (a mouse or finger stroke among pen strokes).
std::vector<double> pressure_descriptors(const Signature& signature);

// Returns the number of descriptors that prepare_dtw() keeps for `kind`: kDescriptorCount, plus
// kPressureDescriptorCount for the kinds with pressure (dtw_uses_pressure).
std::size_t dtw_descriptor_count(DtwSequence kind);

// Some columns of a DTW sequence, aligned on their own.
struct DtwPart {
    std::vector<float> sequence;
    int columns = 0;
};

// A signature prepared for DTW scoring.
struct DtwSignature {
    std::vector<float> sequence;      // dtw_sequence()
    int columns = kFeatureCount;      // dtw_columns() of the sequence's kind
    std::vector<double> descriptors;  // signature_descriptors(), then pressure_descriptors() if used
    std::vector<DtwPart> parts;       // dtw_part_count() parts of the sequence, for DynamicsParts
    std::vector<double> roughness;    // roughness_descriptors(), for DynamicsParts and DynamicsTemplate
    bool with_template = false;       // scored with a WriterTemplate too (dtw_uses_template)
};

// Number of parts that prepare_dtw() splits from the sequence of `kind`. It is 2 for
// DynamicsParts and DynamicsTemplate (x and y, then the fourth and fifth differences), else 0.
std::size_t dtw_part_count(DtwSequence kind);

// DTW distance of each part of `a` to the same part of `b`, as dtw_distance() measures it.
// Throws Error when the two were prepared with different sequences.
std::vector<double> dtw_part_distances(const DtwSignature& a, const DtwSignature& b, int band);

// Prepares `signature` with the sequence of `kind`.
DtwSignature prepare_dtw(DtwSequence kind, const Signature& signature);

// Floor added to each variance of a WriterTemplate before it is inverted. The columns are
// standardised per signature, so a variance of 1 is that of a column over a whole signature.
// Without the floor, a moment that the enrolment happens to repeat exactly would weigh
// without bound.
inline constexpr double kTemplateVarianceFloor = 0.05;

// A writer's enrolment summarised on one time axis: each step of the most central enrolment
// signature (the one with the smallest summed DTW distance to the others), with the mean and
// the variance, over the enrolment, of every column there. Each other enrolment signature is
// aligned with the central one by DTW, and the steps it matches to a central step are
// averaged. A query is then compared step by step in units of that spread, so a deviation
// where the writer is steady counts more than the same deviation where the writer varies.
struct WriterTemplate {
    std::vector<float> mean;       // steps * columns, step-major
    std::vector<float> precision;  // 1 / (variance + kTemplateVarianceFloor), as `mean`
    int columns = 0;
    // Mean template_distance() of each non-central enrolment signature to the template built
    // without it: how far a genuine signature of this writer usually falls from the template.
    double spread = 0;
    int band = 0;  // band of the alignments that built it, which queries are aligned in too
};

// Builds the template of `enrolment` (at least two signatures prepared with the same
// sequence), whose DTW distances `among` are in the order of DtwEnrolment::among, aligning in
// bands of `band` steps. Throws Error for fewer than two signatures or a distance count that
// does not fit.
WriterTemplate build_writer_template(const std::vector<const DtwSignature*>& enrolment, std::span<const double> among,
                                     int band);

// Returns the DTW distance of `query` to `writer`. Each step's Euclidean distance scales every
// column by the square root of its precision, and the path cost is divided by the two lengths
// together as dtw_distance() does. Throws Error when the column counts differ or the template
// is empty.
double template_distance(const DtwSignature& query, const WriterTemplate& writer, int band);

// Enrolment signatures prepared for DTW scoring, with the distances among them, which are the
// same for every query.
struct DtwEnrolment {
    std::vector<DtwSignature> signatures;
    std::vector<double> among;  // (0,1), (0,2), ..., (1,2), ...: n (n - 1) / 2 distances
    std::vector<std::vector<double>> part_among;  // the same pairs, for each part
    // The writer's template, for signatures prepared with_template; empty otherwise.
    WriterTemplate writer_template;
};

// Prepares `enrolment` with the sequence of `kind` and aligns every pair within bands of
// `band` steps. Throws Error as prepare_dtw() does.
DtwEnrolment prepare_dtw_enrolment(DtwSequence kind, const std::vector<Signature>& enrolment, int band);

// Returns dtw_score() below against a prepared enrolment, whose distances among its
// signatures must have been computed with the same `band`. Throws Error as that does, and for
// a distance count that does not fit the number of signatures.
double dtw_score(DistanceNormalisation rule, const DtwEnrolment& enrolment, const DtwSignature& query, int band,
                 const DtwCalibration* calibration);

// The DTW score of `query` against the enrolment signatures, normalised by `rule`, with DTW
// bands of `band` steps. Calibrated needs `calibration`. Throws Error when there is no
// enrolment signature, and for Calibrated without a calibration or with fewer than two
// enrolment signatures.
double dtw_score(DistanceNormalisation rule, const std::vector<DtwSignature>& enrolment, const DtwSignature& query,
                 int band = kDtwBand, const DtwCalibration* calibration = nullptr);

// Number of values of dtw_statistics() for signatures with kDescriptorCount descriptors.
inline constexpr std::size_t kDtwStatisticCount = 10 + kDescriptorCount;

// Returns the number of values of dtw_statistics() for signatures prepared with `kind`.
std::size_t dtw_statistic_count(DtwSequence kind);

// Summarises the DTW distances between a query and n >= 2 enrolment signatures for
// DtwCalibration. `to_query` and `among` are as for normalised_distance_score(), and the step
// counts are the lengths of the compared sequences. The values, in order:
//   0 nearest distance to the query over the mean nearest-neighbour distance among the enrolment
//   1 mean distance to the query over the mean distance among the enrolment
//   2 farthest distance to the query over the mean farthest-neighbour distance among the enrolment
//   3 distance to the enrolment's most central signature over that signature's mean distance
//   4 log of the mean nearest-neighbour distance among the enrolment
//   5 log of the nearest distance to the query
//   6 |log query steps - mean log enrolment steps|, how far the duration is from the usual one
//   7 value 6 over (the standard deviation of the log enrolment steps + 0.05)
//   8 log of the mean distance among the enrolment
//   9 log of the mean distance to the query
//   10 on: |query descriptor - mean enrolment descriptor| for each descriptor (7 of
//          signature_descriptors(), then any of pressure_descriptors())
// The ratios keep the per-writer view of the normalisations above, and the logs add the
// absolute scale that lets one threshold serve all writers. `enrolment_descriptors` holds
// the n signatures' descriptors one after another, as many each as `query_descriptors` contains.
// Throws Error for fewer than two enrolment signatures or lists of the wrong length.
std::vector<double> dtw_statistics(std::span<const double> to_query, std::span<const double> among,
                                   std::span<const double> enrolment_steps, double query_steps,
                                   std::span<const double> enrolment_descriptors,
                                   std::span<const double> query_descriptors);

// Number of values that dtw_statistics() of prepared signatures adds for each part.
inline constexpr std::size_t kPartStatisticCount = 3;

// Returns dtw_statistics() of prepared signatures, given the distances from the query to each
// enrolment signature and among them. For signatures with parts, `part_to_query` and
// `part_among` contain the same distances for each part, and these values follow:
//   for each part, its values 0, 1 and 5 above;
//   for each roughness descriptor, |query - mean over the enrolment|.
// For signatures prepared with_template, the last value is
//   log(template_distance() of the query / the template's spread),
// and `writer` must be the enrolment's template.
// Throws Error naming the fix for fewer than two enrolment signatures, and for part
// distances that do not fit the signatures' parts.
std::vector<double> dtw_statistics(std::span<const double> to_query, std::span<const double> among,
                                   const std::vector<const DtwSignature*>& enrolment, const DtwSignature& query,
                                   const std::vector<std::vector<double>>& part_to_query = {},
                                   const std::vector<std::vector<double>>& part_among = {},
                                   const WriterTemplate* writer = nullptr);

// Largest distance, in standard deviations, at which DtwCalibration::score() reads a
// statistic. A linear score extrapolates without bound, so a value far outside anything the
// training writers produced (an enrolment with a mere tap in it) would otherwise decide alone.
// check_enrolment_signature() rejects such taps at enrolment. The clip still guards
// enrolments saved before that check, and values that no check foresaw.
inline constexpr double kStatisticClip = 4.0;

// Logistic regression from dtw_statistics() to the log-odds that a query is genuine.
struct DtwCalibration {
    // Per statistic: the mean and standard deviation that standardise it, and its weight.
    std::vector<double> mean, deviation, weights;
    double bias = 0;

    bool empty() const { return weights.empty(); }

    // Returns the log-odds for one list of statistics, as many as there are weights. Throws
    // Error on a list of another length.
    double score(std::span<const double> statistics) const;

    // Throws Error naming the first list that does not contain `count` values, value that is not
    // finite or beyond +-1e6, or deviation below 1e-9.
    void validate(std::size_t count) const;
};

// One comparison to learn from: the statistics, whether the query was genuine, and how much it
// counts.
struct CalibrationSample {
    std::vector<double> statistics;
    bool genuine = false;
    double weight = 1;
};

// Fits the regression by gradient descent on the weighted logistic loss with a small L2
// penalty, after standardising each statistic over the samples, in two passes. The second
// pass continues from the first with each sample's weight multiplied by
// 4 p (1 - p) + kBoundaryWeightFloor, p being the first fit's probability that the sample is
// genuine. Deterministic. Throws Error when the samples are all genuine or all forgeries, or
// do not all have the same number of statistics.
DtwCalibration fit_dtw_calibration(const std::vector<CalibrationSample>& samples);

// Minimum weight factor of the calibration's second pass. The equal error rate is decided where
// genuine and forged scores meet, so the second pass weights the samples that the first fit
// left near p = 1/2 up to 1 + kBoundaryWeightFloor and the clear cases (most random forgeries,
// many skilled ones) down to this floor. On SVC2004 task 1 this lowered the one-threshold
// skilled-forgery EER of calibrated DTW by 0.80 points with 4 folds and by 0.24 with 5, and
// left task 2 within 0.03 points (docs/accuracy.md).
inline constexpr double kBoundaryWeightFloor = 0.2;

// Weights and standardisation that combine the TDNN and DTW scores, chosen on writers that
// took no part in training.
struct FusionParameters {
    EmbeddingScore embedding_score = EmbeddingScore::MeanCosine;
    DistanceNormalisation dtw_normalisation = DistanceNormalisation::Nearest;
    // A description without "dtwSequence" was written before the timed sequence existed.
    DtwSequence dtw_sequence = DtwSequence::Grid;
    // Used when dtw_normalisation is Calibrated, and required then.
    DtwCalibration dtw_calibration;
    double dtw_weight = 0.5;  // in [0, 1]; the TDNN gets 1 - dtw_weight
    double tdnn_mean = 0, tdnn_deviation = 1;
    double dtw_mean = 0, dtw_deviation = 1;
    double threshold = 0;  // fused score at or above which a query is accepted

    // Returns dtw_weight * standardised dtw + (1 - dtw_weight) * standardised tdnn.
    double fuse(double tdnn, double dtw) const;

    // Throws Error naming the first value that is not finite or beyond +-1e6, a weight outside
    // [0, 1], a deviation below 1e-9 or a damaged calibration.
    void validate() const;
};

// Writes the parameters as a JSON object, for the "fusion" member of a model's description:
//   {"embeddingScore":"normalised","dtwNormalisation":"nearest","dtwSequence":"timed","dtwWeight":0.5,
//    "tdnnMean":...,"tdnnDeviation":...,
//    "dtwMean":...,"dtwDeviation":...,"threshold":...}
// with "dtwCalibration":{"mean":[...],"deviation":[...],"weights":[...],"bias":...} before
// "dtwWeight" when the normalisation is "calibrated".
std::string fusion_json(const FusionParameters& fusion);

// Reads the "fusion" member of a model description (a JSON object). Returns nothing when the
// description has no top-level "fusion" member. Throws Error when the description is not a
// JSON object or its "fusion" member is not an object that fusion_json() could have written.
std::optional<FusionParameters> read_fusion(std::string_view description);

}  // namespace inkprint
