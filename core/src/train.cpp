#include "inkprint/train.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "inkprint/batch_threads.hpp"
#include "inkprint/error.hpp"

namespace inkprint {

namespace {

void check_writers(const std::vector<Writer>& writers, const NetworkConfig& network) {
    if (writers.size() < 2) {
        throw Error("training needs at least 2 writers, got " + std::to_string(writers.size()));
    }
    const std::size_t grid_size = static_cast<std::size_t>(network.n_steps) * network.n_features;
    for (std::size_t w = 0; w < writers.size(); ++w) {
        if (writers[w].genuine.size() < 2) {
            throw Error("writer " + std::to_string(w) + " has " + std::to_string(writers[w].genuine.size()) +
                        " genuine signatures: training needs at least 2 per writer");
        }
        for (const auto* group : {&writers[w].genuine, &writers[w].forgeries}) {
            for (const auto& grid : *group) {
                if (grid.size() != grid_size) {
                    throw Error("writer " + std::to_string(w) + " has a feature grid of " +
                                std::to_string(grid.size()) + " values where the network expects " +
                                std::to_string(grid_size));
                }
            }
        }
    }
}

// 1 - |mean of unit embeddings| over the first genuine signature of each writer.
double embedding_spread(Network<float>& network, const std::vector<Writer>& writers) {
    const std::size_t size = network.config().embedding_size();
    const std::size_t count = std::min<std::size_t>(writers.size(), 64);
    std::vector<float> input;
    for (std::size_t w = 0; w < count; ++w) {
        input.insert(input.end(), writers[w].genuine[0].begin(), writers[w].genuine[0].end());
    }
    std::vector<float> embeddings(count * size);
    Network<float>::Workspace workspace;
    network.forward(input.data(), count, workspace, embeddings.data());
    std::vector<double> mean(size, 0.0);
    for (std::size_t w = 0; w < count; ++w) {
        double norm2 = 0;
        for (std::size_t i = 0; i < size; ++i) norm2 += double(embeddings[w * size + i]) * embeddings[w * size + i];
        if (norm2 == 0) continue;  // a zero embedding has no direction to share
        for (std::size_t i = 0; i < size; ++i) mean[i] += embeddings[w * size + i] / std::sqrt(norm2) / count;
    }
    double mean_norm2 = 0;
    for (double value : mean) mean_norm2 += value * value;
    return 1.0 - std::sqrt(mean_norm2);
}

}  // namespace

PairBatch draw_pairs(const std::vector<Writer>& writers, const TrainingConfig& config, std::size_t count,
                     Random& random) {
    PairBatch batch;
    const auto n_writers = static_cast<std::uint32_t>(writers.size());
    auto append = [&](const std::vector<float>& a, const std::vector<float>& b, bool genuine) {
        batch.first.insert(batch.first.end(), a.begin(), a.end());
        batch.second.insert(batch.second.end(), b.begin(), b.end());
        batch.genuine.push_back(genuine);
    };
    for (std::size_t p = 0; p < count; ++p) {
        const Writer& writer = writers[random.below(n_writers)];
        const auto n_genuine = static_cast<std::uint32_t>(writer.genuine.size());
        const std::uint32_t anchor = random.below(n_genuine);
        const double kind = random.uniform();
        if (kind < config.genuine_share) {
            // Another genuine signature of the same writer, never the anchor itself.
            std::uint32_t other = random.below(n_genuine - 1);
            if (other == anchor) other = n_genuine - 1;
            append(writer.genuine[anchor], writer.genuine[other], true);
        } else if (kind < config.genuine_share + config.skilled_share && !writer.forgeries.empty()) {
            const auto n_forgeries = static_cast<std::uint32_t>(writer.forgeries.size());
            append(writer.genuine[anchor], writer.forgeries[random.below(n_forgeries)], false);
        } else {
            std::uint32_t other_writer = random.below(n_writers - 1);
            if (&writers[other_writer] == &writer) other_writer = n_writers - 1;
            const Writer& impostor = writers[other_writer];
            const auto n_impostor = static_cast<std::uint32_t>(impostor.genuine.size());
            append(writer.genuine[anchor], impostor.genuine[random.below(n_impostor)], false);
        }
    }
    return batch;
}

void train_network(Network<float>& network, const std::vector<Writer>& writers, const TrainingConfig& config,
                   const std::function<bool(const EpochReport&)>& on_epoch) {
    check_writers(writers, network.config());
    if (config.batch_size < 1 || config.pairs_per_epoch < config.batch_size || config.epochs < 1) {
        throw Error("invalid training sizes: epochs " + std::to_string(config.epochs) + ", pairs per epoch " +
                    std::to_string(config.pairs_per_epoch) + ", batch " + std::to_string(config.batch_size) +
                    ": each must be at least 1 and an epoch at least one batch");
    }
    if (config.threads < 0) {
        throw Error("invalid thread count " + std::to_string(config.threads) + ": use 0 for one per core, or more");
    }
    if (!(config.genuine_share >= 0 && config.skilled_share >= 0 && config.genuine_share + config.skilled_share <= 1)) {
        throw Error("invalid pair shares: genuine " + std::to_string(config.genuine_share) + " and skilled " +
                    std::to_string(config.skilled_share) + " must be non-negative and sum to at most 1");
    }

    Random random(config.seed);
    Optimizer optimizer(network.parameters().size(), config.optimizer);
    BatchGradientThreads gradient_threads(static_cast<std::size_t>(config.threads));
    const int batches = config.pairs_per_epoch / config.batch_size;

    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
        const auto started = std::chrono::steady_clock::now();
        EpochReport report;
        report.epoch = epoch;
        report.learning_rate = scheduled_learning_rate(config.optimizer, epoch - 1, config.epochs);
        double loss_sum = 0, norm_sum = 0;
        for (int b = 0; b < batches; ++b) {
            const PairBatch batch = draw_pairs(writers, config, config.batch_size, random);
            network.zero_gradients();
            loss_sum += gradient_threads.accumulate(network, batch.first.data(), batch.second.data(), batch.genuine,
                                                    config.loss);
            // The optimiser receives the mean gradient over the batch.
            for (float& g : network.gradients()) g /= static_cast<float>(config.batch_size);
            norm_sum += optimizer.step(network.parameters(), network.gradients(), report.learning_rate);
        }

        report.mean_loss = loss_sum / (static_cast<double>(batches) * config.batch_size);
        report.mean_gradient_norm = norm_sum / batches;
        if (!std::isfinite(report.mean_loss)) {
            throw Error("training diverged: the loss is " + std::to_string(report.mean_loss) + " at epoch " +
                        std::to_string(epoch) + "; lower the learning rate (now " +
                        std::to_string(report.learning_rate) + ") or set a gradient clip norm");
        }
        report.embedding_spread = embedding_spread(network, writers);
        report.collapsed = report.embedding_spread < kCollapsedSpread;
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!on_epoch(report)) break;
    }
}

}  // namespace inkprint
