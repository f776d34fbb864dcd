// Error type for every failure caused by outside data: files, user input, configuration.
#pragma once

#include <stdexcept>
#include <string>

namespace inkprint {

// An expected failure whose message names the bad value and what to do about it.
// Programming errors (broken invariants) are not reported through this type.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace inkprint
