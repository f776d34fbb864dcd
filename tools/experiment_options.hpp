// Command-line options shared by inkprint-train and inkprint-evaluate: the network, the
// training and the augmentation.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "inkprint/experiment.hpp"
#include "inkprint/fusion.hpp"

namespace inkprint::tools {

// Applies option `name` with `value` to `config`. Returns false when `name` is not an
// experiment option. Throws Error on a value that cannot be used.
bool apply_experiment_option(const std::string& name, const std::string& value, ExperimentConfig& config);

// Parses a finite number for option `name`, or throws Error naming both.
double parse_number(const std::string& name, const std::string& value);

// Parses a finite number in [minimum, maximum] for option `name`, or throws Error naming both
// and the range.
double parse_number(const std::string& name, const std::string& value, double minimum, double maximum);

// Parses a whole number in [minimum, maximum], written in decimal digits, for option `name`, or
// throws Error naming both and the range.
int parse_whole(const std::string& name, const std::string& value, int minimum, int maximum);

// Parses the value of --calibrate-on: true for "training,validation" (the DTW calibration is
// fitted on the validation users too), false for "training". Throws Error on any other value.
bool parse_calibrate_on(const std::string& value);

// Parses the value of --threshold-on: true for "training,validation" (the fusion's threshold is
// chosen on the cross-fitted scores of both), false for "validation". Throws Error on any
// other value.
bool parse_threshold_on(const std::string& value);

// Groups of the training and validation writers over which --threshold-on training,validation
// cross-fits the DTW calibration. With the usual 25 + 5 writers, each group has 5.
inline constexpr int kThresholdGroups = 6;

// Checks the settings that depend on each other, before any data is read. Throws Error.
void validate_experiment(const ExperimentConfig& config);

// Bounds of --learning-rate, the same as those of the page's Learning rate field.
inline constexpr double kMinLearningRate = 1e-6;
inline constexpr double kMaxLearningRate = 1;

// Reads the command line. --help prints the usage and exits. --last-epoch and the experiment
// options set `config`, and every other "--name value" pair goes to `handle`, which returns
// false for an option it does not know. `tool_options` names the options `handle` reads, so
// that an unknown name is reported as such even when no value follows it. Throws Error on an
// unknown option, a word that is not an option or a missing value.
void parse_command_line(int argc, char** argv, ExperimentConfig& config, void (*print_usage)(),
                        const std::vector<std::string>& tool_options,
                        const std::function<bool(const std::string& name, const std::string& value)>& handle);

// Throws Error naming the first signature without pen pressure when `sequence` compares
// pressure, before any training spends time on data it cannot score. `fix` names the option
// to change, for the message.
void require_pressure(DtwSequence sequence, const std::vector<WriterSignatures>& writers, const std::string& fix);

// Throws Error when `folder` has no Task folder for one of `tasks`, before any work. The advice
// fits where the folder came from: --data when `from_option`, else INKPRINT_SVC2004_DIR or the
// folder beside the source checkout.
void check_data_folder(const std::filesystem::path& folder, const std::vector<int>& tasks, bool from_option);

// Creates the output folder `folder` and checks that a file can be written in it, so that a
// run does not fail after its work. Throws Error naming the folder and advising another --out.
void prepare_output_folder(const std::filesystem::path& folder);

// The SVC2004 folder beside the source checkout, unless INKPRINT_SVC2004_DIR is set.
std::filesystem::path default_data_folder();

// Help text of the experiment options, one option per line.
extern const char* const kExperimentOptionsHelp;

}  // namespace inkprint::tools
