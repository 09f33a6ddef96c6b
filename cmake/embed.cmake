# Writes OUT: a C++ file defining nabla::detail::embedded_rules, one entry per
# rule file in FILES (name and text), so the library carries its rule files.
set(body "// Generated from grammar/*.rules by cmake/embed.cmake; do not edit.\n#include <string_view>\n#include <utility>\n#include <vector>\nnamespace nabla::detail {\nconst std::vector<std::pair<std::string_view, std::string_view>>& embedded_rules() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> files = {\n")
foreach(f IN LISTS FILES)
  file(READ "${f}" text)
  get_filename_component(name "${f}" NAME)
  string(APPEND body "    {\"${name}\", R\"nabla_rules(${text})nabla_rules\"},\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n}  // namespace nabla::detail\n")
file(WRITE "${OUT}" "${body}")
