// Training that runs a few optimiser steps per call, for a caller that must stay responsive
// between calls: the page's Web Worker checks for a cancel message between two calls.
//
// A fresh run follows train_model() in experiment.hpp step for step. From the same writers,
// configuration and seed it gives the same epoch losses, validation EERs and kept weights, as
// long as every validation writer has the 20 genuine signatures of the fixed SVC2004 split.
#pragma once

#include <string>
#include <vector>

#include "inkprint/experiment.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/optimizer.hpp"
#include "inkprint/random.hpp"
#include "inkprint/siamese.hpp"
#include "inkprint/train.hpp"

namespace inkprint {

// The result of one finished epoch.
struct EpochResult {
    int epoch = 0;  // counted from 1
    double mean_loss = 0;
    double validation_eer = 0;  // skilled-forgery EER, or random-forgery EER without skilled forgeries
    double threshold = 0;       // cosine at that EER point
};

// What one call of StepwiseTrainer::run() did.
struct StepChunk {
    int steps = 0;           // optimiser steps run in this call
    double mean_loss = 0;    // mean loss per pair over those steps, 0 when none ran
    bool epoch_ended = false;  // the call ended an epoch, whose result is epochs().back()
};

class StepwiseTrainer {
public:
    // Computes the feature grids of the writers and the augmented copies of the training
    // writers. Without `base`, the network gets config.layers, fresh weights from
    // config.training.seed and the feature scaling of the training writers. With `base`
    // (fine-tuning), training starts from its weights and keeps its layers and feature scaling,
    // so config.layers is not used. Throws Error when a writer has too few signatures, when the
    // validation writers cannot give a forgery score, or on invalid sizes.
    StepwiseTrainer(const std::vector<WriterSignatures>& train, const std::vector<WriterSignatures>& validation,
                    const ExperimentConfig& config, const Model* base = nullptr);

    // Runs up to max_steps optimiser steps. Stops early at the end of an epoch, after scoring
    // the validation writers. Returns at once when training has finished. Throws Error when the
    // loss turns NaN or infinite.
    StepChunk run(int max_steps);

    bool finished() const { return epochs_.size() == static_cast<std::size_t>(config_.training.epochs); }
    int total_epochs() const { return config_.training.epochs; }
    int steps_per_epoch() const { return steps_per_epoch_; }
    // Optimiser steps taken in the epoch under way: 0 right after an epoch ended.
    int step_in_epoch() const { return step_in_epoch_; }
    const std::vector<EpochResult>& epochs() const { return epochs_; }
    std::size_t parameter_count() const { return network_.parameters().size(); }

    // Whether an epoch has finished, so that best_model() has a model to return.
    bool has_model() const { return best_epoch_ > 0; }
    // The model of the kept epoch, with the threshold at its validation EER point: the epoch
    // with the lowest validation EER so far, or the last finished one when
    // config.keep_best_epoch is false. Throws Error before the first epoch has finished.
    Model best_model() const;
    int best_epoch() const { return best_epoch_; }
    double best_validation_eer() const { return best_eer_; }

private:
    // One validation writer's feature grids, unscaled.
    struct ValidationWriter {
        int task = 0;
        std::vector<std::vector<float>> genuine, forgeries;
    };

    void finish_epoch();

    ExperimentConfig config_;
    Model model_;  // layers, scaling and targets; its parameters are replaced by the kept ones
    std::vector<Writer> writers_;
    std::vector<ValidationWriter> validation_;
    Network<float> network_;
    Optimizer optimizer_;
    Random pair_random_;
    PairWorkspace<float> workspace_;
    int steps_per_epoch_ = 0;
    int step_in_epoch_ = 0;
    double epoch_loss_sum_ = 0;
    std::vector<EpochResult> epochs_;
    std::vector<float> best_parameters_;
    double best_threshold_ = 0;
    double best_eer_ = 2;  // above any rate, so that the first epoch is kept
    int best_epoch_ = 0;
};

}  // namespace inkprint
