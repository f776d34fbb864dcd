// Enrolment and verification with a trained model: only one branch of the siamese pair runs.
//
// Usage:
//   inkprint::Verifier verifier(inkprint::load_model("default.inkprint"));
//   std::vector<float> enrolled;                          // embeddings, one after another
//   for (const auto& s : enrolment_signatures) {
//       auto e = verifier.embed(s);
//       enrolled.insert(enrolled.end(), e.begin(), e.end());
//   }
//   auto reference = inkprint::make_reference(enrolled, verifier.embedding_size());
//   auto result = verifier.verify(reference, query);     // result.accepted, result.score
//
// A Verifier keeps scratch buffers and is not safe to share between threads; use one per thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "inkprint/features.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/signature.hpp"

namespace inkprint {

struct Verification {
    double score = 0;      // cosine between the query's embedding and the reference
    double threshold = 0;  // the model's decision threshold
    bool accepted = false; // score >= threshold
};

// A verification by the fused score of FusionParameters, with both parts before fusion.
struct FusedVerification {
    double score = 0;      // FusionParameters::fuse of the two parts
    double threshold = 0;  // the fusion's threshold, from the model's description
    bool accepted = false; // score >= threshold
    double embedding_score = 0;  // score_embedding() by the fusion's rule
    double dtw_score = 0;        // dtw_score() against the enrolment signatures, by the fusion's rule
};

// Split of a verification score over time. The embedding is the time average of the last time-resolved
// layer's output h_t over its T steps, so the cosine with the reference r splits exactly:
//   score = sum over t of c_t,  c_t = (h_t . r) / (T |e| |r|)  where e = (1/T) sum of h_t.
// Each c_t comes from the input steps of its window, and so from the samples drawn there.
struct Explanation {
    Verification verification;
    int step_count = 0;  // steps of the input grid (the model's n_steps)
    // One value per averaged step t: c_t. They add up to the score.
    std::vector<double> step_contributions;
    // The input grid steps [first, end) that each averaged step sees.
    std::vector<StepWindow> step_windows;
    // One value per input sample, in the order of the samples: each c_t shared equally between
    // the samples whose nearest grid step lies in its window (or, when none does, given to the
    // sample nearest the window's middle). They add up to the score.
    std::vector<double> sample_contributions;
    // One value per input sample: the mean of T c_t over the windows that hold its nearest grid
    // step. It is on the scale of the score, whose value is the mean of T c_t over all t, so a
    // stretch below the threshold pulls the score down.
    std::vector<double> sample_local_scores;
    // Where each sample falls on the input grid, from 0 to step_count - 1.
    std::vector<double> sample_positions;
    // The query's speed and pressure over normalised time.
    SignatureProfile profile;
};

class Verifier {
public:
    explicit Verifier(Model model);

    const Model& model() const { return model_; }
    std::size_t embedding_size() const { return model_.network.embedding_size(); }

    // Computes the embedding of a signature. Throws Error for a signature that cannot be used
    // (empty, one point, non-finite values, too many points), and as embed_features() does.
    std::vector<float> embed(const Signature& signature);

    // Computes the embedding of an unscaled feature grid from compute_features(). Throws Error
    // when the grid's size does not fit the model, and when a value of the embedding is not
    // finite (weights so large that the network's sums overflow).
    std::vector<float> embed_features(std::vector<float> grid);

    // Scores a query against a reference from make_reference() and applies the threshold.
    // Throws Error as embed() does.
    Verification verify(std::span<const float> reference, const Signature& query);

    // The fusion parameters in the model's description (its "fusion" member), or nothing when
    // the model has none. Throws Error when the description cannot be read. The description is
    // read once, when the Verifier is made.
    const std::optional<FusionParameters>& fusion() const;

    // Scores a query by the fusion of the TDNN and DTW scores. `enrolled` contains the embeddings
    // of the enrolment signatures one after another, from embed() of this model, and
    // `enrolment` the same signatures in the same order. Throws Error when the model has no
    // fusion parameters, when the counts differ, or as verify() does.
    FusedVerification verify_fused(std::span<const float> enrolled, const std::vector<Signature>& enrolment,
                                   const Signature& query);

    // Aligns the enrolment signatures with each other now, as the first verify_fused() against
    // them would, and keeps the result for it. The page calls this once a person's enrolment is
    // complete or chosen, so that the verdict after pointer-up does not wait for those
    // alignments. Does nothing when the model has no fusion parameters; throws Error as
    // verify_fused() does for signatures it cannot prepare.
    void prepare_fused(const std::vector<Signature>& enrolment);

    // True when the alignments that verify_fused() needs for `enrolment` are already kept, so
    // that verifying against it aligns only the query.
    bool is_prepared(const std::vector<Signature>& enrolment) const;

    // Scores a query as verify() does and splits the score over time steps and samples. Throws
    // Error as verify() does, and for a model whose network does not end with its only time
    // average (see averaged_step_windows).
    Explanation explain(std::span<const float> reference, const Signature& query);

private:
    // The last enrolment that verify_fused() prepared for DTW, kept because a page verifies one
    // person's queries against the same enrolment many times in a row.
    struct PreparedEnrolment {
        DtwSequence kind = DtwSequence::Grid;
        std::vector<std::vector<double>> signatures;  // signature_to_flat() of each, then has_pressure
        DtwEnrolment dtw;
    };

    // True when the cache contains `kind` and the signatures whose key (signature_to_flat()
    // of each, then 1 or 0 for has_pressure) is `flat`.
    bool cache_matches(DtwSequence kind, const std::vector<std::vector<double>>& flat) const;

    // Returns the prepared form of `enrolment`, from the cache when it contains the same signatures.
    const DtwEnrolment& prepared_enrolment(DtwSequence kind, const std::vector<Signature>& enrolment);

    Model model_;
    // read_fusion() of the description, or the message of its error in fusion_error_ (empty
    // when it was read). A model whose fusion cannot be read still verifies by the cosine.
    std::optional<FusionParameters> fusion_;
    std::string fusion_error_;
    Network<float> network_;
    Network<float>::Workspace workspace_;
    std::optional<PreparedEnrolment> last_enrolment_;
};

// Builds the reference of one person from the embeddings of their enrolment signatures, given
// one after another (count * size values). The reference is the mean of the embeddings after
// scaling each to unit length, so that every enrolment signature counts the same.
// Throws Error when there are none, when the length is not a multiple of size, or on
// non-finite values.
std::vector<float> make_reference(std::span<const float> embeddings, std::size_t size);

}  // namespace inkprint
