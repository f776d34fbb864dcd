// Native benchmarks through Google Benchmark:
//   build/native/inkprint_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "cases.hpp"

int main(int argc, char** argv) {
    for (const inkprint::bench::Case& c : inkprint::bench::make_cases()) {
        auto* registered = benchmark::RegisterBenchmark(c.name.c_str(), [run = c.run, pairs = c.pairs_per_iteration](
                                                                            benchmark::State& state) {
            for (auto _ : state) run();
            if (pairs > 0) {
                state.counters["pairs_per_s"] =
                    benchmark::Counter(pairs * state.iterations(), benchmark::Counter::kIsRate);
            }
        });
        registered->Unit(benchmark::kMicrosecond);
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
