#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/experiment.hpp"
#include "inkprint/stepwise_trainer.hpp"
#include "synthetic.hpp"

using inkprint::Random;
using inkprint::WriterSignatures;

namespace {

std::vector<WriterSignatures> make_writers(int count, int genuine, int forgeries, std::uint64_t seed) {
    Random random(seed);
    std::vector<WriterSignatures> writers;
    for (int w = 0; w < count; ++w) {
        const auto shape = inkprint::testing::make_writer(random);
        WriterSignatures writer;
        writer.task = 1;
        writer.user = w + 1;
        for (int i = 0; i < genuine; ++i) {
            writer.genuine.push_back(inkprint::testing::draw_signature(shape, 0.03, false, random));
        }
        for (int i = 0; i < forgeries; ++i) {
            writer.forgeries.push_back(inkprint::testing::draw_signature(shape, 0.3, true, random));
        }
        writers.push_back(std::move(writer));
    }
    return writers;
}

inkprint::ExperimentConfig small_config() {
    inkprint::ExperimentConfig config;
    config.training.epochs = 3;
    config.training.pairs_per_epoch = 256;  // 8 steps of 32 pairs
    config.augmented_copies = 1;
    return config;
}

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const inkprint::Error& error) {
        return error.what();
    }
    return "(no error)";
}

}  // namespace

// Runs in chunks of 3 steps, which do not divide the 8 steps of an epoch, and compares every
// epoch and the kept model with train_model() on the same writers and seed.
TEST(StepwiseTrainer, MatchesTrainModel) {
    const auto train = make_writers(6, 8, 4, 10);
    const auto validation = make_writers(3, 20, 5, 20);
    const inkprint::ExperimentConfig config = small_config();

    std::vector<double> losses, eers;
    const inkprint::TrainingResult expected = inkprint::train_model(
        train, validation, config, [&](const inkprint::EpochReport& report, double validation_eer) {
            losses.push_back(report.mean_loss);
            eers.push_back(validation_eer);
        });

    inkprint::StepwiseTrainer trainer(train, validation, config);
    EXPECT_EQ(trainer.steps_per_epoch(), 8);
    int calls = 0;
    while (!trainer.finished()) {
        trainer.run(3);
        ++calls;
        ASSERT_LT(calls, 100) << "training does not finish";
    }
    EXPECT_EQ(calls, 9) << "each epoch takes 3 calls: 3, 3 and 2 steps";
    ASSERT_EQ(trainer.epochs().size(), 3u);
    for (std::size_t e = 0; e < 3; ++e) {
        EXPECT_EQ(trainer.epochs()[e].epoch, static_cast<int>(e) + 1);
        EXPECT_DOUBLE_EQ(trainer.epochs()[e].mean_loss, losses[e]) << "epoch " << e + 1;
        EXPECT_DOUBLE_EQ(trainer.epochs()[e].validation_eer, eers[e]) << "epoch " << e + 1;
    }
    EXPECT_EQ(trainer.best_epoch(), expected.best_epoch);
    EXPECT_DOUBLE_EQ(trainer.best_validation_eer(), expected.validation_eer);
    const inkprint::Model model = trainer.best_model();
    EXPECT_EQ(model.parameters, expected.model.parameters);
    EXPECT_EQ(model.threshold, expected.model.threshold);
    EXPECT_EQ(model.scaling.mean, expected.model.scaling.mean);
    EXPECT_EQ(model.scaling.std_dev, expected.model.scaling.std_dev);
}

TEST(StepwiseTrainer, StopsAtEpochEnd) {
    inkprint::StepwiseTrainer trainer(make_writers(4, 6, 2, 1), make_writers(2, 6, 2, 2), small_config());
    EXPECT_FALSE(trainer.has_model());

    const inkprint::StepChunk first = trainer.run(5);
    EXPECT_EQ(first.steps, 5);
    EXPECT_FALSE(first.epoch_ended);
    EXPECT_EQ(trainer.step_in_epoch(), 5);
    EXPECT_GT(first.mean_loss, 0);

    const inkprint::StepChunk second = trainer.run(1000);
    EXPECT_EQ(second.steps, 3);
    EXPECT_TRUE(second.epoch_ended);
    EXPECT_EQ(trainer.step_in_epoch(), 0);
    ASSERT_EQ(trainer.epochs().size(), 1u);
    EXPECT_TRUE(trainer.has_model());
    EXPECT_EQ(trainer.best_epoch(), 1);
    EXPECT_GE(trainer.epochs()[0].validation_eer, 0.0);
    EXPECT_LE(trainer.epochs()[0].validation_eer, 1.0);

    trainer.run(1000);
    trainer.run(1000);
    EXPECT_TRUE(trainer.finished());
    const inkprint::StepChunk after = trainer.run(10);
    EXPECT_EQ(after.steps, 0);
    EXPECT_EQ(trainer.epochs().size(), 3u);
}

