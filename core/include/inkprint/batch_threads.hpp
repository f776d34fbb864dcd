// The batch gradient of the siamese pair loss, computed by several threads, each on its own
// part of the batch.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "inkprint/network.hpp"
#include "inkprint/siamese.hpp"

namespace inkprint {

// Splits each batch into `threads` contiguous parts of nearly equal size. Part 0 runs on the
// calling thread. Each batch starts one std::thread for every other part, which works on a
// replica of the network whose weights are copied from the caller's first. The parts' gradients and losses
// are then added in part order, so a given thread count always gives the same result. Results
// for different thread counts differ only by the rounding of float sums.
//
// The WebAssembly build has no threads: there the parts run one after another on the calling
// thread, with the same split and the same sums.
//
// NOTE: each batch starts and joins its threads anew. A persistent pool would save that cost,
// which has not been measured apart from the whole step.
class BatchGradientThreads {
public:
    // `threads` of 0 means std::thread::hardware_concurrency(), or 1 when that is unknown.
    explicit BatchGradientThreads(std::size_t threads);
    ~BatchGradientThreads();

    std::size_t threads() const { return threads_; }

    // Same contract as accumulate_batch_gradient(): adds the gradient of the summed loss over
    // the batch to network.gradients() and returns the summed loss. The cosines are returned in
    // cosines(), in batch order.
    float accumulate(Network<float>& network, const float* first, const float* second, const std::vector<bool>& genuine,
                     const PairLoss& loss);

    const std::vector<float>& cosines() const { return cosines_; }

private:
    struct Part;

    std::size_t threads_;
    std::vector<std::unique_ptr<Part>> parts_;
    std::vector<float> cosines_;
};

// Returns std::thread::hardware_concurrency(), or 1 when the platform does not report it or
// has no threads (the WebAssembly build).
std::size_t available_threads();

}  // namespace inkprint
