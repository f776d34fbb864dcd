#include "experiment_options.hpp"

#include <cmath>
#include <cstdlib>

#include "inkprint/error.hpp"
#include "inkprint/svc2004.hpp"

namespace inkprint::tools {

const char* const kExperimentOptionsHelp =
    "  --preset NAME      published: the 1993 network trained as Bromley et al. describe it, without\n"
    "                     this repository's additions: published layers, squared error to the cosine\n"
    "                     targets +1 and -0.9, plain SGD updating after every pair (step size 0.01,\n"
    "                     no momentum), no augmentation, the last epoch's weights. Options after it\n"
    "                     change single settings of the preset.\n"
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
    "  --seed N           random seed (default 1)\n"
    "  --threads N        threads that share each batch, 0 for one per core (default 0); results\n"
    "                     differ slightly between thread counts, through float rounding\n";

double parse_number(const std::string& name, const std::string& value) {
    char* end = nullptr;
    const double parsed = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(parsed)) {
        throw Error("option " + name + " needs a finite number, got '" + value + "'");
    }
    return parsed;
}

int parse_whole(const std::string& name, const std::string& value, int minimum, int maximum) {
    const double parsed = parse_number(name, value);
    if (parsed != std::floor(parsed) || parsed < minimum || parsed > maximum) {
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
    if (!(training.genuine_share >= 0 && training.skilled_share >= 0 &&
          training.genuine_share + training.skilled_share <= 1)) {
        throw Error("--genuine-share and --skilled-share must be between 0 and 1 and sum to at most 1");
    }
    if (!(training.loss.margin > 0)) throw Error("--margin must be positive");
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
        training.optimizer.learning_rate = number();
    } else if (name == "--momentum") {
        training.optimizer.momentum = number();
    } else if (name == "--weight-decay") {
        training.optimizer.weight_decay = number();
    } else if (name == "--clip-norm") {
        training.optimizer.clip_norm = number();
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
        training.loss.genuine_target = number();
    } else if (name == "--forgery-target") {
        training.loss.forgery_target = number();
    } else if (name == "--margin") {
        training.loss.margin = number();
    } else if (name == "--genuine-share") {
        training.genuine_share = number();
    } else if (name == "--skilled-share") {
        training.skilled_share = number();
    } else if (name == "--threads") {
        training.threads = parse_whole(name, value, 0, 256);
    } else if (name == "--seed") {
        training.seed = static_cast<std::uint64_t>(whole());
    } else {
        return false;
    }
    return true;
}

void parse_command_line(int argc, char** argv, ExperimentConfig& config, void (*print_usage)(),
                        const std::function<bool(const std::string& name, const std::string& value)>& handle) {
    // The commands train on every core unless --threads sets another count. The core's default
    // stays at one thread.
    config.training.threads = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            print_usage();
            std::exit(0);
        }
        if (name == "--last-epoch") {
            config.keep_best_epoch = false;
            continue;
        }
        if (i + 1 >= argc) throw Error("option " + name + " needs a value; see --help");
        const std::string value = argv[++i];
        if (!apply_experiment_option(name, value, config) && !handle(name, value)) {
            throw Error("unknown option " + name + "; see --help");
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

std::filesystem::path default_data_folder() {
    return svc2004_folder(std::filesystem::path(INKPRINT_SOURCE_DIR) / ".." / "shared" / "data" / "svc2004");
}

}  // namespace inkprint::tools
