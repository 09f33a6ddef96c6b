#pragma once
// Fusion adaptation of the AST structs that X3 fills by attribute
// propagation (the others are built by semantic actions). Positions
// (ast::located) are not adapted: annotate_position sets them.

#include "grammar/ast.hpp"

#include <boost/fusion/include/adapt_struct.hpp>

BOOST_FUSION_ADAPT_STRUCT(nabla::ast::derivative_declaration, label, function, parameters, rhs)
BOOST_FUSION_ADAPT_STRUCT(nabla::ast::function_definition, function, parameters, body)
BOOST_FUSION_ADAPT_STRUCT(nabla::ast::assignment, target, value)
BOOST_FUSION_ADAPT_STRUCT(nabla::ast::binding, variable, value)
BOOST_FUSION_ADAPT_STRUCT(nabla::ast::equality, lhs, rhs)
BOOST_FUSION_ADAPT_STRUCT(nabla::ast::variable_order, variable, order)
