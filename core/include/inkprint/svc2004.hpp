// Reader for the SVC2004 online signature files (Task 1 and Task 2 of the First International
// Signature Verification Competition, Yeung et al., ICBA 2004).
//
// A file starts with the number of points, then one line per point:
//   Task 1: X Y timestamp button
//   Task 2: X Y timestamp button azimuth altitude pressure
// Pen-up (hover) samples are not recorded. A new stroke starts where button is 0 or where the
// time since the previous sample exceeds kStrokeGapMs. Button values 2-5 occur although
// undocumented and are read as pen-down. Timestamps that step back (by a few ms in some files)
// are clamped to the previous time so that time never decreases.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "inkprint/signature.hpp"

namespace inkprint {

// The tablet samples at 100 Hz (10 ms); strokes are separated by gaps of 70 ms or more.
inline constexpr double kStrokeGapMs = 30.0;

// Task 2 pressure ranges over 0..1023.
inline constexpr double kSvc2004MaxPressure = 1023.0;

// Parses one file's text. `source` names the file in error messages.
// Throws Error naming the line on malformed input.
Signature parse_svc2004(std::string_view text, const std::string& source = "SVC2004 text");

// Reads and parses one file. Throws Error when it cannot be opened or parsed.
Signature read_svc2004_file(const std::filesystem::path& path);

// One writer of an SVC2004 task: 20 genuine signatures (files S1-S20) and 20 skilled
// forgeries of them by other people (files S21-S40).
struct Svc2004User {
    int user = 0;
    std::vector<Signature> genuine;
    std::vector<Signature> forgeries;
};

// Reads users `first_user`..`last_user` of one task folder (for example
// <data>/Task1). Throws Error naming the missing or unreadable file.
std::vector<Svc2004User> read_svc2004_task(const std::filesystem::path& task_folder,
                                           int first_user = 1, int last_user = 40);

// Returns the SVC2004 data folder: the environment variable INKPRINT_SVC2004_DIR when set,
// otherwise `fallback`.
std::filesystem::path svc2004_folder(const std::filesystem::path& fallback);

}  // namespace inkprint
