// Self-timed benchmarks for builds without Google Benchmark, the WebAssembly one in particular:
//   node --no-experimental-fetch build/wasm/inkprint_bench_timed.js [--json] [--filter TEXT]...
// Each case doubles its iteration count until a run takes over 50 ms, scales it so that one
// sample takes about 0.2 s, and takes 7 samples. The output gives the median time per
// iteration and the spread (minimum and maximum), as a table or, with --json, as one JSON
// object per line. --filter runs only the cases whose name contains TEXT, or one of the TEXTs
// when repeated. The last line gives
// the memory in use at the end: the WebAssembly heap's size, or natively the peak resident
// set. bench/browser/ runs the same program in a Web Worker.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#ifndef __EMSCRIPTEN__
#include <sys/resource.h>
#endif

#include "cases.hpp"

namespace {

// Bytes of the WebAssembly memory, which only grows; natively the peak resident set size.
double memory_bytes() {
#ifdef __EMSCRIPTEN__
    return double(__builtin_wasm_memory_size(0)) * 65536.0;
#else
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) * 1024.0;  // Linux reports kilobytes
#endif
}

}  // namespace

int main(int argc, char** argv) {
    using Clock = std::chrono::steady_clock;
    bool json = false;
    std::vector<std::string> filters;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--json") {
            json = true;
        } else if (argument == "--filter" && i + 1 < argc) {
            filters.push_back(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: inkprint_bench_timed [--json] [--filter TEXT]...\n");
            return 2;
        }
    }
    if (!json) std::printf("%-28s %12s %12s %12s %14s\n", "case", "median_us", "min_us", "max_us", "pairs_per_s");
    for (const inkprint::bench::Case& c : inkprint::bench::make_cases()) {
        const bool selected = filters.empty() || std::any_of(filters.begin(), filters.end(), [&](const std::string& text) {
                                  return c.name.find(text) != std::string::npos;
                              });
        if (!selected) continue;
        long long iterations = 1;
        double elapsed = 0;
        for (;;) {
            const auto start = Clock::now();
            for (long long i = 0; i < iterations; ++i) c.run();
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            if (elapsed > 0.05) break;
            iterations *= 2;
        }
        iterations = std::max(1LL, static_cast<long long>(iterations * 0.2 / elapsed + 0.5));
        std::vector<double> samples;
        for (int s = 0; s < 7; ++s) {
            const auto start = Clock::now();
            for (long long i = 0; i < iterations; ++i) c.run();
            samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations);
        }
        std::sort(samples.begin(), samples.end());
        const double median = samples[3];
        if (json) {
            std::printf("{\"name\":\"%s\",\"median_us\":%.6g,\"min_us\":%.6g,\"max_us\":%.6g", c.name.c_str(), median,
                        samples.front(), samples.back());
            if (c.flops_per_iteration > 0) std::printf(",\"flops_per_iteration\":%.6g", c.flops_per_iteration);
            std::printf("}\n");
        } else {
            std::printf("%-28s %12.3f %12.3f %12.3f", c.name.c_str(), median, samples.front(), samples.back());
            if (c.pairs_per_iteration > 0) std::printf(" %14.0f", c.pairs_per_iteration / (median * 1e-6));
            if (c.flops_per_iteration > 0) std::printf(" %10.2f GFLOP/s", c.flops_per_iteration / (median * 1e3));
            std::printf("\n");
        }
        std::fflush(stdout);
    }
    if (json) {
        std::printf("{\"name\":\"memory\",\"bytes\":%.0f}\n", memory_bytes());
    } else {
        std::printf("memory in use at the end: %.1f MB\n", memory_bytes() / 1e6);
    }
    return 0;
}
