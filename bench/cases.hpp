// The benchmark cases, shared by the Google Benchmark program (native) and the self-timed
// program (WebAssembly under Node, where Google Benchmark is not available).
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "inkprint/batch_threads.hpp"
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
    double flops_per_iteration = 0;  // for the peak cases: floating-point operations of one iteration
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

// One training step of `batch` pairs of `steps` steps: both branches forward and backward, the
// cosine and the loss, then an Adam update, with `threads` threads over the batch.
inline Case make_training_step(const std::string& name, std::size_t batch, int steps, KernelBackend backend,
                               std::size_t threads, Random& random) {
    NetworkConfig config;
    config.n_steps = steps;
    auto network = std::make_shared<Network<float>>(config);
    network->set_backend(backend);
    network->initialise(random);
    const std::size_t grid = std::size_t(steps) * 8;
    auto first = std::make_shared<std::vector<float>>(random_floats(batch * grid, random));
    auto second = std::make_shared<std::vector<float>>(random_floats(batch * grid, random));
    auto genuine = std::make_shared<std::vector<bool>>(batch);
    for (std::size_t p = 0; p < batch; ++p) (*genuine)[p] = p % 2 == 0;
    auto gradient = std::make_shared<BatchGradientThreads>(threads);
    auto optimizer = std::make_shared<Optimizer>(network->parameters().size(), OptimizerConfig{});
    return {name,
            [=] {
                network->zero_gradients();
                g_sink = gradient->accumulate(*network, first->data(), second->data(), *genuine, PairLoss{});
                // A tiny rate keeps the weights, and so the cost, the same between runs.
                optimizer->step(network->parameters(), network->gradients(), 1e-12);
            },
            double(batch)};
}

// A signature of 250 samples in 3 strokes, 10 ms apart.
inline Signature sample_signature() {
    Signature signature;
    signature.strokes.resize(3);
    for (int i = 0; i < 250; ++i) {
        const double t = i * 10.0;
        signature.strokes[i / 84].points.push_back({std::sin(i * 0.07) * 300 + i * 4, std::cos(i * 0.11) * 120, t, 0});
    }
    return signature;
}

// Multiply-adds of one peak_multiply_add() call: 16 accumulators of one SIMD vector each,
// 4096 rounds, one multiply and one add per lane.
inline constexpr int kPeakAccumulators = 16;
inline constexpr int kPeakRounds = 4096;
inline constexpr double kPeakFlops = 2.0 * kPeakAccumulators * kPeakRounds * xsimd::batch<float>::size;

// Runs 16 independent chains of acc = acc * m + c on SIMD vectors, as separate multiply and add
// instructions (this build's SIMD has no fused multiply-add), and returns a value of the
// result. Enough chains run at once to hide each instruction's latency, so the time measures
// the core's throughput of vector multiplies and adds: the peak of this instruction set.
inline float peak_multiply_add() {
    using Batch = xsimd::batch<float>;
    Batch acc[kPeakAccumulators];
    for (int i = 0; i < kPeakAccumulators; ++i) acc[i] = Batch(g_sink + float(i));
    // m just below 1 and a small c keep the values finite and away from subnormals.
    const Batch m(0.99999f), c(1e-3f);
    for (int round = 0; round < kPeakRounds; ++round) {
        for (int i = 0; i < kPeakAccumulators; ++i) acc[i] = acc[i] * m + c;
    }
    Batch sum = acc[0];
    for (int i = 1; i < kPeakAccumulators; ++i) sum += acc[i];
    return xsimd::hadd(sum);
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
    // backward, the cosine and the loss, then an Adam update, with each backend.
    for (KernelBackend backend : {KernelBackend::Scalar, KernelBackend::Simd, KernelBackend::Eigen}) {
        cases.push_back(make_training_step(std::string("train_step_32/") + backend_name(backend), 32, 200, backend,
                                           1, *random));
    }

    // The same step with the default backend at other batch sizes and sequence lengths. The
    // names match the peers' in bench/peer_torch.py and bench/lib/tfjs_cases.mjs.
    for (std::size_t batch : {8u, 32u, 128u}) {
        cases.push_back(make_training_step("train_step/b" + std::to_string(batch) + "/t200", batch, 200,
                                           default_kernel_backend(), 1, *random));
    }
    for (int steps : {400, 800}) {
        cases.push_back(make_training_step("train_step/b32/t" + std::to_string(steps), 32, steps,
                                           default_kernel_backend(), 1, *random));
    }
#ifndef __EMSCRIPTEN__
    // Two threads over the batch (BatchGradientThreads); the WebAssembly build has none.
    cases.push_back(make_training_step("train_step/b32/t200/threads2", 32, 200, default_kernel_backend(), 2, *random));
#endif

    // The forward pass of one signature's feature grid, as the peers time it, and embedding one
    // signature: preprocessing (resampling and features) plus the forward pass.
    for (int steps : {200, 400, 800}) {
        NetworkConfig config;
        config.n_steps = steps;
        auto network = std::make_shared<Network<float>>(config);
        network->initialise(*random);
        auto grid = std::make_shared<std::vector<float>>(random_floats(std::size_t(steps) * 8, *random));
        auto workspace = std::make_shared<Network<float>::Workspace>();
        auto embedding = std::make_shared<std::vector<float>>(16);
        cases.push_back({"forward_one/t" + std::to_string(steps), [=] {
                             network->forward(grid->data(), *workspace, embedding->data());
                             g_sink = (*embedding)[0];
                         }});
    }
    for (int steps : {200, 400, 800}) {
        NetworkConfig config;
        config.n_steps = steps;
        auto network = std::make_shared<Network<float>>(config);
        network->initialise(*random);
        auto signature = std::make_shared<Signature>(sample_signature());
        auto workspace = std::make_shared<Network<float>::Workspace>();
        auto embedding = std::make_shared<std::vector<float>>(16);
        cases.push_back({"embed_one/t" + std::to_string(steps), [=] {
                             const std::vector<float> grid = compute_features(*signature, steps);
                             network->forward(grid.data(), *workspace, embedding->data());
                             g_sink = (*embedding)[0];
                         }});
    }

    // The highest arithmetic rate of the SIMD instructions this build uses (SSE2 natively,
    // SIMD128 in WebAssembly): see peak_multiply_add().
    cases.push_back({"peak/simd_mul_add", [] { g_sink = peak_multiply_add(); }, 0, kPeakFlops});
    return cases;
}

}  // namespace inkprint::bench
