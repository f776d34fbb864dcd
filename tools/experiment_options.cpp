#include "experiment_options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "inkprint/error.hpp"
#include "inkprint/svc2004.hpp"

namespace inkprint::tools {

const char* const kExperimentOptionsHelp =
    "  --preset NAME      published: the 1993 network trained as Bromley et al. describe it, without\n"
    "                     this repository's additions: published layers, squared error to the cosine\n"
    "                     targets +1 and -0.9, plain SGD updating after every pair (step size 0.01,\n"
    "                     no momentum), no augmentation, the last epoch's weights. Options after it\n"
    "                     change single settings of the preset; it must come before them.\n"
    "  --layers LIST      network layers (default delay:12:11:3,tanh,delay:16:10:3,tanh,average,\n"
    "                     the published network); items: delay:MAPS:WIDTH:STRIDE, tanh, relu,\n"
    "                     average, dense:UNITS. The list needs a delay or dense layer and an\n"
    "                     embedding of 2 or more values\n"
    "  --augment N        randomly varied copies added per training signature (default 8)\n"
    "  --epochs N         training epochs (default 60)\n"
    "  --last-epoch       keep the last epoch's weights instead of the best validation epoch\n"
    "  --pairs N          pairs per epoch (default 4096)\n"
    "  --batch N          pairs per optimiser step (default 32)\n"
    "  --optimizer NAME   adam or sgd (default adam)\n"
    "  --learning-rate X  step size, from 1e-06 to 1 (default 0.001)\n"
    "  --momentum X       SGD momentum, from 0 to below 1 (default 0.9)\n"
    "  --weight-decay X   decoupled weight decay per step, times the learning rate, from 0 to 1\n"
    "                     (default 0)\n"
    "  --clip-norm X      clip the batch gradient to this L2 norm, 0 for none (default 0)\n"
    "  --schedule NAME    learning-rate schedule: constant, step or cosine (default constant)\n"
    "  --loss NAME        squared (to the targets), difference or margin (default squared)\n"
    "  --genuine-target X cosine target of genuine pairs, from -1 to 1 (default 1)\n"
    "  --forgery-target X cosine target of forgery pairs, from -1 to below the genuine target\n"
    "                     (default -0.9)\n"
    "  --margin X         cosine-distance margin of the margin loss (default 1)\n"
    "  --genuine-share X  share of genuine/genuine pairs (default 0.5)\n"
    "  --skilled-share X  share of genuine/skilled-forgery pairs; the rest are random forgeries\n"
    "                     (default 0.3)\n"
    "  --seed N           random seed (default 1)\n"
    "  --threads N        threads that share each batch, 0 for one per core (default 0); results\n"
    "                     differ slightly between thread counts, through float rounding\n";

namespace {

// Formats a bound of an option for a message: 0.001 rather than 0.001000.
std::string format_bound(double bound) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", bound);
    return buffer;
}

}  // namespace

double parse_number(const std::string& name, const std::string& value) {
    // strtod also reads hexadecimal numbers and skips leading spaces, which no option means.
    const bool hexadecimal = value.find_first_of("xX") != std::string::npos;
    char* end = nullptr;
    const double parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || std::isspace(static_cast<unsigned char>(value[0])) || hexadecimal || *end != '\0' ||
        !std::isfinite(parsed)) {
        throw Error("option " + name + " needs a finite number, got '" + value + "'");
    }
    return parsed;
}

double parse_number(const std::string& name, const std::string& value, double minimum, double maximum) {
    const double parsed = parse_number(name, value);
    if (parsed < minimum || parsed > maximum) {
        throw Error("option " + name + " needs a number from " + format_bound(minimum) + " to " +
                    format_bound(maximum) + ", got '" + value + "'");
    }
    return parsed;
}

int parse_whole(const std::string& name, const std::string& value, int minimum, int maximum) {
    // Only decimal digits: no sign, point, exponent or hexadecimal prefix.
    const bool digits = !value.empty() && value.size() <= 10 &&
                        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    const long long parsed = digits ? std::stoll(value) : 0;
    if (!digits || parsed < minimum || parsed > maximum) {
        throw Error("option " + name + " needs a whole number from " + std::to_string(minimum) + " to " +
                    std::to_string(maximum) + ", got '" + value + "'");
    }
    return static_cast<int>(parsed);
}

bool parse_calibrate_on(const std::string& value) {
    if (value != "training" && value != "training,validation") {
        throw Error("--calibrate-on takes training or training,validation, got '" + value + "'");
    }
    return value == "training,validation";
}

bool parse_threshold_on(const std::string& value) {
    if (value != "validation" && value != "training,validation") {
        throw Error("--threshold-on takes validation or training,validation, got '" + value + "'");
    }
    return value == "training,validation";
}

