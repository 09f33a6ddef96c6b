#pragma once
/// \file The version: its one source (CMakeLists.txt reads it from here).

#define NABLA_VERSION_STRING "0.1.0"

namespace nabla {
/// The library's version, "major.minor.patch".
inline constexpr const char* version = NABLA_VERSION_STRING;
}  // namespace nabla
