// JavaScript bindings of the Inkprint core (embind). Each binding checks its arguments, copies
// typed arrays into the core's types once, calls the core and returns a fresh JavaScript value.
// Every inkprint::Error reaches JavaScript as an Error with the core's message.
#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <string>
#include <utility>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/ink.hpp"
#include "inkprint/ink_formats.hpp"
#include "inkprint/model.hpp"
#include "inkprint/signature.hpp"
#include "inkprint/svc2004.hpp"
#include "inkprint/verifier.hpp"
#include "inkprint/cosine.hpp"

#include "binding_helpers.hpp"

using emscripten::val;

// Throws a JavaScript Error. It unwinds the WebAssembly frames without running C++
// destructors, so it is only called with nothing left to destroy.
EM_JS(void, inkprint_throw_js_error, (const char* message), {
    throw new Error(UTF8ToString(message));
});

namespace inkprint_bindings {

std::string& stored_error_message() {
    static std::string message;
    return message;
}

void throw_stored_error() {
    inkprint_throw_js_error(stored_error_message().c_str());
    __builtin_unreachable();
}

}  // namespace inkprint_bindings

namespace {

using namespace inkprint_bindings;

std::string layer_json(const inkprint::LayerSpec& layer) {
    switch (layer.kind) {
        case inkprint::LayerKind::TimeDelay:
            return "{\"kind\":\"timeDelay\",\"channels\":" + std::to_string(layer.channels) +
                   ",\"width\":" + std::to_string(layer.width) + ",\"stride\":" + std::to_string(layer.stride) + "}";
        case inkprint::LayerKind::Activation:
            return std::string("{\"kind\":\"activation\",\"function\":") +
                   (layer.activation == inkprint::Activation::Relu ? "\"relu\"}" : "\"scaledTanh\"}");
        case inkprint::LayerKind::TimeAverage: return "{\"kind\":\"timeAverage\"}";
        case inkprint::LayerKind::Dense:
            return "{\"kind\":\"dense\",\"channels\":" + std::to_string(layer.channels) + "}";
    }
    return "{}";
}

class WasmModel {
public:
    explicit WasmModel(const val& bytes) : verifier_(load(bytes)) {}

    val embed(const val& points) {
        return guard([&] { return float32_array(verifier_.embed(signature_from(points))); });
    }

    val verify(const val& reference, const val& points) {
        return guard([&] {
            const std::vector<float> values = numbers_from<float>(reference, "Float32Array", "reference");
            const inkprint::Verification result = verifier_.verify(values, signature_from(points));
            val out = val::object();
            out.set("score", result.score);
            out.set("threshold", result.threshold);
            out.set("accepted", result.accepted);
            return out;
        });
    }

    // Fused TDNN and DTW score (see inkprint::Verifier::verify_fused). `embeddings` contains the
    // enrolment embeddings one after another (a Float32Array of count * embeddingSize() values),
    // `enrolment` an Array with the flat points (Float64Array) of the same signatures in the same
    // order, and `points` the query. Returns { score, threshold, accepted, embeddingScore,
    // dtwScore }.
    val verify_fused(const val& embeddings, const val& enrolment, const val& points) {
        return guard([&] {
            const std::vector<float> values = numbers_from<float>(embeddings, "Float32Array", "enrolment embeddings");
            // The enrolment is read first, so that its errors come before the query's.
            const std::vector<inkprint::Signature> signatures = enrolment_from(enrolment);
            const inkprint::FusedVerification result = verifier_.verify_fused(values, signatures, signature_from(points));
            val out = val::object();
            out.set("score", result.score);
            out.set("threshold", result.threshold);
            out.set("accepted", result.accepted);
            out.set("embeddingScore", result.embedding_score);
            out.set("dtwScore", result.dtw_score);
            return out;
        });
    }

