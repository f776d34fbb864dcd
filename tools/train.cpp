// inkprint-train: trains the siamese TDNN on SVC2004 and writes a model file.
//
// Users are split per task so that no writer is in two roles: training users teach the
// network, validation users choose the epoch and the decision threshold, and held-out users
// measure the error rates of the finished model. Only the channels a browser provides are used
// (x, y, time, pen up/down), so the model works on signatures drawn in the page.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "experiment_options.hpp"
#include "inkprint/error.hpp"
#include "inkprint/evaluation.hpp"
#include "inkprint/experiment.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/svc2004.hpp"

namespace {

struct Options {
    std::filesystem::path data;
    bool data_from_option = false;  // true when --data named the folder, which a missing folder's advice mentions
    std::filesystem::path output;  // required, so that a trial run never replaces the page's model
    std::vector<int> tasks = {1, 2};
    int first_validation_user = 26;  // users below this train the network
    int first_held_out_user = 31;    // users from here to 40 are never seen in training
    inkprint::ExperimentConfig experiment;
    // Rule of the TDNN score fused with DTW, or nothing for a model without fusion parameters.
    std::optional<inkprint::EmbeddingScore> fusion = inkprint::EmbeddingScore::MeanCosine;
    inkprint::DistanceNormalisation dtw_normalisation = inkprint::DistanceNormalisation::Calibrated;
    inkprint::DtwSequence dtw_sequence = inkprint::DtwSequence::DynamicsTemplate;
    // Whether the model's DTW calibration is fitted on the training users alone or on the
    // validation users too.
    bool calibrate_on_validation = false;
    bool threshold_on_training = false;
};

void print_usage() {
    std::cout << "usage: inkprint-train [options]\n"
                 "  --data DIR         SVC2004 folder holding Task1/ and Task2/ (default: $INKPRINT_SVC2004_DIR,\n"
                 "                     else ../shared/data/svc2004 beside the source checkout)\n"
                 "  --out FILE         model file to write (required; scripts/train-default-model.sh writes\n"
                 "                     web/models/default.inkprint)\n"
                 "  --tasks LIST       tasks to use, 1, 2 or 1,2 (default 1,2)\n"
                 "  --validation-from U  first validation user; users 1..U-1 train (default 26)\n"
                 "  --held-out-from U  first held-out user; users U..40 only test (default 31)\n"
                 "  --fusion RULE      fit the fusion of the TDNN score by RULE (reference, mean, max, normalised\n"
                 "                     or nearest) with the DTW score on the validation users and store it in\n"
                 "                     the model's description, or none (default mean)\n"
                 "  --dtw-normalisation NAME  normalisation of the fused DTW distances, mean, nearest or calibrated\n"
                 "                     (default calibrated, learned on the training users); see inkprint-evaluate --help\n"
                 "  --dtw-sequence NAME  what the fused DTW aligns: dynamics, dynamics-parts, dynamics-template,\n"
                 "                     dynamics-pressure, dynamics-pressure-template, timed or grid\n"
                 "                     (default dynamics-template); see\n"
                 "                     inkprint-evaluate --help\n"
                 "  --calibrate-on SET  writers whose DTW statistics fit the model's calibration: training,\n"
                 "                     or training,validation (the fusion is then still chosen with a\n"
                 "                     calibration of the training users alone) (default training)\n"
                 "  --threshold-on SET writers whose scores choose the fused threshold: validation, or\n"
                 "                     training,validation (needs --calibrate-on training,validation: each\n"
                 "                     writer is then scored by a calibration fitted without it, and the\n"
                 "                     threshold is the EER point over all of them) (default validation)\n"
              << inkprint::tools::kExperimentOptionsHelp;
}

std::vector<int> parse_tasks(const std::string& value) {
    std::vector<int> tasks;
    for (char c : value) {
        if (c == ',') continue;
        if ((c != '1' && c != '2') || std::find(tasks.begin(), tasks.end(), c - '0') != tasks.end()) {
            throw inkprint::Error("--tasks takes 1, 2 or 1,2, got '" + value + "'");
        }
        tasks.push_back(c - '0');
    }
    if (tasks.empty()) throw inkprint::Error("--tasks names no task");
    return tasks;
}

Options parse_options(int argc, char** argv) {
    Options options;
    options.data = inkprint::tools::default_data_folder();
    auto handle = [&](const std::string& name, const std::string& value) {
        if (name == "--data") {
            options.data = value;
            options.data_from_option = true;
        }
        else if (name == "--out") options.output = value;
        else if (name == "--tasks") options.tasks = parse_tasks(value);
        else if (name == "--dtw-normalisation") options.dtw_normalisation = inkprint::parse_distance_normalisation(value);
        else if (name == "--dtw-sequence") options.dtw_sequence = inkprint::parse_dtw_sequence(value);
        else if (name == "--fusion") {
            if (value == "none") {
                options.fusion.reset();
            } else {
                try {
                    options.fusion = inkprint::parse_embedding_score(value);
                } catch (const inkprint::Error&) {
                    throw inkprint::Error("--fusion takes reference, mean, max, normalised, nearest or none, got '" +
                                          value + "'");
                }
            }
        }
        else if (name == "--calibrate-on") options.calibrate_on_validation = inkprint::tools::parse_calibrate_on(value);
        else if (name == "--threshold-on") options.threshold_on_training = inkprint::tools::parse_threshold_on(value);
        else if (name == "--validation-from") options.first_validation_user = inkprint::tools::parse_whole(name, value, 2, 40);
        else if (name == "--held-out-from") options.first_held_out_user = inkprint::tools::parse_whole(name, value, 2, 40);
        else return false;
        return true;
    };
    const std::vector<std::string> names = {"--data", "--out", "--tasks", "--dtw-normalisation", "--dtw-sequence",
                                            "--fusion", "--calibrate-on", "--threshold-on", "--validation-from",
                                            "--held-out-from"};
    inkprint::tools::parse_command_line(argc, argv, options.experiment, print_usage, names, handle);
    if (!(2 <= options.first_validation_user && options.first_validation_user < options.first_held_out_user &&
          options.first_held_out_user <= 40)) {
        throw inkprint::Error("user split must satisfy 2 <= --validation-from < --held-out-from <= 40, got "
                              "--validation-from " + std::to_string(options.first_validation_user) +
                              " and --held-out-from " + std::to_string(options.first_held_out_user) +
                              " (the defaults are 26 and 31)");
    }
    // The fusion's protocol draws 20 random forgeries from the other training and validation
    // users of the same task, so it needs at least 21 of them.
    if (options.fusion && options.first_held_out_user - 1 < 21) {
        throw inkprint::Error("fitting the fusion needs at least 21 training and validation users per task, but "
                              "--held-out-from " + std::to_string(options.first_held_out_user) + " leaves " +
                              std::to_string(options.first_held_out_user - 1) + ": raise it or pass --fusion none");
    }
    // The calibration draws 20 random forgeries from the other training users of the same task.
    if (options.fusion && options.dtw_normalisation == inkprint::DistanceNormalisation::Calibrated &&
        options.first_validation_user - 1 < 21) {
        throw inkprint::Error("the calibrated DTW score learns from at least 21 training users per task, but "
                              "--validation-from " + std::to_string(options.first_validation_user) + " leaves " +
                              std::to_string(options.first_validation_user - 1) +
                              ": raise it or pass --dtw-normalisation nearest");
    }
    if (options.output.empty()) throw inkprint::Error("--out is missing: name the model file to write");
    if (options.threshold_on_training && !options.calibrate_on_validation) {
        throw inkprint::Error("--threshold-on training,validation scores those writers with calibrations fitted on "
                              "them: add --calibrate-on training,validation");
    }
    inkprint::tools::validate_experiment(options.experiment);
    inkprint::check_writable(options.output);
    inkprint::tools::check_data_folder(options.data, options.tasks, options.data_from_option);
    return options;
}

std::string percent(double rate) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f %%", rate * 100);
    return buffer;
}

