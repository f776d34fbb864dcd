#include "inkprint/model.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "inkprint/error.hpp"
#include "number_text.hpp"

namespace inkprint {

namespace {

constexpr char kMagic[8] = {'I', 'N', 'K', 'P', 'R', 'I', 'N', 'T'};
// Longer descriptions are not written by our tools; the cap stops a corrupted length early.
constexpr std::uint32_t kMaxDescriptionBytes = 1 << 20;
constexpr std::uint32_t kMaxLayers = 32;  // as NetworkConfig::validate() allows

class Writer {
public:
    void u32(std::uint32_t value) {
        for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
    void f32(float value) {
        std::uint32_t bits;
        std::memcpy(&bits, &value, 4);
        u32(bits);
    }
    std::vector<std::uint8_t> bytes;
};

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::uint32_t u32(const char* what) {
        need(4, what);
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(bytes_[position_ + i]) << (8 * i);
        position_ += 4;
        return value;
    }
    float f32(const char* what) {
        const std::uint32_t bits = u32(what);
        float value;
        std::memcpy(&value, &bits, 4);
        return value;
    }
    void need(std::size_t count, const char* what) {
        if (bytes_.size() - position_ < count) {
            truncated_ = true;
            throw Error("model file is truncated: it ends at byte " + std::to_string(bytes_.size()) +
                        " while reading the " + what + "; export or download the model again");
        }
    }
    std::size_t position() const { return position_; }
    void skip(std::size_t count) { position_ += count; }
    bool truncated() const { return truncated_; }

private:
    bool truncated_ = false;
    std::span<const std::uint8_t> bytes_;
    std::size_t position_ = 0;
};

const std::array<std::uint32_t, 256>& crc_table() {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> entries{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            entries[n] = c;
        }
        return entries;
    }();
    return table;
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
    const auto& table = crc_table();
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::uint8_t byte : bytes) c = table[(c ^ byte) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

void Model::validate() const {
    network.validate();
    if (scaling.mean.size() != static_cast<std::size_t>(network.n_features) ||
        scaling.std_dev.size() != static_cast<std::size_t>(network.n_features)) {
        throw Error("model has feature scaling for " + std::to_string(scaling.mean.size()) + " features but " +
                    std::to_string(network.n_features) + " network inputs");
    }
    for (std::size_t f = 0; f < scaling.std_dev.size(); ++f) {
        if (!std::isfinite(scaling.mean[f]) || !(scaling.std_dev[f] > 0) || !std::isfinite(scaling.std_dev[f])) {
            throw Error("model has an invalid scaling for feature " + std::to_string(f) + ": mean " +
                        std::to_string(scaling.mean[f]) + ", standard deviation " + std::to_string(scaling.std_dev[f]));
        }
    }
    if (parameters.size() != network.parameter_count()) {
        throw Error("model has " + std::to_string(parameters.size()) + " parameters but its network needs " +
                    std::to_string(network.parameter_count()));
    }
    // No magnitude limit: the size at which the network's sums overflow depends on the other
    // weights and the input, so Verifier::embed_features() checks each embedding instead.
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (!std::isfinite(parameters[i])) {
            throw Error("model parameter " + std::to_string(i) + " is not finite: the model is damaged, retrain it");
        }
    }
    if (!std::isfinite(threshold)) throw Error("model threshold is not finite");
    // Every model compares this threshold with a cosine, from -1 to 1. A fused score has its own
    // threshold in the description. At -1 or below every signature passes, above 1 none does.
    if (!(threshold > -1.0f && threshold <= 1.0f)) {
        throw Error("model threshold " + detail::format_number(threshold) + " would " +
                    (threshold > 1.0f ? "reject" : "accept") +
                    " every signature: it is compared with a cosine, which lies from -1 to 1, so it must be above -1 "
                    "and at most 1; use another model or train it again");
    }
}

std::vector<std::uint8_t> serialize_network(const Model& model) {
    Model network;
    network.network = model.network;
    network.scaling = model.scaling;
    network.parameters = model.parameters;
    return serialize_model(network);
}

std::vector<std::uint8_t> serialize_model(const Model& model) {
    model.validate();
    Writer out;
    out.bytes.insert(out.bytes.end(), std::begin(kMagic), std::end(kMagic));
    out.u32(kModelFormatVersion);
    out.u32(static_cast<std::uint32_t>(model.network.n_features));
    out.u32(static_cast<std::uint32_t>(model.network.n_steps));
    out.u32(static_cast<std::uint32_t>(model.network.layers.size()));
    for (const LayerSpec& layer : model.network.layers) {
        out.u32(static_cast<std::uint32_t>(layer.kind));
        out.u32(static_cast<std::uint32_t>(layer.channels));
        out.u32(static_cast<std::uint32_t>(layer.width));
        out.u32(static_cast<std::uint32_t>(layer.stride));
        out.u32(static_cast<std::uint32_t>(layer.activation));
    }
    for (float value : model.scaling.mean) out.f32(value);
    for (float value : model.scaling.std_dev) out.f32(value);
    out.f32(model.threshold);
    out.f32(model.genuine_target);
    out.f32(model.forgery_target);
    out.u32(static_cast<std::uint32_t>(model.parameters.size()));
    for (float value : model.parameters) out.f32(value);
    out.u32(static_cast<std::uint32_t>(model.description.size()));
    out.bytes.insert(out.bytes.end(), model.description.begin(), model.description.end());
    out.u32(crc32(out.bytes));
    return out.bytes;
}

namespace {

// Reads every field after the version with bounds checks. Afterwards Reader::truncated() reports
// whether reading stopped at the end of the data.
Model parse_fields(std::span<const std::uint8_t> bytes, Reader& in) {
    Model model;
    model.network.n_features = static_cast<int>(in.u32("feature count"));
    model.network.n_steps = static_cast<int>(in.u32("step count"));
    const std::uint32_t n_layers = in.u32("layer count");
    if (n_layers == 0 || n_layers > kMaxLayers) {
        throw Error("model file declares " + std::to_string(n_layers) + " layers, outside 1.." +
                    std::to_string(kMaxLayers) + ": the file is damaged");
    }
    model.network.layers.clear();
    for (std::uint32_t l = 0; l < n_layers; ++l) {
        LayerSpec spec;
        spec.kind = static_cast<LayerKind>(in.u32("layer kind"));
        spec.channels = static_cast<int>(in.u32("layer channels"));
        spec.width = static_cast<int>(in.u32("layer width"));
        spec.stride = static_cast<int>(in.u32("layer stride"));
        spec.activation = static_cast<Activation>(in.u32("layer activation"));
        model.network.layers.push_back(spec);
    }
    model.network.validate();

    for (int f = 0; f < model.network.n_features; ++f) model.scaling.mean.push_back(in.f32("feature mean"));
    for (int f = 0; f < model.network.n_features; ++f) model.scaling.std_dev.push_back(in.f32("feature scale"));
    model.threshold = in.f32("threshold");
    model.genuine_target = in.f32("genuine target");
    model.forgery_target = in.f32("forgery target");

    const std::uint32_t n_parameters = in.u32("parameter count");
    if (n_parameters != model.network.parameter_count()) {
        throw Error("model file declares " + std::to_string(n_parameters) + " parameters but its network needs " +
                    std::to_string(model.network.parameter_count()) + ": the file is damaged");
    }
    in.need(static_cast<std::size_t>(n_parameters) * 4, "parameters");
    model.parameters.reserve(n_parameters);
    for (std::uint32_t i = 0; i < n_parameters; ++i) model.parameters.push_back(in.f32("parameters"));

    const std::uint32_t description_size = in.u32("description length");
    if (description_size > kMaxDescriptionBytes) {
        throw Error("model file declares a description of " + std::to_string(description_size) +
                    " bytes, more than the limit of " + std::to_string(kMaxDescriptionBytes) + ": the file is damaged");
    }
    in.need(description_size, "description");
    model.description.assign(reinterpret_cast<const char*>(bytes.data() + in.position()), description_size);
    in.skip(description_size);
    in.u32("checksum");
    if (in.position() != bytes.size()) {
        throw Error("model file has " + std::to_string(bytes.size() - in.position()) +
                    " unexpected bytes after its checksum: the file is damaged");
    }
    model.validate();
    return model;
}

}  // namespace

Model parse_model(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
        throw Error("the model file is empty (0 bytes), probably cut off while it was saved or copied; export or "
                    "download the model again");
    }
    if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
        throw Error("not an Inkprint model file: it does not start with \"INKPRINT\"; choose a .inkprint file");
    }
    Reader in(bytes);
    in.skip(sizeof kMagic);
    const std::uint32_t version = in.u32("format version");
    if (version != kModelFormatVersion) {
        throw Error("model file has format version " + std::to_string(version) + " but this build reads version " +
                    std::to_string(kModelFormatVersion) + "; use a matching Inkprint release or retrain");
    }

    std::uint32_t stored_checksum = 0;
    const std::size_t body = bytes.size() - 4;
    for (int i = 0; i < 4; ++i) stored_checksum |= static_cast<std::uint32_t>(bytes[body + i]) << (8 * i);
    const std::uint32_t computed_checksum = crc32(bytes.subspan(0, body));
    const std::string corrupted = "model file is corrupted: its CRC-32 checksum does not match (stored " +
                                  std::to_string(stored_checksum) + ", computed " +
                                  std::to_string(computed_checksum) + "); export or download the model again";

    // A damaged field is reported as corruption, a cut-off file as truncation.
    Model model;
    try {
        model = parse_fields(bytes, in);
    } catch (const Error&) {
        if (in.truncated() || stored_checksum == computed_checksum) throw;
        throw Error(corrupted);
    }
    if (stored_checksum != computed_checksum) throw Error(corrupted);
    return model;
}

void check_writable(const std::filesystem::path& path) {
    if (std::filesystem::is_directory(path)) {
        throw Error("cannot write model file " + path.string() + ": it is a folder; name a file instead");
    }
    const std::filesystem::path temporary = path.string() + ".tmp";
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
        throw Error("cannot write model file " + path.string() + ": check that its folder exists and is writable");
    }
    file.close();
    std::filesystem::remove(temporary);
}

void save_model(const Model& model, const std::filesystem::path& path) {
    const std::vector<std::uint8_t> bytes = serialize_model(model);
    check_writable(path);
    const std::filesystem::path temporary = path.string() + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file) throw Error("cannot write model file " + temporary.string() + ": check the folder exists and is writable");
        file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!file) throw Error("failed writing model file " + temporary.string());
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        throw Error("cannot replace model file " + path.string() + ": " + error.message());
    }
}

Model load_model(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw Error("cannot open model file " + path.string() + ": check that it exists");
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return parse_model(bytes);
}

}  // namespace inkprint
