#pragma once
// The parser's types: iterator, skipper and context, shared by the rule
// declarations (grammar.hpp) and the one translation unit that instantiates
// them (grammar.cpp).

#include "grammar/error_handler.hpp"

#include <boost/spirit/home/x3.hpp>

namespace nabla::parser {

namespace x3 = boost::spirit::x3;

using iterator_type = const char*;

// Spaces, tabs and line breaks separate tokens (parse_program splits
// statements at line breaks first; a single statement may span lines).
struct blank_class : x3::parser<blank_class> {
    using attribute_type = x3::unused_type;
    static bool const has_attribute = false;
    template <class Iterator, class Context, class RContext, class Attribute>
    bool parse(Iterator& first, Iterator const& last, Context const&, RContext&, Attribute&) const {
        if (first == last) return false;
        const char c = *first;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++first;
            return true;
        }
        // U+00A0 no-break space, which pasted math often carries.
        if (c == '\xC2' && last - first >= 2 && first[1] == '\xA0') {
            first += 2;
            return true;
        }
        return false;
    }
};
inline constexpr blank_class blank{};
using skipper_type = blank_class;

/// x3::skip_over for the grammar's own parsers: a byte that cannot start a
/// blank (the usual case) returns at once instead of calling out to the
/// skipper loop. Inside lexeme[] the skipper is off and this skips nothing,
/// as x3::skip_over.
template <class Iterator, class Context>
[[gnu::always_inline]] inline void skip(Iterator& first, Iterator const& last, Context const& context) {
    if (first == last) return;
    const char c = *first;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\xC2') x3::skip_over(first, last, context);
}

using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
// The state is added by make_context (parser.cpp), not x3::with, so this
// type is exactly the one the rules are instantiated for.
using context_type = x3::context<state_tag, parse_state, phrase_context_type>;

}  // namespace nabla::parser
