// Data augmentation for training: plausible variations of a signature that a writer produces
// anyway (another slant, width, size, speed profile), so that the network learns to ignore
// them instead of memorising the few training writers.
#pragma once

#include "inkprint/random.hpp"
#include "inkprint/signature.hpp"

namespace inkprint {

struct AugmentationConfig {
    double max_rotation_rad = 0.1;  // about 6 degrees either way
    double max_shear = 0.15;        // x += shear * y
    double max_log_stretch = 0.15;  // x and y scaled independently by exp(+-0.15)
    double max_time_warp = 0.1;     // local speed varies by up to +-10 %
};

// Returns a copy of `signature` with a random affine change of the coordinates and a smooth,
// monotonic warp of the time axis.
Signature augment_signature(const Signature& signature, const AugmentationConfig& config, Random& random);

}  // namespace inkprint
