#include "inkprint/augment.hpp"

#include <cmath>

namespace inkprint {

Signature augment_signature(const Signature& signature, const AugmentationConfig& config, Random& random) {
    const double angle = random.uniform(-config.max_rotation_rad, config.max_rotation_rad);
    const double shear = random.uniform(-config.max_shear, config.max_shear);
    const double stretch_x = std::exp(random.uniform(-config.max_log_stretch, config.max_log_stretch));
    const double stretch_y = std::exp(random.uniform(-config.max_log_stretch, config.max_log_stretch));
    const double cos_a = std::cos(angle), sin_a = std::sin(angle);

    double t0 = 0, t1 = 0;
    bool first = true;
    for (const Stroke& stroke : signature.strokes) {
        for (const Point& point : stroke.points) {
            if (first) t0 = point.t_ms;
            first = false;
            t1 = point.t_ms;
        }
    }
    const double duration = t1 > t0 ? t1 - t0 : 1.0;
    // Time warp u -> u + a sin(pi u) + b sin(2 pi u) keeps both ends fixed; its slope
    // 1 + a pi cos(pi u) + 2 b pi cos(2 pi u) stays positive for |a|, |b| <= max_time_warp / 3pi.
    const double limit = config.max_time_warp / (3 * 3.141592653589793);
    const double a = random.uniform(-limit, limit), b = random.uniform(-limit, limit);

    Signature out = signature;
    for (Stroke& stroke : out.strokes) {
        for (Point& point : stroke.points) {
            const double x = point.x * stretch_x + shear * point.y * stretch_y;
            const double y = point.y * stretch_y;
            point.x = cos_a * x - sin_a * y;
            point.y = sin_a * x + cos_a * y;
            const double u = (point.t_ms - t0) / duration;
            const double warped = u + a * std::sin(3.141592653589793 * u) + b * std::sin(2 * 3.141592653589793 * u);
            point.t_ms = t0 + warped * duration;
        }
    }
    return out;
}

}  // namespace inkprint
