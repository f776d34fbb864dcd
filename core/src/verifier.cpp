#include "inkprint/verifier.hpp"

#include <cmath>
#include <string>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"

namespace inkprint {

Verifier::Verifier(Model model) : model_(std::move(model)), network_(model_.network) {
    model_.validate();
    if (model_.network.n_features != kFeatureCount) {
        throw Error("model expects " + std::to_string(model_.network.n_features) +
                    " input features but this build computes " + std::to_string(kFeatureCount));
    }
    network_.parameters() = model_.parameters;
}

std::vector<float> Verifier::embed_features(std::vector<float> grid) {
    const std::size_t expected = static_cast<std::size_t>(model_.network.n_steps) * model_.network.n_features;
    if (grid.size() != expected) {
        throw Error("feature grid has " + std::to_string(grid.size()) + " values but the model expects " +
                    std::to_string(expected));
    }
    apply_feature_scaling(model_.scaling, grid);
    std::vector<float> embedding(embedding_size());
    network_.forward(grid.data(), workspace_, embedding.data());
    return embedding;
}

std::vector<float> Verifier::embed(const Signature& signature) {
    return embed_features(compute_features(signature, model_.network.n_steps));
}

Verification Verifier::verify(std::span<const float> reference, const Signature& query) {
    if (reference.size() != embedding_size()) {
        throw Error("reference has " + std::to_string(reference.size()) + " values but this model's embeddings have " +
                    std::to_string(embedding_size()) + ": enrol again with this model");
    }
    const std::vector<float> embedding = embed(query);
    Verification result;
    result.score = cosine(embedding.data(), reference.data(), embedding.size());
    result.threshold = model_.threshold;
    result.accepted = result.score >= result.threshold;
    return result;
}

std::vector<float> make_reference(std::span<const float> embeddings, std::size_t size) {
    if (size == 0 || embeddings.empty() || embeddings.size() % size != 0) {
        throw Error("cannot build a reference from " + std::to_string(embeddings.size()) +
                    " values with embeddings of size " + std::to_string(size) +
                    ": pass one or more whole embeddings");
    }
    std::vector<double> sum(size, 0.0);
    for (std::size_t start = 0; start < embeddings.size(); start += size) {
        double norm2 = 0;
        for (std::size_t i = 0; i < size; ++i) {
            const float value = embeddings[start + i];
            if (!std::isfinite(value)) {
                throw Error("enrolment embedding " + std::to_string(start / size) + " has a non-finite value at " +
                            std::to_string(i) + ": enrol that signature again");
            }
            norm2 += static_cast<double>(value) * value;
        }
        // A zero embedding has no direction and adds nothing.
        const double inverse = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
        for (std::size_t i = 0; i < size; ++i) sum[i] += embeddings[start + i] * inverse;
    }
    const double count = static_cast<double>(embeddings.size() / size);
    std::vector<float> reference(size);
    for (std::size_t i = 0; i < size; ++i) reference[i] = static_cast<float>(sum[i] / count);
    return reference;
}

}  // namespace inkprint
