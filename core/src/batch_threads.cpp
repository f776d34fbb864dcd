#include "inkprint/batch_threads.hpp"

#include <algorithm>
#include <exception>
#include <optional>

#ifndef __EMSCRIPTEN__
#include <thread>
#endif

namespace inkprint {

// One part of the batch: its own network replica (weights and gradients) and buffers.
struct BatchGradientThreads::Part {
    std::optional<Network<float>> replica;  // empty for part 0, which uses the caller's network
    PairWorkspace<float> workspace;
    std::vector<bool> genuine;
    float loss = 0;
    std::exception_ptr error;
};

std::size_t available_threads() {
#ifdef __EMSCRIPTEN__
    return 1;
#else
    const unsigned count = std::thread::hardware_concurrency();
    return count == 0 ? 1 : count;
#endif
}

BatchGradientThreads::BatchGradientThreads(std::size_t threads) : threads_(threads == 0 ? available_threads() : threads) {
    for (std::size_t i = 0; i < threads_; ++i) parts_.push_back(std::make_unique<Part>());
}

BatchGradientThreads::~BatchGradientThreads() = default;

namespace {

KernelBackend backend_of(Network<float>& network) {
    for (std::size_t l = 0; l < network.layer_count(); ++l) {
        if (auto* layer = dynamic_cast<TimeDelayLayer<float>*>(&network.layer(l))) return layer->backend();
    }
    return default_kernel_backend();
}

}  // namespace

float BatchGradientThreads::accumulate(Network<float>& network, const float* first, const float* second,
                                       const std::vector<bool>& genuine, const PairLoss& loss) {
    const std::size_t batch = genuine.size();
    const std::size_t grid = static_cast<std::size_t>(network.config().n_steps) * network.config().n_features;
    // Never more parts than pairs, so that no part is empty.
    const std::size_t used = std::max<std::size_t>(1, std::min(threads_, batch));
    cosines_.resize(batch);
    if (used == 1) {
        Part& part = *parts_[0];
        const float total = accumulate_batch_gradient(network, first, second, genuine, loss, part.workspace);
        std::copy(part.workspace.cosines.begin(), part.workspace.cosines.end(), cosines_.begin());
        return total;
    }

    // Part i takes pairs [begin(i), begin(i + 1)).
    auto begin = [&](std::size_t i) { return i * batch / used; };
    const KernelBackend backend = backend_of(network);
    for (std::size_t i = 1; i < used; ++i) {
        Part& part = *parts_[i];
        const NetworkConfig& config = network.config();
        if (!part.replica || part.replica->config().layers != config.layers ||
            part.replica->config().n_steps != config.n_steps || part.replica->config().n_features != config.n_features) {
            part.replica.emplace(network.config());
        }
        part.replica->set_backend(backend);
        std::copy(network.parameters().begin(), network.parameters().end(), part.replica->parameters().begin());
        part.replica->zero_gradients();
    }

    // Part 0 adds into the caller's gradients, which may already contain a sum. The other parts
    // start from zero and are added afterwards in part order.
    auto run = [&](std::size_t i) {
        Part& part = *parts_[i];
        try {
            part.genuine.assign(genuine.begin() + begin(i), genuine.begin() + begin(i + 1));
            Network<float>& target = i == 0 ? network : *part.replica;
            part.loss = accumulate_batch_gradient(target, first + begin(i) * grid, second + begin(i) * grid,
                                                  part.genuine, loss, part.workspace);
        } catch (...) {
            part.error = std::current_exception();
        }
    };
#ifdef __EMSCRIPTEN__
    for (std::size_t i = 0; i < used; ++i) run(i);
#else
    std::vector<std::thread> workers;
    workers.reserve(used - 1);
    for (std::size_t i = 1; i < used; ++i) workers.emplace_back(run, i);
    run(0);
    for (std::thread& worker : workers) worker.join();
#endif

    // Every worker has finished: rethrow the first part's error, and clear them all for the
    // next batch.
    std::exception_ptr error;
    for (std::size_t i = 0; i < used; ++i) {
        if (!error) error = parts_[i]->error;
        parts_[i]->error = nullptr;
    }
    if (error) std::rethrow_exception(error);

    float total = 0;
    std::vector<float>& gradients = network.gradients();
    for (std::size_t i = 0; i < used; ++i) {
        Part& part = *parts_[i];
        total += part.loss;
        std::copy(part.workspace.cosines.begin(), part.workspace.cosines.end(), cosines_.begin() + begin(i));
        if (i == 0) continue;
        const std::vector<float>& part_gradients = part.replica->gradients();
        for (std::size_t g = 0; g < gradients.size(); ++g) gradients[g] += part_gradients[g];
    }
    return total;
}

}  // namespace inkprint
