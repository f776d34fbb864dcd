#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "inkprint/error.hpp"
#include "inkprint/model.hpp"
#include "inkprint/random.hpp"
#include "inkprint/train.hpp"

using inkprint::Error;
using inkprint::Model;
using inkprint::parse_model;
using inkprint::serialize_model;

namespace {

Model make_model() {
    Model model;
    inkprint::Network<float> network(model.network);
    inkprint::Random random(5);
    network.initialise(random);
    model.parameters = network.parameters();
    for (int f = 0; f < model.network.n_features; ++f) {
        model.scaling.mean.push_back(0.5f * f);
        model.scaling.std_dev.push_back(1.0f + f);
    }
    model.threshold = 0.42f;
    model.description = "{\"note\":\"test\"}";
    return model;
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
    try {
        parse_model(bytes);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST(ModelFile, RoundTrip) {
    const Model model = make_model();
    const Model loaded = parse_model(serialize_model(model));
    EXPECT_EQ(loaded.parameters, model.parameters);
    EXPECT_EQ(loaded.scaling.mean, model.scaling.mean);
    EXPECT_EQ(loaded.scaling.std_dev, model.scaling.std_dev);
    EXPECT_EQ(loaded.threshold, model.threshold);
    EXPECT_EQ(loaded.genuine_target, model.genuine_target);
    EXPECT_EQ(loaded.forgery_target, model.forgery_target);
    EXPECT_EQ(loaded.description, model.description);
    EXPECT_EQ(loaded.network.layers, model.network.layers);
    EXPECT_EQ(loaded.network.n_features, model.network.n_features);
    EXPECT_EQ(loaded.network.n_steps, model.network.n_steps);
    // Serialising again gives the same bytes.
    EXPECT_EQ(serialize_model(loaded), serialize_model(model));
}

TEST(ModelFile, NetworkBytesIgnoreFusionAndThreshold) {
    const Model model = make_model();
    Model refitted = model;
    refitted.threshold = 0.9f;
    refitted.forgery_target = -1.0f;
    refitted.description = "{\"fusion\":{\"dtwWeight\":0.5}}";
    EXPECT_NE(serialize_model(refitted), serialize_model(model));
    EXPECT_EQ(inkprint::serialize_network(refitted), inkprint::serialize_network(model));

    // Anything that changes an embedding changes them.
    Model retrained = model;
    retrained.parameters[7] += 1e-6f;
    EXPECT_NE(inkprint::serialize_network(retrained), inkprint::serialize_network(model));
    Model rescaled = model;
    rescaled.scaling.mean[0] += 1.0f;
    EXPECT_NE(inkprint::serialize_network(rescaled), inkprint::serialize_network(model));
    Model reshaped = model;
    reshaped.network.layers[0].stride = 2;
    reshaped.parameters.assign(reshaped.network.parameter_count(), 0.1f);
    EXPECT_NE(inkprint::serialize_network(reshaped), inkprint::serialize_network(model));
}

TEST(ModelFile, SaveAndLoadFile) {
    const auto path = std::filesystem::temp_directory_path() / "inkprint_model_test.inkprint";
    inkprint::save_model(make_model(), path);
    EXPECT_EQ(inkprint::load_model(path).parameters, make_model().parameters);
    std::filesystem::remove(path);
    EXPECT_THROW(inkprint::load_model(path), Error);
}

TEST(ModelFile, RejectsEveryTruncation) {
    const auto bytes = serialize_model(make_model());
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        const std::string message = error_of({bytes.begin(), bytes.begin() + static_cast<long>(size)});
        ASSERT_FALSE(message.empty()) << "no error at size " << size;
        const bool named = message.find("truncated") != std::string::npos ||
                           message.find("not an Inkprint model file") != std::string::npos ||
                           message.find("is empty") != std::string::npos ||
                           message.find("corrupted") != std::string::npos;
        EXPECT_TRUE(named) << "size " << size << ": " << message;
    }
    // A file of no bytes is called empty, not another kind of file.
    EXPECT_NE(error_of({}).find("the model file is empty (0 bytes)"), std::string::npos) << error_of({});
    // Past the header, a cut-off file is reported as truncated.
    EXPECT_NE(error_of({bytes.begin(), bytes.begin() + 100}).find("truncated"), std::string::npos);
}

TEST(ModelFile, RejectsEveryFlippedByte) {
    const auto bytes = serialize_model(make_model());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto damaged = bytes;
        damaged[i] ^= 0x10;
        const std::string message = error_of(damaged);
        EXPECT_FALSE(message.empty()) << "no error for a flipped byte at " << i;
    }
    auto damaged = bytes;
    damaged[200] ^= 0x01;  // inside the parameters
    EXPECT_NE(error_of(damaged).find("corrupted"), std::string::npos) << error_of(damaged);
}

TEST(ModelFile, RejectsOtherVersionAndFormat) {
    auto bytes = serialize_model(make_model());
    bytes[8] = 99;  // the format version follows the 8-byte magic
    EXPECT_NE(error_of(bytes).find("format version 99"), std::string::npos) << error_of(bytes);
    EXPECT_NE(error_of({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}).find("not an Inkprint model file"), std::string::npos);
}

TEST(ModelFile, RejectsAbsurdDimensionsWithValidChecksum) {
    // A file written by someone else's tool with a correct checksum but impossible sizes.
    auto bytes = serialize_model(make_model());
    bytes[20] = 0xFF;  // layer count (offsets: 12 features, 16 steps, 20 layer count)
    bytes[21] = 0xFF;
    const std::uint32_t crc = inkprint::crc32({bytes.data(), bytes.size() - 4});
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    EXPECT_NE(error_of(bytes).find("layers"), std::string::npos) << error_of(bytes);
}

TEST(ModelFile, Crc32KnownValue) {
    // The standard check value of CRC-32/ISO-HDLC for the ASCII digits 1-9.
    const std::string digits = "123456789";
    EXPECT_EQ(inkprint::crc32({reinterpret_cast<const std::uint8_t*>(digits.data()), digits.size()}), 0xCBF43926u);
}

TEST(ModelFile, RoundTripOfOtherArchitecture) {
    Model model = make_model();
    model.network.layers = {inkprint::LayerSpec::time_delay(6, 9, 2),
                            inkprint::LayerSpec::activation_of(inkprint::Activation::Relu),
                            inkprint::LayerSpec::time_average(), inkprint::LayerSpec::dense(10)};
    inkprint::Network<float> network(model.network);
    inkprint::Random random(6);
    network.initialise(random);
    model.parameters = network.parameters();
    const Model loaded = parse_model(serialize_model(model));
    EXPECT_EQ(loaded.network.layers, model.network.layers);
    EXPECT_EQ(loaded.parameters, model.parameters);
    EXPECT_EQ(loaded.network.embedding_size(), 10);
}

TEST(ModelFile, RejectsUncrossableThreshold) {
    // A file with a valid checksum whose threshold lies outside the cosine's range would accept
    // or reject every signature.
    const struct {
        float threshold;
        const char* message;
    } cases[] = {
        {5.0f, "model threshold 5 would reject every signature: it is compared with a cosine, which lies from -1 to 1, "
               "so it must be above -1 and at most 1; use another model or train it again"},
        {-5.0f, "model threshold -5 would accept every signature: it is compared with a cosine, which lies from -1 to "
                "1, so it must be above -1 and at most 1; use another model or train it again"},
        {-1.0f, "model threshold -1 would accept every signature"},
        {1.5f, "model threshold 1.5 would reject every signature"},
    };
    for (const auto& c : cases) {
        Model model = make_model();
        model.threshold = c.threshold;
        EXPECT_THROW(serialize_model(model), Error) << c.threshold;
        // Write the file with a threshold that passes, then change it and fix the checksum.
        auto bytes = serialize_model(make_model());
        // The threshold follows the magic (8 bytes), four u32 (version, features, steps, layer
        // count), five u32 per layer, and the feature means and scales.
        const std::size_t offset = 8 + 4 * 4 + 5 * 4 * model.network.layers.size() + 2 * 4 * model.network.n_features;
        std::memcpy(bytes.data() + offset, &c.threshold, 4);
        const std::uint32_t crc = inkprint::crc32({bytes.data(), bytes.size() - 4});
        for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
        EXPECT_EQ(error_of(bytes).rfind(c.message, 0), 0u) << error_of(bytes);
    }
    // Thresholds within the range load, 1 included.
    for (float threshold : {1.0f, -0.999f, 0.0f}) {
        Model model = make_model();
        model.threshold = threshold;
        EXPECT_EQ(parse_model(serialize_model(model)).threshold, threshold);
    }
}
