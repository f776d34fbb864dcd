// inkprint-evaluate: measures a verifier on SVC2004 with the competition's protocol and
// writer-independent k-fold cross-validation, and writes DET curves and score lists.
//
//   inkprint-evaluate --method tdnn --task 1           k-fold on Task 1
//   inkprint-evaluate --method dtw --task 2            the DTW baseline (needs no training)
//   inkprint-evaluate --train-task 1 --task 2          train on all of Task 1, test on Task 2
//   inkprint-evaluate --method tdnn,fusion --task 1    several scorers of one trained network
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "experiment_options.hpp"
#include "inkprint/error.hpp"
#include "inkprint/evaluation.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/svc2004.hpp"

namespace {

struct Options {
    std::filesystem::path data;
    bool data_from_option = false;  // true when --data named the folder, which a missing folder's advice mentions
    std::filesystem::path output;  // folder for det.csv, det.svg, scores.csv
    std::vector<std::string> methods = {"tdnn"};
    inkprint::DistanceNormalisation dtw_normalisation = inkprint::DistanceNormalisation::Calibrated;
    inkprint::DtwSequence dtw_sequence = inkprint::DtwSequence::DynamicsTemplate;
    int task = 1;
    int train_task = 0;  // 0: cross-validation within `task`
    // With folds: a task whose 40 users every fold also trains on (0: none). The two SVC2004
    // tasks share no signature (scripts/task-overlap.mjs), as the default model assumes when it
    // trains on both.
    int extra_task = 0;
    int folds = 4;
    int validation_count = 5;
    // Whether the DTW calibration that scores the test users is fitted on the training users
    // alone or on the validation users too.
    bool calibrate_on_validation = false;
    bool threshold_on_training = false;
    inkprint::ProtocolConfig protocol;
    inkprint::ExperimentConfig experiment;
};

void print_usage() {
    std::cout << "usage: inkprint-evaluate [options]\n"
                 "  --data DIR         SVC2004 folder holding Task1/ and Task2/ (default: $INKPRINT_SVC2004_DIR,\n"
                 "                     else ../shared/data/svc2004 beside the source checkout)\n"
                 "  --method LIST      comma-separated scorers, each measured on the same folds and one trained\n"
                 "                     network per fold (default tdnn):\n"
                 "                     tdnn        cosine to the mean of the unit enrolment embeddings\n"
                 "                     tdnn-mean   mean of the cosines to each enrolment embedding\n"
                 "                     tdnn-max    largest cosine to an enrolment embedding\n"
                 "                     tdnn-normalised  mean cosine distance to the enrolment embeddings over\n"
                 "                                 their mean distance to each other\n"
                 "                     tdnn-nearest  cosine distance to the nearest enrolment embedding over\n"
                 "                                 the enrolment embeddings' mean distance to their nearest other\n"
                 "                     dtw         dynamic time warping baseline (needs no training)\n"
                 "                     fusion      DTW and tdnn-mean fused, weight and threshold chosen on the\n"
                 "                                 validation users; fusion-RULE fuses tdnn-RULE instead, and\n"
                 "                                 fusion-reference the plain tdnn score\n"
                 "  --dtw-normalisation NAME  how dtw and fusion normalise the DTW distances per user: mean\n"
                 "                     (mean distance over the enrolment's mean distance among itself),\n"
                 "                     nearest (nearest distance over the enrolment's mean nearest-neighbour\n"
                 "                     distance) or calibrated (a logistic regression over ratios and logs of\n"
                 "                     the distances, learned on each round's training users) (default calibrated)\n"
                 "  --dtw-sequence NAME  what dtw and fusion align: timed (a step every 10 ms of pen-down\n"
                 "                     time with position, velocity, acceleration and jerk), dynamics\n"
                 "                     (the same steps with the first five differences of position),\n"
                 "                     dynamics-pressure (dynamics plus pen pressure and its mean and\n"
                 "                     spread; task 2 only), dynamics-parts (dynamics, also aligned as\n"
                 "                     position alone and as the two highest differences alone, plus how\n"
                 "                     rough the motion is), dynamics-template (dynamics-parts, and the\n"
                 "                     query also aligned with the writer's template: the enrolment's mean\n"
                 "                     and spread at each step of its most central signature),\n"
                 "                     dynamics-pressure-template (dynamics-pressure and the template of\n"
                 "                     all its columns; task 2 only) or grid (the network's 200-step\n"
                 "                     feature grid)\n"
                 "                     (default dynamics-template)\n"
                 "  --calibrate-on SET  writers whose DTW statistics fit the calibration that scores the\n"
                 "                     test users: training, or training,validation (the fusion is then\n"
                 "                     still chosen with a calibration of the training users alone, and the\n"
                 "                     calibration of both replaces it afterwards) (default training)\n"
                 "  --threshold-on SET writers whose scores choose the fusion's threshold: validation, or\n"
                 "                     training,validation (needs --calibrate-on training,validation: each\n"
                 "                     writer is then scored by a calibration fitted without it, and the\n"
                 "                     threshold is the EER point over all of them) (default validation)\n"
                 "  --task N           SVC2004 task whose users are tested, 1 or 2 (default 1)\n"
                 "  --folds K          cross-validation folds over the 40 users (default 4); the calibrated\n"
                 "                     DTW score needs 21 training users, so at least 3 folds\n"
                 "  --validation N     users per fold that choose the epoch, the threshold and the fusion\n"
                 "                     (default 5); with --train-task, the last N users of that task\n"
                 "  --train-task N     instead of folds, train on all users of task N (by default users 36-40\n"
                 "                     validate) and test on every user of --task\n"
                 "  --also-train-on-task N  with folds, every fold also trains on all 40 users of the other\n"
                 "                     task N, as the default model trains on both tasks\n"
                 "  --trials N         protocol trials per user, 1 to 1000 (default 10)\n"
                 "  --enrol N          enrolment signatures per trial, 1 to 10, drawn from S1-S10 (default 5)\n"
                 "  --out DIR          folder for det.csv, det.svg and scores.csv, one subfolder per method when\n"
                 "                     there are several (default build/evaluation/METHOD-taskN)\n"
              << inkprint::tools::kExperimentOptionsHelp;
}

// A scorer named on the command line: DTW, or the TDNN's embeddings by one rule, alone or
// fused with DTW.
struct Method {
    enum class Kind { Tdnn, Dtw, Fusion } kind = Kind::Tdnn;
    inkprint::EmbeddingScore rule = inkprint::EmbeddingScore::Reference;
};

Method parse_method(const std::string& name) {
    auto rule_after = [&](std::size_t prefix, inkprint::EmbeddingScore fallback) {
        if (name.size() == prefix) return fallback;
        if (name[prefix] != '-') throw inkprint::Error("unknown method '" + name + "': see --help");
        try {
            return inkprint::parse_embedding_score(name.substr(prefix + 1));
        } catch (const inkprint::Error&) {
            throw inkprint::Error("unknown method '" + name + "': the rule after '-' is reference, mean, max, "
                                  "normalised or nearest");
        }
    };
    if (name == "dtw") return {Method::Kind::Dtw, inkprint::EmbeddingScore::Reference};
    if (name.rfind("tdnn", 0) == 0) return {Method::Kind::Tdnn, rule_after(4, inkprint::EmbeddingScore::Reference)};
    if (name.rfind("fusion", 0) == 0) {
        return {Method::Kind::Fusion, rule_after(6, inkprint::EmbeddingScore::MeanCosine)};
    }
    throw inkprint::Error("unknown method '" + name + "': use tdnn, tdnn-RULE, dtw, fusion or fusion-RULE; see "
                          "--help");
}

std::vector<std::string> parse_methods(const std::string& value) {
    std::vector<std::string> methods;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = value.find(',', start);
        const std::string name = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        parse_method(name);
        if (std::find(methods.begin(), methods.end(), name) != methods.end()) {
            throw inkprint::Error("--method names '" + name + "' twice");
        }
        methods.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return methods;
}

Options parse_options(int argc, char** argv) {
    Options options;
    options.data = inkprint::tools::default_data_folder();
    auto handle = [&](const std::string& name, const std::string& value) {
        auto whole = [&](int minimum, int maximum) {
            return inkprint::tools::parse_whole(name, value, minimum, maximum);
        };
        if (name == "--data") {
            options.data = value;
            options.data_from_option = true;
        }
        else if (name == "--out") options.output = value;
        else if (name == "--method") options.methods = parse_methods(value);
        else if (name == "--dtw-normalisation") options.dtw_normalisation = inkprint::parse_distance_normalisation(value);
        else if (name == "--dtw-sequence") options.dtw_sequence = inkprint::parse_dtw_sequence(value);
        else if (name == "--calibrate-on") options.calibrate_on_validation = inkprint::tools::parse_calibrate_on(value);
        else if (name == "--threshold-on") options.threshold_on_training = inkprint::tools::parse_threshold_on(value);
        else if (name == "--task") options.task = whole(1, 2);
        else if (name == "--train-task") options.train_task = whole(1, 2);
        else if (name == "--also-train-on-task") options.extra_task = whole(1, 2);
        else if (name == "--folds") options.folds = whole(2, 40);
        else if (name == "--validation") options.validation_count = whole(1, 38);
        else if (name == "--trials") options.protocol.trials = whole(1, 1000);
        // The protocol enrols with some of the genuine signatures S1-S10.
        else if (name == "--enrol") options.protocol.enrolment_count = whole(1, 10);
        else return false;
        return true;
    };
    const std::vector<std::string> names = {"--data", "--out", "--method", "--dtw-normalisation", "--dtw-sequence",
                                            "--calibrate-on", "--threshold-on", "--task", "--train-task",
                                            "--also-train-on-task", "--folds", "--validation", "--trials", "--enrol"};
    inkprint::tools::parse_command_line(argc, argv, options.experiment, print_usage, names, handle);
    if (options.extra_task != 0 && options.train_task != 0) {
        throw inkprint::Error("--also-train-on-task adds users to the folds, and --train-task replaces the folds: "
                              "pass one of them");
    }
    if (options.extra_task != 0 && options.extra_task == options.task) {
        throw inkprint::Error("--also-train-on-task " + std::to_string(options.extra_task) +
                              " is the tested task, whose users the folds already split: name the other task");
    }
    if (options.threshold_on_training && !options.calibrate_on_validation) {
        throw inkprint::Error("--threshold-on training,validation scores those writers with calibrations fitted on "
                              "them: add --calibrate-on training,validation");
    }
    inkprint::tools::validate_experiment(options.experiment);
    std::vector<int> tasks = {options.task};
    for (int task : {options.train_task, options.extra_task}) {
        if (task != 0) tasks.push_back(task);
    }
    inkprint::tools::check_data_folder(options.data, tasks, options.data_from_option);
    return options;
}

// Folder of one method's outputs.
std::filesystem::path output_folder(const Options& options, const std::string& method) {
    if (!options.output.empty()) return options.methods.size() == 1 ? options.output : options.output / method;
    return "build/evaluation/" + method + "-task" + std::to_string(options.task) +
           (options.train_task ? "-from-task" + std::to_string(options.train_task) : "") +
           (options.extra_task ? "-and-task" + std::to_string(options.extra_task) : "");
}

std::vector<inkprint::WriterSignatures> select(const std::vector<inkprint::WriterSignatures>& writers,
                                               const std::vector<int>& users) {
    std::vector<inkprint::WriterSignatures> selected;
    for (int user : users) selected.push_back(writers.at(user - 1));
    return selected;
}

std::string list(const std::vector<int>& users) {
    std::string text;
    for (int user : users) text += (text.empty() ? "" : " ") + std::to_string(user);
    return text;
}

std::string percent(double rate) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%5.2f %%", rate * 100);
    return buffer;
}

