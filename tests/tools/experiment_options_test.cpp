// Tests of the option parser that inkprint-train and inkprint-evaluate share. Each invalid
// value is rejected when the command line is read, with a message that names the option.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "experiment_options.hpp"
#include "inkprint/error.hpp"

using inkprint::Error;
using inkprint::ExperimentConfig;
namespace tools = inkprint::tools;

namespace {

// Returns the message of the Error that `action` throws, or nothing when it throws none.
std::optional<std::string> error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return std::string(error.what());
    }
    return std::nullopt;
}

void expect_message(const std::optional<std::string>& message, const std::string& part) {
    ASSERT_TRUE(message.has_value()) << "expected an error containing: " << part;
    EXPECT_NE(message->find(part), std::string::npos) << *message;
}

void no_usage() {}

// Parses `words` as a command line with the options of a tool that reads --out and --data.
// Returns the message of the Error, or nothing when the line is accepted.
std::optional<std::string> parse(std::vector<std::string> words, ExperimentConfig* result = nullptr) {
    words.insert(words.begin(), "inkprint-test");
    std::vector<char*> argv;
    for (std::string& word : words) argv.push_back(word.data());
    ExperimentConfig config;
    auto handle = [](const std::string& name, const std::string&) { return name == "--out" || name == "--data"; };
    auto message = error_of([&] {
        tools::parse_command_line(static_cast<int>(argv.size()), argv.data(), config, no_usage, {"--out", "--data"},
                                  handle);
        tools::validate_experiment(config);
    });
    if (result != nullptr) *result = config;
    return message;
}

// A folder of its own under the temporary folder, removed at the end of the test.
class TemporaryFolder {
public:
    explicit TemporaryFolder(const std::string& name)
        : path_(std::filesystem::temp_directory_path() / ("inkprint_options_test_" + name)) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

TEST(ExperimentOptions, AcceptsValidSettings) {
    ExperimentConfig config;
    EXPECT_FALSE(parse({"--out", "m.inkprint", "--epochs", "3", "--learning-rate", "0.01", "--momentum", "0.5",
                        "--genuine-target", "0.8", "--forgery-target", "-1", "--last-epoch"},
                       &config));
    EXPECT_EQ(config.training.epochs, 3);
    EXPECT_DOUBLE_EQ(config.training.optimizer.learning_rate, 0.01);
    EXPECT_DOUBLE_EQ(config.training.optimizer.momentum, 0.5);
    EXPECT_DOUBLE_EQ(config.training.loss.genuine_target, 0.8);
    EXPECT_DOUBLE_EQ(config.training.loss.forgery_target, -1);
    EXPECT_FALSE(config.keep_best_epoch);
}

TEST(ExperimentOptions, UnknownOptionWithoutValue) {
    for (const auto& words : std::vector<std::vector<std::string>>{{"--bogus"}, {"--bogus", "1"}}) {
        const auto message = parse(words);
        expect_message(message, "unknown option --bogus");
        expect_message(message, "--help");
        EXPECT_EQ(message->find("needs a value"), std::string::npos) << *message;
    }
}

TEST(ExperimentOptions, StrayWordIsNotAnOption) {
    const auto message = parse({"--out", "m.inkprint", "extra"});
    expect_message(message, "'extra' is not an option");
    expect_message(message, "options start with --");
    EXPECT_EQ(message->find("needs a value"), std::string::npos) << *message;
}

TEST(ExperimentOptions, MissingValueNamesOption) {
    expect_message(parse({"--out"}), "option --out needs a value");
    expect_message(parse({"--out", "--epochs", "3"}), "option --out needs a value, but --epochs follows it");
}

TEST(ExperimentOptions, MomentumOutOfRange) {
    for (const std::string value : {"1", "-0.1", "2"}) {
        const auto message = parse({"--optimizer", "sgd", "--momentum", value});
        expect_message(message, "option --momentum needs a number from 0 to below 1, got '" + value + "'");
        EXPECT_EQ(message->find("learning rate"), std::string::npos) << *message;
    }
}

TEST(ExperimentOptions, WholeNumbersDecimalDigitsOnly) {
    for (const std::string value : {"abc", "0x3", "3.0", "3e0", "+3", " 3", "", "99999999999"}) {
        expect_message(parse({"--epochs", value}),
                       "option --epochs needs a whole number from 1 to 100000, got '" + value + "'");
    }
    expect_message(parse({"--epochs", "0"}), "option --epochs needs a whole number from 1 to 100000, got '0'");
    EXPECT_EQ(tools::parse_whole("--epochs", "007", 1, 100), 7);
}

TEST(ExperimentOptions, RealNumbersRejectHexadecimalAndSpaces) {
    expect_message(parse({"--weight-decay", "0x1"}), "option --weight-decay needs a finite number, got '0x1'");
    expect_message(parse({"--clip-norm", " 1"}), "option --clip-norm needs a finite number");
    expect_message(parse({"--clip-norm", "inf"}), "option --clip-norm needs a finite number");
}

TEST(ExperimentOptions, LearningRatePageBounds) {
    expect_message(parse({"--learning-rate", "1e5"}), "option --learning-rate needs a number from 1e-06 to 1, got '1e5'");
    expect_message(parse({"--learning-rate", "-1"}), "option --learning-rate needs a number from 1e-06 to 1, got '-1'");
    expect_message(parse({"--learning-rate", "0"}), "option --learning-rate");
    EXPECT_FALSE(parse({"--learning-rate", "1"}));
    EXPECT_FALSE(parse({"--learning-rate", "1e-6"}));
}

TEST(ExperimentOptions, TargetsCosinesForgeryBelowGenuine) {
    expect_message(parse({"--genuine-target", "5"}), "option --genuine-target needs a number from -1 to 1, got '5'");
    expect_message(parse({"--forgery-target", "-1.5"}),
                   "option --forgery-target needs a number from -1 to 1, got '-1.5'");
    expect_message(parse({"--genuine-target", "1", "--forgery-target", "1"}),
                   "--forgery-target 1 must be below --genuine-target 1");
    expect_message(parse({"--genuine-target", "-0.5", "--forgery-target", "0"}),
                   "--forgery-target 0 must be below --genuine-target -0.5");
}

// --preset replaces every training setting, so a setting given before it would be lost.
TEST(ExperimentOptions, PresetMustComeFirst) {
    expect_message(parse({"--epochs", "1", "--preset", "published"}),
                   "option --preset replaces every training setting, so it would undo --epochs given before it: "
                   "put --preset first");
    ExperimentConfig config;
    EXPECT_FALSE(parse({"--preset", "published", "--epochs", "1"}, &config).has_value());
    EXPECT_EQ(config.training.epochs, 1);
    EXPECT_FALSE(config.keep_best_epoch);
    // Options of the tool itself are not training settings.
    EXPECT_FALSE(parse({"--out", "m.inkprint", "--preset", "published"}).has_value());
}

TEST(ExperimentOptions, WeightDecayAtMostOne) {
    expect_message(parse({"--weight-decay", "1e300"}), "--weight-decay");
    expect_message(parse({"--weight-decay", "1.5"}), "1.5");
    EXPECT_FALSE(parse({"--weight-decay", "1"}).has_value());
}

TEST(ExperimentOptions, InvalidNumberNamesOption) {
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {"--weight-decay", "-1"}, {"--clip-norm", "-1"},   {"--margin", "0"},     {"--genuine-share", "2"},
        {"--skilled-share", "-1"}, {"--batch", "0"},      {"--pairs", "x"},      {"--augment", "101"},
        {"--threads", "-1"},       {"--seed", "1.5"},     {"--momentum", "abc"}, {"--learning-rate", "abc"}};
    for (const auto& [name, value] : invalid) {
        expect_message(parse({name, value}), "option " + name + " needs ");
    }
    const auto shares = parse({"--genuine-share", "0.6", "--skilled-share", "0.6"});
    expect_message(shares, "--genuine-share 0.6 and --skilled-share 0.6 sum to more than 1");
}

