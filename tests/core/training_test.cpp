#include <gtest/gtest.h>

#include <filesystem>

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/model.hpp"
#include "inkprint/svc2004.hpp"
#include "inkprint/train.hpp"
#include "inkprint/verifier.hpp"
#include "synthetic.hpp"
#include "test_data.hpp"

using inkprint::Random;

namespace {

struct SyntheticSet {
    std::vector<std::vector<inkprint::Signature>> genuine, forgeries;
};

SyntheticSet make_set(int writers, int genuine, int forgeries, std::uint64_t seed) {
    Random random(seed);
    SyntheticSet set;
    for (int w = 0; w < writers; ++w) {
        const auto writer = inkprint::testing::make_writer(random);
        set.genuine.emplace_back();
        set.forgeries.emplace_back();
        for (int i = 0; i < genuine; ++i) set.genuine.back().push_back(inkprint::testing::draw_signature(writer, 0.03, false, random));
        for (int i = 0; i < forgeries; ++i) set.forgeries.back().push_back(inkprint::testing::draw_signature(writer, 0.3, true, random));
    }
    return set;
}

}  // namespace

// Trains on generated writers and checks that the loss falls and that unseen writers are
// distinguished: the whole training path (features, scaling, pairs, Adam, verification).
TEST(Training, LearnsGeneratedWriters) {
    const SyntheticSet train = make_set(16, 8, 4, 100);
    const SyntheticSet test = make_set(6, 8, 4, 200);

    std::vector<std::vector<float>> grids;
    for (const auto* group : {&train.genuine, &train.forgeries}) {
        for (const auto& writer : *group) {
            for (const auto& signature : writer) grids.push_back(inkprint::compute_features(signature));
        }
    }
    inkprint::Model model;
    model.scaling = inkprint::measure_feature_scaling(grids);
    std::vector<inkprint::Writer> writers;
    for (std::size_t w = 0; w < train.genuine.size(); ++w) {
        inkprint::Writer writer;
        for (const auto& s : train.genuine[w]) writer.genuine.push_back(inkprint::compute_features(s));
        for (const auto& s : train.forgeries[w]) writer.forgeries.push_back(inkprint::compute_features(s));
        for (auto& grid : writer.genuine) inkprint::apply_feature_scaling(model.scaling, grid);
        for (auto& grid : writer.forgeries) inkprint::apply_feature_scaling(model.scaling, grid);
        writers.push_back(std::move(writer));
    }

    inkprint::Network<float> network(model.network);
    Random random(1);
    network.initialise(random);
    inkprint::TrainingConfig config;
    config.epochs = 8;
    config.pairs_per_epoch = 512;
    std::vector<double> losses;
    inkprint::train_network(network, writers, config, [&](const inkprint::EpochReport& report) {
        losses.push_back(report.mean_loss);
        return true;
    });
    ASSERT_EQ(losses.size(), 8u);
    EXPECT_LT(losses.back(), 0.7 * losses.front()) << "first " << losses.front() << ", last " << losses.back();

    model.parameters = network.parameters();
    inkprint::Verifier verifier(model);
    std::vector<double> genuine_scores, random_scores;
    for (std::size_t w = 0; w < test.genuine.size(); ++w) {
        std::vector<float> enrolled;
        for (int i = 0; i < 4; ++i) {
            const auto e = verifier.embed(test.genuine[w][i]);
            enrolled.insert(enrolled.end(), e.begin(), e.end());
        }
        const auto reference = inkprint::make_reference(enrolled, verifier.embedding_size());
        for (int i = 4; i < 8; ++i) genuine_scores.push_back(verifier.verify(reference, test.genuine[w][i]).score);
        for (std::size_t v = 0; v < test.genuine.size(); ++v) {
            if (v != w) random_scores.push_back(verifier.verify(reference, test.genuine[v][4]).score);
        }
    }
    const auto eer = inkprint::equal_error_rate(genuine_scores, random_scores);
    EXPECT_LT(eer.rate, 0.2) << "unseen generated writers are not told apart";
}

TEST(Training, StopsWhenCallbackSaysSo) {
    const SyntheticSet set = make_set(3, 3, 1, 300);
    std::vector<inkprint::Writer> writers(3);
    for (int w = 0; w < 3; ++w) {
        for (const auto& s : set.genuine[w]) writers[w].genuine.push_back(inkprint::compute_features(s));
    }
    inkprint::Network<float> network(inkprint::NetworkConfig{});
    inkprint::TrainingConfig config;
    config.epochs = 5;
    config.pairs_per_epoch = 32;
    int calls = 0;
    inkprint::train_network(network, writers, config, [&](const inkprint::EpochReport&) { return ++calls < 2; });
    EXPECT_EQ(calls, 2);
}

TEST(Training, RejectsUnusableWriters) {
    inkprint::Network<float> network(inkprint::NetworkConfig{});
    inkprint::TrainingConfig config;
    auto no_op = [](const inkprint::EpochReport&) { return true; };
    EXPECT_THROW(inkprint::train_network(network, {}, config, no_op), inkprint::Error);
    std::vector<inkprint::Writer> writers(2);
    writers[0].genuine.assign(2, std::vector<float>(1600));
    writers[1].genuine.assign(1, std::vector<float>(1600));
    EXPECT_THROW(inkprint::train_network(network, writers, config, no_op), inkprint::Error);
    writers[1].genuine.assign(2, std::vector<float>(7));
    EXPECT_THROW(inkprint::train_network(network, writers, config, no_op), inkprint::Error);
}

