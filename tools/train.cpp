// inkprint-train: trains the siamese TDNN on SVC2004 and writes a model file.
//
// Users are split per task so that no writer is in two roles: training users teach the
// network, validation users choose the decision threshold, and held-out users measure the
// error rates of the finished model. Only the channels a browser provides are used (x, y,
// time, pen up/down), so the model works on signatures drawn in the page.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "inkprint/augment.hpp"
#include "inkprint/error.hpp"
#include "inkprint/features.hpp"
#include "inkprint/metrics.hpp"
#include "inkprint/model.hpp"
#include "inkprint/svc2004.hpp"
#include "inkprint/train.hpp"
#include "inkprint/verifier.hpp"

namespace {

struct Options {
    std::filesystem::path data;
    std::filesystem::path output = "web/models/default.inkprint";
    std::vector<int> tasks = {1, 2};
    int first_validation_user = 26;  // users below this train the network
    int first_held_out_user = 31;    // users from here to 40 are never seen in training
    int augmented_copies = 8;        // extra randomly varied copies of each training signature
    inkprint::TrainingConfig training;
    std::vector<inkprint::LayerSpec> layers = inkprint::published_layers();
};

void print_usage() {
    std::cout <<
        "usage: inkprint-train [options]\n"
        "  --data DIR         SVC2004 folder holding Task1/ and Task2/ (default: $INKPRINT_SVC2004_DIR,\n"
        "                     else ../shared/data/svc2004)\n"
        "  --out FILE         model file to write (default web/models/default.inkprint)\n"
        "  --tasks LIST       tasks to use, 1, 2 or 1,2 (default 1,2)\n"
        "  --validation-from U  first validation user; users 1..U-1 train (default 26)\n"
        "  --held-out-from U  first held-out user; users U..40 only test (default 31)\n"
        "  --layers LIST      network layers (default delay:12:11:3,tanh,delay:16:10:3,tanh,average,\n"
        "                     the published network); items: delay:MAPS:WIDTH:STRIDE, tanh, relu,\n"
        "                     average, dense:UNITS\n"
        "  --augment N        randomly varied copies added per training signature (default 8)\n"
        "  --epochs N         training epochs (default 60)\n"
        "  --pairs N          pairs per epoch (default 4096)\n"
        "  --batch N          pairs per optimiser step (default 32)\n"
        "  --optimizer NAME   adam or sgd (default adam)\n"
        "  --learning-rate X  step size (default 0.001)\n"
        "  --momentum X       SGD momentum (default 0.9)\n"
        "  --weight-decay X   decoupled weight decay per step, times the learning rate (default 0)\n"
        "  --clip-norm X      clip the batch gradient to this L2 norm, 0 for none (default 0)\n"
        "  --schedule NAME    learning-rate schedule: constant, step or cosine (default constant)\n"
        "  --loss NAME        squared (to the targets), difference or margin (default squared)\n"
        "  --genuine-target X cosine target of genuine pairs (default 1)\n"
        "  --forgery-target X cosine target of forgery pairs (default -0.9)\n"
        "  --margin X         cosine-distance margin of the margin loss (default 1)\n"
        "  --genuine-share X  share of genuine/genuine pairs (default 0.5)\n"
        "  --skilled-share X  share of genuine/skilled-forgery pairs; the rest are random forgeries\n"
        "                     (default 0.3)\n"
        "  --seed N           random seed (default 1)\n";
}

Options parse_options(int argc, char** argv) {
    Options options;
    options.data = inkprint::svc2004_folder("../shared/data/svc2004");
    options.training.epochs = 60;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            print_usage();
            std::exit(0);
        }
        if (i + 1 >= argc) throw inkprint::Error("option " + name + " needs a value; see --help");
        const std::string value = argv[++i];
        auto number = [&] {
            char* end = nullptr;
            const double parsed = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0') {
                throw inkprint::Error("option " + name + " needs a number, got '" + value + "'");
            }
            return parsed;
        };
        if (name == "--data") options.data = value;
        else if (name == "--out") options.output = value;
        else if (name == "--tasks") {
            options.tasks.clear();
            for (char c : value) {
                if (c == '1' || c == '2') options.tasks.push_back(c - '0');
                else if (c != ',') throw inkprint::Error("--tasks takes 1, 2 or 1,2, got '" + value + "'");
            }
        }
        else if (name == "--validation-from") options.first_validation_user = static_cast<int>(number());
        else if (name == "--held-out-from") options.first_held_out_user = static_cast<int>(number());
        else if (name == "--augment") options.augmented_copies = static_cast<int>(number());
        else if (name == "--layers") options.layers = inkprint::parse_layers(value);
        else if (name == "--epochs") options.training.epochs = static_cast<int>(number());
        else if (name == "--pairs") options.training.pairs_per_epoch = static_cast<int>(number());
        else if (name == "--batch") options.training.batch_size = static_cast<int>(number());
        else if (name == "--learning-rate") options.training.optimizer.learning_rate = number();
        else if (name == "--optimizer") {
            if (value == "adam") options.training.optimizer.kind = inkprint::OptimizerKind::Adam;
            else if (value == "sgd") options.training.optimizer.kind = inkprint::OptimizerKind::Sgd;
            else throw inkprint::Error("--optimizer takes adam or sgd, got '" + value + "'");
        }
        else if (name == "--momentum") options.training.optimizer.momentum = number();
        else if (name == "--weight-decay") options.training.optimizer.weight_decay = number();
        else if (name == "--clip-norm") options.training.optimizer.clip_norm = number();
        else if (name == "--schedule") {
            if (value == "constant") options.training.optimizer.schedule = inkprint::Schedule::Constant;
            else if (value == "step") options.training.optimizer.schedule = inkprint::Schedule::Step;
            else if (value == "cosine") options.training.optimizer.schedule = inkprint::Schedule::Cosine;
            else throw inkprint::Error("--schedule takes constant, step or cosine, got '" + value + "'");
        }
        else if (name == "--loss") {
            if (value == "squared") options.training.loss.kind = inkprint::LossKind::SquaredError;
            else if (value == "difference") options.training.loss.kind = inkprint::LossKind::Difference;
            else if (value == "margin") options.training.loss.kind = inkprint::LossKind::Margin;
            else throw inkprint::Error("--loss takes squared, difference or margin, got '" + value + "'");
        }
        else if (name == "--margin") options.training.loss.margin = number();
        else if (name == "--genuine-share") options.training.genuine_share = number();
        else if (name == "--skilled-share") options.training.skilled_share = number();
        else if (name == "--genuine-target") options.training.loss.genuine_target = number();
        else if (name == "--forgery-target") options.training.loss.forgery_target = number();
        else if (name == "--seed") options.training.seed = static_cast<std::uint64_t>(number());
        else throw inkprint::Error("unknown option " + name + "; see --help");
    }
    if (options.tasks.empty()) throw inkprint::Error("--tasks names no task");
    inkprint::NetworkConfig network;
    network.layers = options.layers;
    network.validate();
    if (!(2 <= options.first_validation_user && options.first_validation_user < options.first_held_out_user &&
          options.first_held_out_user <= 40)) {
        throw inkprint::Error("user split must satisfy 2 <= --validation-from < --held-out-from <= 40");
    }
    return options;
}

