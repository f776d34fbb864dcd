// Prints the loss of each epoch of a short training run on generated writers, one number per
// line with 9 significant digits. The same program built natively and as WebAssembly must
// print the same curve (within rounding of the math library), which the Node tests check.
#include <cstdio>
#include <vector>

#include "inkprint/features.hpp"
#include "inkprint/train.hpp"
#include "synthetic.hpp"

int main() {
    inkprint::Random random(2024);
    std::vector<std::vector<float>> grids;
    std::vector<inkprint::Writer> writers;
    for (int w = 0; w < 8; ++w) {
        const auto writer = inkprint::testing::make_writer(random);
        inkprint::Writer entry;
        for (int i = 0; i < 6; ++i) {
            entry.genuine.push_back(inkprint::compute_features(inkprint::testing::draw_signature(writer, 0.03, false, random)));
        }
        for (int i = 0; i < 3; ++i) {
            entry.forgeries.push_back(inkprint::compute_features(inkprint::testing::draw_signature(writer, 0.3, true, random)));
        }
        grids.insert(grids.end(), entry.genuine.begin(), entry.genuine.end());
        writers.push_back(std::move(entry));
    }
    const auto scaling = inkprint::measure_feature_scaling(grids);
    for (auto& writer : writers) {
        for (auto& grid : writer.genuine) inkprint::apply_feature_scaling(scaling, grid);
        for (auto& grid : writer.forgeries) inkprint::apply_feature_scaling(scaling, grid);
    }

    inkprint::Network<float> network(inkprint::NetworkConfig{});
    inkprint::Random init(7);
    network.initialise(init);
    inkprint::TrainingConfig config;
    config.epochs = 6;
    config.pairs_per_epoch = 256;
    config.seed = 99;
    inkprint::train_network(network, writers, config, [](const inkprint::EpochReport& report) {
        std::printf("%.9g\n", report.mean_loss);
        return true;
    });
    return 0;
}
