// Reader for the SVC2004 online signature files (Task 1 and Task 2 of the First International
// Signature Verification Competition, Yeung et al., ICBA 2004).
//
// A file starts with the number of points, then one line per point:
//   Task 1: X Y timestamp button
//   Task 2: X Y timestamp button azimuth altitude pressure
// Pen-up (hover) samples are not recorded. A new stroke starts where button is 0 or where the
// time since the previous sample exceeds kStrokeGapMs. Button values 2-5 occur although
// undocumented and are read as pen-down. Timestamps that step back by at most
// kMaxSvc2004StepBackMs (some files step back by up to 25 ms) are clamped to the previous time,
// so time never decreases. A larger step back is an error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "inkprint/ink.hpp"
#include "inkprint/signature.hpp"

namespace inkprint {

// The tablet samples at 100 Hz (10 ms); strokes are separated by gaps of 70 ms or more.
inline constexpr double kStrokeGapMs = 30.0;

// Task 2 pressure ranges over 0..1023.
inline constexpr double kSvc2004MaxPressure = 1023.0;

// Maximum step back in time between two lines that is clamped rather than rejected. The
// SVC2004 sets step back by at most 25 ms.
inline constexpr double kMaxSvc2004StepBackMs = 100.0;

// Parses one file's text. `source` names the file in error messages. A file of 7 columns whose
// pressure is the same on every line gives a signature without pressure.
// Throws Error naming the line on malformed input.
Signature parse_svc2004(std::string_view text, const std::string& source = "SVC2004 text");

// Parses one file's text into ink. The SVC2004 sets were written with a tablet pen, so every
// stroke gets the pointer type "pen". The azimuth and altitude columns are not read.
InkSignature parse_svc2004_ink(std::string_view text, const std::string& source = "SVC2004 text");

// Writes ink as SVC2004 text. Signatures without pressure get the 4 columns of Task 1; with
// pressure on every stroke, the 7 columns of Task 2, with pressure scaled to 0..1023 and
// azimuth and altitude written as 0 because Inkprint does not read them. x, y and time are
// rounded to whole numbers, as the format requires, and the first sample of each stroke gets
// button 0, the others button 1. Throws Error for ink that validate_ink rejects and for
// ink where some strokes have pressure and others do not, which the format cannot express.
std::string write_svc2004(const InkSignature& ink);

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