TEST(PairSampling, FollowsConfiguredShares) {
    // Grids carry their writer (first value) and kind (second value: 1 genuine, 2 forgery).
    std::vector<inkprint::Writer> writers(4);
    for (int w = 0; w < 4; ++w) {
        for (int i = 0; i < 3; ++i) writers[w].genuine.push_back({float(w), 1.0f, float(i)});
        writers[w].forgeries.push_back({float(w), 2.0f, 0.0f});
    }
    inkprint::TrainingConfig config;
    config.genuine_share = 0.2;
    config.skilled_share = 0.5;
    Random random(8);
    const std::size_t count = 20000;
    const auto batch = inkprint::draw_pairs(writers, config, count, random);
    std::size_t genuine = 0, skilled = 0, other_writer = 0;
    for (std::size_t p = 0; p < count; ++p) {
        const float* a = batch.first.data() + 3 * p;
        const float* b = batch.second.data() + 3 * p;
        ASSERT_EQ(a[1], 1.0f) << "the anchor is always genuine";
        if (batch.genuine[p]) {
            ++genuine;
            EXPECT_EQ(a[0], b[0]);
            EXPECT_NE(a[2], b[2]) << "a genuine pair never repeats one signature";
        } else if (b[1] == 2.0f) {
            ++skilled;
            EXPECT_EQ(a[0], b[0]);
        } else {
            ++other_writer;
            EXPECT_NE(a[0], b[0]);
        }
    }
    // Binomial standard deviation at n = 20000 is below 0.0036; allow four of them.
    EXPECT_NEAR(genuine / double(count), 0.2, 0.015);
    EXPECT_NEAR(skilled / double(count), 0.5, 0.015);
    EXPECT_NEAR(other_writer / double(count), 0.3, 0.015);
}

TEST(Training, ReportsCollapsedEmbeddings) {
    // With every weight zero, all writers reach the final dense layer as zeros. Its bias alone
    // then sets the embedding, so every writer's embedding points the same way.
    const SyntheticSet set = make_set(4, 3, 1, 400);
    std::vector<inkprint::Writer> writers(4);
    for (int w = 0; w < 4; ++w) {
        for (const auto& s : set.genuine[w]) writers[w].genuine.push_back(inkprint::compute_features(s));
    }
    inkprint::NetworkConfig network_config;
    network_config.layers.push_back(inkprint::LayerSpec::dense(3));
    inkprint::Network<float> network(network_config);
    const std::size_t bias = network.parameter_offset(network.layer_count() - 1) + 3 * 16;
    network.parameters()[bias] = 1.0f;
    inkprint::TrainingConfig config;
    config.epochs = 1;
    config.pairs_per_epoch = 32;
    config.optimizer.learning_rate = 1e-12;  // keep the weights where they are
    inkprint::EpochReport last;
    inkprint::train_network(network, writers, config, [&](const inkprint::EpochReport& report) {
        last = report;
        return true;
    });
    EXPECT_LT(last.embedding_spread, inkprint::kCollapsedSpread);
    EXPECT_TRUE(last.collapsed);
}

TEST(MakeReference, MeanOfUnitVectors) {
    const std::vector<float> embeddings = {2, 0, 0, 3};
    const auto reference = inkprint::make_reference(embeddings, 2);
    EXPECT_FLOAT_EQ(reference[0], 0.5f);
    EXPECT_FLOAT_EQ(reference[1], 0.5f);
    EXPECT_THROW(inkprint::make_reference(std::vector<float>{1, 2, 3}, 2), inkprint::Error);
    EXPECT_THROW(inkprint::make_reference(std::vector<float>{}, 2), inkprint::Error);
}

// The committed default model, on SVC2004 users it never saw in training (users 31-40).
TEST(DefaultModel, SeparatesHeldOutUsers) {
    INKPRINT_REQUIRE_SVC2004();
    ASSERT_TRUE(std::filesystem::exists(INKPRINT_DEFAULT_MODEL)) << INKPRINT_DEFAULT_MODEL << " is missing";
    inkprint::Verifier verifier(inkprint::load_model(INKPRINT_DEFAULT_MODEL));
    std::vector<double> genuine, skilled, random_forgery;
    for (const char* task : {"Task1", "Task2"}) {
        const auto users = inkprint::read_svc2004_task(inkprint::testing::svc2004_data() / task, 31, 40);
        for (std::size_t u = 0; u < users.size(); ++u) {
            std::vector<float> enrolled;
            for (int i = 0; i < 5; ++i) {
                const auto e = verifier.embed(users[u].genuine[i]);
                enrolled.insert(enrolled.end(), e.begin(), e.end());
            }
            const auto reference = inkprint::make_reference(enrolled, verifier.embedding_size());
            for (int i = 10; i < 20; ++i) genuine.push_back(verifier.verify(reference, users[u].genuine[i]).score);
            for (const auto& s : users[u].forgeries) skilled.push_back(verifier.verify(reference, s).score);
            for (std::size_t v = 0; v < users.size(); ++v) {
                if (v != u) random_forgery.push_back(verifier.verify(reference, users[v].genuine[10]).score);
            }
        }
    }
    const double skilled_eer = inkprint::equal_error_rate(genuine, skilled).rate;
    const double random_eer = inkprint::equal_error_rate(genuine, random_forgery).rate;
    std::cout << "default model on held-out users: skilled-forgery EER " << 100 * skilled_eer
              << " %, random-forgery EER " << 100 * random_eer << " %\n";
    // Far from chance (50 %); the measured figures are in docs/training.md.
    EXPECT_LT(skilled_eer, 0.35);
    EXPECT_LT(random_eer, 0.25);
}