// The held-out scores are kept in the model as histograms, so that the page can show where a
// verification's score falls among genuine signatures and forgeries.
constexpr double kHistogramLow = -1.0;
constexpr double kHistogramHigh = 1.0;
constexpr int kHistogramBins = 40;

// The fused scores are standardised, mostly between -5 and 3 on SVC2004.
constexpr double kFusedHistogramLow = -6.0;
constexpr double kFusedHistogramHigh = 4.0;

std::string json_counts(const std::vector<double>& scores, double low = kHistogramLow, double high = kHistogramHigh) {
    std::string out = "[";
    for (int count : inkprint::histogram(scores, low, high, kHistogramBins)) {
        out += (out.size() > 1 ? "," : "") + std::to_string(count);
    }
    return out + "]";
}

// Validation EER at or above which a trained model is no better than chance and is not written.
constexpr double kChanceEer = 0.5;

// Returns the message for a model with validation EER `eer` that was not written, with the
// settings to change.
std::string chance_level_message(double eer, const Options& options) {
    const inkprint::TrainingConfig& training = options.experiment.training;
    std::ostringstream message;
    message << "the trained model was not written to " << options.output.string() << ": its validation EER is "
            << percent(eer) << ", no better than chance. Train again with ";
    if (training.optimizer.learning_rate > inkprint::tools::kMinLearningRate) {
        message << "a lower --learning-rate than " << training.optimizer.learning_rate << ", ";
    }
    message << "more --epochs than " << training.epochs << " or more --pairs than " << training.pairs_per_epoch;
    return message.str();
}

