#include "inkprint/optimizer.hpp"

#include <cmath>
#include <string>

#include "inkprint/error.hpp"

namespace inkprint {

double scheduled_learning_rate(const OptimizerConfig& config, int epoch, int total_epochs) {
    switch (config.schedule) {
        case Schedule::Step:
            return config.learning_rate * std::pow(config.step_factor, epoch / std::max(config.step_epochs, 1));
        case Schedule::Cosine:
            return config.learning_rate * 0.5 *
                   (1.0 + std::cos(3.141592653589793 * epoch / std::max(total_epochs, 1)));
        case Schedule::Constant:
        default: return config.learning_rate;
    }
}

Optimizer::Optimizer(std::size_t size, OptimizerConfig config) : config_(config), first_moment_(size, 0.0) {
    if (!(config.learning_rate > 0) || !std::isfinite(config.learning_rate) || !(config.weight_decay >= 0) ||
        !std::isfinite(config.weight_decay) || !(config.clip_norm >= 0) || !std::isfinite(config.clip_norm) ||
        !(config.momentum >= 0 && config.momentum < 1) || !(config.beta1 >= 0 && config.beta1 < 1) ||
        !(config.beta2 >= 0 && config.beta2 < 1) || !(config.epsilon > 0)) {
        throw Error("invalid optimiser settings: learning rate " + std::to_string(config.learning_rate) +
                    " must be positive, weight decay and clip norm finite and not negative, momentum and betas in [0, 1)");
    }
    if (config.kind == OptimizerKind::Adam) second_moment_.assign(size, 0.0);
}

double Optimizer::step(std::vector<float>& parameters, std::vector<float>& gradients, double learning_rate) {
    double norm2 = 0;
    for (float g : gradients) norm2 += static_cast<double>(g) * g;
    const double norm = std::sqrt(norm2);
    if (config_.clip_norm > 0 && norm > config_.clip_norm) {
        const auto scale = static_cast<float>(config_.clip_norm / norm);
        for (float& g : gradients) g *= scale;
    }

    ++steps_;
    const double decay = learning_rate * config_.weight_decay;
    if (config_.kind == OptimizerKind::Sgd) {
        // v = momentum v + g; p -= lr v
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            first_moment_[i] = config_.momentum * first_moment_[i] + gradients[i];
            parameters[i] -= static_cast<float>(learning_rate * first_moment_[i] + decay * parameters[i]);
        }
        return norm;
    }
    // m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr m^ / (sqrt(v^) + eps), with bias correction
    const double correction1 = 1.0 - std::pow(config_.beta1, static_cast<double>(steps_));
    const double correction2 = 1.0 - std::pow(config_.beta2, static_cast<double>(steps_));
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        const double g = gradients[i];
        first_moment_[i] = config_.beta1 * first_moment_[i] + (1.0 - config_.beta1) * g;
        second_moment_[i] = config_.beta2 * second_moment_[i] + (1.0 - config_.beta2) * g * g;
        const double m = first_moment_[i] / correction1;
        const double v = second_moment_[i] / correction2;
        parameters[i] -= static_cast<float>(learning_rate * m / (std::sqrt(v) + config_.epsilon) + decay * parameters[i]);
    }
    return norm;
}

}  // namespace inkprint
