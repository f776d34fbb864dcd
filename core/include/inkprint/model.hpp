// A trained model and its versioned binary file.
//
// File layout, all numbers little-endian:
//   8 bytes  magic "INKPRINT"
//   u32      format version (kModelFormatVersion)
//   u32      n_features, u32 n_steps, u32 layer count, then per layer u32 kind, channels, width,
//            stride, activation (see LayerSpec; fields a kind does not use are 0)
//   f32      feature mean [n_features], feature standard deviation [n_features]
//   f32      decision threshold, genuine target, forgery target
//   u32      parameter count, then f32 parameters (the Network's flat layout)
//   u32      description length, then that many bytes of UTF-8 JSON (how it was trained)
//   u32      CRC-32 (IEEE 802.3) of every byte before it
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "inkprint/features.hpp"
#include "inkprint/network.hpp"

namespace inkprint {

inline constexpr std::uint32_t kModelFormatVersion = 2;

struct Model {
    NetworkConfig network;
    FeatureScaling scaling;
    // Cosine at or above which a query is accepted as genuine: above -1 and at most 1.
    float threshold = 0.5f;
    float genuine_target = 1.0f;
    float forgery_target = -0.9f;
    std::vector<float> parameters;
    std::string description = "{}";  // JSON object: training data, held-out error rates

    // Throws Error when the parts do not fit together (parameter count, scaling size), when a
    // parameter or scaling value is not finite, or when no cosine can cross the threshold.
    void validate() const;
};

std::vector<std::uint8_t> serialize_model(const Model& model);

// Returns the bytes that decide the model's embeddings, in the layout of serialize_model(): the
// network's shape, the feature scaling and the parameters, with the threshold, the targets and
// the description at fixed values. Two models with the same bytes here embed every signature
// alike, so embeddings stored with one are valid for the other even when their fusion or
// threshold differ.
std::vector<std::uint8_t> serialize_network(const Model& model);

// Parses a model file's bytes. Throws Error naming what is wrong: not a model file, another
// format version, truncated, a checksum mismatch (corrupted), or absurd dimensions.
Model parse_model(std::span<const std::uint8_t> bytes);

// Writes the model beside `path`, then renames it into place, so that a crash never leaves a
// half-written file. Throws Error when the file cannot be written.
void save_model(const Model& model, const std::filesystem::path& path);

// Throws Error unless a file can be created at `path` (not a folder, in an existing, writable
// folder), so that a long computation can fail before it starts rather than at its end.
void check_writable(const std::filesystem::path& path);
Model load_model(const std::filesystem::path& path);

// CRC-32 with the IEEE 802.3 polynomial, as used by zlib and PNG.
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

}  // namespace inkprint