int run(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    const auto started = std::chrono::steady_clock::now();

    std::vector<inkprint::WriterSignatures> train_users, validation_users, held_out_users;
    for (int task : options.tasks) {
        std::cout << "reading " << (options.data / ("Task" + std::to_string(task))).string() << "\n";
        for (auto& writer : inkprint::read_svc2004_writers(options.data, task)) {
            if (writer.user >= options.first_held_out_user) held_out_users.push_back(std::move(writer));
            else if (writer.user >= options.first_validation_user) validation_users.push_back(std::move(writer));
            else train_users.push_back(std::move(writer));
        }
    }

    for (const auto* writers : {&train_users, &validation_users, &held_out_users}) {
        inkprint::tools::require_pressure(options.dtw_sequence, *writers,
                                          "pass --tasks 2, or --dtw-sequence dynamics-template to leave pressure out");
    }
    std::cout << "training on " << train_users.size() << " writers, "
              << inkprint::NetworkConfig{8, 200, options.experiment.layers}.parameter_count() << " parameters\n";
    auto result = inkprint::train_model(
        train_users, validation_users, options.experiment,
        [](const inkprint::EpochReport& report, double validation_eer) {
            std::printf("epoch %3d  loss %.4f  spread %.3f  validation skilled EER %5.2f %%  %.1f s\n", report.epoch,
                        report.mean_loss, report.embedding_spread, 100 * validation_eer, report.seconds);
            if (report.collapsed) {
                std::printf("warning: the embeddings have collapsed (spread %.2g): every writer maps to nearly one "
                            "direction; lower the learning rate or change the loss\n",
                            report.embedding_spread);
            }
            std::fflush(stdout);
        });
    inkprint::Model& model = result.model;
    std::cout << "keeping epoch " << result.best_epoch << "\n";
    // Like the page, keep no model that is no better than chance on its validation users.
    if (result.validation_eer >= kChanceEer) {
        throw inkprint::Error(chance_level_message(result.validation_eer, options));
    }

    const auto trained = inkprint::score_fixed_split(model, train_users);
    std::cout << "training users (" << train_users.size() << "): skilled-forgery EER "
              << percent(inkprint::equal_error_rate(trained.genuine, trained.skilled).rate) << ", random-forgery EER "
              << percent(inkprint::equal_error_rate(trained.genuine, trained.random).rate) << "\n";
    const auto held_out = inkprint::score_fixed_split(model, held_out_users);
    const auto skilled = inkprint::equal_error_rate(held_out.genuine, held_out.skilled);
    const auto random_forgery = inkprint::equal_error_rate(held_out.genuine, held_out.random);
    const auto skilled_rates = inkprint::error_rates_at(held_out.genuine, held_out.skilled, model.threshold);
    const auto random_rates = inkprint::error_rates_at(held_out.genuine, held_out.random, model.threshold);

    // The fusion with DTW: weight and threshold from the validation users, measured on the
    // held-out users with the same fixed split.
    std::string fusion_description;
    if (options.fusion) {
        std::vector<inkprint::WriterSignatures> impostors = train_users;
        impostors.insert(impostors.end(), validation_users.begin(), validation_users.end());
        inkprint::FusionFit fit;
        try {
            // The calibrated DTW score learns from the training users, like the network.
            inkprint::DtwCalibration calibration;
            if (options.dtw_normalisation == inkprint::DistanceNormalisation::Calibrated) {
                calibration = inkprint::fit_dtw_calibration(train_users, train_users, inkprint::ProtocolConfig{},
                                                            options.dtw_sequence);
            }
            fit = inkprint::fit_fusion(model, *options.fusion, options.dtw_normalisation, options.dtw_sequence,
                                       validation_users, impostors, inkprint::ProtocolConfig{}, calibration);
            // The fusion was chosen on scores of the validation users by a calibration that had
            // not seen them. The model keeps one fitted on them too.
            const bool calibrated = options.dtw_normalisation == inkprint::DistanceNormalisation::Calibrated;
            if (options.threshold_on_training && calibrated) {
                // Each training and validation writer is scored by a calibration fitted without
                // it, so the threshold rests on out-of-sample scores of all of them.
                const auto cross_fitted = inkprint::cross_fit_dtw_calibration(
                    impostors, impostors, inkprint::ProtocolConfig{}, options.dtw_sequence,
                    inkprint::tools::kThresholdGroups);
                fit.parameters.dtw_calibration = cross_fitted.calibration;
                const double validation_threshold = fit.parameters.threshold;
                fit.parameters.threshold = inkprint::fused_threshold(model, fit.parameters, impostors, impostors,
                                                                     inkprint::ProtocolConfig{}, cross_fitted.scores);
                std::cout << "DTW calibration refitted on the " << impostors.size()
                          << " training and validation writers; threshold " << fit.parameters.threshold
                          << " on their cross-fitted scores (the validation writers alone chose "
                          << validation_threshold << ")\n";
            } else if (options.calibrate_on_validation && calibrated) {
                fit.parameters.dtw_calibration = inkprint::fit_dtw_calibration(
                    impostors, impostors, inkprint::ProtocolConfig{}, options.dtw_sequence);
                std::cout << "DTW calibration refitted on the " << impostors.size()
                          << " training and validation writers\n";
            }
        } catch (const inkprint::Error& error) {
            throw inkprint::Error(std::string("fitting the fusion failed: ") + error.what() +
                                  "; train on more users or pass --fusion none");
        }
        inkprint::FusionScorer scorer(model, fit.parameters);
        const auto fused = inkprint::score_fixed_split(scorer, held_out_users);
        const double threshold = fit.parameters.threshold;
        const auto fused_skilled = inkprint::equal_error_rate(fused.genuine, fused.skilled);
        const auto fused_random = inkprint::equal_error_rate(fused.genuine, fused.random);
        const auto fused_skilled_rates = inkprint::error_rates_at(fused.genuine, fused.skilled, threshold);
        const auto fused_random_rates = inkprint::error_rates_at(fused.genuine, fused.random, threshold);
        inkprint::DtwScorer dtw(options.dtw_normalisation, options.dtw_sequence, fit.parameters.dtw_calibration);
        const auto dtw_alone = inkprint::score_fixed_split(dtw, held_out_users);
        std::cout << "DTW alone, held-out users (" << held_out_users.size() << "): skilled-forgery EER "
                  << percent(inkprint::equal_error_rate(dtw_alone.genuine, dtw_alone.skilled).rate)
                  << ", random-forgery EER "
                  << percent(inkprint::equal_error_rate(dtw_alone.genuine, dtw_alone.random).rate) << "\n";
        std::cout << "fusion with DTW (" << inkprint::embedding_score_name(*options.fusion) << " TDNN score, "
                  << inkprint::distance_normalisation_name(options.dtw_normalisation) << " DTW normalisation, "
                  << inkprint::dtw_sequence_name(options.dtw_sequence) << " DTW sequence): weight "
                  << fit.parameters.dtw_weight << ", threshold " << threshold << " (validation skilled EER "
                  << percent(fit.skilled_eer) << ")\n"
                  << "fused, held-out users (" << held_out_users.size() << "): skilled-forgery EER "
                  << percent(fused_skilled.rate) << ", random-forgery EER " << percent(fused_random.rate) << "\n"
                  << "fused, at its threshold: FRR " << percent(fused_skilled_rates.false_rejection) << ", FAR skilled "
                  << percent(fused_skilled_rates.false_acceptance) << ", FAR random "
                  << percent(fused_random_rates.false_acceptance) << "\n";
        std::ostringstream out;
        out << ",\"fusion\":" << inkprint::fusion_json(fit.parameters) << ",\"heldOutFused\":{\"skilledEer\":"
            << fused_skilled.rate << ",\"randomEer\":" << fused_random.rate
            << ",\"farSkilled\":" << fused_skilled_rates.false_acceptance
            << ",\"farRandom\":" << fused_random_rates.false_acceptance
            << ",\"frr\":" << fused_skilled_rates.false_rejection << ",\"scoreHistogram\":{\"low\":" << kFusedHistogramLow
            << ",\"high\":" << kFusedHistogramHigh
            << ",\"genuine\":" << json_counts(fused.genuine, kFusedHistogramLow, kFusedHistogramHigh)
            << ",\"skilled\":" << json_counts(fused.skilled, kFusedHistogramLow, kFusedHistogramHigh)
            << ",\"random\":" << json_counts(fused.random, kFusedHistogramLow, kFusedHistogramHigh) << "}}";
        fusion_description = out.str();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::ostringstream tasks;
    for (std::size_t i = 0; i < options.tasks.size(); ++i) tasks << (i ? "," : "") << options.tasks[i];
    std::ostringstream description;
    description << "{\"data\":\"SVC2004 tasks " << tasks.str() << "\",\"trainUsers\":\"1-"
                << options.first_validation_user - 1 << "\",\"validationUsers\":\"" << options.first_validation_user
                << "-" << options.first_held_out_user - 1 << "\",\"heldOutUsers\":\"" << options.first_held_out_user
                << "-40\"" << ",\"epochs\":" << options.experiment.training.epochs
                << ",\"pairsPerEpoch\":" << options.experiment.training.pairs_per_epoch << ",\"layers\":\""
                << inkprint::format_layers(model.network.layers) << "\""
                << ",\"augmentedCopies\":" << options.experiment.augmented_copies << ",\"bestEpoch\":" << result.best_epoch
                << ",\"seed\":" << options.experiment.training.seed << ",\"dtwCalibrationUsers\":\"1-"
                << (options.calibrate_on_validation ? options.first_held_out_user : options.first_validation_user) - 1
                << "\",\"thresholdUsers\":\""
                << (options.threshold_on_training ? "1-" + std::to_string(options.first_held_out_user - 1)
                                                  : std::to_string(options.first_validation_user) + "-" +
                                                        std::to_string(options.first_held_out_user - 1))
                << "\",\"heldOut\":{\"skilledEer\":" << skilled.rate
                << ",\"randomEer\":" << random_forgery.rate << ",\"farSkilled\":" << skilled_rates.false_acceptance
                << ",\"farRandom\":" << random_rates.false_acceptance << ",\"frr\":" << skilled_rates.false_rejection
                << ",\"scoreHistogram\":{\"low\":" << kHistogramLow << ",\"high\":" << kHistogramHigh
                << ",\"genuine\":" << json_counts(held_out.genuine) << ",\"skilled\":" << json_counts(held_out.skilled)
                << ",\"random\":" << json_counts(held_out.random) << "}}" << fusion_description << "}";
    model.description = description.str();
    inkprint::save_model(model, options.output);

    std::cout << "threshold " << model.threshold << " (skilled-forgery EER point on " << validation_users.size()
              << " validation users, EER " << percent(result.validation_eer) << ")\n"
              << "held-out users (" << held_out_users.size() << "): skilled-forgery EER " << percent(skilled.rate)
              << ", random-forgery EER " << percent(random_forgery.rate) << "\n"
              << "at the threshold: FRR " << percent(skilled_rates.false_rejection) << ", FAR skilled "
              << percent(skilled_rates.false_acceptance) << ", FAR random " << percent(random_rates.false_acceptance)
              << "\n"
              << "wrote " << options.output.string() << " in " << static_cast<int>(seconds) << " s\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const inkprint::Error& error) {
        std::cerr << "inkprint-train: " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        // A failure the tool did not foresee, such as a full disk or too little memory.
        std::cerr << "inkprint-train: stopped by an unexpected error: " << error.what() << "\n";
        return 1;
    }
}
