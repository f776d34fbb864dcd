#include "inkprint/stepwise_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "inkprint/augment.hpp"
#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/verifier.hpp"

namespace inkprint {

namespace {

// The fixed SVC2004 split of score_fixed_split(): the reference from S1-S5 and genuine
// queries S11-S20. It needs 20 genuine signatures.
constexpr std::size_t kFixedSplitGenuine = 20;
constexpr std::size_t kFixedSplitReference = 5;
constexpr std::size_t kFixedSplitFirstQuery = 10;

// Signatures of a validation writer's reference, from the first genuine ones: 5 with the fixed
// split, otherwise up to 5 and at most half, so that the other half are genuine queries.
std::size_t reference_count(std::size_t genuine) {
    if (genuine >= kFixedSplitGenuine) return kFixedSplitReference;
    return std::min(kFixedSplitReference, genuine / 2);
}

std::size_t first_query(std::size_t genuine) {
    return genuine >= kFixedSplitGenuine ? kFixedSplitFirstQuery : reference_count(genuine);
}

std::size_t last_query(std::size_t genuine) {
    return genuine >= kFixedSplitGenuine ? kFixedSplitGenuine : genuine;
}

std::string writer_name(const WriterSignatures& writer, std::size_t index) {
    if (writer.user > 0) {
        return "writer " + std::to_string(index + 1) + " (task " + std::to_string(writer.task) + ", user " +
               std::to_string(writer.user) + ")";
    }
    return "writer " + std::to_string(index + 1);
}

std::vector<std::vector<float>> feature_grids(const std::vector<Signature>& signatures, int steps) {
    std::vector<std::vector<float>> grids;
    grids.reserve(signatures.size());
    for (const Signature& signature : signatures) grids.push_back(compute_features(signature, steps));
    return grids;
}

Model initial_model(const ExperimentConfig& config, const Model* base) {
    Model model;
    if (base != nullptr) {
        base->validate();
        model = *base;
    } else {
        model.network.layers = config.layers;
    }
    model.network.validate();
    model.genuine_target = static_cast<float>(config.training.loss.genuine_target);
    model.forgery_target = static_cast<float>(config.training.loss.forgery_target);
    model.description = "{}";
    return model;
}

void check_sizes(const TrainingConfig& training) {
    if (training.batch_size < 1 || training.pairs_per_epoch < training.batch_size || training.epochs < 1) {
        throw Error("invalid training sizes: epochs " + std::to_string(training.epochs) + ", pairs per epoch " +
                    std::to_string(training.pairs_per_epoch) + ", batch " + std::to_string(training.batch_size) +
                    ": each must be at least 1 and an epoch at least one batch");
    }
    if (!(training.genuine_share >= 0 && training.skilled_share >= 0 &&
          training.genuine_share + training.skilled_share <= 1)) {
        throw Error("invalid pair shares: genuine " + std::to_string(training.genuine_share) + " and skilled " +
                    std::to_string(training.skilled_share) + " must be non-negative and sum to at most 1");
    }
}

void check_writers(const std::vector<WriterSignatures>& train, const std::vector<WriterSignatures>& validation) {
    if (train.size() < 2) {
        throw Error("training needs at least 2 training writers, got " + std::to_string(train.size()) +
                    ": add signatures of more writers");
    }
    for (std::size_t w = 0; w < train.size(); ++w) {
        if (train[w].genuine.size() < 2) {
            throw Error("training " + writer_name(train[w], w) + " has " + std::to_string(train[w].genuine.size()) +
                        " genuine signatures: training needs at least 2 per writer");
        }
    }
    if (validation.empty()) {
        throw Error("training needs at least 1 validation writer to choose the epoch and the threshold");
    }
    bool any_forgery = false;
    for (std::size_t w = 0; w < validation.size(); ++w) {
        if (validation[w].genuine.size() < 2) {
            throw Error("validation " + writer_name(validation[w], w) + " has " +
                        std::to_string(validation[w].genuine.size()) +
                        " genuine signatures: validation needs at least 2 per writer, one for the reference "
                        "and one to compare with it");
        }
        any_forgery = any_forgery || !validation[w].forgeries.empty();
        for (std::size_t v = 0; v < w; ++v) any_forgery = any_forgery || validation[v].task == validation[w].task;
    }
    if (!any_forgery) {
        throw Error("the validation writers give no forgery to score: add skilled forgeries of a validation "
                    "writer, or a second validation writer");
    }
}

}  // namespace

StepwiseTrainer::StepwiseTrainer(const std::vector<WriterSignatures>& train,
                                 const std::vector<WriterSignatures>& validation, const ExperimentConfig& config,
                                 const Model* base)
    : config_(config),
      model_(initial_model(config, base)),
      network_(model_.network),
      optimizer_(network_.parameters().size(), config.training.optimizer),
      pair_random_(config.training.seed) {
    check_sizes(config_.training);
    check_writers(train, validation);
    const int steps = model_.network.n_steps;

    // The same order of work and of random draws as train_model(), so that a fresh run gives
    // the same numbers.
    std::vector<std::vector<float>> grids_genuine_and_forged;
    for (const WriterSignatures& writer : train) {
        Writer grids;
        grids.genuine = feature_grids(writer.genuine, steps);
        grids.forgeries = feature_grids(writer.forgeries, steps);
        grids_genuine_and_forged.insert(grids_genuine_and_forged.end(), grids.genuine.begin(), grids.genuine.end());
        grids_genuine_and_forged.insert(grids_genuine_and_forged.end(), grids.forgeries.begin(),
                                        grids.forgeries.end());
        writers_.push_back(std::move(grids));
    }
    if (base == nullptr) model_.scaling = measure_feature_scaling(grids_genuine_and_forged);

    Random augment_random(config_.training.seed + 1);
    for (std::size_t w = 0; w < train.size(); ++w) {
        Writer& writer = writers_[w];
        for (int copy = 0; copy < config_.augmented_copies; ++copy) {
            for (const Signature& s : train[w].genuine) {
                writer.genuine.push_back(
                    compute_features(augment_signature(s, config_.augmentation, augment_random), steps));
            }
            for (const Signature& s : train[w].forgeries) {
                writer.forgeries.push_back(
                    compute_features(augment_signature(s, config_.augmentation, augment_random), steps));
            }
        }
        for (auto& grid : writer.genuine) apply_feature_scaling(model_.scaling, grid);
        for (auto& grid : writer.forgeries) apply_feature_scaling(model_.scaling, grid);
    }

    for (const WriterSignatures& writer : validation) {
        validation_.push_back({writer.task, feature_grids(writer.genuine, steps), feature_grids(writer.forgeries, steps)});
    }

    if (base == nullptr) {
        Random random(config_.training.seed);
        network_.initialise(random);
    } else {
        network_.parameters() = base->parameters;
    }
    steps_per_epoch_ = config_.training.pairs_per_epoch / config_.training.batch_size;
    best_parameters_ = network_.parameters();
}

StepChunk StepwiseTrainer::run(int max_steps) {
    if (max_steps < 1) {
        throw Error("steps per call " + std::to_string(max_steps) + " must be at least 1");
    }
    StepChunk chunk;
    if (finished()) return chunk;

    const TrainingConfig& training = config_.training;
    const int epoch = static_cast<int>(epochs_.size()) + 1;
    const double learning_rate = scheduled_learning_rate(training.optimizer, epoch - 1, training.epochs);
    const int steps = std::min(max_steps, steps_per_epoch_ - step_in_epoch_);
    double chunk_loss = 0;
    for (int s = 0; s < steps; ++s) {
        const PairBatch batch = draw_pairs(writers_, training, training.batch_size, pair_random_);
        network_.zero_gradients();
        const double loss = accumulate_batch_gradient(network_, batch.first.data(), batch.second.data(),
                                                      batch.genuine, training.loss, workspace_);
        // The optimiser receives the mean gradient over the batch.
        for (float& g : network_.gradients()) g /= static_cast<float>(training.batch_size);
        optimizer_.step(network_.parameters(), network_.gradients(), learning_rate);
        epoch_loss_sum_ += loss;
        chunk_loss += loss;
        ++step_in_epoch_;
    }
    chunk.steps = steps;
    chunk.mean_loss = chunk_loss / (static_cast<double>(steps) * training.batch_size);
    if (!std::isfinite(chunk.mean_loss)) {
        throw Error("training diverged: the loss is " + std::to_string(chunk.mean_loss) + " in epoch " +
                    std::to_string(epoch) + "; lower the learning rate (now " + std::to_string(learning_rate) +
                    ") or set a gradient clip norm");
    }
    if (step_in_epoch_ == steps_per_epoch_) {
        finish_epoch();
        chunk.epoch_ended = true;
    }
    return chunk;
}

void StepwiseTrainer::finish_epoch() {
    EpochResult result;
    result.epoch = static_cast<int>(epochs_.size()) + 1;
    result.mean_loss = epoch_loss_sum_ / (static_cast<double>(steps_per_epoch_) * config_.training.batch_size);
    step_in_epoch_ = 0;
    epoch_loss_sum_ = 0;

    Model current = model_;
    current.parameters = network_.parameters();
    Verifier verifier(current);
    const std::size_t size = verifier.embedding_size();
    std::vector<std::vector<std::vector<float>>> genuine(validation_.size()), forgeries(validation_.size());
    for (std::size_t w = 0; w < validation_.size(); ++w) {
        for (const auto& grid : validation_[w].genuine) genuine[w].push_back(verifier.embed_features(grid));
        for (const auto& grid : validation_[w].forgeries) forgeries[w].push_back(verifier.embed_features(grid));
    }
    Scores scores;
    for (std::size_t w = 0; w < validation_.size(); ++w) {
        const std::size_t count = genuine[w].size();
        std::vector<float> enrolled;
        for (std::size_t i = 0; i < reference_count(count); ++i) {
            enrolled.insert(enrolled.end(), genuine[w][i].begin(), genuine[w][i].end());
        }
        const std::vector<float> reference = make_reference(enrolled, size);
        auto score = [&](const std::vector<float>& embedding) {
            return static_cast<double>(cosine(embedding.data(), reference.data(), size));
        };
        for (std::size_t i = first_query(count); i < last_query(count); ++i) scores.genuine.push_back(score(genuine[w][i]));
        for (const auto& embedding : forgeries[w]) scores.skilled.push_back(score(embedding));
        for (std::size_t v = 0; v < validation_.size(); ++v) {
            if (v != w && validation_[v].task == validation_[w].task) {
                scores.random.push_back(score(genuine[v][first_query(genuine[v].size())]));
            }
        }
    }
    const EqualErrorRate eer =
        equal_error_rate(scores.genuine, scores.skilled.empty() ? scores.random : scores.skilled);
    result.validation_eer = eer.rate;
    result.threshold = eer.threshold;

    // Without keep_best_epoch every epoch replaces the kept one, so the last epoch is kept in
    // the end, as in train_model().
    if (!config_.keep_best_epoch || eer.rate < best_eer_) {
        best_eer_ = eer.rate;
        best_epoch_ = result.epoch;
        best_parameters_ = network_.parameters();
        best_threshold_ = eer.threshold;
    }
    epochs_.push_back(result);
}

Model StepwiseTrainer::best_model() const {
    if (!has_model()) {
        throw Error("no epoch has finished yet, so there is no trained model: let the first epoch finish");
    }
    Model model = model_;
    model.parameters = best_parameters_;
    model.threshold = static_cast<float>(best_threshold_);
    return model;
}

}  // namespace inkprint