// Raw feature grids of one SVC2004 user, in file order S1..S40.
struct UserGrids {
    int task = 0;
    int user = 0;
    std::vector<std::vector<float>> genuine, forgeries;
    std::vector<inkprint::Signature> genuine_signatures, forgery_signatures;
};

struct Scores {
    std::vector<double> genuine, skilled, random;
};

// Scores users with the competition's split: the reference from S1-S5, genuine queries
// S11-S20, all 20 skilled forgeries, and S11 of every other user of the same task as random
// forgeries.
Scores score_users(inkprint::Verifier& verifier, const std::vector<UserGrids>& users) {
    const std::size_t size = verifier.embedding_size();
    std::vector<std::vector<std::vector<float>>> genuine(users.size()), forgeries(users.size());
    for (std::size_t u = 0; u < users.size(); ++u) {
        for (const auto& grid : users[u].genuine) genuine[u].push_back(verifier.embed_features(grid));
        for (const auto& grid : users[u].forgeries) forgeries[u].push_back(verifier.embed_features(grid));
    }
    Scores scores;
    for (std::size_t u = 0; u < users.size(); ++u) {
        std::vector<float> enrolled;
        for (int i = 0; i < 5; ++i) enrolled.insert(enrolled.end(), genuine[u][i].begin(), genuine[u][i].end());
        const std::vector<float> reference = inkprint::make_reference(enrolled, size);
        auto score = [&](const std::vector<float>& embedding) {
            return static_cast<double>(inkprint::cosine(embedding.data(), reference.data(), size));
        };
        for (int i = 10; i < 20; ++i) scores.genuine.push_back(score(genuine[u][i]));
        for (const auto& embedding : forgeries[u]) scores.skilled.push_back(score(embedding));
        for (std::size_t v = 0; v < users.size(); ++v) {
            if (v != u && users[v].task == users[u].task) scores.random.push_back(score(genuine[v][10]));
        }
    }
    return scores;
}

