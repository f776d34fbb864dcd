// Helpers shared by the embind files (bindings.cpp, train_bindings.cpp): turning core errors
// into JavaScript errors and copying between typed arrays and the core's types.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "inkprint/error.hpp"
#include "inkprint/signature.hpp"

namespace inkprint_bindings {

using emscripten::val;

// Throws a JavaScript Error with the message stored by guard(). Defined in bindings.cpp.
[[noreturn]] void throw_stored_error();

// The message of the error that throw_stored_error() throws. It lives outside the failing
// call, so that nothing needs destroying when the JavaScript error unwinds through the
// WebAssembly frames without running C++ destructors. Defined in bindings.cpp.
std::string& stored_error_message();

// Runs `function` and turns an inkprint::Error into a JavaScript Error with the same message.
// Any other std::exception becomes an Error that says it is an internal error.
template <typename Function>
auto guard(Function&& function) -> decltype(function()) {
    bool failed = false;
    try {
        return function();
    } catch (const inkprint::Error& error) {
        stored_error_message() = error.what();
        failed = true;
    } catch (const std::exception& error) {
        stored_error_message() = std::string("internal error in Inkprint: ") + error.what();
        failed = true;
    }
    if (failed) throw_stored_error();
    __builtin_unreachable();
}

inline bool is_instance(const val& value, const char* type) { return value.instanceof(val::global(type)); }

// Copies a typed array of `type` or an Array of numbers. Throws Error naming `what` otherwise.
template <typename T>
std::vector<T> numbers_from(const val& value, const char* type, const char* what) {
    if (!is_instance(value, type) && !val::global("Array").call<bool>("isArray", value)) {
        throw inkprint::Error(std::string(what) + " must be a " + type + " or an Array of numbers, got " +
                              value.typeOf().as<std::string>());
    }
    return emscripten::convertJSArrayToNumberVector<T>(value);
}

// Copies a JavaScript string. Throws Error naming `what` when `value` is not a string.
// Bindings take strings as val, not std::string. Emscripten 3.1.6's embind passes a std::string
// argument in a buffer that it frees only when the call returns, so each call that threw an
// Error leaked that buffer (tests/wasm/heap-leak.test.mjs measured it).
inline std::string string_from(const val& value, const char* what) {
    if (value.typeOf().as<std::string>() != "string") {
        throw inkprint::Error(std::string(what) + " must be a string, got " + value.typeOf().as<std::string>());
    }
    return value.as<std::string>();
}

inline val float32_array(const std::vector<float>& values) {
    return val::global("Float32Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
}

inline val float64_array(const std::vector<double>& values) {
    return val::global("Float64Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
}

inline val uint8_array(const std::vector<std::uint8_t>& values) {
    return val::global("Uint8Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
}

// Reads a signature from the flat point format, [x, y, t_ms, pressure, stroke_index] per point.
inline inkprint::Signature signature_from(const val& points) {
    const std::vector<double> values = numbers_from<double>(
        points, "Float64Array", "points ([x, y, t_ms, pressure, stroke_index] per point)");
    return inkprint::signature_from_flat(values);
}

// Reads an Array of signatures in the flat point format (Float64Array each). `plural` names
// the list in errors ("enrolment signatures") and `singular` one of its items ("enrolment
// signature"), so that an error names the invalid signature, counting from 1.
inline std::vector<inkprint::Signature> signatures_from(const val& list, const std::string& plural,
                                                        const std::string& singular) {
    if (!val::global("Array").call<bool>("isArray", list)) {
        throw inkprint::Error(plural + " must be an Array with the points (Float64Array) of each signature, got " +
                              list.typeOf().as<std::string>());
    }
    std::vector<inkprint::Signature> signatures;
    const unsigned count = list["length"].as<unsigned>();
    for (unsigned i = 0; i < count; ++i) {
        try {
            signatures.push_back(signature_from(list[i]));
        } catch (const inkprint::Error& error) {
            throw inkprint::Error(singular + " " + std::to_string(i + 1) + ": " + error.what());
        }
    }
    return signatures;
}

// Writes `text` as a JSON string literal. Control characters are dropped.
inline std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

}  // namespace inkprint_bindings
