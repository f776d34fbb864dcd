#!/usr/bin/python3
"""PyTorch peer of the training-step and forward-pass benchmarks, on one CPU thread.

    /usr/bin/python3 bench/peer_torch.py [--json] [--quick]

Uses Debian's python3-torch (scripts/setup.sh --bench installs it), hence /usr/bin/python3
rather than any other Python on the PATH. The network is the one of bench/cases.hpp: Conv1d
8->12 (width 11, stride 3), 1.7159 tanh(2x/3), Conv1d 12->16 (width 10, stride 3), the same
tanh, the mean over time. A training step runs both branches of B pairs, takes the cosine of
each pair, the squared error to +1 (genuine) or -0.9 (forgery) halved and averaged over the
batch, backpropagates and applies Adam (learning rate 1e-3), as core/src/train.cpp does. Both
branches go through the network as one batch of 2B signatures, which is PyTorch's fastest
form. The forward case embeds one signature: the forward pass only, because PyTorch has no
copy of our preprocessing (bench/cases.hpp times that separately).

Each case prints its median time per iteration and the minimum and maximum over 7 samples of
about 0.2 s (bench/lib/timing.mjs states the rule), in the format of
build/wasm/inkprint_bench_timed.js.
"""

import json
import statistics
import sys
import time

import torch

FEATURES = 8
GENUINE_TARGET = 1.0
FORGERY_TARGET = -0.9


class ScaledTanh(torch.nn.Module):
    def forward(self, x):
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


def make_network():
    return torch.nn.Sequential(
        torch.nn.Conv1d(FEATURES, 12, kernel_size=11, stride=3),
        ScaledTanh(),
        torch.nn.Conv1d(12, 16, kernel_size=10, stride=3),
        ScaledTanh(),
    )


def embed(network, grids):
    """grids [n][features][steps] -> embeddings [n][16], the time average of the last layer."""
    return network(grids).mean(dim=2)


def make_training_step(pairs, steps, generator):
    network = make_network()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    grids = torch.randn(2 * pairs, FEATURES, steps, generator=generator)
    targets = torch.tensor([GENUINE_TARGET if p % 2 == 0 else FORGERY_TARGET for p in range(pairs)])

    def step():
        optimizer.zero_grad(set_to_none=True)
        embeddings = embed(network, grids)
        cosines = torch.nn.functional.cosine_similarity(embeddings[:pairs], embeddings[pairs:], dim=1)
        loss = ((cosines - targets) ** 2 / 2).mean()
        loss.backward()
        optimizer.step()

    return step


def make_forward(steps, generator):
    network = make_network()
    grid = torch.randn(1, FEATURES, steps, generator=generator)

    def forward():
        with torch.no_grad():
            embed(network, grid)

    return forward


def time_case(run):
    """Median, minimum and maximum microseconds per call over 7 samples of about 0.2 s."""
    iterations = 1
    while True:
        start = time.perf_counter()
        for _ in range(iterations):
            run()
        elapsed = time.perf_counter() - start
        if elapsed > 0.05:
            break
        iterations *= 2
    iterations = max(1, round(iterations * 0.2 / elapsed))
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(iterations):
            run()
        samples.append((time.perf_counter() - start) * 1e6 / iterations)
    return statistics.median(samples), min(samples), max(samples)


def cases(quick):
    generator = torch.Generator().manual_seed(1)
    batches = [32] if quick else [8, 32, 128]
    lengths = [200] if quick else [200, 400, 800]
    for pairs in batches:
        yield f"train_step/b{pairs}/t200", pairs, make_training_step(pairs, 200, generator)
    for steps in lengths:
        if steps != 200:
            yield f"train_step/b32/t{steps}", 32, make_training_step(32, steps, generator)
    for steps in lengths:
        yield f"forward_one/t{steps}", 0, make_forward(steps, generator)


def main():
    json_output = "--json" in sys.argv
    quick = "--quick" in sys.argv
    torch.set_num_threads(1)
    torch.manual_seed(1)
    if not json_output:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
        print(f"{'case':28} {'median_us':>12} {'min_us':>12} {'max_us':>12} {'pairs_per_s':>14}")
    for name, pairs, run in cases(quick):
        median, low, high = time_case(run)
        if json_output:
            print(json.dumps({"name": name, "median_us": median, "min_us": low, "max_us": high}), flush=True)
        else:
            rate = f"{pairs / (median * 1e-6):14.0f}" if pairs else ""
            print(f"{name:28} {median:12.3f} {low:12.3f} {high:12.3f} {rate}", flush=True)


if __name__ == "__main__":
    main()
