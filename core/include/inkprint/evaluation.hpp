// The SVC2004 evaluation protocol, writer-independent cross-validation folds, and the scorers
// compared under them: the siamese TDNN and a dynamic time warping (DTW) baseline.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "inkprint/experiment.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/verifier.hpp"

namespace inkprint {

// One fold of k-fold cross-validation over the users of a task, as user numbers.
struct Fold {
    std::vector<int> train;       // teach the network
    std::vector<int> validation;  // choose the epoch and the threshold
    std::vector<int> test;        // measure error rates; in no other role in this fold
};

// Assigns users 1..n_users to k folds: fold f tests the users u with (u - 1) % k == f, takes the
// first `validation_count` test users of fold (f + 1) % k for validation, and trains on the
// rest. Every user is tested in exactly one fold. Throws Error on sizes that leave a role empty.
std::vector<Fold> make_folds(int n_users, int k, int validation_count);

// Turns enrolment signatures and a query into a similarity score; higher means more likely
// genuine. Implementations cache per-signature work by address, so the signatures must
// outlive the scorer.
class Scorer {
public:
    virtual ~Scorer() = default;
    virtual double score(const std::vector<const Signature*>& enrolment, const Signature& query) = 0;
};

// The siamese TDNN: compares the query's embedding with the enrolment embeddings by `rule`
// (by default the cosine to their reference, as Verifier::verify scores).
class EmbeddingScorer final : public Scorer {
public:
    explicit EmbeddingScorer(const Model& model, EmbeddingScore rule = EmbeddingScore::Reference)
        : verifier_(model), rule_(rule) {}
    double score(const std::vector<const Signature*>& enrolment, const Signature& query) override;

private:
    const std::vector<float>& embedding(const Signature& signature);
    Verifier verifier_;
    EmbeddingScore rule_;
    std::map<const Signature*, std::vector<float>> embeddings_;
};

// Dynamic time warping on the sequences of `sequence` (prepare_dtw, dtw_distance and dtw_score
// in fusion.hpp), the distances turned into a score by `normalisation`.
class DtwScorer final : public Scorer {
public:
    // `calibration` is used, and needed, when `normalisation` is Calibrated.
    explicit DtwScorer(DistanceNormalisation normalisation = DistanceNormalisation::Mean,
                       DtwSequence sequence = DtwSequence::Grid, DtwCalibration calibration = {})
        : normalisation_(normalisation), sequence_(sequence), band_(dtw_band(sequence)),
          calibration_(std::move(calibration)) {}
    double score(const std::vector<const Signature*>& enrolment, const Signature& query) override;

    // Returns dtw_statistics() of `query` against `enrolment`, whatever the normalisation.
    std::vector<double> statistics(const std::vector<const Signature*>& enrolment, const Signature& query);

