// Fixtures shared by the evaluation, fusion and calibration tests: generated writers, a
// network with random weights, and enrolment embeddings as Verifier::verify_fused takes them.
#pragma once

#include <cstdint>
#include <vector>

#include "inkprint/experiment.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/verifier.hpp"
#include "synthetic.hpp"

namespace inkprint::testing {

// Generated writers of one task with 20 genuine signatures and 20 forgeries each, numbered
// from 1.
inline std::vector<WriterSignatures> synthetic_writers(int count, int task, std::uint64_t seed) {
    Random random(seed);
    std::vector<WriterSignatures> writers;
    for (int w = 1; w <= count; ++w) {
        const auto writer = make_writer(random);
        WriterSignatures entry;
        entry.task = task;
        entry.user = w;
        for (int i = 0; i < 20; ++i) entry.genuine.push_back(draw_signature(writer, 0.03, false, random));
        for (int i = 0; i < 20; ++i) entry.forgeries.push_back(draw_signature(writer, 0.3, true, random));
        writers.push_back(std::move(entry));
    }
    return writers;
}

// A published network with random weights and unit feature scaling.
inline Model random_model(std::uint64_t seed) {
    Model model;
    model.scaling.mean.assign(kFeatureCount, 0.0f);
    model.scaling.std_dev.assign(kFeatureCount, 1.0f);
    Network<float> network(model.network);
    Random random(seed);
    network.initialise(random);
    model.parameters = network.parameters();
    return model;
}

// The embeddings of `signatures`, one after another.
inline std::vector<float> embed_all(Verifier& verifier, const std::vector<Signature>& signatures) {
    std::vector<float> embeddings;
    for (const Signature& signature : signatures) {
        const std::vector<float> embedding = verifier.embed(signature);
        embeddings.insert(embeddings.end(), embedding.begin(), embedding.end());
    }
    return embeddings;
}

}  // namespace inkprint::testing
