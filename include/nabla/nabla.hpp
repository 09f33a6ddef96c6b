#pragma once
/// \file Everything a program needs from nabla, in one include. Each part
/// also has its own header, so a file that only builds expressions can
/// include <nabla/expr.hpp> alone.

#include <nabla/diff.hpp>
#include <nabla/dot.hpp>
#include <nabla/error.hpp>
#include <nabla/expr.hpp>
#include <nabla/format.hpp>
#include <nabla/parse.hpp>
#include <nabla/print.hpp>
#include <nabla/version.hpp>
