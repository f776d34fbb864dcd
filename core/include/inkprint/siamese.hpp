// The siamese pair: two branches with one shared weight set, joined by the cosine, and the
// losses that train it.
//
// For each pair the loss L depends only on the cosine c of the two embeddings, so
// backpropagation first takes dL/dc, then runs through the cosine into each branch
// (dL/da = dL/dc * dc/da, likewise for b) and through the network. Both branches add into the
// same gradient array: the gradient of a shared weight is the sum of its gradients in the two
// copies of the network.
#pragma once

#include <cstdint>
#include <vector>

#include "inkprint/cosine.hpp"
#include "inkprint/network.hpp"

namespace inkprint {

enum class LossKind : std::uint32_t {
    // L = (c - target)^2 / 2, with one target for genuine pairs and another for forgeries.
    SquaredError = 0,
    // L = c for a forgery pair and -c for a genuine pair, so the batch loss is the sum of the
    // cosines of forged pairs minus the sum over genuine pairs. It has no minimum short of
    // c = -1 and +1 exactly, so nothing stops it from pushing the embeddings to extremes.
    Difference = 1,
    // Contrastive loss on the cosine distance d = 1 - c: d^2 / 2 for genuine pairs and
    // max(0, margin - d)^2 / 2 for forgeries, which stop contributing once d >= margin.
    Margin = 2,
};

struct PairLoss {
    LossKind kind = LossKind::SquaredError;
    // Cosine targets of the squared error. Bromley et al. (1993) trained towards 1 for genuine
    // pairs and towards a negative value for forgeries; accounts of the paper give -1 or -0.9.
    double genuine_target = 1.0;
    double forgery_target = -0.9;
    double margin = 1.0;  // cosine distance beyond which a forgery pair has zero margin loss

    // Returns the loss of one pair with cosine c and writes dL/dc to *grad.
    template <typename T>
    T evaluate(T c, bool genuine, T* grad) const {
        switch (kind) {
            case LossKind::Difference:
                *grad = genuine ? T(-1) : T(1);
                return genuine ? -c : c;
            case LossKind::Margin: {
                const T distance = T(1) - c;
                if (genuine) {
                    *grad = -distance;  // d(d^2/2)/dc = d * (-1)
                    return distance * distance / T(2);
                }
                const T shortfall = T(margin) - distance;
                if (shortfall <= T(0)) {
                    *grad = T(0);
                    return T(0);
                }
                *grad = shortfall;  // d(s^2/2)/dc = s * ds/dc = s * 1
                return shortfall * shortfall / T(2);
            }
            case LossKind::SquaredError:
            default: {
                const T target = T(genuine ? genuine_target : forgery_target);
                *grad = c - target;
                return (c - target) * (c - target) / T(2);
            }
        }
    }
};

// Buffers for one batch of pairs, reused between batches to avoid allocation.
template <typename T>
struct PairWorkspace {
    typename Network<T>::Workspace first, second;
    std::vector<T> embeddings_first, embeddings_second;
    std::vector<T> grads_first, grads_second;
    std::vector<T> cosines;
};

// Runs both branches on a batch of pairs, adds the gradient of the summed loss to
// network.gradients() and returns the summed loss. `first` and `second` are
// [batch][n_steps][n_features]; genuine[i] is true when pair i is genuine/genuine. The
// cosines stay in workspace.cosines.
template <typename T>
T accumulate_batch_gradient(Network<T>& network, const T* first, const T* second, const std::vector<bool>& genuine,
                            const PairLoss& loss, PairWorkspace<T>& workspace) {
    const std::size_t batch = genuine.size();
    const std::size_t size = network.config().embedding_size();
    workspace.embeddings_first.resize(batch * size);
    workspace.embeddings_second.resize(batch * size);
    workspace.grads_first.resize(batch * size);
    workspace.grads_second.resize(batch * size);
    workspace.cosines.resize(batch);

    network.forward(first, batch, workspace.first, workspace.embeddings_first.data());
    network.forward(second, batch, workspace.second, workspace.embeddings_second.data());
    T total = 0;
    for (std::size_t p = 0; p < batch; ++p) {
        T* grad_a = workspace.grads_first.data() + p * size;
        T* grad_b = workspace.grads_second.data() + p * size;
        const T c = cosine(workspace.embeddings_first.data() + p * size, workspace.embeddings_second.data() + p * size,
                           size, grad_a, grad_b);
        T loss_grad;  // dL/dc
        total += loss.evaluate(c, genuine[p], &loss_grad);
        // dL/da = dL/dc * dc/da, and the same for b
        for (std::size_t i = 0; i < size; ++i) {
            grad_a[i] *= loss_grad;
            grad_b[i] *= loss_grad;
        }
        workspace.cosines[p] = c;
    }
    network.backward(workspace.first, workspace.grads_first.data());
    network.backward(workspace.second, workspace.grads_second.data());
    return total;
}

// One pair: accumulate_batch_gradient with a batch of 1.
template <typename T>
T accumulate_pair_gradient(Network<T>& network, const T* first, const T* second, bool genuine, const PairLoss& loss,
                           PairWorkspace<T>& workspace) {
    return accumulate_batch_gradient(network, first, second, std::vector<bool>{genuine}, loss, workspace);
}

}  // namespace inkprint
