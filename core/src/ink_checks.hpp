// Checks of single strokes and samples, shared by validate_ink and the file readers, which add
// the line number of the sample to the message.
#pragma once

#include <cstddef>

#include "inkprint/ink.hpp"

namespace inkprint::detail {

// Throws Error when stroke `s` (counted from 0) has an invalid pointer type or no samples.
void check_stroke(const InkStroke& stroke, std::size_t s);

// Throws Error when sample `i` of stroke `s` (both counted from 0) breaks a rule of
// validate_ink. `previous_t` is the time of the sample before it, or -infinity for the first.
void check_sample(const InkStroke& stroke, std::size_t s, std::size_t i, double previous_t);

}  // namespace inkprint::detail