    // dtw_distance() of two sequences from dtw_sequence().
    static double distance(const std::vector<float>& a, const std::vector<float>& b, int band) {
        return dtw_distance(a, b, band);
    }

private:
    const DtwSignature& prepared(const Signature& signature);
    // The distance of the two sequences, then those of their parts if `with_parts` or if
    // they were aligned before.
    const std::vector<double>& cached_distances(const Signature& a, const Signature& b, bool with_parts);
    // Distances from the query to each enrolment signature and among those, in the order of
    // dtw_statistics(), for the whole sequence and for each part.
    struct DistanceLists {
        std::vector<double> to_query, among;
        std::vector<std::vector<double>> part_to_query, part_among;
    };
    // Fills `lists`, the parts' distances only if `with_parts`.
    void collect_distances(const std::vector<const Signature*>& enrolment, const Signature& query, bool with_parts,
                           DistanceLists& lists);
    DistanceNormalisation normalisation_;
    DtwSequence sequence_;
    int band_;
    DtwCalibration calibration_;
    std::map<const Signature*, DtwSignature> prepared_;
    std::map<std::pair<const Signature*, const Signature*>, std::vector<double>> distances_;
    // The writer's template of each enrolment, for sequences scored with one.
    std::map<std::vector<const Signature*>, WriterTemplate> templates_;
};

// The TDNN and DTW scores fused by FusionParameters::fuse, as Verifier::verify_fused scores.
class FusionScorer final : public Scorer {
public:
    FusionScorer(const Model& model, const FusionParameters& fusion)
        : embedding_(model, fusion.embedding_score),
          dtw_(fusion.dtw_normalisation, fusion.dtw_sequence, fusion.dtw_calibration),
          fusion_(fusion) {}
    double score(const std::vector<const Signature*>& enrolment, const Signature& query) override;

private:
    EmbeddingScorer embedding_;
    DtwScorer dtw_;
    FusionParameters fusion_;
};

// Scores of one test writer over all trials.
struct WriterScores {
    int task = 0;
    int user = 0;
    std::vector<double> genuine, skilled, random;
};

struct ProtocolConfig {
    int trials = 10;           // per writer
    int enrolment_count = 5;   // drawn from S1-S10
    int random_forgeries = 20; // other writers per trial, one genuine signature each
    std::uint64_t seed = 2004;
};

// Runs the SVC2004 protocol on each test writer: per trial, enrol `enrolment_count` genuine
// signatures drawn at random from S1-S10 and score the 10 genuine S11-S20, the 20 skilled
// forgeries S21-S40 and one genuine signature each of `random_forgeries` other writers drawn
// from `impostors` (writers with the test writer's own number and task are skipped).
std::vector<WriterScores> run_protocol(Scorer& scorer, const std::vector<WriterSignatures>& test,
                                       const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config);

// Appends every writer's genuine, skilled-forgery and random-forgery scores to `into`, in order.
void pool_scores(const std::vector<WriterScores>& writers, Scores& into);

struct ProtocolSummary {
    double skilled_global = 0, random_global = 0;      // EER with one threshold for all writers
    double skilled_per_writer = 0, random_per_writer = 0;  // mean of each writer's own EER
};

ProtocolSummary summarise(const std::vector<WriterScores>& scores);

// Scores each writer with `scorer` on the fixed split of score_fixed_split(const Model&, ...):
// enrolment S1-S5, genuine queries S11-S20, all skilled forgeries, and S11 of every other writer
// of the same task as random forgeries. Throws Error for a writer without S1-S20.
Scores score_fixed_split(Scorer& scorer, const std::vector<WriterSignatures>& writers);

// Fusion parameters and how they did on the writers that chose them.
struct FusionFit {
    FusionParameters parameters;
    double skilled_eer = 0, random_eer = 0;  // of the fused scores on those writers, global threshold
};

// Chooses the fusion of `model`'s embedding score (by `rule`) with the DTW score (on sequences
// of `dtw_sequence`, normalised by `dtw_normalisation`) on `validation` writers, which must have taken no part in training. It
// runs the protocol of `config` on them, with random forgeries from the `impostors` of the same
// task, and standardises each score by the mean and standard deviation of its genuine and
// skilled-forgery scores. The DTW weight is the one of 0, 0.05, ..., 1 with the lowest
// skilled-forgery EER (ties go to the lower random-forgery EER), and the threshold is at that
// EER's point. Throws Error when a task of the validation writers has too few impostors.
FusionFit fit_fusion(const Model& model, EmbeddingScore rule, DistanceNormalisation dtw_normalisation,
                     DtwSequence dtw_sequence, const std::vector<WriterSignatures>& validation,
                     const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config,
                     const DtwCalibration& dtw_calibration = {});

// Learns the DTW calibration on `writers` (training writers: DTW itself learns nothing, so
// they give unbiased distances). It runs the protocol of `config` on them with random
// forgeries from the `impostors` of the same task, and fits fit_dtw_calibration() to genuine
// queries against skilled forgeries (weight 1) and random forgeries (weight 1/2). Throws Error
// when a task of the writers has too few impostors.
DtwCalibration fit_dtw_calibration(const std::vector<WriterSignatures>& writers,
                                   const std::vector<WriterSignatures>& impostors, const ProtocolConfig& config,
                                   DtwSequence sequence);

// A DTW calibration fitted on a set of writers, and out-of-sample scores of the same writers:
// each scored by a calibration fitted without it.
struct CrossFittedCalibration {
    DtwCalibration calibration;  // fitted on all the writers, as fit_dtw_calibration() does
    // Each writer's calibrated DTW scores under the protocol, task 1 first, in the order of the
    // writers. The writers fall into groups by position (i mod groups), and each group is
    // scored by a calibration fitted on the other groups only.
    std::vector<WriterScores> scores;
};

// Fits the DTW calibration on `writers` as fit_dtw_calibration() does, and scores every writer
// out of sample by cross-fitting over `groups` groups. Recording the DTW statistics is the slow
// part and happens once, so this costs little more than fit_dtw_calibration(). Throws Error
// for fewer than 2 groups or more groups than writers, and as fit_dtw_calibration() does.
CrossFittedCalibration cross_fit_dtw_calibration(const std::vector<WriterSignatures>& writers,
                                                 const std::vector<WriterSignatures>& impostors,
                                                 const ProtocolConfig& config, DtwSequence sequence, int groups);

// Returns the threshold at the skilled-forgery EER point of `fusion`'s scores on `writers`. The
// embedding scores of `model` are computed here, under the protocol of `config` with random
// forgeries from `impostors`. The calibrated DTW scores are given in `dtw_scores`, in the order
// of CrossFittedCalibration::scores. Throws Error when they do not match the writers.
// NOTE: for writers that the network trained on, the embedding scores are in sample and so
// better separated than on new writers. The network's weight was 0 to 0.25 in the
// cross-validation folds and 0.35 in the shipped pen model. How much this moves the threshold
// was not measured on its own.
double fused_threshold(const Model& model, const FusionParameters& fusion,
                       const std::vector<WriterSignatures>& writers, const std::vector<WriterSignatures>& impostors,
                       const ProtocolConfig& config, const std::vector<WriterScores>& dtw_scores);

// Points of a detection error trade-off (DET) curve: FAR and FRR at every observed threshold.
struct DetPoint {
    double threshold, false_acceptance, false_rejection;
};
std::vector<DetPoint> det_curve(const std::vector<double>& genuine, const std::vector<double>& forgery);

// An SVG picture of DET curves on probit (normal deviate) axes, as usual for DET plots.
struct DetSeries {
    std::string label;
    std::vector<DetPoint> points;
};
std::string det_svg(const std::vector<DetSeries>& series, const std::string& title);

}  // namespace inkprint
