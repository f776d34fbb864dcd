// Optimisers over one flat parameter array: SGD with momentum and Adam, with decoupled weight
// decay, a learning-rate schedule and clipping of the gradient's global norm.
#pragma once

#include <cstdint>
#include <vector>

namespace inkprint {

enum class OptimizerKind : std::uint32_t { Sgd = 0, Adam = 1 };

enum class Schedule : std::uint32_t {
    Constant = 0,
    Step = 1,    // multiply by step_factor every step_epochs epochs
    Cosine = 2,  // from learning_rate down to 0 along half a cosine over all epochs
};

struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::Adam;
    double learning_rate = 1e-3;
    double momentum = 0.9;                 // SGD
    double beta1 = 0.9, beta2 = 0.999;     // Adam (Kingma and Ba, 2015)
    double epsilon = 1e-8;                 // Adam
    double weight_decay = 0;               // each step: p -= learning_rate * weight_decay * p
    double clip_norm = 0;                  // scale the gradient down to this L2 norm; 0 turns it off
    Schedule schedule = Schedule::Constant;
    int step_epochs = 10;
    double step_factor = 0.5;
};

// Learning rate for `epoch` (counted from 0) of `total_epochs` under the config's schedule.
double scheduled_learning_rate(const OptimizerConfig& config, int epoch, int total_epochs);

class Optimizer {
public:
    Optimizer(std::size_t size, OptimizerConfig config);

    // Applies one update with the given learning rate. Clips `gradients` in place when
    // clip_norm is set; returns the gradient's L2 norm before clipping.
    double step(std::vector<float>& parameters, std::vector<float>& gradients, double learning_rate);

    const OptimizerConfig& config() const { return config_; }

private:
    OptimizerConfig config_;
    std::vector<double> first_moment_;   // SGD velocity, or Adam's mean of gradients
    std::vector<double> second_moment_;  // Adam's mean of squared gradients
    long long steps_ = 0;
};

}  // namespace inkprint
