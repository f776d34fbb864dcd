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

#include <span>
#include <vector>

#include "inkprint/model.hpp"
#include "inkprint/signature.hpp"

namespace inkprint {

struct Verification {
    double score = 0;      // cosine between the query's embedding and the reference
    double threshold = 0;  // the model's decision threshold
    bool accepted = false; // score >= threshold
};

class Verifier {
public:
    explicit Verifier(Model model);

    const Model& model() const { return model_; }
    std::size_t embedding_size() const { return model_.network.embedding_size(); }

    // Computes the embedding of a signature. Throws Error for a signature that cannot be used
    // (empty, one point, non-finite values, too many points).
    std::vector<float> embed(const Signature& signature);

    // Computes the embedding of an unscaled feature grid from compute_features().
    std::vector<float> embed_features(std::vector<float> grid);

    // Scores a query against a reference from make_reference() and applies the threshold.
    Verification verify(std::span<const float> reference, const Signature& query);

private:
    Model model_;
    Network<float> network_;
    Network<float>::Workspace workspace_;
};

// Builds the reference of one person from the embeddings of their enrolment signatures, given
// one after another (count * size values). The reference is the mean of the embeddings after
// scaling each to unit length, so that every enrolment signature counts the same.
// Throws Error when there are none, when the length is not a multiple of size, or on
// non-finite values.
std::vector<float> make_reference(std::span<const float> embeddings, std::size_t size);

}  // namespace inkprint
