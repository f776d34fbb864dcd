// A seeded random generator with its own sampling, so that native and WebAssembly builds draw
// the same numbers from the same seed (standard library distributions differ between
// libstdc++ and libc++).
#pragma once

#include <cmath>
#include <cstdint>

namespace inkprint {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014).
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform in [0, 1), from the top 53 bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    // Uniform in [low, high).
    double uniform(double low, double high) { return low + (high - low) * uniform(); }

    // Uniform integer in [0, count); count must be positive.
    std::uint32_t below(std::uint32_t count) {
        return static_cast<std::uint32_t>(((next() >> 32) * count) >> 32);
    }

    // Standard normal sample by the Box-Muller transform.
    double normal() {
        const double u1 = 1.0 - uniform();  // in (0, 1], so the logarithm is finite
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    std::uint64_t state_;
};

}  // namespace inkprint