    // Aligns the enrolment signatures (an Array as for verifyFused) with each other ahead of the
    // first verifyFused against them, which then aligns only the query. Does nothing for a
    // model without fusion. Returns true when verifyFused will find them prepared.
    bool prepare_enrolment(const val& enrolment) {
        return guard([&] {
            const std::vector<inkprint::Signature> signatures = enrolment_from(enrolment);
            verifier_.prepare_fused(signatures);
            return verifier_.is_prepared(signatures);
        });
    }

    // True when the model's description contains fusion parameters, so that verifyFused works.
    bool has_fusion() const {
        return guard([&] { return verifier_.fusion().has_value(); });
    }

    // Throws the reason when the fused verdict cannot compare `points`: a signature without
    // pen pressure, for a model whose time warping compares pressure. Does nothing for a
    // model without fusion.
    void check_signature(const val& points) const {
        guard([&] {
            const auto& fusion = verifier_.fusion();
            if (fusion.has_value()) inkprint::prepare_dtw(fusion->dtw_sequence, signature_from(points));
        });
    }

    // The score split over time: see inkprint::Explanation. Windows come as pairs of first and
    // end grid steps, one pair per averaged step.
    val explain(const val& reference, const val& points) {
        return guard([&] {
            const std::vector<float> values = numbers_from<float>(reference, "Float32Array", "reference");
            const inkprint::Explanation result = verifier_.explain(values, signature_from(points));
            std::vector<double> windows;
            for (const inkprint::StepWindow& window : result.step_windows) {
                windows.push_back(window.first);
                windows.push_back(window.end);
            }
            val out = val::object();
            out.set("score", result.verification.score);
            out.set("threshold", result.verification.threshold);
            out.set("accepted", result.verification.accepted);
            out.set("stepCount", result.step_count);
            out.set("stepContributions", float64_array(result.step_contributions));
            out.set("stepWindows", float64_array(windows));
            out.set("sampleContributions", float64_array(result.sample_contributions));
            out.set("sampleLocalScores", float64_array(result.sample_local_scores));
            out.set("samplePositions", float64_array(result.sample_positions));
            out.set("profile", profile_object(result.profile));
            return out;
        });
    }

    // Speed, pressure (NaN without a pressure channel) and pen state over normalised time.
    val profile(const val& points) {
        return guard([&] {
            return profile_object(inkprint::profile_signature(signature_from(points), verifier_.model().network.n_steps));
        });
    }

    double threshold() const { return verifier_.model().threshold; }

    // The bytes that decide the embeddings (inkprint::serialize_network), from which the page
    // derives the id under which it stores enrolments.
    val network_bytes() const {
        return guard([&] { return uint8_array(inkprint::serialize_network(verifier_.model())); });
    }
    int embedding_size() const { return static_cast<int>(verifier_.embedding_size()); }

    std::string describe() const {
        const inkprint::Model& model = verifier_.model();
        std::string json = "{\"formatVersion\":" + std::to_string(inkprint::kModelFormatVersion);
        json += ",\"features\":[";
        for (int f = 0; f < inkprint::kFeatureCount; ++f) {
            json += (f ? "," : "") + json_string(inkprint::kFeatureNames[f]);
        }
        json += "],\"steps\":" + std::to_string(model.network.n_steps) + ",\"layers\":[";
        for (std::size_t l = 0; l < model.network.layers.size(); ++l) {
            json += (l ? "," : "") + layer_json(model.network.layers[l]);
        }
        json += "],\"threshold\":" + std::to_string(model.threshold);
        json += ",\"training\":" + (model.description.empty() ? std::string("{}") : model.description) + "}";
        return json;
    }

private:
    static val profile_object(const inkprint::SignatureProfile& profile) {
        val out = val::object();
        out.set("speed", float64_array(profile.speed));
        out.set("pressure", float64_array(profile.pressure));
        out.set("penDown", float64_array(profile.pen_down));
        return out;
    }

    // The enrolment signatures from an Array of flat points (Float64Array each).
    static std::vector<inkprint::Signature> enrolment_from(const val& enrolment) {
        return signatures_from(enrolment, "enrolment signatures", "enrolment signature");
    }

