// Model files whose weights are finite but so large that the network's sums overflow. The
// verifier must throw rather than return an embedding or a score that is not finite.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/verifier.hpp"
#include "synthetic.hpp"

using inkprint::Error;
using inkprint::Model;

namespace {

// Returns a model whose weights and biases are all 1e37, which the file format accepts. Its
// scaling maps every feature to kFeatureClip, so every first-layer sum overflows float.
Model huge_weight_model(const std::string& layers) {
    Model model;
    model.network.layers = inkprint::parse_layers(layers);
    model.scaling.mean.assign(inkprint::kFeatureCount, -1e6f);
    model.scaling.std_dev.assign(inkprint::kFeatureCount, 1.0f);
    model.parameters.assign(model.network.parameter_count(), 1e37f);
    return model;
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST(Verifier, RejectsNonFiniteEmbedding) {
    // The published network without its last activation, so that the overflow reaches the
    // embedding. The model goes through a file with a valid checksum.
    const Model loaded = inkprint::parse_model(
        inkprint::serialize_model(huge_weight_model("delay:12:11:3,tanh,delay:16:10:3,average")));
    inkprint::Verifier verifier(loaded);
    const std::vector<float> grid(static_cast<std::size_t>(loaded.network.n_steps) * loaded.network.n_features, 0.0f);
    const std::string message = error_of([&] { verifier.embed_features(grid); });
    EXPECT_EQ(message.find("the model's weights produce values out of range: value 1 of 16 in this signature's "
                           "embedding is "),
              0u)
        << message;
    EXPECT_NE(message.find("; use another model or train it again"), std::string::npos) << message;
}

TEST(Verifier, EmbedVerifyAndExplainRejectOverflow) {
    inkprint::Verifier verifier(huge_weight_model("delay:4:11:3,average"));
    inkprint::Random random(11);
    const auto writer = inkprint::testing::make_writer(random);
    const inkprint::Signature signature = inkprint::testing::draw_signature(writer, 0.03, false, random);
    const std::string message = error_of([&] { verifier.embed(signature); });
    EXPECT_NE(message.find("the model's weights produce values out of range"), std::string::npos) << message;

    const std::vector<float> reference(verifier.embedding_size(), 0.5f);
    EXPECT_THROW(verifier.verify(reference, signature), Error);
    EXPECT_THROW(verifier.explain(reference, signature), Error);
}

TEST(Verifier, AcceptsLargeFiniteWeights) {
    // Large weights alone are no error. Here each of the 2 steps sums to 16 * 0.5e37 + 1e37 = 9e37,
    // and their total 1.8e38 is still below float's largest value, about 3.4e38.
    Model model = huge_weight_model("delay:4:2:100,average");
    model.scaling.mean.assign(inkprint::kFeatureCount, 0.0f);
    inkprint::Verifier verifier(model);
    const std::vector<float> grid(200 * inkprint::kFeatureCount, 0.5f);
    for (float value : verifier.embed_features(grid)) EXPECT_TRUE(std::isfinite(value));
}