// Fine-tuning keeps the base model's layers and feature scaling, and starts from its weights:
// with a vanishing step size the weights stay where they were.
TEST(StepwiseTrainer, FineTuningStartsFromBase) {
    const auto train = make_writers(4, 6, 2, 3);
    const auto validation = make_writers(2, 6, 2, 4);
    inkprint::ExperimentConfig base_config = small_config();
    base_config.training.epochs = 1;
    base_config.layers = inkprint::parse_layers("delay:6:11:3,tanh,average");
    inkprint::StepwiseTrainer base_trainer(train, validation, base_config);
    base_trainer.run(1000);
    const inkprint::Model base = base_trainer.best_model();

    inkprint::ExperimentConfig config = small_config();
    config.training.epochs = 1;
    config.training.optimizer.learning_rate = 1e-12;
    inkprint::StepwiseTrainer trainer(make_writers(3, 6, 2, 5), validation, config, &base);
    EXPECT_EQ(trainer.parameter_count(), base.parameters.size());
    trainer.run(1000);
    const inkprint::Model tuned = trainer.best_model();
    EXPECT_EQ(tuned.network.layers, base.network.layers);
    EXPECT_EQ(tuned.scaling.mean, base.scaling.mean);
    EXPECT_EQ(tuned.scaling.std_dev, base.scaling.std_dev);
    ASSERT_EQ(tuned.parameters.size(), base.parameters.size());
    for (std::size_t i = 0; i < base.parameters.size(); ++i) {
        ASSERT_NEAR(tuned.parameters[i], base.parameters[i], 1e-6) << "parameter " << i;
    }
}

// Writers captured in the page have a few genuine signatures and maybe no forgeries: the
// validation then uses the other writer's genuine signatures as random forgeries.
TEST(StepwiseTrainer, ValidatesSmallWritersWithoutForgeries) {
    inkprint::ExperimentConfig config = small_config();
    config.training.epochs = 1;
    inkprint::StepwiseTrainer trainer(make_writers(3, 4, 0, 6), make_writers(2, 4, 0, 7), config);
    trainer.run(1000);
    ASSERT_TRUE(trainer.has_model());
    EXPECT_GE(trainer.best_validation_eer(), 0.0);
    EXPECT_LE(trainer.best_validation_eer(), 1.0);
}

TEST(StepwiseTrainer, RejectsUnusableInput) {
    const inkprint::ExperimentConfig config = small_config();
    const auto two = make_writers(2, 4, 1, 8);

    EXPECT_NE(message_of([&] { inkprint::StepwiseTrainer unused(make_writers(1, 4, 1, 9), two, config); })
                  .find("at least 2 training writers, got 1"),
              std::string::npos);
    EXPECT_NE(message_of([&] { inkprint::StepwiseTrainer unused(two, {}, config); }).find("at least 1 validation writer"),
              std::string::npos);
    EXPECT_NE(message_of([&] { inkprint::StepwiseTrainer unused(two, make_writers(1, 4, 0, 10), config); })
                  .find("no forgery to score"),
              std::string::npos);
    EXPECT_NE(message_of([&] { inkprint::StepwiseTrainer unused(two, make_writers(1, 1, 2, 11), config); })
                  .find("has 1 genuine signatures"),
              std::string::npos);

    inkprint::ExperimentConfig bad_sizes = config;
    bad_sizes.training.pairs_per_epoch = 8;
    EXPECT_NE(message_of([&] { inkprint::StepwiseTrainer unused(two, two, bad_sizes); }).find("invalid training sizes"),
              std::string::npos);

    inkprint::StepwiseTrainer trainer(two, two, config);
    EXPECT_NE(message_of([&] { trainer.best_model(); }).find("no epoch has finished"), std::string::npos);
    EXPECT_NE(message_of([&] { trainer.run(0); }).find("steps per call 0"), std::string::npos);
}