    static inkprint::Model load(const val& bytes) {
        return guard([&] {
            const std::vector<std::uint8_t> data = numbers_from<std::uint8_t>(bytes, "Uint8Array", "model bytes");
            return inkprint::parse_model(data);
        });
    }

    inkprint::Verifier verifier_;
};

val make_reference(const val& embeddings, int size) {
    return guard([&] {
        const std::vector<float> values = numbers_from<float>(embeddings, "Float32Array", "embeddings");
        if (size <= 0) throw inkprint::Error("embedding size " + std::to_string(size) + " must be positive");
        return float32_array(inkprint::make_reference(values, static_cast<std::size_t>(size)));
    });
}

double cosine(const val& a, const val& b) {
    return guard([&] {
        const std::vector<float> first = numbers_from<float>(a, "Float32Array", "first vector");
        const std::vector<float> second = numbers_from<float>(b, "Float32Array", "second vector");
        if (first.size() != second.size()) {
            throw inkprint::Error("vectors have different lengths, " + std::to_string(first.size()) + " and " +
                                  std::to_string(second.size()));
        }
        return static_cast<double>(inkprint::cosine(first.data(), second.data(), first.size()));
    });
}

val parse_svc2004(const val& text) {
    return guard([&] {
        return float64_array(inkprint::signature_to_flat(inkprint::parse_svc2004(string_from(text, "SVC2004 text"))));
    });
}

// Throws when the signature is too short to enrol (see inkprint::check_enrolment_signature).
void check_enrolment(const val& points) {
    guard([&] { inkprint::check_enrolment_signature(signature_from(points)); });
}

// Throws when the signature's size is far from that of the person's enrolment signatures so
// far, an Array of flat points (see inkprint::check_enrolment_size).
void check_enrolment_size(const val& points, const val& enrolled) {
    guard([&] {
        inkprint::check_enrolment_size(signature_from(points),
                                       signatures_from(enrolled, "enrolment signatures", "enrolment signature"));
    });
}

// Throws when the signature cannot be trained on (see inkprint::check_training_signature).
void check_training(const val& points) {
    guard([&] { inkprint::check_training_signature(signature_from(points)); });
}

val compute_features(const val& points) {
    return guard([&] { return float32_array(inkprint::compute_features(signature_from(points))); });
}

std::vector<std::string> strings_from(const val& value, const char* description) {
    if (!val::global("Array").call<bool>("isArray", value)) {
        throw inkprint::Error(std::string(description) + " must be an Array of strings, got " +
                              value.typeOf().as<std::string>());
    }
    const unsigned length = value["length"].as<unsigned>();
    std::vector<std::string> strings;
    strings.reserve(length);
    for (unsigned i = 0; i < length; ++i) {
        const val item = value[i];
        if (item.typeOf().as<std::string>() != "string") {
            throw inkprint::Error(std::string(description) + "[" + std::to_string(i) + "] must be a string, got " +
                                  item.typeOf().as<std::string>());
        }
        strings.push_back(item.as<std::string>());
    }
    return strings;
}

// Distance between two signatures' normalised trajectories (see inkprint::trajectory_distance).
double trajectory_distance(const val& a, const val& b) {
    return guard([&] { return inkprint::trajectory_distance(signature_from(a), signature_from(b)); });
}

// Trajectory distance below which a query copies one of these enrolment signatures (an Array
// of flat points, see inkprint::enrolment_replay_limit).
double replay_limit(const val& enrolment) {
    return guard([&] {
        return inkprint::enrolment_replay_limit(signatures_from(enrolment, "enrolment signatures", "enrolment signature"));
    });
}

[[noreturn]] void throw_unknown_format(const std::string& format) {
    throw inkprint::Error("unknown signature file format \"" + format + "\": use \"json\", \"inkml\" or \"svc2004\"");
}

// Reads a signature file. `format` is "json", "inkml" or "svc2004", and `source` names the file
// in error messages. Returns { points, pointerTypes }: a Float64Array of
// [x, y, t_ms, pressure, tilt_x, tilt_y, stroke_index] per sample (NaN for an absent channel)
// and one pointer type per stroke.
val parse_ink(const val& format_value, const val& text_value, const val& source_value) {
    return guard([&] {
        const std::string format = string_from(format_value, "format");
        const std::string text = string_from(text_value, "signature file text");
        const std::string source = string_from(source_value, "source");
        inkprint::InkSignature ink;
        try {
            if (format == "json") {
                ink = inkprint::parse_ink_json(text);
            } else if (format == "inkml") {
                ink = inkprint::parse_inkml(text);
            } else if (format == "svc2004") {
                ink = inkprint::parse_svc2004_ink(text, source);
            } else {
                throw_unknown_format(format);
            }
        } catch (const inkprint::Error& error) {
            // The SVC2004 reader names the source itself.
            if (format == "svc2004") throw;
            throw inkprint::Error(source + ": " + error.what());
        }
        val pointer_types = val::array();
        for (const inkprint::InkStroke& stroke : ink.strokes) pointer_types.call<void>("push", stroke.pointer_type);
        val out = val::object();
        out.set("points", float64_array(inkprint::ink_to_flat(ink)));
        out.set("pointerTypes", pointer_types);
        return out;
    });
}

// Writes a signature file from the arrays that parseInk returns.
std::string write_ink(const val& format_value, const val& points, const val& pointer_types) {
    return guard([&] {
        const std::string format = string_from(format_value, "format");
        const std::vector<double> values = numbers_from<double>(
            points, "Float64Array", "points ([x, y, t_ms, pressure, tilt_x, tilt_y, stroke_index] per sample)");
        const inkprint::InkSignature ink = inkprint::ink_from_flat(values, strings_from(pointer_types, "pointerTypes"));
        if (format == "json") return inkprint::write_ink_json(ink);
        if (format == "inkml") return inkprint::write_inkml(ink);
        if (format == "svc2004") return inkprint::write_svc2004(ink);
        throw_unknown_format(format);
    });
}

// Bytes of the module's heap that malloc has handed out and not freed. The heap itself
// (HEAPU8.length) only grows, so this is the figure that shows a leak before the heap grows.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(inkprint) {
    emscripten::class_<WasmModel>("Model")
        .constructor<const val&>()
        .function("embed", &WasmModel::embed)
        .function("verify", &WasmModel::verify)
        .function("verifyFused", &WasmModel::verify_fused)
        .function("prepareEnrolment", &WasmModel::prepare_enrolment)
        .function("hasFusion", &WasmModel::has_fusion)
        .function("checkSignature", &WasmModel::check_signature)
        .function("explain", &WasmModel::explain)
        .function("profile", &WasmModel::profile)
        .function("threshold", &WasmModel::threshold)
        .function("networkBytes", &WasmModel::network_bytes)
        .function("embeddingSize", &WasmModel::embedding_size)
        .function("describe", &WasmModel::describe);
    emscripten::function("makeReference", &make_reference);
    emscripten::function("cosine", &cosine);
    emscripten::function("trajectoryDistance", &trajectory_distance);
    emscripten::function("replayLimit", &replay_limit);
    emscripten::constant("REPLAY_DISTANCE", inkprint::kReplayDistance);
    emscripten::function("parseSvc2004", &parse_svc2004);
    emscripten::function("checkEnrolment", &check_enrolment);
    emscripten::function("checkEnrolmentSize", &check_enrolment_size);
    emscripten::function("checkTrainingSignature", &check_training);
    emscripten::function("computeFeatures", &compute_features);
    emscripten::function("parseInk", &parse_ink);
    emscripten::function("writeInk", &write_ink);
    emscripten::function("heapBytesInUse", &heap_bytes_in_use);
    emscripten::constant("INK_STRIDE", static_cast<int>(inkprint::kInkFlatStride));
    emscripten::constant("FEATURE_COUNT", inkprint::kFeatureCount);
    emscripten::constant("POINT_STRIDE", static_cast<int>(inkprint::kFlatPointStride));
}
