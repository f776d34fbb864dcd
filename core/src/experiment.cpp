#include "inkprint/experiment.hpp"

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/svc2004.hpp"
#include "inkprint/verifier.hpp"

namespace inkprint {

namespace {

std::vector<std::vector<float>> feature_grids(const std::vector<Signature>& signatures) {
    std::vector<std::vector<float>> grids;
    grids.reserve(signatures.size());
    for (const Signature& signature : signatures) grids.push_back(compute_features(signature));
    return grids;
}

// Feature grids of one writer, unscaled, in file order.
struct WriterGrids {
    int task = 0;
    std::vector<std::vector<float>> genuine, forgeries;
};

WriterGrids writer_grids(const WriterSignatures& writer) {
    return {writer.task, feature_grids(writer.genuine), feature_grids(writer.forgeries)};
}

Scores score_grids(Verifier& verifier, const std::vector<WriterGrids>& writers) {
    const std::size_t size = verifier.embedding_size();
    std::vector<std::vector<std::vector<float>>> genuine(writers.size()), forgeries(writers.size());
    for (std::size_t w = 0; w < writers.size(); ++w) {
        if (writers[w].genuine.size() < 20) {
            throw Error("writer " + std::to_string(w) + " has " + std::to_string(writers[w].genuine.size()) +
                        " genuine signatures; the fixed split needs S1-S20");
        }
        for (const auto& grid : writers[w].genuine) genuine[w].push_back(verifier.embed_features(grid));
        for (const auto& grid : writers[w].forgeries) forgeries[w].push_back(verifier.embed_features(grid));
    }
    Scores scores;
    for (std::size_t w = 0; w < writers.size(); ++w) {
        std::vector<float> enrolled;
        for (int i = 0; i < 5; ++i) enrolled.insert(enrolled.end(), genuine[w][i].begin(), genuine[w][i].end());
        const std::vector<float> reference = make_reference(enrolled, size);
        auto score = [&](const std::vector<float>& embedding) {
            return static_cast<double>(cosine(embedding.data(), reference.data(), size));
        };
        for (int i = 10; i < 20; ++i) scores.genuine.push_back(score(genuine[w][i]));
        for (const auto& embedding : forgeries[w]) scores.skilled.push_back(score(embedding));
        for (std::size_t v = 0; v < writers.size(); ++v) {
            if (v != w && writers[v].task == writers[w].task) scores.random.push_back(score(genuine[v][10]));
        }
    }
    return scores;
}

}  // namespace

std::vector<WriterSignatures> read_svc2004_writers(const std::filesystem::path& folder, int task, int first_user,
                                                   int last_user) {
    if (task != 1 && task != 2) throw Error("SVC2004 task " + std::to_string(task) + " does not exist: use 1 or 2");
    std::vector<WriterSignatures> writers;
    for (Svc2004User& user : read_svc2004_task(folder / ("Task" + std::to_string(task)), first_user, last_user)) {
        writers.push_back({task, user.user, std::move(user.genuine), std::move(user.forgeries)});
    }
    return writers;
}

Scores score_fixed_split(const Model& model, const std::vector<WriterSignatures>& writers) {
    std::vector<WriterGrids> grids;
    for (const WriterSignatures& writer : writers) grids.push_back(writer_grids(writer));
    Verifier verifier(model);
    return score_grids(verifier, grids);
}

TrainingResult train_model(const std::vector<WriterSignatures>& train, const std::vector<WriterSignatures>& validation,
                           const ExperimentConfig& config, const EpochCallback& on_epoch) {
    if (validation.empty()) throw Error("training needs at least one validation writer to choose the threshold");
    TrainingResult result;
    Model& model = result.model;
    model.network.layers = config.layers;
    model.network.validate();
    model.genuine_target = static_cast<float>(config.training.loss.genuine_target);
    model.forgery_target = static_cast<float>(config.training.loss.forgery_target);

    // Feature scaling comes from the training writers only.
    std::vector<WriterGrids> train_grids;
    std::vector<std::vector<float>> all_training_grids;
    for (const WriterSignatures& writer : train) {
        train_grids.push_back(writer_grids(writer));
        all_training_grids.insert(all_training_grids.end(), train_grids.back().genuine.begin(),
                                  train_grids.back().genuine.end());
        all_training_grids.insert(all_training_grids.end(), train_grids.back().forgeries.begin(),
                                  train_grids.back().forgeries.end());
    }
    model.scaling = measure_feature_scaling(all_training_grids);

    std::vector<Writer> writers;
    Random augment_random(config.training.seed + 1);
    for (std::size_t w = 0; w < train.size(); ++w) {
        Writer writer;
        writer.genuine = std::move(train_grids[w].genuine);
        writer.forgeries = std::move(train_grids[w].forgeries);
        for (int copy = 0; copy < config.augmented_copies; ++copy) {
            for (const Signature& s : train[w].genuine) {
                writer.genuine.push_back(compute_features(augment_signature(s, config.augmentation, augment_random)));
            }
            for (const Signature& s : train[w].forgeries) {
                writer.forgeries.push_back(compute_features(augment_signature(s, config.augmentation, augment_random)));
            }
        }
        for (auto& grid : writer.genuine) apply_feature_scaling(model.scaling, grid);
        for (auto& grid : writer.forgeries) apply_feature_scaling(model.scaling, grid);
        writers.push_back(std::move(writer));
    }

    std::vector<WriterGrids> validation_grids;
    for (const WriterSignatures& writer : validation) validation_grids.push_back(writer_grids(writer));

    Network<float> network(model.network);
    Random random(config.training.seed);
    network.initialise(random);
    result.validation_eer = 2;  // above any rate, so the first epoch is kept
    std::vector<float> best_parameters = network.parameters();
    double best_threshold = 0;
    train_network(network, writers, config.training, [&](const EpochReport& report) {
        model.parameters = network.parameters();
        Verifier verifier(model);
        const Scores scores = score_grids(verifier, validation_grids);
        const EqualErrorRate eer = equal_error_rate(scores.genuine, scores.skilled);
        const bool last = report.epoch == config.training.epochs;
        if (config.keep_best_epoch ? eer.rate < result.validation_eer : last) {
            result.validation_eer = eer.rate;
            result.best_epoch = report.epoch;
            best_parameters = network.parameters();
            best_threshold = eer.threshold;
        }
        if (on_epoch) on_epoch(report, eer.rate);
        return true;
    });
    model.parameters = best_parameters;
    model.threshold = static_cast<float>(best_threshold);
    return result;
}

}  // namespace inkprint
