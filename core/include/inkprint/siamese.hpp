// The siamese pair: two branches with one shared weight set, joined by the cosine, trained by
// regressing the cosine towards a target.
//
// Loss of one pair: L = (c - target)^2 / 2, so dL/dc = c - target. The target is high for a
// genuine/genuine pair and low for a genuine/forgery pair. Backpropagation runs through each
// branch with its own share of the cosine's gradient (dL/da = dL/dc * dc/da, likewise for b),
// and both branches add into the same gradient array: the gradient of a shared weight is the
// sum of its gradients in the two copies.
#pragma once

#include <vector>

#include "inkprint/cosine.hpp"
#include "inkprint/network.hpp"

namespace inkprint {

// Cosine targets. Bromley et al. (1993) trained towards 1 for genuine pairs and towards a
// negative value for forgeries; accounts of the paper give -1 or -0.9.
struct PairTargets {
    double genuine = 1.0;
    double forgery = -0.9;
};

// Buffers for one pair, reused between pairs to avoid allocation.
template <typename T>
struct PairWorkspace {
    typename Network<T>::Workspace first, second;
    std::vector<T> embedding_first, embedding_second;
    std::vector<T> grad_first, grad_second;
};

// Runs both branches on one pair of feature grids, adds the gradient of
// L = (c - target)^2 / 2 to network.gradients() and returns L. The cosine is stored in
// *cosine_out when it is not null.
template <typename T>
T accumulate_pair_gradient(Network<T>& network, const T* first, const T* second, T target,
                           PairWorkspace<T>& workspace, T* cosine_out = nullptr) {
    const std::size_t size = network.config().embedding_size();
    workspace.embedding_first.resize(size);
    workspace.embedding_second.resize(size);
    workspace.grad_first.resize(size);
    workspace.grad_second.resize(size);

    network.forward(first, workspace.first, workspace.embedding_first.data());
    network.forward(second, workspace.second, workspace.embedding_second.data());
    const T c = cosine(workspace.embedding_first.data(), workspace.embedding_second.data(), size,
                       workspace.grad_first.data(), workspace.grad_second.data());
    const T loss_grad = c - target;  // dL/dc
    for (std::size_t i = 0; i < size; ++i) {
        workspace.grad_first[i] *= loss_grad;
        workspace.grad_second[i] *= loss_grad;
    }
    network.backward(workspace.first, workspace.grad_first.data());
    network.backward(workspace.second, workspace.grad_second.data());
    if (cosine_out != nullptr) *cosine_out = c;
    return (c - target) * (c - target) / T(2);
}

}  // namespace inkprint