// Mean and sample standard deviation.
std::pair<double, double> mean_and_deviation(const std::vector<double>& values) {
    double mean = 0, squares = 0;
    for (double v : values) mean += v / values.size();
    for (double v : values) squares += (v - mean) * (v - mean);
    return {mean, values.size() > 1 ? std::sqrt(squares / (values.size() - 1)) : 0.0};
}

std::string mean_and_spread(const std::vector<double>& values) {
    const auto [mean, spread] = mean_and_deviation(values);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%5.2f %% +- %4.2f", mean * 100, spread * 100);
    return buffer;
}

// Returns {"mean":...,"deviation":...} of a list of rates, as fractions.
std::string json_mean_and_deviation(const std::vector<double>& values) {
    const auto [mean, spread] = mean_and_deviation(values);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "{\"mean\":%.6f,\"deviation\":%.6f}", mean, spread);
    return buffer;
}

struct Round {
    std::string name;
    std::vector<inkprint::WriterSignatures> train, validation, test;
};

// Writes every score, and the DET curves of all rounds pooled, into `folder`.
void write_outputs(const std::filesystem::path& folder, const std::vector<inkprint::WriterScores>& all_scores,
                   const std::string& title) {
    std::filesystem::create_directories(folder);
    std::ofstream scores_file(folder / "scores.csv");
    if (!scores_file) {
        throw inkprint::Error("cannot write " + (folder / "scores.csv").string() +
                              ": check that the folder is writable, or pass another --out");
    }
    scores_file << "task,user,kind,score\n";
    for (const auto& writer : all_scores) {
        for (double s : writer.genuine) scores_file << writer.task << "," << writer.user << ",genuine," << s << "\n";
        for (double s : writer.skilled) scores_file << writer.task << "," << writer.user << ",skilled," << s << "\n";
        for (double s : writer.random) scores_file << writer.task << "," << writer.user << ",random," << s << "\n";
    }
    inkprint::Scores pooled;
    inkprint::pool_scores(all_scores, pooled);
    const auto skilled_det = inkprint::det_curve(pooled.genuine, pooled.skilled);
    const auto random_det = inkprint::det_curve(pooled.genuine, pooled.random);
    std::ofstream det_file(folder / "det.csv");
    det_file << "forgery,threshold,far,frr\n";
    for (const auto& p : skilled_det) {
        det_file << "skilled," << p.threshold << "," << p.false_acceptance << "," << p.false_rejection << "\n";
    }
    for (const auto& p : random_det) {
        det_file << "random," << p.threshold << "," << p.false_acceptance << "," << p.false_rejection << "\n";
    }
    std::ofstream(folder / "det.svg") << inkprint::det_svg(
        {{"skilled forgeries", skilled_det}, {"random forgeries", random_det}}, title);
}

