// libFuzzer targets for every parser of outside data. One source, five targets: the build
// defines INKPRINT_FUZZ_TARGET as 1 (SVC2004 text), 2 (our JSON ink), 3 (InkML), 4 (the model
// file) or 5 (the fusion parameters in a model's JSON description). Each target checks more than "no crash": an input that parses must survive the whole
// preprocessing, and what the writer makes of it must parse again.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <span>
#include <string_view>

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/fusion.hpp"
#include "inkprint/ink_formats.hpp"
#include "inkprint/model.hpp"
#include "inkprint/svc2004.hpp"

namespace {

// Runs a parsed signature through the feature computation; rejection with Error is fine.
void compute_features_of(const inkprint::Signature& signature) {
    try {
        inkprint::compute_features(signature, 50);
    } catch (const inkprint::Error&) {
    }
}

// Parses `text`; when it is accepted, writes it and parses the result again. An Error from the
// writer or the second parse escapes and ends the run as a crash, since it is a bug.
void check_ink(std::string_view text, inkprint::InkSignature (*parse)(std::string_view),
               std::string (*write)(const inkprint::InkSignature&)) {
    inkprint::InkSignature ink;
    try {
        ink = parse(text);
    } catch (const inkprint::Error&) {
        return;  // rejecting bad input with a message is the expected outcome
    }
    const std::string written = write(ink);
    // A signature that was read must be written and read back without error.
    const inkprint::InkSignature again = parse(written);
    if (again.sample_count() != ink.sample_count()) std::abort();
    compute_features_of(inkprint::signature_from_ink(ink));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
#if INKPRINT_FUZZ_TARGET == 1
    try {
        compute_features_of(inkprint::parse_svc2004(text, "fuzz input"));
    } catch (const inkprint::Error&) {
    }
#elif INKPRINT_FUZZ_TARGET == 2
    check_ink(text, inkprint::parse_ink_json, inkprint::write_ink_json);
#elif INKPRINT_FUZZ_TARGET == 3
    check_ink(text, inkprint::parse_inkml, inkprint::write_inkml);
#elif INKPRINT_FUZZ_TARGET == 4
    inkprint::Model model;
    try {
        model = inkprint::parse_model(std::span<const std::uint8_t>(data, size));
    } catch (const inkprint::Error&) {
        return 0;
    }
    // The format has one encoding per model, so a model that loads writes the same bytes.
    const auto bytes = inkprint::serialize_model(model);
    if (bytes.size() != size || !std::equal(bytes.begin(), bytes.end(), data)) std::abort();
#elif INKPRINT_FUZZ_TARGET == 5
    std::optional<inkprint::FusionParameters> fusion;
    try {
        fusion = inkprint::read_fusion(text);
    } catch (const inkprint::Error&) {
        return 0;
    }
    if (!fusion) return 0;
    // Parameters that were read must be written and read back unchanged.
    const auto again = inkprint::read_fusion("{\"fusion\":" + inkprint::fusion_json(*fusion) + "}");
    if (!again || again->dtw_weight != fusion->dtw_weight || again->threshold != fusion->threshold ||
        again->tdnn_mean != fusion->tdnn_mean || again->tdnn_deviation != fusion->tdnn_deviation ||
        again->dtw_mean != fusion->dtw_mean || again->dtw_deviation != fusion->dtw_deviation ||
        again->embedding_score != fusion->embedding_score || again->dtw_normalisation != fusion->dtw_normalisation ||
        again->dtw_sequence != fusion->dtw_sequence) {
        std::abort();
    }
    if (fusion->dtw_normalisation == inkprint::DistanceNormalisation::Calibrated &&
        (again->dtw_calibration.mean != fusion->dtw_calibration.mean ||
         again->dtw_calibration.deviation != fusion->dtw_calibration.deviation ||
         again->dtw_calibration.weights != fusion->dtw_calibration.weights ||
         again->dtw_calibration.bias != fusion->dtw_calibration.bias)) {
        std::abort();
    }
#else
#error "define INKPRINT_FUZZ_TARGET as 1, 2, 3, 4 or 5"
#endif
    return 0;
}
