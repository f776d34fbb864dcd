// Self-timed benchmarks for builds without Google Benchmark, the WebAssembly one in particular:
//   node --no-experimental-fetch build/wasm/inkprint_bench_timed.js [--json]
// Each case runs for about 0.2 s per sample; the output gives the median time per iteration
// and the spread (minimum and maximum) over 7 samples, as a table or, with --json, as one JSON
// object per line.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cases.hpp"

int main(int argc, char** argv) {
    using Clock = std::chrono::steady_clock;
    const bool json = argc > 1 && std::string(argv[1]) == "--json";
    if (!json) std::printf("%-28s %12s %12s %12s %14s\n", "case", "median_us", "min_us", "max_us", "pairs_per_s");
    for (const inkprint::bench::Case& c : inkprint::bench::make_cases()) {
        // Calibrate the iteration count so that one sample takes about 0.2 s.
        long long iterations = 1;
        for (;;) {
            const auto start = Clock::now();
            for (long long i = 0; i < iterations; ++i) c.run();
            if (std::chrono::duration<double>(Clock::now() - start).count() > 0.05) break;
            iterations *= 2;
        }
        iterations *= 4;
        std::vector<double> samples;
        for (int s = 0; s < 7; ++s) {
            const auto start = Clock::now();
            for (long long i = 0; i < iterations; ++i) c.run();
            samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations);
        }
        std::sort(samples.begin(), samples.end());
        const double median = samples[3];
        if (json) {
            std::printf("{\"name\":\"%s\",\"median_us\":%.6g,\"min_us\":%.6g,\"max_us\":%.6g}\n", c.name.c_str(),
                        median, samples.front(), samples.back());
        } else {
            std::printf("%-28s %12.3f %12.3f %12.3f", c.name.c_str(), median, samples.front(), samples.back());
            if (c.pairs_per_iteration > 0) std::printf(" %14.0f", c.pairs_per_iteration / (median * 1e-6));
            std::printf("\n");
        }
        std::fflush(stdout);
    }
    return 0;
}
