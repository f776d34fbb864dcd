// Locations of the SVC2004 data and the default model for tests that need them.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "inkprint/svc2004.hpp"

namespace inkprint::testing {

// The SVC2004 folder: $INKPRINT_SVC2004_DIR, else ../shared/data/svc2004 beside the checkout.
inline std::filesystem::path svc2004_data() {
    return svc2004_folder(INKPRINT_DEFAULT_DATA_DIR);
}

inline std::string missing_data_message() {
    return "SVC2004 data not found at " + svc2004_data().string() +
           ": put the Task1 and Task2 folders of the SVC2004 sample sets there, or set "
           "INKPRINT_SVC2004_DIR to the folder that holds them";
}

}  // namespace inkprint::testing

// Skips the current test, with instructions, when the SVC2004 data is not installed. With the
// environment variable INKPRINT_REQUIRE_DATA=1 (set by the CI script) it fails instead, so
// that a run without data cannot pass unnoticed.
#define INKPRINT_REQUIRE_SVC2004()                                                              \
    do {                                                                                        \
        if (!std::filesystem::is_directory(::inkprint::testing::svc2004_data() / "Task1")) {    \
            const char* required = std::getenv("INKPRINT_REQUIRE_DATA");                       \
            if (required != nullptr && std::string(required) == "1")                            \
                FAIL() << ::inkprint::testing::missing_data_message();                          \
            GTEST_SKIP() << ::inkprint::testing::missing_data_message();                        \
        }                                                                                       \
    } while (0)
