// The benchmark cases, shared by the Google Benchmark program (native) and the self-timed
// program (WebAssembly under Node, where Google Benchmark is not available).
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inkprint/features.hpp"
#include "inkprint/kernels.hpp"
#include "inkprint/layers.hpp"
#include "inkprint/network.hpp"
#include "inkprint/optimizer.hpp"
#include "inkprint/siamese.hpp"

namespace inkprint::bench {

struct Case {
    std::string name;
    std::function<void()> run;  // one iteration
    double pairs_per_iteration = 0;  // for training steps: pairs processed by one iteration
};

inline const char* backend_name(KernelBackend backend) {
    switch (backend) {
        case KernelBackend::Scalar: return "scalar";
        case KernelBackend::Simd: return "simd";
        case KernelBackend::Eigen: return "eigen";
    }
    return "?";
}

// Keeps a value alive so that the compiler cannot drop the computation that made it.
inline volatile float g_sink;

inline std::vector<float> random_floats(std::size_t count, Random& random) {
    std::vector<float> values(count);
    for (float& value : values) value = static_cast<float>(random.normal());
    return values;
}

inline std::vector<Case> make_cases() {
    std::vector<Case> cases;
    auto random = std::make_shared<Random>(1);

    // Window lengths of the published layers: 8 x 11 and 12 x 10.
    for (std::size_t n : {88u, 120u}) {
        auto a = std::make_shared<std::vector<float>>(random_floats(n, *random));
        auto b = std::make_shared<std::vector<float>>(random_floats(n, *random));
        cases.push_back({"dot/scalar/" + std::to_string(n),
                         [a, b, n] { g_sink = kernels::scalar::dot(a->data(), b->data(), n); }});
        cases.push_back({"dot/simd/" + std::to_string(n), [a, b, n] { g_sink = kernels::dot(a->data(), b->data(), n); }});
        cases.push_back({"axpy/scalar/" + std::to_string(n), [a, b, n] {
                             kernels::scalar::axpy(1e-7f, a->data(), b->data(), n);
                             g_sink = (*b)[0];
                         }});
        cases.push_back({"axpy/simd/" + std::to_string(n), [a, b, n] {
                             kernels::axpy(1e-7f, a->data(), b->data(), n);
                             g_sink = (*b)[0];
                         }});
    }

    // The published first layer, 200 x 8 -> 64 x 12, one signature at a time.
    for (KernelBackend backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        auto layer = std::make_shared<TimeDelayLayer<float>>(Shape{200, 8}, 12, 11, 3);
        layer->set_backend(backend);
        auto parameters = std::make_shared<std::vector<float>>(random_floats(layer->parameter_count(), *random));
        auto input = std::make_shared<std::vector<float>>(random_floats(200 * 8, *random));
        auto output = std::make_shared<std::vector<float>>(64 * 12);
        auto input_grad = std::make_shared<std::vector<float>>(200 * 8);
        auto parameter_grads = std::make_shared<std::vector<float>>(layer->parameter_count());
        const std::string suffix = std::string("/") + backend_name(backend);
        cases.push_back({"layer1_forward" + suffix, [=] {
                             layer->forward(parameters->data(), input->data(), output->data(), 1);
                             g_sink = (*output)[0];
                         }});
        cases.push_back({"layer1_backward" + suffix, [=] {
                             layer->backward(parameters->data(), input->data(), output->data(), output->data(),
                                             input_grad->data(), parameter_grads->data(), 1);
                             g_sink = (*input_grad)[0];
                         }});
    }

    // One training step of the published network: 32 pairs, both branches forward and
    // backward, the cosine and the loss, then an Adam update.
    for (KernelBackend backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        auto network = std::make_shared<Network<float>>(NetworkConfig{});
        network->set_backend(backend);
        network->initialise(*random);
        const std::size_t batch = 32, grid = 200 * 8;
        auto first = std::make_shared<std::vector<float>>(random_floats(batch * grid, *random));
        auto second = std::make_shared<std::vector<float>>(random_floats(batch * grid, *random));
        auto genuine = std::make_shared<std::vector<bool>>(batch);
        for (std::size_t p = 0; p < batch; ++p) (*genuine)[p] = p % 2 == 0;
        auto workspace = std::make_shared<PairWorkspace<float>>();
        auto optimizer = std::make_shared<Optimizer>(network->parameters().size(), OptimizerConfig{});
        cases.push_back({std::string("train_step_32/") + backend_name(backend),
                         [=] {
                             network->zero_gradients();
                             g_sink = accumulate_batch_gradient(*network, first->data(), second->data(), *genuine,
                                                                PairLoss{}, *workspace);
                             // A tiny rate keeps the weights, and so the cost, the same between runs.
                             optimizer->step(network->parameters(), network->gradients(), 1e-12);
                         },
                         double(batch)});
    }

    // Embedding one signature: preprocessing (resampling and features) plus the forward pass.
    {
        auto network = std::make_shared<Network<float>>(NetworkConfig{});
        network->initialise(*random);
        auto signature = std::make_shared<Signature>();
        signature->strokes.resize(3);
        for (int i = 0; i < 250; ++i) {
            const double t = i * 10.0;
            signature->strokes[i / 84].points.push_back({std::sin(i * 0.07) * 300 + i * 4, std::cos(i * 0.11) * 120, t, 0});
        }
        auto workspace = std::make_shared<Network<float>::Workspace>();
        auto embedding = std::make_shared<std::vector<float>>(16);
        cases.push_back({"embed_one_signature", [=] {
                             const std::vector<float> grid = compute_features(*signature);
                             network->forward(grid.data(), *workspace, embedding->data());
                             g_sink = (*embedding)[0];
                         }});
    }
    return cases;
}

}  // namespace inkprint::bench