int run(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    // The output folders are made now, so that an unusable --out stops the run before its work.
    for (const std::string& method : options.methods) {
        inkprint::tools::prepare_output_folder(output_folder(options, method));
    }
    const auto writers = inkprint::read_svc2004_writers(options.data, options.task);
    const std::string pressure_fix = "test and train on --task 2, or pass --dtw-sequence dynamics-template to leave pressure out";
    inkprint::tools::require_pressure(options.dtw_sequence, writers, pressure_fix);

    std::vector<Round> rounds;
    if (options.train_task != 0) {
        const auto source = options.train_task == options.task
                                ? writers
                                : inkprint::read_svc2004_writers(options.data, options.train_task);
        inkprint::tools::require_pressure(options.dtw_sequence, source, pressure_fix);
        Round round{"train on task " + std::to_string(options.train_task), {}, {}, writers};
        if (options.validation_count < 1 || options.validation_count > 38) {
            throw inkprint::Error("--validation must be from 1 to 38 with --train-task, got " +
                                  std::to_string(options.validation_count));
        }
        const int first_validation_user = 41 - options.validation_count;
        for (const auto& writer : source) {
            (writer.user >= first_validation_user ? round.validation : round.train).push_back(writer);
        }
        if (options.train_task == options.task) {
            throw inkprint::Error("--train-task equal to --task would test on training users; use --folds instead");
        }
        rounds.push_back(std::move(round));
    } else {
        const auto folds = inkprint::make_folds(40, options.folds, options.validation_count);
        std::vector<inkprint::WriterSignatures> extra;
        if (options.extra_task != 0) {
            extra = inkprint::read_svc2004_writers(options.data, options.extra_task);
            inkprint::tools::require_pressure(options.dtw_sequence, extra, pressure_fix);
        }
        for (std::size_t f = 0; f < folds.size(); ++f) {
            std::cout << "fold " << f + 1 << ": test users " << list(folds[f].test) << "; validation "
                      << list(folds[f].validation) << "; training the other " << folds[f].train.size()
                      << (extra.empty() ? "" : " and all " + std::to_string(extra.size()) + " users of task " +
                                                   std::to_string(options.extra_task))
                      << "\n";
            Round round{"fold " + std::to_string(f + 1), select(writers, folds[f].train),
                        select(writers, folds[f].validation), select(writers, folds[f].test)};
            round.train.insert(round.train.end(), extra.begin(), extra.end());
            rounds.push_back(std::move(round));
        }
    }

    // Results of each method over the rounds.
    struct Results {
        std::vector<double> skilled_global, random_global, skilled_user, random_user;
        // For the fusion methods, the rates at the threshold chosen before testing (see
        // --threshold-on), which a trained model keeps. Unlike the EER, they show whether that
        // choice suits new writers.
        std::vector<double> false_rejection, skilled_acceptance, random_acceptance;
        std::vector<inkprint::WriterScores> scores;
    };
    std::vector<Results> results(options.methods.size());
    const bool needs_training = std::any_of(options.methods.begin(), options.methods.end(), [](const std::string& name) {
        return parse_method(name).kind != Method::Kind::Dtw;
    });
    // Only the dtw and fusion methods read the DTW score.
    const bool needs_calibration =
        options.dtw_normalisation == inkprint::DistanceNormalisation::Calibrated &&
        std::any_of(options.methods.begin(), options.methods.end(),
                    [](const std::string& name) { return parse_method(name).kind != Method::Kind::Tdnn; });
    for (const Round& round : rounds) {
        std::optional<inkprint::TrainingResult> trained;
        if (needs_training) {
            trained = inkprint::train_model(round.train, round.validation, options.experiment, nullptr);
            std::cout << round.name << ": trained on " << round.train.size() << " users, kept epoch "
                      << trained->best_epoch << " (validation EER " << percent(trained->validation_eer) << ")\n";
        }
        // The calibrated DTW score learns from the training users only, like the network.
        inkprint::DtwCalibration calibration;
        if (needs_calibration) {
            try {
                calibration =
                    inkprint::fit_dtw_calibration(round.train, round.train, options.protocol, options.dtw_sequence);
            } catch (const inkprint::Error& error) {
                throw inkprint::Error(std::string("fitting the DTW calibration on ") + std::to_string(round.train.size()) +
                                      " training users failed: " + error.what() +
                                      (options.train_task != 0 ? "; use fewer --validation users"
                                                               : "; use more folds") +
                                      " or pass --dtw-normalisation nearest");
            }
            std::cout << round.name << ": DTW calibration fitted on " << round.train.size() << " users\n";
        }
        // The calibration that scores the test users: the one above, or one fitted on the
        // validation users too. The fusion is chosen with the one above, whose scores of the
        // validation users are out of sample.
        inkprint::DtwCalibration test_calibration = calibration;
        std::vector<inkprint::WriterSignatures> development = round.train;
        development.insert(development.end(), round.validation.begin(), round.validation.end());
        std::optional<inkprint::CrossFittedCalibration> cross_fitted;
        if (needs_calibration && options.threshold_on_training) {
            cross_fitted = inkprint::cross_fit_dtw_calibration(development, development, options.protocol,
                                                               options.dtw_sequence, inkprint::tools::kThresholdGroups);
            test_calibration = cross_fitted->calibration;
            std::cout << round.name << ": DTW calibration for the test users fitted on " << development.size()
                      << " users, and cross-fitted over " << inkprint::tools::kThresholdGroups << " groups of them\n";
        } else if (needs_calibration && options.calibrate_on_validation) {
            test_calibration =
                inkprint::fit_dtw_calibration(development, development, options.protocol, options.dtw_sequence);
            std::cout << round.name << ": DTW calibration for the test users fitted on " << development.size()
                      << " users\n";
        }
        for (std::size_t m = 0; m < options.methods.size(); ++m) {
            const Method method = parse_method(options.methods[m]);
            std::unique_ptr<inkprint::Scorer> scorer;
            std::optional<double> chosen_threshold;
            if (method.kind == Method::Kind::Dtw) {
                scorer = std::make_unique<inkprint::DtwScorer>(options.dtw_normalisation, options.dtw_sequence,
                                                               test_calibration);
            } else if (method.kind == Method::Kind::Tdnn) {
                scorer = std::make_unique<inkprint::EmbeddingScorer>(trained->model, method.rule);
            } else {
                // The fusion is chosen on the validation users, with random forgeries from
                // every user of the round that is not tested.
                std::vector<inkprint::WriterSignatures> impostors = round.train;
                impostors.insert(impostors.end(), round.validation.begin(), round.validation.end());
                inkprint::FusionFit fit =
                    inkprint::fit_fusion(trained->model, method.rule, options.dtw_normalisation, options.dtw_sequence,
                                         round.validation, impostors, options.protocol, calibration);
                fit.parameters.dtw_calibration = test_calibration;
                std::cout << round.name << ": " << options.methods[m] << " DTW weight " << fit.parameters.dtw_weight
                          << " (validation skilled EER " << percent(fit.skilled_eer) << ")\n";
                if (cross_fitted) {
                    const double validation_threshold = fit.parameters.threshold;
                    fit.parameters.threshold =
                        inkprint::fused_threshold(trained->model, fit.parameters, development, development,
                                                  options.protocol, cross_fitted->scores);
                    std::cout << round.name << ": " << options.methods[m] << " threshold " << fit.parameters.threshold
                              << " on the cross-fitted scores of " << development.size()
                              << " users (the validation users alone chose " << validation_threshold << ")\n";
                }
                chosen_threshold = fit.parameters.threshold;
                scorer = std::make_unique<inkprint::FusionScorer>(trained->model, fit.parameters);
            }
            // Random forgeries come from every other user of the tested task.
            const auto scores = inkprint::run_protocol(*scorer, round.test, writers, options.protocol);
            const auto summary = inkprint::summarise(scores);
            std::cout << round.name << ": " << options.methods[m] << " skilled EER " << percent(summary.skilled_global)
                      << " (per-user " << percent(summary.skilled_per_writer) << "), random EER "
                      << percent(summary.random_global) << " (per-user " << percent(summary.random_per_writer) << ")\n";
            std::cout.flush();
            Results& result = results[m];
            result.skilled_global.push_back(summary.skilled_global);
            result.random_global.push_back(summary.random_global);
            result.skilled_user.push_back(summary.skilled_per_writer);
            result.random_user.push_back(summary.random_per_writer);
            if (chosen_threshold) {
                inkprint::Scores pooled;
                inkprint::pool_scores(scores, pooled);
                const auto against_skilled = inkprint::error_rates_at(pooled.genuine, pooled.skilled, *chosen_threshold);
                const auto against_random = inkprint::error_rates_at(pooled.genuine, pooled.random, *chosen_threshold);
                result.false_rejection.push_back(against_skilled.false_rejection);
                result.skilled_acceptance.push_back(against_skilled.false_acceptance);
                result.random_acceptance.push_back(against_random.false_acceptance);
                std::cout << round.name << ": " << options.methods[m] << " at its threshold "
                          << *chosen_threshold << ": FRR " << percent(against_skilled.false_rejection)
                          << ", skilled FAR " << percent(against_skilled.false_acceptance) << ", random FAR "
                          << percent(against_random.false_acceptance) << "\n";
            }
            result.scores.insert(result.scores.end(), scores.begin(), scores.end());
        }
    }

    for (std::size_t m = 0; m < options.methods.size(); ++m) {
        const std::string& method = options.methods[m];
        const Results& result = results[m];
        std::cout << "\n" << method << " on task " << options.task << " ("
                  << (options.train_task ? "trained on task " + std::to_string(options.train_task)
                                         : std::to_string(options.folds) + "-fold cross-validation")
                  << (options.extra_task ? ", every fold also trained on task " + std::to_string(options.extra_task)
                                         : "")
                  << ", " << options.protocol.trials << " trials per user, mean +- standard deviation over "
                  << rounds.size() << (rounds.size() == 1 ? " round" : " folds") << ")\n"
                  << "  skilled forgeries, global threshold:   " << mean_and_spread(result.skilled_global) << "\n"
                  << "  skilled forgeries, per-user threshold: " << mean_and_spread(result.skilled_user) << "\n"
                  << "  random forgeries, global threshold:    " << mean_and_spread(result.random_global) << "\n"
                  << "  random forgeries, per-user threshold:  " << mean_and_spread(result.random_user) << "\n";
        if (!result.false_rejection.empty()) {
            std::cout << "  at the threshold chosen on the "
                      << (options.threshold_on_training ? "training and validation" : "validation") << " users:\n"
                      << "    genuine signatures rejected (FRR):   " << mean_and_spread(result.false_rejection) << "\n"
                      << "    skilled forgeries accepted (FAR):    " << mean_and_spread(result.skilled_acceptance)
                      << "\n"
                      << "    random forgeries accepted (FAR):     " << mean_and_spread(result.random_acceptance)
                      << "\n";
        }
        const std::filesystem::path folder = output_folder(options, method);
        write_outputs(folder, result.scores, method + ", SVC2004 task " + std::to_string(options.task) +
                                                 ", pooled over " + std::to_string(rounds.size()) +
                                                 (rounds.size() == 1 ? " round" : " folds"));
        // The summary for other programs, such as the page's accuracy line for the default model.
        std::ofstream summary(folder / "summary.json");
        summary
            << "{\"method\":\"" << method << "\",\"task\":" << options.task << ",\"trainTask\":" << options.train_task
            << ",\"alsoTrainedOnTask\":" << options.extra_task
            << ",\"folds\":" << (options.train_task ? 1 : options.folds) << ",\"trials\":" << options.protocol.trials
            << ",\"enrolment\":" << options.protocol.enrolment_count
            << ",\"dtwSequence\":\"" << inkprint::dtw_sequence_name(options.dtw_sequence) << "\""
            << ",\"dtwNormalisation\":\"" << inkprint::distance_normalisation_name(options.dtw_normalisation) << "\""
            << ",\"calibrateOn\":\"" << (options.calibrate_on_validation ? "training,validation" : "training") << "\""
            << ",\"thresholdOn\":\"" << (options.threshold_on_training ? "training,validation" : "validation") << "\""
            << ",\"skilledGlobal\":" << json_mean_and_deviation(result.skilled_global)
            << ",\"skilledPerUser\":" << json_mean_and_deviation(result.skilled_user)
            << ",\"randomGlobal\":" << json_mean_and_deviation(result.random_global)
            << ",\"randomPerUser\":" << json_mean_and_deviation(result.random_user);
        if (!result.false_rejection.empty()) {
            summary << ",\"atChosenThreshold\":{\"falseRejection\":" << json_mean_and_deviation(result.false_rejection)
                    << ",\"skilledAcceptance\":" << json_mean_and_deviation(result.skilled_acceptance)
                    << ",\"randomAcceptance\":" << json_mean_and_deviation(result.random_acceptance) << "}";
        }
        summary << "}\n";
        std::cout << "wrote " << (folder / "scores.csv").string() << ", det.csv, det.svg and summary.json\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const inkprint::Error& error) {
        std::cerr << "inkprint-evaluate: " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        // A failure the tool did not foresee, such as a full disk or too little memory.
        std::cerr << "inkprint-evaluate: stopped by an unexpected error: " << error.what() << "\n";
        return 1;
    }
}
