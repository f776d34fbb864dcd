// Preprocessing: a signature of any length becomes a fixed grid of n_steps time steps with
// kFeatureCount features each, the input of the time-delay network.
//
// Steps, in order:
// 1. Resample uniformly in time over the whole signature, from the first sample to the last.
//    Each timestamp is first averaged with its neighbours in the stroke (see features.cpp),
//    which removes the bunching of pointer events that a busy browser delivers late.
//    Pen-up gaps between strokes are kept as time: positions there are interpolated linearly
//    from the end of one stroke to the start of the next, with the pen feature set to up.
//    Uniform time keeps the writer's rhythm, which skilled forgers reproduce worst. A pen-up
//    pause longer than kMaxPenUpMs is shortened to that length, so that a writer who stops
//    to think (one SVC2004 file pauses for 29 s) does not squeeze the writing into a few steps.
// 2. Normalise position: subtract the centroid of the pen-down steps and divide by their
//    root-mean-square distance from it. This removes where and how large the person signed
//    (tablet counts or CSS pixels alike) but keeps the aspect ratio and slant.
// 3. Differentiate with central differences to get velocity and acceleration in normalised
//    units per second. Absolute time is kept because speed separates genuine from forged writing.
//
// The 8 features per step use only what every browser provides (x, y, time, pen up/down):
//   0 pen down (1) or up (0)
//   1 x, 2 y                       normalised position
//   3 speed                        |v|
//   4 cos, 5 sin of the direction  v / |v| (0 where the pen rests)
//   6 tangential acceleration      (v . a) / |v|, the change of speed
//   7 centripetal acceleration     (v x a) / |v|, signed: speed times curvature
// These follow the kinds of features used by Bromley et al. (1993) for their siamese
// verifier: pen state, position, speed, direction and the two acceleration components.
#pragma once

#include <span>
#include <vector>

#include "inkprint/signature.hpp"

namespace inkprint {

inline constexpr int kFeatureCount = 8;
inline constexpr int kDefaultStepCount = 200;
// Maximum pen-up pause kept in full. SVC2004 stroke gaps are mostly 70-300 ms.
inline constexpr double kMaxPenUpMs = 1000.0;

// Names of the features in the order of the feature axis.
extern const char* const kFeatureNames[kFeatureCount];

// Position and pen state on a uniform time grid, before normalisation.
struct ResampledSignature {
    std::vector<double> x, y;
    std::vector<double> pen_down;  // 1 on a stroke, 0 in a gap between strokes
    // Pen pressure interpolated like x and y, 0 in a gap between strokes. NaN at every step when
    // the signature has no pressure channel.
    std::vector<double> pressure;
    double duration_ms = 0;  // time from the first to the last sample
    // Where each input sample falls on the grid, in steps from 0 to n_steps - 1, in the order of
    // the samples (stroke by stroke). It maps values computed per step back onto the drawing.
    std::vector<double> sample_positions;
};

// Resamples uniformly in time (step 1 above). Calls validate_signature first.
ResampledSignature resample_in_time(const Signature& signature, int n_steps);

// Computes the feature grid, [n_steps][kFeatureCount] row-major, before standardisation.
// Throws Error for a signature that validate_signature rejects or for n_steps < 3.
std::vector<float> compute_features(const Signature& signature, int n_steps = kDefaultStepCount);

// How a signature moves over its normalised time, for showing beside another signature.
struct SignatureProfile {
    std::vector<double> speed;     // feature 3 of compute_features: normalised radii per second
    std::vector<double> pressure;  // as ResampledSignature::pressure: NaN without a pressure channel
    std::vector<double> pen_down;  // 1 on a stroke, 0 in a gap between strokes
};

// Computes the profile on the same grid as compute_features. Throws as compute_features does.
SignatureProfile profile_signature(const Signature& signature, int n_steps = kDefaultStepCount);

// Builds the profile from a signature's feature grid (from compute_features) and its resampling
// on the same grid, for a caller that has both already.
SignatureProfile profile_from_features(const std::vector<float>& grid, const ResampledSignature& resampled);

// Distance between the normalised pen paths of two signatures, in signature sizes: the smaller
// of two root-mean-square distances. One compares the positions (features 1 and 2) on the time
// grid after the affine map (turn, shear, stretch, shift) that brings one onto the other best.
// The other compares positions equally spaced along the pen-down path, which ignores the
// timing, after the best turn. Both ignore where and how large each was written. A replayed
// copy of a signature is thus near 0 when it was moved, scaled, turned, sheared or stretched,
// when a busy browser delivered its samples tens of milliseconds late, or when it was turned
// and its timing changed. On SVC2004, every genuine signature lies at least 0.049 from the
// nearest of its writer's first five signatures (1,200 queries of 40 writers in both tasks).
double trajectory_distance(const Signature& a, const Signature& b, int n_steps = kDefaultStepCount);

// Trajectory distance below which a query may be a copy of an enrolment signature: no one
// signs twice this alike, so a copy is a replay of captured data.
inline constexpr double kReplayDistance = 0.03;

// Share of the distance between a person's two most alike enrolment signatures below which a
// query counts as a copy. Short signatures such as initials repeat more closely than
// kReplayDistance, so a fixed limit alone would take their genuine repeats for copies.
inline constexpr double kReplayShareOfEnrolment = 0.5;

// Returns the trajectory distance below which a query counts as a copy of one of a person's
// enrolment signatures, given the trajectory distances among those signatures (any order):
// kReplayDistance, or kReplayShareOfEnrolment times the smallest of `among` when that is lower.
// With no distance (a single enrolment signature) nothing shows how closely the person repeats,
// so the limit is kReplayShareOfEnrolment times kReplayDistance.
double replay_limit(std::span<const double> among);

// Returns replay_limit() of the trajectory distances among the enrolment signatures.
double enrolment_replay_limit(const std::vector<Signature>& enrolment);

// Per-feature mean and standard deviation measured on training data, stored in the model so
// that every caller scales the features the same way.
struct FeatureScaling {
    std::vector<float> mean, std_dev;
};

// Measures the scaling over a set of feature grids of kFeatureCount columns.
FeatureScaling measure_feature_scaling(const std::vector<std::vector<float>>& grids);

// Standardises a grid in place: (value - mean) / std_dev, clipped to +-kFeatureClip so that a
// single wild derivative (a hesitation, a sensor glitch) cannot dominate the network input.
inline constexpr float kFeatureClip = 5.0f;
void apply_feature_scaling(const FeatureScaling& scaling, std::vector<float>& grid);

}  // namespace inkprint