void validate_experiment(const ExperimentConfig& config) {
    const TrainingConfig& training = config.training;
    if (training.pairs_per_epoch < training.batch_size) {
        throw Error("--pairs (" + std::to_string(training.pairs_per_epoch) + ") must be at least --batch (" +
                    std::to_string(training.batch_size) + ")");
    }
    if (!(training.genuine_share + training.skilled_share <= 1)) {
        throw Error("--genuine-share " + format_bound(training.genuine_share) + " and --skilled-share " +
                    format_bound(training.skilled_share) + " sum to more than 1: lower one of them");
    }
    if (!(training.loss.forgery_target < training.loss.genuine_target)) {
        throw Error("--forgery-target " + format_bound(training.loss.forgery_target) +
                    " must be below --genuine-target " + format_bound(training.loss.genuine_target) +
                    ", or training cannot tell forgeries from genuine signatures: lower --forgery-target");
    }
    // The optimiser's constructor checks its own settings.
    Optimizer(1, training.optimizer);
}

namespace {

// Replaces every experiment setting by those of the named preset.
void apply_preset(const std::string& name, ExperimentConfig& config) {
    if (name != "published") throw Error("--preset takes published, got '" + name + "'");
    ExperimentConfig published;
    published.layers = published_layers();
    published.training.loss.kind = LossKind::SquaredError;
    published.training.loss.genuine_target = 1.0;
    published.training.loss.forgery_target = -0.9;
    published.training.optimizer.kind = OptimizerKind::Sgd;
    published.training.optimizer.learning_rate = 0.01;
    published.training.optimizer.momentum = 0;
    published.training.batch_size = 1;
    published.augmented_copies = 0;
    published.keep_best_epoch = false;
    config = published;
}

}  // namespace

bool apply_experiment_option(const std::string& name, const std::string& value, ExperimentConfig& config) {
    TrainingConfig& training = config.training;
    auto number = [&] { return parse_number(name, value); };
    auto whole = [&] { return parse_whole(name, value, 0, 1000000000); };
    auto non_negative = [&] {
        const double parsed = number();
        if (!(parsed >= 0)) throw Error("option " + name + " needs a number of 0 or more, got '" + value + "'");
        return parsed;
    };
    // The targets are cosines, which lie from -1 to 1.
    auto cosine = [&] { return parse_number(name, value, -1, 1); };
    auto share = [&] { return parse_number(name, value, 0, 1); };
    if (name == "--preset") {
        apply_preset(value, config);
    } else if (name == "--layers") {
        config.layers = parse_layers(value);
        NetworkConfig network;
        network.layers = config.layers;
        network.validate();
    } else if (name == "--augment") {
        config.augmented_copies = parse_whole(name, value, 0, 100);
    } else if (name == "--epochs") {
        training.epochs = parse_whole(name, value, 1, 100000);
    } else if (name == "--pairs") {
        training.pairs_per_epoch = parse_whole(name, value, 1, 100000000);
    } else if (name == "--batch") {
        training.batch_size = parse_whole(name, value, 1, 100000);
    } else if (name == "--optimizer") {
        if (value == "adam") training.optimizer.kind = OptimizerKind::Adam;
        else if (value == "sgd") training.optimizer.kind = OptimizerKind::Sgd;
        else throw Error("--optimizer takes adam or sgd, got '" + value + "'");
    } else if (name == "--learning-rate") {
        training.optimizer.learning_rate = parse_number(name, value, kMinLearningRate, kMaxLearningRate);
    } else if (name == "--momentum") {
        // A momentum of 1 or more would let the velocity grow without end.
        const double momentum = number();
        if (!(momentum >= 0 && momentum < 1)) {
            throw Error("option --momentum needs a number from 0 to below 1, got '" + value + "'");
        }
        training.optimizer.momentum = momentum;
    } else if (name == "--weight-decay") {
        // A decay of 1 or more per step at the largest learning rate would zero or flip every weight.
        training.optimizer.weight_decay = parse_number(name, value, 0, 1);
    } else if (name == "--clip-norm") {
        training.optimizer.clip_norm = non_negative();
    } else if (name == "--schedule") {
        if (value == "constant") training.optimizer.schedule = Schedule::Constant;
        else if (value == "step") training.optimizer.schedule = Schedule::Step;
        else if (value == "cosine") training.optimizer.schedule = Schedule::Cosine;
        else throw Error("--schedule takes constant, step or cosine, got '" + value + "'");
    } else if (name == "--loss") {
        if (value == "squared") training.loss.kind = LossKind::SquaredError;
        else if (value == "difference") training.loss.kind = LossKind::Difference;
        else if (value == "margin") training.loss.kind = LossKind::Margin;
        else throw Error("--loss takes squared, difference or margin, got '" + value + "'");
    } else if (name == "--genuine-target") {
        training.loss.genuine_target = cosine();
    } else if (name == "--forgery-target") {
        training.loss.forgery_target = cosine();
    } else if (name == "--margin") {
        const double margin = number();
        if (!(margin > 0)) throw Error("option --margin needs a positive number, got '" + value + "'");
        training.loss.margin = margin;
    } else if (name == "--genuine-share") {
        training.genuine_share = share();
    } else if (name == "--skilled-share") {
        training.skilled_share = share();
    } else if (name == "--threads") {
        training.threads = parse_whole(name, value, 0, 256);
    } else if (name == "--seed") {
        training.seed = static_cast<std::uint64_t>(whole());
    } else {
        return false;
    }
    return true;
}

