// JavaScript bindings of the step-wise trainer (embind), used by the page's training worker
// (web/train-worker.js). The worker adds writers, configures a run, then calls run() with a few
// steps at a time, so that it can read a cancel message between two calls.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <cstdio>
#include <string>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/experiment.hpp"
#include "inkprint/model.hpp"
#include "inkprint/signature.hpp"
#include "inkprint/stepwise_trainer.hpp"
#include "inkprint/svc2004.hpp"

#include "binding_helpers.hpp"

using emscripten::val;

namespace {

using namespace inkprint_bindings;

// Formats a number as a stream would by default (6 significant digits), so that the messages
// and the description need no stream and the module carries no stream library.
std::string number_text(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

// Maximum steps of one run() call. At about 4 ms per step of 32 pairs (docs/benchmarks.md)
// that is a few seconds, far more than a caller that must stay responsive requests.
constexpr int kMaxStepsPerCall = 1000;

// Reads an optional number field of `options`. Throws Error naming the field when it is
// present but not a finite number in [minimum, maximum], or not whole when `whole` is set.
double number_field(const val& options, const char* name, double fallback, double minimum, double maximum,
                    bool whole) {
    const val value = options[name];
    if (value.isUndefined() || value.isNull()) return fallback;
    if (value.typeOf().as<std::string>() != "number") {
        throw inkprint::Error(std::string("training option ") + name + " must be a number, got " +
                              value.typeOf().as<std::string>());
    }
    const double number = value.as<double>();
    if (!std::isfinite(number) || number < minimum || number > maximum || (whole && number != std::floor(number))) {
        throw inkprint::Error(std::string("training option ") + name + " is " + number_text(number) + ": use " +
                              (whole ? "a whole number" : "a number") + " from " + number_text(minimum) + " to " +
                              number_text(maximum));
    }
    return number;
}

std::string string_field(const val& options, const char* name, const std::string& fallback) {
    const val value = options[name];
    if (value.isUndefined() || value.isNull()) return fallback;
    if (value.typeOf().as<std::string>() != "string") {
        throw inkprint::Error(std::string("training option ") + name + " must be a string, got " +
                              value.typeOf().as<std::string>());
    }
    return value.as<std::string>();
}

class WasmTrainer {
public:
    // Adds a writer. `role` is "train" or "validation", and `name` appears in error messages.
    // `group` numbers the data set that the writer comes from. When validation needs random
    // forgeries, it compares a writer only with other writers of the same group.
    void add_writer(const val& name_value, const val& role_value, int group, const val& genuine,
                    const val& forgeries) {
        guard([&] {
            const std::string name = string_from(name_value, "writer name");
            const std::string role = string_from(role_value, "writer role");
            if (trainer_) throw inkprint::Error("writers cannot be added after configure(): create a new Trainer");
            if (role != "train" && role != "validation") {
                throw inkprint::Error("writer role \"" + role + "\" of " + name + " is unknown: use \"train\" or \"validation\"");
            }
            inkprint::WriterSignatures writer;
            writer.task = group;
            writer.genuine = signatures_from(genuine, name + " genuine signatures", name + " genuine signature");
            writer.forgeries = signatures_from(forgeries, name + " forgeries", name + " forgery");
            // Rejects the pauses and durations that enrolment rejects. Signatures are numbered from 1,
            // as signatures_from and the page number them.
            const auto check = [](const std::vector<inkprint::Signature>& list, const std::string& singular) {
                for (std::size_t i = 0; i < list.size(); ++i) {
                    try {
                        inkprint::check_training_signature(list[i]);
                    } catch (const inkprint::Error& error) {
                        throw inkprint::Error(singular + " " + std::to_string(i + 1) + ": " + error.what());
                    }
                }
            };
            check(writer.genuine, name + " genuine signature");
            check(writer.forgeries, name + " forgery");
            if (writer.genuine.size() < 2) {
                const std::string count = writer.genuine.size() == 1 ? "1 genuine signature"
                                                                          : std::to_string(writer.genuine.size()) +
                                                                                " genuine signatures";
                throw inkprint::Error(name + " has " + count +
                                      ", and training needs at least 2 per writer: add more genuine signatures or "
                                      "leave this writer out");
            }
            (role == "train" ? train_ : validation_).push_back(std::move(writer));
        });
    }

    int writer_count(const std::string& role) const {
        return static_cast<int>(role == "validation" ? validation_.size() : train_.size());
    }

    // Prepares the run: computes the features and the augmented copies, which takes a while
    // for many writers. `options` fields, all optional: epochs, learningRate, pairsPerEpoch,
    // batchSize, augmentedCopies, seed, layers (a layer list as inkprint-train's --layers),
    // baseModel (the bytes of a model file to fine-tune), baseName and data (texts for the
    // model's description).
    void configure(const val& options) {
        guard([&] {
            if (trainer_) throw inkprint::Error("the trainer is already configured: create a new Trainer");
            if (!options.isUndefined() && options.typeOf().as<std::string>() != "object") {
                throw inkprint::Error("training options must be an object, got " + options.typeOf().as<std::string>());
            }
            const val fields = options.isUndefined() ? val::object() : options;
            inkprint::ExperimentConfig config;
            inkprint::TrainingConfig& training = config.training;
            training.epochs = static_cast<int>(number_field(fields, "epochs", 10, 1, 10000, true));
            training.optimizer.learning_rate =
                number_field(fields, "learningRate", training.optimizer.learning_rate, 1e-7, 1, false);
            training.pairs_per_epoch =
                static_cast<int>(number_field(fields, "pairsPerEpoch", training.pairs_per_epoch, 1, 10000000, true));
            training.batch_size = static_cast<int>(number_field(fields, "batchSize", training.batch_size, 1, 4096, true));
            config.augmented_copies =
                static_cast<int>(number_field(fields, "augmentedCopies", config.augmented_copies, 0, 100, true));
            training.seed = static_cast<std::uint64_t>(number_field(fields, "seed", 1, 0, 4294967295.0, true));
            const std::string layers = string_field(fields, "layers", "");
            if (!layers.empty()) config.layers = inkprint::parse_layers(layers);

            const val base_bytes = fields["baseModel"];
            std::unique_ptr<inkprint::Model> base;
            if (!base_bytes.isUndefined() && !base_bytes.isNull()) {
                const std::vector<std::uint8_t> bytes = numbers_from<std::uint8_t>(base_bytes, "Uint8Array", "baseModel");
                try {
                    base = std::make_unique<inkprint::Model>(inkprint::parse_model(bytes));
                } catch (const inkprint::Error& error) {
                    throw inkprint::Error(std::string("the starting model cannot be read: ") + error.what());
                }
            }
            config_ = config;
            base_name_ = string_field(fields, "baseName", base ? "a model" : "");
            data_ = string_field(fields, "data", "");
            trainer_ = std::make_unique<inkprint::StepwiseTrainer>(train_, validation_, config, base.get());
            // The signatures are no longer needed once their features are computed.
            train_.clear();
            validation_.clear();
            train_.shrink_to_fit();
            validation_.shrink_to_fit();
        });
    }

    // Runs up to `steps` optimiser steps, stopping early at the end of an epoch. Returns
    // { steps, loss, epochEnded, epoch, epochLoss, validationEer, stepInEpoch, stepsPerEpoch,
    // epochs, finished }, where epoch counts finished epochs and loss is the mean over the steps
    // run. epochLoss and validationEer are those of the finished epoch when epochEnded is true.
    val run(int steps) {
        return guard([&] {
            if (steps < 1 || steps > kMaxStepsPerCall) {
                throw inkprint::Error("steps per call " + std::to_string(steps) + " must be from 1 to " +
                                      std::to_string(kMaxStepsPerCall));
            }
            const inkprint::StepChunk chunk = configured().run(steps);
            val out = val::object();
            out.set("steps", chunk.steps);
            out.set("loss", chunk.mean_loss);
            out.set("epochEnded", chunk.epoch_ended);
            out.set("epoch", static_cast<int>(trainer_->epochs().size()));
            if (chunk.epoch_ended) {
                out.set("epochLoss", trainer_->epochs().back().mean_loss);
                out.set("validationEer", trainer_->epochs().back().validation_eer);
            }
            out.set("stepInEpoch", trainer_->step_in_epoch());
            out.set("stepsPerEpoch", trainer_->steps_per_epoch());
            out.set("epochs", trainer_->total_epochs());
            out.set("finished", trainer_->finished());
            return out;
        });
    }

    bool has_model() const { return trainer_ && trainer_->has_model(); }
    int best_epoch() const { return trainer_ ? trainer_->best_epoch() : 0; }
    double best_validation_eer() const { return trainer_ ? trainer_->best_validation_eer() : 0; }
    int parameter_count() { return guard([&] { return static_cast<int>(configured().parameter_count()); }); }

    // Returns the model file of the kept epoch, in the format of the native tools, with a
    // description of how it was trained.
    val model_bytes() {
        return guard([&] {
            inkprint::Model model = configured().best_model();
            model.description = describe(model);
            return uint8_array(inkprint::serialize_model(model));
        });
    }

private:
    inkprint::StepwiseTrainer& configured() {
        if (!trainer_) throw inkprint::Error("the trainer is not configured: call configure() first");
        return *trainer_;
    }

    std::string describe(const inkprint::Model& model) const {
        const inkprint::TrainingConfig& training = config_.training;
        std::string out = "{\"trainedIn\":\"browser\"";
        if (!data_.empty()) out += ",\"data\":" + json_string(data_);
        out += ",\"startedFrom\":" + json_string(base_name_.empty() ? "fresh weights" : base_name_) +
               ",\"epochs\":" + std::to_string(training.epochs) +
               ",\"epochsRun\":" + std::to_string(trainer_->epochs().size()) +
               ",\"pairsPerEpoch\":" + std::to_string(training.pairs_per_epoch) +
               ",\"batchSize\":" + std::to_string(training.batch_size) +
               ",\"learningRate\":" + number_text(training.optimizer.learning_rate) +
               ",\"layers\":" + json_string(inkprint::format_layers(model.network.layers)) +
               ",\"augmentedCopies\":" + std::to_string(config_.augmented_copies) +
               ",\"seed\":" + std::to_string(training.seed) + ",\"bestEpoch\":" + std::to_string(trainer_->best_epoch()) +
               ",\"validationEer\":" + number_text(trainer_->best_validation_eer()) + "}";
        return out;
    }

    std::vector<inkprint::WriterSignatures> train_, validation_;
    inkprint::ExperimentConfig config_;
    std::string base_name_, data_;
    std::unique_ptr<inkprint::StepwiseTrainer> trainer_;
};

// Reads one SVC2004 file into the flat point format. `source` names the file in error messages.
val read_svc2004_text(const val& text, const val& source) {
    return guard([&] {
        const inkprint::Signature signature =
            inkprint::parse_svc2004(string_from(text, "SVC2004 text"), string_from(source, "source"));
        return float64_array(inkprint::signature_to_flat(signature));
    });
}

}  // namespace

EMSCRIPTEN_BINDINGS(inkprint_training) {
    emscripten::function("readSvc2004Text", &read_svc2004_text);
    emscripten::class_<WasmTrainer>("Trainer")
        .constructor<>()
        .function("addWriter", &WasmTrainer::add_writer)
        .function("writerCount", &WasmTrainer::writer_count)
        .function("configure", &WasmTrainer::configure)
        .function("run", &WasmTrainer::run)
        .function("hasModel", &WasmTrainer::has_model)
        .function("bestEpoch", &WasmTrainer::best_epoch)
        .function("bestValidationEer", &WasmTrainer::best_validation_eer)
        .function("parameterCount", &WasmTrainer::parameter_count)
        .function("modelBytes", &WasmTrainer::model_bytes);
}
