// Parse throughput (issue 3, item 7): the W1 corpus of ../shared/peers, one
// expression per line, read by nabla::parse into canonical DAG nodes (UTF-8
// check, grammar, lowering, hash-consing), measured like the peers measure it
// (ginac_peer.cpp, w1): every line parsed once, results kept until the end.
//
//   python3 /work/shared/peers/gen_w1.py /tmp/w1.txt
//   bench_parse_throughput /tmp/w1.txt [repetitions=5]
//
// Prints one line per repetition and a peers-format RESULT row with the
// median. Each repetition starts cold: the previous results are freed, so
// their nodes leave the intern table.

#include <nabla/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s W1_FILE [repetitions]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::fprintf(stderr, "cannot read %s (generate it with gen_w1.py)\n", argv[1]);
        return 2;
    }
    std::vector<std::string> lines;
    std::size_t bytes = 0;
    for (std::string line; std::getline(in, line);) {
        bytes += line.size() + 1;
        lines.push_back(std::move(line));
    }
    const int repetitions = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;

    std::vector<double> seconds;
    std::size_t nodes_check = 0;
    for (int r = 0; r < repetitions; ++r) {
        std::vector<nabla::expr> out;
        out.reserve(lines.size());
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& line : lines) out.push_back(nabla::parse(line));
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        seconds.push_back(t);
        std::size_t check = 0;
        for (const auto& e : out) check += e.hash() & 0xff;
        nodes_check = check;
        std::printf("run %d: %.4f s, %.2f MB/s\n", r + 1, t, double(bytes) / t / 1e6);
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf("RESULT\tW1-parse\tnabla\t%.6f\t%zulines/%zuB\t%.2fMB/s (median of %d, chk=%zu)\n",
                median, lines.size(), bytes, double(bytes) / median / 1e6, repetitions, nodes_check);
    return 0;
}
