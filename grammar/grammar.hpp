#pragma once
// The grammar's rules as declared to the rest of the library (the X3
// "API header"): the definitions live in grammar_def.hpp and are compiled
// once, in grammar.cpp.

#include "grammar/ast.hpp"
#include "grammar/config.hpp"

#include <boost/spirit/home/x3.hpp>

namespace nabla::parser {

struct statement_class;
struct sum_class;

using statement_type = x3::rule<statement_class, ast::statement>;
using sum_type = x3::rule<sum_class, ast::operand>;

BOOST_SPIRIT_DECLARE(statement_type, sum_type)

/// One statement (assignment, definition, equality, derivative declaration,
/// `… at x=1`, or an expression).
const statement_type& statement();
/// One expression.
const sum_type& expression();

}  // namespace nabla::parser
