// Native benchmarks through Google Benchmark:
//   build/native/inkprint_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Besides the cases of cases.hpp, it measures the machine's peak multiply-add rate with AVX2
// and AVX-512 fused multiply-adds, when the processor has them, for the fraction of peak in
// docs/benchmarks.md. The library itself is built for plain x86-64 (SSE2).
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include "cases.hpp"

namespace {

constexpr int kAccumulators = 16;
constexpr int kRounds = 4096;

// 16 independent chains of acc = acc * m + c as fused multiply-adds on 8 floats (AVX2).
__attribute__((target("avx2,fma"))) float peak_avx2_fma() {
    __m256 acc[kAccumulators];
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_set1_ps(inkprint::bench::g_sink + float(i));
    const __m256 m = _mm256_set1_ps(0.99999f), c = _mm256_set1_ps(1e-3f);
    for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
    }
    __m256 sum = acc[0];
    for (int i = 1; i < kAccumulators; ++i) sum = _mm256_add_ps(sum, acc[i]);
    return _mm256_cvtss_f32(sum);
}

// The same on 16 floats (AVX-512).
__attribute__((target("avx512f"))) float peak_avx512_fma() {
    __m512 acc[kAccumulators];
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(inkprint::bench::g_sink + float(i));
    const __m512 m = _mm512_set1_ps(0.99999f), c = _mm512_set1_ps(1e-3f);
    for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
    }
    __m512 sum = acc[0];
    for (int i = 1; i < kAccumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<inkprint::bench::Case> cases = inkprint::bench::make_cases();
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        cases.push_back({"peak/avx2_fma", [] { inkprint::bench::g_sink = peak_avx2_fma(); }, 0,
                         2.0 * kAccumulators * kRounds * 8});
    }
    if (__builtin_cpu_supports("avx512f")) {
        cases.push_back({"peak/avx512_fma", [] { inkprint::bench::g_sink = peak_avx512_fma(); }, 0,
                         2.0 * kAccumulators * kRounds * 16});
    }
    for (const inkprint::bench::Case& c : cases) {
        auto* registered = benchmark::RegisterBenchmark(
            c.name.c_str(), [run = c.run, pairs = c.pairs_per_iteration, flops = c.flops_per_iteration](benchmark::State& state) {
                for (auto _ : state) run();
                if (pairs > 0) {
                    state.counters["pairs_per_s"] = benchmark::Counter(pairs * state.iterations(), benchmark::Counter::kIsRate);
                }
                if (flops > 0) {
                    state.counters["flops"] = benchmark::Counter(flops * state.iterations(), benchmark::Counter::kIsRate);
                }
            });
        // Wall-clock time, so that the case with threads over the batch counts their work once.
        registered->Unit(benchmark::kMicrosecond)->UseRealTime();
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