TEST(ExperimentOptions, DataAdviceFollowsSource) {
    const std::filesystem::path missing = "/nonexistent-inkprint-data";
    const auto from_option = error_of([&] { tools::check_data_folder(missing, {1}, true); });
    expect_message(from_option, "SVC2004 folder /nonexistent-inkprint-data/Task1 not found");
    expect_message(from_option, "pass --data the folder that holds Task1/ and Task2/");
    EXPECT_EQ(from_option->find("INKPRINT_SVC2004_DIR"), std::string::npos) << *from_option;

    const char* saved = std::getenv("INKPRINT_SVC2004_DIR");
    const std::optional<std::string> previous = saved ? std::optional<std::string>(saved) : std::nullopt;
    setenv("INKPRINT_SVC2004_DIR", missing.c_str(), 1);
    const auto from_variable = error_of([&] { tools::check_data_folder(missing, {2}, false); });
    unsetenv("INKPRINT_SVC2004_DIR");
    const auto from_default = error_of([&] { tools::check_data_folder(missing, {1}, false); });
    if (previous) setenv("INKPRINT_SVC2004_DIR", previous->c_str(), 1);
    expect_message(from_variable, "Task2 not found: set INKPRINT_SVC2004_DIR to the folder");
    expect_message(from_default, "place the SVC2004 Task1 and Task2 folders there");
    expect_message(from_default, "or pass --data");

    TemporaryFolder data("data");
    std::filesystem::create_directories(data.path() / "Task1");
    EXPECT_FALSE(error_of([&] { tools::check_data_folder(data.path(), {1}, true); }));
    expect_message(error_of([&] { tools::check_data_folder(data.path(), {1, 2}, true); }), "Task2 not found");
}

TEST(ExperimentOptions, OutputFolderCreatedOrRejected) {
    TemporaryFolder root("output");
    const std::filesystem::path created = root.path() / "new" / "results";
    EXPECT_FALSE(error_of([&] { tools::prepare_output_folder(created); }));
    EXPECT_TRUE(std::filesystem::is_directory(created));
    EXPECT_TRUE(std::filesystem::is_empty(created));

    const std::filesystem::path file = root.path() / "a-file";
    std::ofstream(file) << "text";
    for (const auto& folder : {file, file / "below"}) {
        const auto message = error_of([&] { tools::prepare_output_folder(folder); });
        expect_message(message, "cannot create the output folder " + folder.string() + " (");
        expect_message(message, "pass --out a folder that can be created and written");
    }
}
