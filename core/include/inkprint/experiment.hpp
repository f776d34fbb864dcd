// Training and scoring on sets of SVC2004 writers, shared by the training and the evaluation
// commands (tools/).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "inkprint/augment.hpp"
#include "inkprint/model.hpp"
#include "inkprint/network.hpp"
#include "inkprint/signature.hpp"
#include "inkprint/train.hpp"

namespace inkprint {

// One writer of an SVC2004 task: genuine signatures S1-S20, skilled forgeries S21-S40.
struct WriterSignatures {
    int task = 0;
    int user = 0;
    std::vector<Signature> genuine;
    std::vector<Signature> forgeries;
};

// Reads users first_user..last_user of SVC2004 task 1 or 2 below `folder`.
std::vector<WriterSignatures> read_svc2004_writers(const std::filesystem::path& folder, int task,
                                                   int first_user = 1, int last_user = 40);

struct ExperimentConfig {
    std::vector<LayerSpec> layers = published_layers();
    TrainingConfig training;
    int augmented_copies = 8;  // randomly varied copies added per training signature
    AugmentationConfig augmentation;
    // When false, the weights of the last epoch are kept instead of the best validation epoch.
    bool keep_best_epoch = true;

    ExperimentConfig() { training.epochs = 60; }
};

// Called after each epoch with the training report and the validation skilled-forgery EER.
using EpochCallback = std::function<void(const EpochReport&, double validation_eer)>;

struct TrainingResult {
    Model model;
    int best_epoch = 0;
    double validation_eer = 0;  // skilled-forgery EER of the kept epoch on the validation writers
};

// Trains a model on `train` writers. The validation writers, which take no part in training,
// choose the epoch (lowest skilled-forgery EER) and the decision threshold (that EER's point).
// Their scores use a fixed split: reference from S1-S5, genuine queries S11-S20.
TrainingResult train_model(const std::vector<WriterSignatures>& train, const std::vector<WriterSignatures>& validation,
                           const ExperimentConfig& config, const EpochCallback& on_epoch);

// Scores of genuine queries, skilled forgeries and random forgeries (other writers' genuine
// signatures) against references.
struct Scores {
    std::vector<double> genuine, skilled, random;
};

// Scores each writer of `writers` with the fixed split used for validation: the reference from
// S1-S5, genuine queries S11-S20, all 20 skilled forgeries, and S11 of every other writer of the
// same task as random forgeries.
Scores score_fixed_split(const Model& model, const std::vector<WriterSignatures>& writers);

}  // namespace inkprint