namespace {

// Names of the options that apply_experiment_option() reads, and of the --last-epoch flag.
const std::vector<std::string> kExperimentOptionNames = {
    "--preset", "--layers", "--augment", "--epochs", "--last-epoch", "--pairs", "--batch", "--optimizer",
    "--learning-rate", "--momentum", "--weight-decay", "--clip-norm", "--schedule", "--loss",
    "--genuine-target", "--forgery-target", "--margin", "--genuine-share", "--skilled-share", "--seed",
    "--threads"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

void parse_command_line(int argc, char** argv, ExperimentConfig& config, void (*print_usage)(),
                        const std::vector<std::string>& tool_options,
                        const std::function<bool(const std::string& name, const std::string& value)>& handle) {
    // The commands train on every core unless --threads sets another count. The core's default
    // stays at one thread.
    config.training.threads = 0;
    auto known = [&](const std::string& name) {
        return contains(kExperimentOptionNames, name) || contains(tool_options, name);
    };
    // The first setting that --preset would replace, so that a preset given after it is refused.
    std::string earlier_setting;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            print_usage();
            std::exit(0);
        }
        if (name.rfind("--", 0) != 0) {
            throw Error("'" + name + "' is not an option: options start with --, and each takes one value; "
                        "see --help");
        }
        if (!known(name)) throw Error("unknown option " + name + "; see --help for the options");
        if (name == "--preset" && !earlier_setting.empty()) {
            throw Error("option --preset replaces every training setting, so it would undo " + earlier_setting +
                        " given before it: put --preset first");
        }
        if (name != "--preset" && contains(kExperimentOptionNames, name) &&
            earlier_setting.empty()) {
            earlier_setting = name;
        }
        if (name == "--last-epoch") {
            config.keep_best_epoch = false;
            continue;
        }
        if (i + 1 >= argc) throw Error("option " + name + " needs a value; see --help");
        const std::string value = argv[++i];
        if (known(value)) {
            throw Error("option " + name + " needs a value, but " + value + " follows it; see --help");
        }
        if (!apply_experiment_option(name, value, config) && !handle(name, value)) {
            throw Error("unknown option " + name + "; see --help for the options");
        }
    }
}

void require_pressure(DtwSequence sequence, const std::vector<WriterSignatures>& writers, const std::string& fix) {
    if (!dtw_uses_pressure(sequence)) return;
    for (const WriterSignatures& writer : writers) {
        for (const auto* list : {&writer.genuine, &writer.forgeries}) {
            for (std::size_t i = 0; i < list->size(); ++i) {
                if (!(*list)[i].has_pressure) {
                    throw Error(std::string("--dtw-sequence ") + dtw_sequence_name(sequence) +
                                " compares pen pressure, but task " +
                                std::to_string(writer.task) + " user " + std::to_string(writer.user) + "'s " +
                                (list == &writer.genuine ? "genuine" : "forged") + " signature " +
                                std::to_string(i + 1) + " has none (SVC2004 task 1 records no pressure): " + fix);
                }
            }
        }
    }
}

void check_data_folder(const std::filesystem::path& folder, const std::vector<int>& tasks, bool from_option) {
    for (int task : tasks) {
        const std::filesystem::path task_folder = folder / ("Task" + std::to_string(task));
        std::error_code error;
        if (std::filesystem::is_directory(task_folder, error)) continue;
        std::string advice;
        if (from_option) {
            advice = "pass --data the folder that holds Task1/ and Task2/";
        } else if (const char* configured = std::getenv("INKPRINT_SVC2004_DIR"); configured && *configured) {
            advice = "set INKPRINT_SVC2004_DIR to the folder that holds Task1/ and Task2/, or pass --data";
        } else {
            advice = "place the SVC2004 Task1 and Task2 folders there, set INKPRINT_SVC2004_DIR to the folder "
                     "that holds them, or pass --data";
        }
        throw Error("SVC2004 folder " + task_folder.string() + " not found: " + advice);
    }
}

void prepare_output_folder(const std::filesystem::path& folder) {
    const std::string fix = "pass --out a folder that can be created and written";
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error || !std::filesystem::is_directory(folder)) {
        const std::string reason = error ? error.message() : "a file of that name exists";
        throw Error("cannot create the output folder " + folder.string() + " (" + reason + "): " + fix);
    }
    // A file written and removed now shows whether the results can be written at the end.
    const std::filesystem::path probe = folder / ".inkprint-write-check";
    if (!std::ofstream(probe)) {
        throw Error("cannot write in the output folder " + folder.string() + ": " + fix);
    }
    std::filesystem::remove(probe, error);
}

std::filesystem::path default_data_folder() {
    return svc2004_folder(std::filesystem::path(INKPRINT_SOURCE_DIR) / ".." / "shared" / "data" / "svc2004");
}

}  // namespace inkprint::tools
