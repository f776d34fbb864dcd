// Command-line options shared by inkprint-train and inkprint-evaluate: the network, the
// training and the augmentation.
#pragma once

#include <string>

#include "inkprint/experiment.hpp"

namespace inkprint::tools {

// Applies option `name` with `value` to `config`. Returns false when `name` is not an
// experiment option. Throws Error on a value that cannot be used.
bool apply_experiment_option(const std::string& name, const std::string& value, ExperimentConfig& config);

// Parses a number for option `name`, or throws Error naming both.
double parse_number(const std::string& name, const std::string& value);

// Help text of the experiment options, one option per line.
extern const char* const kExperimentOptionsHelp;

}  // namespace inkprint::tools
