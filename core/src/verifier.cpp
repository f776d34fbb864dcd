#include "inkprint/verifier.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "inkprint/cosine.hpp"
#include "inkprint/error.hpp"
#include "number_text.hpp"

namespace inkprint {

Verifier::Verifier(Model model) : model_(std::move(model)), network_(model_.network) {
    model_.validate();
    if (model_.network.n_features != kFeatureCount) {
        throw Error("model expects " + std::to_string(model_.network.n_features) +
                    " input features but this build computes " + std::to_string(kFeatureCount));
    }
    network_.parameters() = model_.parameters;
    try {
        fusion_ = read_fusion(model_.description);
    } catch (const Error& error) {
        fusion_error_ = error.what();
    }
}

const std::optional<FusionParameters>& Verifier::fusion() const {
    if (!fusion_error_.empty()) throw Error(fusion_error_);
    return fusion_;
}

std::vector<float> Verifier::embed_features(std::vector<float> grid) {
    const std::size_t expected = static_cast<std::size_t>(model_.network.n_steps) * model_.network.n_features;
    if (grid.size() != expected) {
        throw Error("feature grid has " + std::to_string(grid.size()) + " values but the model expects " +
                    std::to_string(expected));
    }
    apply_feature_scaling(model_.scaling, grid);
    std::vector<float> embedding(embedding_size());
    network_.forward(grid.data(), workspace_, embedding.data());
    // A valid model file can have weights so large that the network's sums overflow. An
    // enrolment stored from such an embedding would fail every later verification.
    for (std::size_t i = 0; i < embedding.size(); ++i) {
        if (!std::isfinite(embedding[i])) {
            throw Error("the model's weights produce values out of range: value " + std::to_string(i + 1) + " of " +
                        std::to_string(embedding.size()) + " in this signature's embedding is " +
                        detail::format_number(embedding[i]) + "; use another model or train it again");
        }
    }
    return embedding;
}

std::vector<float> Verifier::embed(const Signature& signature) {
    return embed_features(compute_features(signature, model_.network.n_steps));
}

Verification Verifier::verify(std::span<const float> reference, const Signature& query) {
    if (reference.size() != embedding_size()) {
        throw Error("reference has " + std::to_string(reference.size()) + " values but this model's embeddings have " +
                    std::to_string(embedding_size()) + ": enrol again with this model");
    }
    const std::vector<float> embedding = embed(query);
    Verification result;
    result.score = cosine(embedding.data(), reference.data(), embedding.size());
    result.threshold = model_.threshold;
    result.accepted = result.score >= result.threshold;
    return result;
}

FusedVerification Verifier::verify_fused(std::span<const float> enrolled, const std::vector<Signature>& enrolment,
                                        const Signature& query) {
    const std::optional<FusionParameters>& parameters = fusion();
    if (!parameters) {
        throw Error("this model has no fusion parameters in its description: train it with inkprint-train, which "
                    "fits them, or use verify");
    }
    const std::size_t size = embedding_size();
    if (enrolled.size() % size != 0 || enrolled.size() / size != enrolment.size() || enrolment.empty()) {
        throw Error("fused verification needs one embedding of " + std::to_string(size) +
                    " values per enrolment signature, got " + std::to_string(enrolled.size()) + " values for " +
                    std::to_string(enrolment.size()) + " signatures");
    }
    const std::vector<float> embedding = embed(query);
    const DtwEnrolment& prepared = prepared_enrolment(parameters->dtw_sequence, enrolment);

    FusedVerification result;
    result.embedding_score = score_embedding(parameters->embedding_score, enrolled, embedding);
    result.dtw_score = dtw_score(parameters->dtw_normalisation, prepared, prepare_dtw(parameters->dtw_sequence, query),
                                 dtw_band(parameters->dtw_sequence), &parameters->dtw_calibration);
    result.score = parameters->fuse(result.embedding_score, result.dtw_score);
    if (!std::isfinite(result.score)) {
        throw Error("the fused score is not finite: the fusion parameters in the model's description are damaged, "
                    "so train the model again");
    }
    result.threshold = parameters->threshold;
    result.accepted = result.score >= result.threshold;
    return result;
}

void Verifier::prepare_fused(const std::vector<Signature>& enrolment) {
    const std::optional<FusionParameters>& parameters = fusion();
    if (!parameters) return;
    if (enrolment.empty()) {
        throw Error("there are no enrolment signatures to prepare: enrol at least one signature first");
    }
    prepared_enrolment(parameters->dtw_sequence, enrolment);
}

namespace {

// signature_to_flat() of each signature, then 1 or 0 for has_pressure: the cache's key.
std::vector<std::vector<double>> flat_enrolment(const std::vector<Signature>& enrolment) {
    std::vector<std::vector<double>> flat;
    for (const Signature& signature : enrolment) {
        flat.push_back(signature_to_flat(signature));
        // The flat format writes NaN for a pressure that is missing and for one that is NaN.
        flat.back().push_back(signature.has_pressure ? 1.0 : 0.0);
    }
    return flat;
}

}  // namespace

bool Verifier::is_prepared(const std::vector<Signature>& enrolment) const {
    const std::optional<FusionParameters>& parameters = fusion();
    return parameters && cache_matches(parameters->dtw_sequence, flat_enrolment(enrolment));
}

bool Verifier::cache_matches(DtwSequence kind, const std::vector<std::vector<double>>& flat) const {
    if (!last_enrolment_ || last_enrolment_->kind != kind) return false;
    const std::vector<std::vector<double>>& cached = last_enrolment_->signatures;
    if (cached.size() != flat.size()) return false;
    // Signatures without pressure store NaN as their pressure, which == never matches.
    const auto same_value = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    for (std::size_t i = 0; i < flat.size(); ++i) {
        if (!std::equal(flat[i].begin(), flat[i].end(), cached[i].begin(), cached[i].end(), same_value)) return false;
    }
    return true;
}

const DtwEnrolment& Verifier::prepared_enrolment(DtwSequence kind, const std::vector<Signature>& enrolment) {
    std::vector<std::vector<double>> flat = flat_enrolment(enrolment);
    if (!cache_matches(kind, flat)) {
        // Reset first, so that an enrolment that fails to prepare leaves no stale entry behind.
        last_enrolment_.reset();
        DtwEnrolment dtw = prepare_dtw_enrolment(kind, enrolment, dtw_band(kind));
        last_enrolment_ = PreparedEnrolment{kind, std::move(flat), std::move(dtw)};
    }
    return last_enrolment_->dtw;
}

Explanation Verifier::explain(std::span<const float> reference, const Signature& query) {
    const std::vector<StepWindow> windows = averaged_step_windows(model_.network);
    if (reference.size() != embedding_size()) {
        throw Error("reference has " + std::to_string(reference.size()) + " values but this model's embeddings have " +
                    std::to_string(embedding_size()) + ": enrol again with this model");
    }
    const int n_steps = model_.network.n_steps;
    Explanation out;
    out.step_count = n_steps;
    out.step_windows = windows;
    // The features and the resampling are computed once and serve the profile, the sample
    // positions and the embedding.
    ResampledSignature resampled = resample_in_time(query, n_steps);
    std::vector<float> grid = compute_features(query, n_steps);
    out.profile = profile_from_features(grid, resampled);
    out.sample_positions = std::move(resampled.sample_positions);

    const std::vector<float> embedding = embed_features(std::move(grid));
    out.verification.score = cosine(embedding.data(), reference.data(), embedding.size());
    out.verification.threshold = model_.threshold;
    out.verification.accepted = out.verification.score >= out.verification.threshold;

    // The averaged layer's input, [T][channels], from the forward pass that embed() just ran.
    const std::vector<float>& averaged = workspace_.values[model_.network.layers.size() - 1];
    const std::size_t T = windows.size();
    const std::size_t channels = embedding.size();
    double norm_e = 0, norm_r = 0;
    for (std::size_t i = 0; i < channels; ++i) {
        norm_e += static_cast<double>(embedding[i]) * embedding[i];
        norm_r += static_cast<double>(reference[i]) * reference[i];
    }
    const double denominator = static_cast<double>(T) * std::sqrt(norm_e) * std::sqrt(norm_r);
    out.step_contributions.assign(T, 0.0);
    // A zero embedding or reference has cosine 0 (see cosine.hpp), and so does every share.
    if (denominator > 0 && std::isfinite(denominator)) {
        for (std::size_t t = 0; t < T; ++t) {
            double dot = 0;
            for (std::size_t i = 0; i < channels; ++i) {
                dot += static_cast<double>(averaged[t * channels + i]) * reference[i];
            }
            out.step_contributions[t] = dot / denominator;
        }
    }

    // Map the shares onto the samples through each sample's nearest grid step.
    const std::size_t samples = out.sample_positions.size();
    std::vector<int> nearest(samples);
    for (std::size_t s = 0; s < samples; ++s) {
        nearest[s] = std::clamp(static_cast<int>(std::lround(out.sample_positions[s])), 0, n_steps - 1);
    }
    out.sample_contributions.assign(samples, 0.0);
    std::vector<double> local_sum(samples, 0.0);
    std::vector<int> local_count(samples, 0);
    std::vector<std::size_t> members;
    for (std::size_t t = 0; t < T; ++t) {
        members.clear();
        for (std::size_t s = 0; s < samples; ++s) {
            if (windows[t].first <= nearest[s] && nearest[s] < windows[t].end) members.push_back(s);
        }
        if (members.empty()) {
            // Samples are sparser than the grid here, or the pen was up: the share goes to the
            // sample nearest the window's middle.
            const double middle = 0.5 * (windows[t].first + windows[t].end - 1);
            std::size_t best = 0;
            for (std::size_t s = 1; s < samples; ++s) {
                if (std::abs(out.sample_positions[s] - middle) < std::abs(out.sample_positions[best] - middle)) best = s;
            }
            members.push_back(best);
        }
        const double share = out.step_contributions[t] / static_cast<double>(members.size());
        for (std::size_t s : members) {
            out.sample_contributions[s] += share;
            local_sum[s] += static_cast<double>(T) * out.step_contributions[t];
            local_count[s] += 1;
        }
    }
    out.sample_local_scores.resize(samples);
    for (std::size_t s = 0; s < samples; ++s) {
        if (local_count[s] > 0) {
            out.sample_local_scores[s] = local_sum[s] / local_count[s];
            continue;
        }
        // A network whose windows leave the grid's last steps uncovered: take the nearest window.
        std::size_t best = 0;
        for (std::size_t t = 1; t < T; ++t) {
            const auto distance = [&](std::size_t u) {
                return std::abs(0.5 * (windows[u].first + windows[u].end - 1) - out.sample_positions[s]);
            };
            if (distance(t) < distance(best)) best = t;
        }
        out.sample_local_scores[s] = static_cast<double>(T) * out.step_contributions[best];
    }
    return out;
}

std::vector<float> make_reference(std::span<const float> embeddings, std::size_t size) {
    if (size == 0 || embeddings.empty() || embeddings.size() % size != 0) {
        throw Error("cannot build a reference from " + std::to_string(embeddings.size()) +
                    " values with embeddings of size " + std::to_string(size) +
                    ": pass one or more whole embeddings");
    }
    std::vector<double> sum(size, 0.0);
    for (std::size_t start = 0; start < embeddings.size(); start += size) {
        double norm2 = 0;
        for (std::size_t i = 0; i < size; ++i) {
            const float value = embeddings[start + i];
            if (!std::isfinite(value)) {
                throw Error("enrolment embedding " + std::to_string(start / size) + " has a non-finite value at " +
                            std::to_string(i) + ": enrol that signature again");
            }
            norm2 += static_cast<double>(value) * value;
        }
        // A zero embedding has no direction and adds nothing.
        const double inverse = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
        for (std::size_t i = 0; i < size; ++i) sum[i] += embeddings[start + i] * inverse;
    }
    const double count = static_cast<double>(embeddings.size() / size);
    std::vector<float> reference(size);
    for (std::size_t i = 0; i < size; ++i) reference[i] = static_cast<float>(sum[i] / count);
    return reference;
}

}  // namespace inkprint
