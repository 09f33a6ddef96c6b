// The one translation unit that compiles the grammar's templates: it only
// instantiates the entry rules (see grammar.hpp) for the parser's context.

#include "grammar/grammar_def.hpp"

namespace nabla::parser {

BOOST_SPIRIT_INSTANTIATE(statement_type, iterator_type, context_type)
BOOST_SPIRIT_INSTANTIATE(sum_type, iterator_type, context_type)

const statement_type& statement() { return statement_rule; }
const sum_type& expression() { return sum; }

}  // namespace nabla::parser