std::string format_percent(double rate) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", rate * 100);
    return buffer;
}

int run(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    const auto started = std::chrono::steady_clock::now();

    std::vector<UserGrids> train_users, validation_users, held_out_users;
    for (int task : options.tasks) {
        const auto folder = options.data / ("Task" + std::to_string(task));
        std::cout << "reading " << folder.string() << "\n";
        for (const inkprint::Svc2004User& user : inkprint::read_svc2004_task(folder)) {
            UserGrids grids;
            grids.task = task;
            grids.user = user.user;
            for (const auto& s : user.genuine) grids.genuine.push_back(inkprint::compute_features(s));
            for (const auto& s : user.forgeries) grids.forgeries.push_back(inkprint::compute_features(s));
            grids.genuine_signatures = user.genuine;
            grids.forgery_signatures = user.forgeries;
            if (user.user >= options.first_held_out_user) held_out_users.push_back(std::move(grids));
            else if (user.user >= options.first_validation_user) validation_users.push_back(std::move(grids));
            else train_users.push_back(std::move(grids));
        }
    }

    // Feature scaling comes from the training users only.
    std::vector<std::vector<float>> training_grids;
    for (const auto& user : train_users) {
        training_grids.insert(training_grids.end(), user.genuine.begin(), user.genuine.end());
        training_grids.insert(training_grids.end(), user.forgeries.begin(), user.forgeries.end());
    }
    inkprint::Model model;
    model.network.layers = options.layers;
    model.scaling = inkprint::measure_feature_scaling(training_grids);
    model.genuine_target = static_cast<float>(options.training.loss.genuine_target);
    model.forgery_target = static_cast<float>(options.training.loss.forgery_target);

    std::vector<inkprint::Writer> writers;
    inkprint::Random augment_random(options.training.seed + 1);
    const inkprint::AugmentationConfig augmentation;
    for (const auto& user : train_users) {
        inkprint::Writer writer;
        writer.genuine = user.genuine;
        writer.forgeries = user.forgeries;
        for (int copy = 0; copy < options.augmented_copies; ++copy) {
            for (const auto& s : user.genuine_signatures) {
                writer.genuine.push_back(inkprint::compute_features(inkprint::augment_signature(s, augmentation, augment_random)));
            }
            for (const auto& s : user.forgery_signatures) {
                writer.forgeries.push_back(inkprint::compute_features(inkprint::augment_signature(s, augmentation, augment_random)));
            }
        }
        for (auto& grid : writer.genuine) inkprint::apply_feature_scaling(model.scaling, grid);
        for (auto& grid : writer.forgeries) inkprint::apply_feature_scaling(model.scaling, grid);
        writers.push_back(std::move(writer));
    }

    inkprint::Network<float> network(model.network);
    inkprint::Random random(options.training.seed);
    network.initialise(random);
    std::cout << "training on " << writers.size() << " writers, " << network.parameters().size()
              << " parameters\n";
    // The weights kept are those of the epoch with the lowest skilled-forgery EER on the
    // validation users, which never take part in training.
    double best_validation_eer = 2;
    int best_epoch = 0;
    std::vector<float> best_parameters = network.parameters();
    inkprint::train_network(network, writers, options.training, [&](const inkprint::EpochReport& report) {
        model.parameters = network.parameters();
        inkprint::Verifier epoch_verifier(model);
        const Scores scores = score_users(epoch_verifier, validation_users);
        const double eer = inkprint::equal_error_rate(scores.genuine, scores.skilled).rate;
        if (eer < best_validation_eer) {
            best_validation_eer = eer;
            best_epoch = report.epoch;
            best_parameters = network.parameters();
        }
        std::printf("epoch %3d  loss %.4f  spread %.3f  validation skilled EER %5.2f %%  %.1f s\n", report.epoch,
                    report.mean_loss, report.embedding_spread, 100 * eer, report.seconds);
        if (report.collapsed) {
            std::printf("warning: the embeddings have collapsed (spread %.2g): every writer maps to nearly one "
                        "direction; lower the learning rate or change the loss\n", report.embedding_spread);
        }
        std::fflush(stdout);
        return true;
    });
    model.parameters = best_parameters;
    std::cout << "keeping epoch " << best_epoch << "\n";

    // Threshold: the skilled-forgery equal error rate point on the validation users.
    inkprint::Verifier validation_verifier(model);
    const Scores validation = score_users(validation_verifier, validation_users);
    const inkprint::EqualErrorRate validation_eer = inkprint::equal_error_rate(validation.genuine, validation.skilled);
    model.threshold = static_cast<float>(validation_eer.threshold);

    inkprint::Verifier verifier(model);
    const Scores trained = score_users(verifier, train_users);
    std::cout << "training users (" << train_users.size() << "): skilled-forgery EER "
              << format_percent(inkprint::equal_error_rate(trained.genuine, trained.skilled).rate)
              << " %, random-forgery EER "
              << format_percent(inkprint::equal_error_rate(trained.genuine, trained.random).rate) << " %\n";
    const Scores held_out = score_users(verifier, held_out_users);
    const auto skilled = inkprint::equal_error_rate(held_out.genuine, held_out.skilled);
    const auto random_forgery = inkprint::equal_error_rate(held_out.genuine, held_out.random);
    const auto skilled_rates = inkprint::error_rates_at(held_out.genuine, held_out.skilled, model.threshold);
    const auto random_rates = inkprint::error_rates_at(held_out.genuine, held_out.random, model.threshold);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::ostringstream tasks;
    for (std::size_t i = 0; i < options.tasks.size(); ++i) tasks << (i ? "," : "") << options.tasks[i];
    std::ostringstream description;
    description << "{\"data\":\"SVC2004 tasks " << tasks.str() << "\",\"trainUsers\":\"1-"
                << options.first_validation_user - 1 << "\",\"validationUsers\":\""
                << options.first_validation_user << "-" << options.first_held_out_user - 1
                << "\",\"heldOutUsers\":\"" << options.first_held_out_user << "-40\""
                << ",\"epochs\":" << options.training.epochs << ",\"pairsPerEpoch\":" << options.training.pairs_per_epoch
                << ",\"layers\":\"" << inkprint::format_layers(model.network.layers) << "\""
                << ",\"augmentedCopies\":" << options.augmented_copies << ",\"bestEpoch\":" << best_epoch
                << ",\"seed\":" << options.training.seed
                << ",\"heldOut\":{\"skilledEer\":" << skilled.rate << ",\"randomEer\":" << random_forgery.rate
                << ",\"farSkilled\":" << skilled_rates.false_acceptance << ",\"farRandom\":"
                << random_rates.false_acceptance << ",\"frr\":" << skilled_rates.false_rejection << "}}";
    model.description = description.str();
    inkprint::save_model(model, options.output);

    std::cout << "threshold " << model.threshold << " (skilled-forgery EER point on " << validation_users.size()
              << " validation users, EER " << format_percent(validation_eer.rate) << " %)\n"
              << "held-out users (" << held_out_users.size() << "): skilled-forgery EER "
              << format_percent(skilled.rate) << " %, random-forgery EER " << format_percent(random_forgery.rate)
              << " %\n"
              << "at the threshold: FRR " << format_percent(skilled_rates.false_rejection) << " %, FAR skilled "
              << format_percent(skilled_rates.false_acceptance) << " %, FAR random "
              << format_percent(random_rates.false_acceptance) << " %\n"
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
    }
}
