#include "inkprint/features.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <Eigen/Dense>

#include "inkprint/error.hpp"

namespace inkprint {

const char* const kFeatureNames[kFeatureCount] = {
    "pen_down", "x", "y", "speed", "direction_cos", "direction_sin",
    "tangential_acceleration", "centripetal_acceleration"};

namespace {

struct TimedPoint {
    double x, y, t, pressure;
    std::size_t stroke;
};

// Samples on each side whose timestamps are averaged with a sample's own (see smoothed_times).
constexpr std::size_t kTimeSmoothingHalfWidth = 4;

// Returns the stroke's timestamps, each averaged with those of up to kTimeSmoothingHalfWidth
// samples on either side, as many on each side, so evenly spaced timestamps stay exactly as
// they are. A busy browser delivers pointer events late and then several in the same
// millisecond. Without the average, each such bunch would become a spike of speed, and the
// same drawing would give another embedding each time it is captured.
std::vector<double> smoothed_times(const std::vector<Point>& points) {
    const std::size_t n = points.size();
    std::vector<double> times(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t half = std::min({kTimeSmoothingHalfWidth, i, n - 1 - i});
        double sum = 0;
        for (std::size_t j = i - half; j <= i + half; ++j) sum += points[j].t_ms;
        times[i] = sum / static_cast<double>(2 * half + 1);
    }
    return times;
}

std::vector<TimedPoint> flatten(const Signature& signature) {
    std::vector<TimedPoint> points;
    points.reserve(signature.point_count());
    double removed = 0;  // time cut out of long pen-up pauses so far
    for (std::size_t s = 0; s < signature.strokes.size(); ++s) {
        const std::vector<double> times = smoothed_times(signature.strokes[s].points);
        for (std::size_t i = 0; i < signature.strokes[s].points.size(); ++i) {
            const Point& point = signature.strokes[s].points[i];
            double t = times[i] - removed;
            if (!points.empty()) {
                const double gap = t - points.back().t;
                if (i == 0 && gap > kMaxPenUpMs) {
                    removed += gap - kMaxPenUpMs;
                    t = points.back().t + kMaxPenUpMs;
                }
                // Time must never decrease: clamp steps back to the previous sample's time.
                t = std::max(t, points.back().t);
            }
            points.push_back({point.x, point.y, t, point.pressure, s});
        }
    }
    return points;
}

// Central differences, one-sided at both ends, scaled from per-step to per-second.
std::vector<double> differentiate(const std::vector<double>& values, double steps_per_second) {
    const std::size_t n = values.size();
    std::vector<double> derivative(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t lo = i == 0 ? 0 : i - 1;
        const std::size_t hi = i + 1 == n ? n - 1 : i + 1;
        derivative[i] = (values[hi] - values[lo]) / static_cast<double>(hi - lo) * steps_per_second;
    }
    return derivative;
}

}  // namespace

ResampledSignature resample_in_time(const Signature& signature, int n_steps) {
    validate_signature(signature);
    if (n_steps < 3) {
        throw Error("step count " + std::to_string(n_steps) + " is too small: use at least 3");
    }
    const std::vector<TimedPoint> points = flatten(signature);
    const double t0 = points.front().t;
    const double duration = points.back().t - t0;
    // A signature whose samples all share one timestamp (a synthetic file) is spread by index.
    const bool by_index = !(duration > 0);
    auto time_of = [&](std::size_t i) { return by_index ? static_cast<double>(i) : points[i].t; };
    const double start = by_index ? 0.0 : t0;
    const double span = by_index ? static_cast<double>(points.size() - 1) : duration;

    ResampledSignature out;
    out.duration_ms = duration;
    out.x.resize(n_steps);
    out.y.resize(n_steps);
    out.pen_down.resize(n_steps);
    out.pressure.assign(n_steps, signature.has_pressure ? 0.0 : std::nan(""));
    out.sample_positions.resize(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        out.sample_positions[i] = (time_of(i) - start) / span * (n_steps - 1);
    }
    std::size_t j = 0;
    for (int k = 0; k < n_steps; ++k) {
        const double t = start + span * k / (n_steps - 1);
        while (j + 2 < points.size() && time_of(j + 1) <= t) ++j;
        if (j + 1 < points.size() && time_of(j + 1) <= t) ++j;
        const TimedPoint& a = points[j];
        if (j + 1 == points.size() || time_of(j) >= t) {
            out.x[k] = a.x;
            out.y[k] = a.y;
            out.pen_down[k] = 1;
            if (signature.has_pressure) out.pressure[k] = a.pressure;
            continue;
        }
        const TimedPoint& b = points[j + 1];
        const double fraction = (t - time_of(j)) / (time_of(j + 1) - time_of(j));
        out.x[k] = a.x + fraction * (b.x - a.x);
        out.y[k] = a.y + fraction * (b.y - a.y);
        out.pen_down[k] = a.stroke == b.stroke ? 1 : 0;
        if (signature.has_pressure && out.pen_down[k] == 1) {
            out.pressure[k] = a.pressure + fraction * (b.pressure - a.pressure);
        }
    }
    return out;
}

std::vector<float> compute_features(const Signature& signature, int n_steps) {
    ResampledSignature r = resample_in_time(signature, n_steps);

    // Normalise position by the pen-down steps; the first step always lies on a stroke.
    double cx = 0, cy = 0, count = 0;
    for (int k = 0; k < n_steps; ++k) {
        if (r.pen_down[k] == 0) continue;
        cx += r.x[k];
        cy += r.y[k];
        count += 1;
    }
    cx /= count;
    cy /= count;
    double mean_square = 0;
    for (int k = 0; k < n_steps; ++k) {
        if (r.pen_down[k] == 0) continue;
        mean_square += (r.x[k] - cx) * (r.x[k] - cx) + (r.y[k] - cy) * (r.y[k] - cy);
    }
    double radius = std::sqrt(mean_square / count);
    if (!(radius > 0)) {
        // The pen-down steps coincide although the raw samples differ (a dot plus a gap):
        // fall back to the spread of all steps, which validate_signature ensures is not zero.
        mean_square = 0;
        for (int k = 0; k < n_steps; ++k) {
            mean_square += (r.x[k] - cx) * (r.x[k] - cx) + (r.y[k] - cy) * (r.y[k] - cy);
        }
        radius = std::max(std::sqrt(mean_square / n_steps), 1e-300);
    }
    for (int k = 0; k < n_steps; ++k) {
        r.x[k] = (r.x[k] - cx) / radius;
        r.y[k] = (r.y[k] - cy) / radius;
    }

    // Without a duration the derivatives stay per step; such input is synthetic anyway.
    const double steps_per_second = r.duration_ms > 0 ? (n_steps - 1) / (r.duration_ms / 1000.0) : 1.0;
    const std::vector<double> vx = differentiate(r.x, steps_per_second);
    const std::vector<double> vy = differentiate(r.y, steps_per_second);
    const std::vector<double> ax = differentiate(vx, steps_per_second);
    const std::vector<double> ay = differentiate(vy, steps_per_second);

    // Below this speed, in normalised radii per second, the pen is taken to rest and has no
    // direction. A signature of a few seconds moves at tens of radii per second.
    constexpr double kRestingSpeed = 1e-3;
    std::vector<float> grid(static_cast<std::size_t>(n_steps) * kFeatureCount);
    for (int k = 0; k < n_steps; ++k) {
        const double speed = std::hypot(vx[k], vy[k]);
        const bool moving = speed > kRestingSpeed;
        const double inverse_speed = moving ? 1.0 / speed : 0.0;
        float* row = grid.data() + static_cast<std::size_t>(k) * kFeatureCount;
        row[0] = static_cast<float>(r.pen_down[k]);
        row[1] = static_cast<float>(r.x[k]);
        row[2] = static_cast<float>(r.y[k]);
        row[3] = static_cast<float>(speed);
        row[4] = static_cast<float>(vx[k] * inverse_speed);
        row[5] = static_cast<float>(vy[k] * inverse_speed);
        row[6] = static_cast<float>((vx[k] * ax[k] + vy[k] * ay[k]) * inverse_speed);
        row[7] = static_cast<float>((vx[k] * ay[k] - vy[k] * ax[k]) * inverse_speed);
    }
    return grid;
}

SignatureProfile profile_signature(const Signature& signature, int n_steps) {
    return profile_from_features(compute_features(signature, n_steps), resample_in_time(signature, n_steps));
}

SignatureProfile profile_from_features(const std::vector<float>& grid, const ResampledSignature& resampled) {
    const std::size_t n_steps = resampled.pen_down.size();
    SignatureProfile profile;
    profile.speed.resize(n_steps);
    for (std::size_t k = 0; k < n_steps; ++k) profile.speed[k] = grid[k * kFeatureCount + 3];
    profile.pressure = resampled.pressure;
    profile.pen_down = resampled.pen_down;
    return profile;
}

namespace {

// Returns n_steps positions equally spaced along the pen-down path, strokes joined end to end
// without the jumps between them, centred on their mean and divided by their root-mean-square
// radius, as x0, y0, x1, y1, and so on. The sample times play no part.
std::vector<double> path_by_length(const Signature& signature, int n_steps) {
    std::vector<double> xs, ys, lengths;
    double length = 0;
    for (const Stroke& stroke : signature.strokes) {
        for (std::size_t i = 0; i < stroke.points.size(); ++i) {
            if (i > 0) {
                length += std::hypot(stroke.points[i].x - stroke.points[i - 1].x, stroke.points[i].y - stroke.points[i - 1].y);
            }
            xs.push_back(stroke.points[i].x);
            ys.push_back(stroke.points[i].y);
            lengths.push_back(length);
        }
    }

    std::vector<double> path(2 * static_cast<std::size_t>(n_steps));
    std::size_t j = 0;
    for (int k = 0; k < n_steps; ++k) {
        const double at = length * k / (n_steps - 1);
        while (j + 2 < lengths.size() && lengths[j + 1] <= at) ++j;
        double fraction = 0;
        if (j + 1 < lengths.size() && lengths[j + 1] > lengths[j]) {
            fraction = std::clamp((at - lengths[j]) / (lengths[j + 1] - lengths[j]), 0.0, 1.0);
        }
        const std::size_t next = std::min(j + 1, xs.size() - 1);
        path[2 * k] = xs[j] + fraction * (xs[next] - xs[j]);
        path[2 * k + 1] = ys[j] + fraction * (ys[next] - ys[j]);
    }

    double cx = 0, cy = 0;
    for (int k = 0; k < n_steps; ++k) {
        cx += path[2 * k] / n_steps;
        cy += path[2 * k + 1] / n_steps;
    }
    double mean_square = 0;
    for (int k = 0; k < n_steps; ++k) {
        mean_square += ((path[2 * k] - cx) * (path[2 * k] - cx) + (path[2 * k + 1] - cy) * (path[2 * k + 1] - cy)) / n_steps;
    }
    // A path without length (a dot) keeps its scale, so only another dot is near it.
    const double radius = mean_square > 0 ? std::sqrt(mean_square) : 1.0;
    for (int k = 0; k < n_steps; ++k) {
        path[2 * k] = (path[2 * k] - cx) / radius;
        path[2 * k + 1] = (path[2 * k + 1] - cy) / radius;
    }
    return path;
}

// Returns the root-mean-square distance from the positions `target` (x0, y0, x1, y1, and so on)
// to the affine image of the positions `source` that fits them best by least squares. Turning,
// shearing or stretching `source` leaves the result unchanged.
double affine_residual(const std::vector<double>& target, const std::vector<double>& source) {
    const Eigen::Index n = static_cast<Eigen::Index>(target.size() / 2);
    Eigen::MatrixXd inputs(n, 3), outputs(n, 2);
    for (Eigen::Index k = 0; k < n; ++k) {
        inputs(k, 0) = source[2 * k];
        inputs(k, 1) = source[2 * k + 1];
        inputs(k, 2) = 1.0;
        outputs(k, 0) = target[2 * k];
        outputs(k, 1) = target[2 * k + 1];
    }
    // The small ridge keeps the solve defined for a path without extent (a dot or a straight
    // line), whose best map is then found among the ones that exist.
    const Eigen::Matrix3d normal_matrix = inputs.transpose() * inputs + 1e-9 * Eigen::Matrix3d::Identity();
    const Eigen::MatrixXd affine_map = normal_matrix.ldlt().solve(inputs.transpose() * outputs);
    return std::sqrt((outputs - inputs * affine_map).squaredNorm() / static_cast<double>(n));
}

// Returns the root-mean-square distance from the positions `target` to the positions `source`
// turned about the origin by the angle that brings them closest. Both are centred already.
double rotation_residual(const std::vector<double>& target, const std::vector<double>& source) {
    double dot = 0, cross = 0;
    for (std::size_t i = 0; i + 1 < target.size(); i += 2) {
        dot += target[i] * source[i] + target[i + 1] * source[i + 1];
        cross += source[i] * target[i + 1] - source[i + 1] * target[i];
    }
    const double angle = std::atan2(cross, dot);
    const double cosine = std::cos(angle), sine = std::sin(angle);
    double sum = 0;
    for (std::size_t i = 0; i + 1 < target.size(); i += 2) {
        const double dx = cosine * source[i] - sine * source[i + 1] - target[i];
        const double dy = sine * source[i] + cosine * source[i + 1] - target[i + 1];
        sum += dx * dx + dy * dy;
    }
    return std::sqrt(sum / static_cast<double>(target.size() / 2));
}

}  // namespace

double trajectory_distance(const Signature& a, const Signature& b, int n_steps) {
    const std::vector<float> first = compute_features(a, n_steps);
    const std::vector<float> second = compute_features(b, n_steps);
    std::vector<double> time_a(2 * static_cast<std::size_t>(n_steps)), time_b(time_a.size());
    for (int k = 0; k < n_steps; ++k) {
        const std::size_t row = static_cast<std::size_t>(k) * kFeatureCount;
        time_a[2 * k] = first[row + 1];
        time_a[2 * k + 1] = first[row + 2];
        time_b[2 * k] = second[row + 1];
        time_b[2 * k + 1] = second[row + 2];
    }
    // The fit runs both ways and the two are averaged, so the order of a and b does not matter.
    const double in_time = 0.5 * (affine_residual(time_a, time_b) + affine_residual(time_b, time_a));

    // Turning keeps lengths along the path, so the path can be turned after it was resampled.
    // A shear or a stretch changes them, which is why only the time grid fits a full affine map.
    const std::vector<double> path_a = path_by_length(a, n_steps);
    const std::vector<double> path_b = path_by_length(b, n_steps);
    const double along_path = rotation_residual(path_a, path_b);
    return std::min(in_time, along_path);
}

double replay_limit(std::span<const double> among) {
    if (among.empty()) return kReplayShareOfEnrolment * kReplayDistance;
    return std::min(kReplayDistance, kReplayShareOfEnrolment * *std::min_element(among.begin(), among.end()));
}

double enrolment_replay_limit(const std::vector<Signature>& enrolment) {
    std::vector<double> among;
    for (std::size_t i = 0; i < enrolment.size(); ++i) {
        for (std::size_t j = i + 1; j < enrolment.size(); ++j) among.push_back(trajectory_distance(enrolment[i], enrolment[j]));
    }
    return replay_limit(among);
}

FeatureScaling measure_feature_scaling(const std::vector<std::vector<float>>& grids) {
    std::vector<double> sum(kFeatureCount, 0.0), sum_squares(kFeatureCount, 0.0);
    double rows = 0;
    for (const auto& grid : grids) {
        for (std::size_t i = 0; i + kFeatureCount <= grid.size(); i += kFeatureCount) {
            for (int f = 0; f < kFeatureCount; ++f) {
                sum[f] += grid[i + f];
                sum_squares[f] += static_cast<double>(grid[i + f]) * grid[i + f];
            }
            rows += 1;
        }
    }
    if (rows == 0) throw Error("cannot measure feature scaling: no training signatures");

    FeatureScaling scaling;
    for (int f = 0; f < kFeatureCount; ++f) {
        const double mean = sum[f] / rows;
        const double variance = std::max(sum_squares[f] / rows - mean * mean, 0.0);
        scaling.mean.push_back(static_cast<float>(mean));
        // A constant feature keeps unit scale instead of dividing by zero.
        scaling.std_dev.push_back(variance > 1e-12 ? static_cast<float>(std::sqrt(variance)) : 1.0f);
    }
    return scaling;
}

void apply_feature_scaling(const FeatureScaling& scaling, std::vector<float>& grid) {
    const std::size_t n_features = scaling.mean.size();
    for (std::size_t i = 0; i + n_features <= grid.size(); i += n_features) {
        for (std::size_t f = 0; f < n_features; ++f) {
            const float value = (grid[i + f] - scaling.mean[f]) / scaling.std_dev[f];
            grid[i + f] = std::clamp(value, -kFeatureClip, kFeatureClip);
        }
    }
}

}  // namespace inkprint
