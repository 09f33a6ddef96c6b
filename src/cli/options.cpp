#include "options.hpp"

#include <string_view>

namespace nabla::cli {

std::string usage_text() {
    return R"(usage: nabla [options] [script.nabla ...]

Symbolic differentiation. With no script and no -e, reads statements from
standard input, interactively when it is a terminal.

  -e, --eval STATEMENT   run a statement (repeatable; in order with scripts)
  -k, --keep-going       after a failing statement, continue with the next
      --ascii            print results in ASCII (parses back: 4*x*y)
      --latex            print results in LaTeX
      --unicode          print results in Unicode (the default: 4xy)
      --json             print one JSON object per result
  -q, --quiet            no banner in the interactive REPL
      --no-color         no colors (also when NO_COLOR is set)
      --help-reference   print the command reference in Markdown
  -h, --help             show this help
  -V, --version          show the version

Examples:
  nabla -e 'diff(2x^2 y, x)'
  nabla -e 'z = 2x²y' -e '∂z/∂x'
  echo 'grad(x^2 y)' | nabla --json

Exit status: 0 success, 1 a statement failed, 2 bad usage.
)";
}

std::optional<options> parse_options(int argc, char** argv, std::string& problem) {
    options o;
    bool only_files = false;  // after "--"
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (only_files || a == "-" || a.empty() || a.front() != '-') {
            o.sources.push_back({source::type::file, std::string(a)});
        } else if (a == "--") {
            only_files = true;
        } else if (a == "-e" || a == "--eval") {
            if (i + 1 >= argc) {
                problem = "option '" + std::string(a) + "' needs a statement";
                return std::nullopt;
            }
            o.sources.push_back({source::type::statement, argv[++i]});
        } else if (a.starts_with("--eval=")) {
            o.sources.push_back({source::type::statement, std::string(a.substr(7))});
        } else if (a.starts_with("-e") && a.size() > 2 && a[2] != '-') {
            o.sources.push_back({source::type::statement, std::string(a.substr(2))});
        } else if (a == "-k" || a == "--keep-going") {
            o.keep_going = true;
        } else if (a == "--ascii") {
            o.style = style::ascii;
        } else if (a == "--latex") {
            o.style = style::latex;
        } else if (a == "--unicode") {
            o.style = style::unicode;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "-q" || a == "--quiet") {
            o.quiet = true;
        } else if (a == "--no-color") {
            o.no_color = true;
        } else if (a == "-h" || a == "--help") {
            o.help = true;
        } else if (a == "-V" || a == "--version") {
            o.version = true;
        } else if (a == "--help-reference") {
            o.help_reference = true;
        } else {
            problem = "unknown option '" + std::string(a) + "'";
            return std::nullopt;
        }
    }
    return o;
}

}  // namespace nabla::cli
