#include "inkprint/train.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include "inkprint/error.hpp"

namespace inkprint {

template <typename T>
void initialise_network(Network<T>& network, Random& random) {
    const NetworkConfig& config = network.config();
    std::vector<T>& parameters = network.parameters();
    for (std::size_t l = 0; l < config.layers.size(); ++l) {
        const std::size_t fan_in = static_cast<std::size_t>(config.layers[l].width) * config.input_channels(l);
        const double limit = std::sqrt(3.0 / static_cast<double>(fan_in));
        const std::size_t begin = network.weight_offset(l);
        const std::size_t bias_begin = network.bias_offset(l);
        for (std::size_t i = begin; i < bias_begin; ++i) parameters[i] = static_cast<T>(random.uniform(-limit, limit));
        for (int o = 0; o < config.layers[l].channels; ++o) parameters[bias_begin + o] = T(0);
    }
}

template void initialise_network(Network<float>&, Random&);
template void initialise_network(Network<double>&, Random&);

AdamOptimizer::AdamOptimizer(std::size_t size, double learning_rate, double beta1, double beta2,
                             double epsilon)
    : learning_rate_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon),
      first_moment_(size, 0.0), second_moment_(size, 0.0) {}

void AdamOptimizer::step(std::vector<float>& parameters, const std::vector<float>& gradients) {
    ++steps_;
    const double correction1 = 1.0 - std::pow(beta1_, static_cast<double>(steps_));
    const double correction2 = 1.0 - std::pow(beta2_, static_cast<double>(steps_));
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        const double g = gradients[i];
        first_moment_[i] = beta1_ * first_moment_[i] + (1.0 - beta1_) * g;
        second_moment_[i] = beta2_ * second_moment_[i] + (1.0 - beta2_) * g * g;
        const double m = first_moment_[i] / correction1;
        const double v = second_moment_[i] / correction2;
        parameters[i] -= static_cast<float>(learning_rate_ * m / (std::sqrt(v) + epsilon_));
    }
}

namespace {

struct PairChoice {
    const std::vector<float>* first;
    const std::vector<float>* second;
    bool genuine;
};

PairChoice draw_pair(const std::vector<Writer>& writers, const TrainingConfig& config, Random& random) {
    const auto n_writers = static_cast<std::uint32_t>(writers.size());
    const Writer& writer = writers[random.below(n_writers)];
    const auto n_genuine = static_cast<std::uint32_t>(writer.genuine.size());
    const std::vector<float>* anchor = &writer.genuine[random.below(n_genuine)];

    const double kind = random.uniform();
    if (kind < config.genuine_share) {
        // Another genuine signature of the same writer, never the anchor itself.
        std::uint32_t other = random.below(n_genuine - 1);
        if (&writer.genuine[other] == anchor) other = n_genuine - 1;
        return {anchor, &writer.genuine[other], true};
    }
    if (kind < config.genuine_share + config.skilled_share && !writer.forgeries.empty()) {
        const auto n_forgeries = static_cast<std::uint32_t>(writer.forgeries.size());
        return {anchor, &writer.forgeries[random.below(n_forgeries)], false};
    }
    std::uint32_t other_writer = random.below(n_writers - 1);
    if (&writers[other_writer] == &writer) other_writer = n_writers - 1;
    const Writer& impostor = writers[other_writer];
    const auto n_impostor = static_cast<std::uint32_t>(impostor.genuine.size());
    return {anchor, &impostor.genuine[random.below(n_impostor)], false};
}

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

}  // namespace

void train_network(Network<float>& network, const std::vector<Writer>& writers,
                   const TrainingConfig& config,
                   const std::function<bool(const EpochReport&)>& on_epoch) {
    check_writers(writers, network.config());
    if (config.batch_size < 1 || config.pairs_per_epoch < config.batch_size || config.epochs < 1) {
        throw Error("invalid training sizes: epochs " + std::to_string(config.epochs) + ", pairs per epoch " +
                    std::to_string(config.pairs_per_epoch) + ", batch " + std::to_string(config.batch_size) +
                    ": each must be at least 1 and an epoch at least one batch");
    }

    Random random(config.seed);
    AdamOptimizer optimizer(network.parameters().size(), config.learning_rate);
    PairWorkspace<float> workspace;
    const int batches = config.pairs_per_epoch / config.batch_size;

    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
        const auto started = std::chrono::steady_clock::now();
        double loss_sum = 0;
        for (int batch = 0; batch < batches; ++batch) {
            network.zero_gradients();
            for (int p = 0; p < config.batch_size; ++p) {
                const PairChoice pair = draw_pair(writers, config, random);
                const auto target = static_cast<float>(pair.genuine ? config.targets.genuine : config.targets.forgery);
                loss_sum += accumulate_pair_gradient(network, pair.first->data(), pair.second->data(), target, workspace);
            }
            // The optimiser receives the mean gradient over the batch.
            for (float& g : network.gradients()) g /= static_cast<float>(config.batch_size);
            optimizer.step(network.parameters(), network.gradients());
        }

        EpochReport report;
        report.epoch = epoch;
        report.mean_loss = loss_sum / (static_cast<double>(batches) * config.batch_size);
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!std::isfinite(report.mean_loss)) {
            throw Error("training diverged: the loss is " + std::to_string(report.mean_loss) + " at epoch " +
                        std::to_string(epoch) + "; lower the learning rate (now " +
                        std::to_string(config.learning_rate) + ")");
        }
        if (!on_epoch(report)) break;
    }
}

}  // namespace inkprint
