#pragma once
// The command line of the `nabla` program.

#include <nabla/print.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nabla::cli {

// What to run, in command-line order.
struct source {
    enum class type { statement, file };
    type type;
    std::string text;  // the statement, or the file name ("-" is standard input)
};

struct options {
    std::vector<source> sources;
    nabla::style style = nabla::style::unicode;
    bool json = false;
    bool keep_going = false;  // scripts continue after a failing statement
    bool quiet = false;       // no banner
    bool no_color = false;
    bool help = false;
    bool version = false;
    bool help_reference = false;
};

// Parses argv; on bad usage returns nullopt and sets `problem`.
std::optional<options> parse_options(int argc, char** argv, std::string& problem);

// The --help text.
std::string usage_text();

}  // namespace nabla::cli
