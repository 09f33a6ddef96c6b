#pragma once
// Deterministic hashing: the canonical operand order follows these hashes,
// so they must be the same on every run and machine (no addresses, no
// std::hash, whose results the standard leaves open).

#include <nabla/expr.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace nabla::detail {

constexpr std::uint32_t hash_mix(std::uint32_t h, std::uint64_t v) noexcept {
    // murmur3's 64-bit finalizer over the combined value.
    std::uint64_t x = (static_cast<std::uint64_t>(h) << 32 | h) ^ (v + 0x9E3779B97F4A7C15ull + (h << 6));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return static_cast<std::uint32_t>(x);
}

// Folds an operand's hash into an operator node's. For a fixed h it is a
// bijection of the operand's hash (an added constant, then murmur3's 32-bit
// finalizer): a chain sin(sin(…x…)) maps each hash to the next by a
// permutation, so a million-deep chain does not cycle into repeated hashes,
// which a 32-bit map that merely mixes well would do after some 2^16 steps.
constexpr std::uint32_t hash_combine(std::uint32_t h, std::uint32_t operand) noexcept {
    std::uint32_t x = operand + h * 0x9E3779B1u;
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    return x ^ (x >> 16);
}

constexpr std::uint32_t hash_seed(nabla::kind k) noexcept { return hash_mix(0x6e61626cu, static_cast<std::uint8_t>(k) + 1); }

// hash_mix(hash_seed(k), 0), the start of every operator node's hash, ready.
inline constexpr auto operator_seeds = [] {
    constexpr std::size_t kinds = 0
#define NABLA_KIND(id, description) +1
#include <nabla/node_kinds.inc>
#undef NABLA_KIND
        ;
    std::array<std::uint32_t, kinds> seeds{};
    for (std::size_t k = 0; k < kinds; ++k) seeds[k] = hash_mix(hash_seed(static_cast<nabla::kind>(k)), 0);
    return seeds;
}();

inline std::uint32_t hash_string(std::uint32_t h, std::string_view s) noexcept {
    std::uint64_t f = 0xcbf29ce484222325ull;  // FNV-1a
    for (unsigned char c : s) f = (f ^ c) * 0x100000001b3ull;
    return hash_mix(h, f);
}

}  // namespace nabla::detail
