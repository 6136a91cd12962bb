"""The LALR(1) tables of grammar/netdsl.lark, generated: do not edit.

Regenerate after changing the grammar: ``pytest tests/test_parser_speed.py
--update-golden`` (or ``netdsl.syntax.parser.write_tables()``); the layout is
described in netdsl/syntax/parser.py (``analyse_grammar``).
"""

# fmt: off
# ruff: noqa: E501
GRAMMAR = '// The netdsl grammar: LALR(1) with the contextual lexer and an indentation\n// post-lexer (netdsl/syntax/parser.py). docs/language.md explains each construct.\n\nstart: _NL? item*\n\n?item: import_stmt\n     | net_def\n     | block_def\n     | block_alias\n     | func_def\n     | let_stmt _NL\n\nimport_stmt: "import" (NAME | STRING) _NL\nnet_def: "net" NAME [params] ":" body\nblock_def: "block" NAME [params] ":" body\nblock_alias: "block" NAME "=" call _NL\nfunc_def: "def" NAME params "=" expr _NL\n\nparams: "(" [param ("," param)* ","?] ")"\nparam: NAME ["=" expr]\n\nbody: _NL _INDENT stmt+ _DEDENT\n\n// ---- statements -------------------------------------------------------------\n\n?stmt: simple_line\n     | compound\n\nsimple_line: simple (";" simple)* _NL\n\n?simple: call_stmt\n       | assign\n       | let_stmt\n       | from_stmt\n\ncall_stmt: call [repeat] [cond] [label]\nrepeat: "*" factor\ncond: "if" test\nlabel: "as" STRING                // the layer\'s name, verbatim: conv(8) as "a/b.0"\n\nassign: NAME "=" call_stmt\nlet_stmt: "let" NAME "=" expr\nfrom_stmt: "from" NAME\n\ncall: dotted ["(" [args] ")"]\ndotted: NAME ("." NAME)*\n\n?compound: merge\n         | named_merge\n         | residual\n         | if_stmt\n         | repeat_stmt\n         | for_stmt\n\nmerge: NAME ":" _NL _INDENT branch+ _DEDENT\nnamed_merge: NAME "=" merge\nbranch: "|" [simple (";" simple)*] _NL [_INDENT stmt+ _DEDENT]\n\nresidual: "residual" [cond] ":" body\nif_stmt: "if" test ":" body elif_clause* [else_clause]\nelif_clause: "elif" test ":" body\nelse_clause: "else" ":" body\nrepeat_stmt: "repeat" expr ":" body\nfor_stmt: "for" NAME ("," NAME)* "in" expr ":" body\n\n// ---- expressions ------------------------------------------------------------\n\n?expr: test\n     | test "if" test "else" expr  -> ifexp\n\n?test: or_test\n?or_test: and_test\n        | or_test "or" and_test          -> or_\n?and_test: not_test\n         | and_test "and" not_test       -> and_\n?not_test: "not" not_test                -> not_\n         | comparison\n?comparison: arith\n           | comparison COMP_OP arith    -> compare\n?arith: term\n      | arith ADD_OP term                -> binary\n?term: factor\n     | term MUL_OP factor                -> binary\n?factor: ADD_OP factor                   -> unary\n       | power\n?power: postfix\n      | postfix _POW factor              -> power\n?postfix: atom\n        | postfix "(" [args] ")"      -> funcall\n        | postfix "[" expr "]"        -> index\n        | postfix "." NAME            -> attribute\n?atom: NUMBER                         -> number\n     | STRING                         -> string\n     | NAME                           -> name\n     | "in"                           -> input_ref\n     | "(" expr ")"\n     | "[" [expr ("," expr)* ","?] "]" -> list\n\nargs: arg ("," arg)* ","?\n?arg: expr\n    | NAME "=" expr                   -> kwarg\n    | "*" expr                        -> splat\n\n// ---- tokens -----------------------------------------------------------------\n\n_POW.2: "**"\nCOMP_OP: "==" | "!=" | "<=" | ">=" | "<" | ">"\nADD_OP: "+" | "-"\nMUL_OP: "*" | "//" | "/" | "%"\nNAME: /[A-Za-z_][A-Za-z0-9_]*/\nNUMBER: /(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][+-]?\\d+)?/\nSTRING: /"[^"\\n]*"/\n_NL: /(#[^\\n]*)?(\\r?\\n[\\t ]*(#[^\\n]*)?)+/\nWS: /[\\t \\f]+/\nLINE_CONT: /\\\\[\\t \\f]*\\r?\\n/\n\n%ignore WS\n%ignore LINE_CONT\n%declare _INDENT _DEDENT\n'
START = 0
END = 15
ACTIONS = (
    {'$END': -4, 'BLOCK': 1, 'DEF': 2, 'IMPORT': 3, 'LET': 4, 'NET': 5, '_NL': 6, '__start_star_0': 7, 'block_alias': 8, 'block_def': 9, 'func_def': 10, 'import_stmt': 11, 'item': 12, 'let_stmt': 13, 'net_def': 14, 'start': 15},  # 0
    {'NAME': 16},  # 1
    {'NAME': 17},  # 2
    {'NAME': 18, 'STRING': 19},  # 3
    {'NAME': 20},  # 4
    {'NAME': 21},  # 5
    {'$END': -2, 'BLOCK': 1, 'DEF': 2, 'IMPORT': 3, 'LET': 4, 'NET': 5, '__start_star_0': 22, 'block_alias': 8, 'block_def': 9, 'func_def': 10, 'import_stmt': 11, 'item': 12, 'let_stmt': 13, 'net_def': 14},  # 6
    {'$END': -3, 'BLOCK': 1, 'DEF': 2, 'IMPORT': 3, 'LET': 4, 'NET': 5, 'block_alias': 8, 'block_def': 9, 'func_def': 10, 'import_stmt': 11, 'item': 23, 'let_stmt': 13, 'net_def': 14},  # 7
    {'$END': -8, 'BLOCK': -8, 'DEF': -8, 'IMPORT': -8, 'LET': -8, 'NET': -8},  # 8
    {'$END': -7, 'BLOCK': -7, 'DEF': -7, 'IMPORT': -7, 'LET': -7, 'NET': -7},  # 9
    {'$END': -9, 'BLOCK': -9, 'DEF': -9, 'IMPORT': -9, 'LET': -9, 'NET': -9},  # 10
    {'$END': -5, 'BLOCK': -5, 'DEF': -5, 'IMPORT': -5, 'LET': -5, 'NET': -5},  # 11
    {'$END': -120, 'BLOCK': -120, 'DEF': -120, 'IMPORT': -120, 'LET': -120, 'NET': -120},  # 12
    {'_NL': 24},  # 13
    {'$END': -6, 'BLOCK': -6, 'DEF': -6, 'IMPORT': -6, 'LET': -6, 'NET': -6},  # 14
    {},  # 15
    {'COLON': 25, 'EQUAL': 26, 'LPAR': 27, 'params': 28},  # 16
    {'LPAR': 27, 'params': 29},  # 17
    {'_NL': 30},  # 18
    {'_NL': 31},  # 19
    {'EQUAL': 32},  # 20
    {'COLON': 33, 'LPAR': 27, 'params': 34},  # 21
    {'$END': -1, 'BLOCK': 1, 'DEF': 2, 'IMPORT': 3, 'LET': 4, 'NET': 5, 'block_alias': 8, 'block_def': 9, 'func_def': 10, 'import_stmt': 11, 'item': 23, 'let_stmt': 13, 'net_def': 14},  # 22
    {'$END': -121, 'BLOCK': -121, 'DEF': -121, 'IMPORT': -121, 'LET': -121, 'NET': -121},  # 23
    {'$END': -10, 'BLOCK': -10, 'DEF': -10, 'IMPORT': -10, 'LET': -10, 'NET': -10},  # 24
    {'_NL': 35, 'body': 36},  # 25
    {'NAME': 37, 'call': 38, 'dotted': 39},  # 26
    {'NAME': 40, 'RPAR': 41, 'param': 42},  # 27
    {'COLON': 43},  # 28
    {'EQUAL': 44},  # 29
    {'$END': -11, 'BLOCK': -11, 'DEF': -11, 'IMPORT': -11, 'LET': -11, 'NET': -11},  # 30
    {'$END': -12, 'BLOCK': -12, 'DEF': -12, 'IMPORT': -12, 'LET': -12, 'NET': -12},  # 31
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 57, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 32
    {'_NL': 35, 'body': 65},  # 33
    {'COLON': 66},  # 34
    {'_INDENT': 67},  # 35
    {'$END': -16, 'BLOCK': -16, 'DEF': -16, 'IMPORT': -16, 'LET': -16, 'NET': -16},  # 36
    {'AS': -53, 'DOT': 68, 'IF': -53, 'LPAR': -53, 'SEMICOLON': -53, 'STAR': -53, '_NL': -53, '__dotted_star_4': 69},  # 37
    {'_NL': 70},  # 38
    {'AS': -51, 'IF': -51, 'LPAR': 71, 'SEMICOLON': -51, 'STAR': -51, '_NL': -51},  # 39
    {'COMMA': -25, 'EQUAL': 72, 'RPAR': -25},  # 40
    {'COLON': -23, 'EQUAL': -23},  # 41
    {'COMMA': 73, 'RPAR': 74, '__params_star_1': 75},  # 42
    {'_NL': 35, 'body': 76},  # 43
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 77, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 44
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'atom': 55, 'factor': 78, 'postfix': 61, 'power': 62},  # 45
    {'ADD_OP': -106, 'AND': -106, 'AS': -106, 'COLON': -106, 'COMMA': -106, 'COMP_OP': -106, 'DOT': -106, 'ELSE': -106, 'IF': -106, 'LPAR': -106, 'LSQB': -106, 'MUL_OP': -106, 'OR': -106, 'RPAR': -106, 'RSQB': -106, 'SEMICOLON': -106, '_NL': -106, '_POW': -106},  # 46
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 79, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 47
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'RSQB': 80, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 81, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 48
    {'ADD_OP': -105, 'AND': -105, 'AS': -105, 'COLON': -105, 'COMMA': -105, 'COMP_OP': -105, 'DOT': -105, 'ELSE': -105, 'IF': -105, 'LPAR': -105, 'LSQB': -105, 'MUL_OP': -105, 'OR': -105, 'RPAR': -105, 'RSQB': -105, 'SEMICOLON': -105, '_NL': -105, '_POW': -105},  # 49
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 82, 'postfix': 61, 'power': 62, 'term': 63},  # 50
    {'ADD_OP': -103, 'AND': -103, 'AS': -103, 'COLON': -103, 'COMMA': -103, 'COMP_OP': -103, 'DOT': -103, 'ELSE': -103, 'IF': -103, 'LPAR': -103, 'LSQB': -103, 'MUL_OP': -103, 'OR': -103, 'RPAR': -103, 'RSQB': -103, 'SEMICOLON': -103, '_NL': -103, '_POW': -103},  # 51
    {'ADD_OP': -104, 'AND': -104, 'AS': -104, 'COLON': -104, 'COMMA': -104, 'COMP_OP': -104, 'DOT': -104, 'ELSE': -104, 'IF': -104, 'LPAR': -104, 'LSQB': -104, 'MUL_OP': -104, 'OR': -104, 'RPAR': -104, 'RSQB': -104, 'SEMICOLON': -104, '_NL': -104, '_POW': -104},  # 52
    {'AND': 83, 'AS': -82, 'COLON': -82, 'COMMA': -82, 'ELSE': -82, 'IF': -82, 'OR': -82, 'RPAR': -82, 'RSQB': -82, 'SEMICOLON': -82, '_NL': -82},  # 53
    {'ADD_OP': 84, 'AND': -88, 'AS': -88, 'COLON': -88, 'COMMA': -88, 'COMP_OP': -88, 'ELSE': -88, 'IF': -88, 'OR': -88, 'RPAR': -88, 'RSQB': -88, 'SEMICOLON': -88, '_NL': -88},  # 54
    {'ADD_OP': -98, 'AND': -98, 'AS': -98, 'COLON': -98, 'COMMA': -98, 'COMP_OP': -98, 'DOT': -98, 'ELSE': -98, 'IF': -98, 'LPAR': -98, 'LSQB': -98, 'MUL_OP': -98, 'OR': -98, 'RPAR': -98, 'RSQB': -98, 'SEMICOLON': -98, '_NL': -98, '_POW': -98},  # 55
    {'AND': -87, 'AS': -87, 'COLON': -87, 'COMMA': -87, 'COMP_OP': 85, 'ELSE': -87, 'IF': -87, 'OR': -87, 'RPAR': -87, 'RSQB': -87, 'SEMICOLON': -87, '_NL': -87},  # 56
    {'SEMICOLON': -47, '_NL': -47},  # 57
    {'ADD_OP': -92, 'AND': -92, 'AS': -92, 'COLON': -92, 'COMMA': -92, 'COMP_OP': -92, 'ELSE': -92, 'IF': -92, 'MUL_OP': -92, 'OR': -92, 'RPAR': -92, 'RSQB': -92, 'SEMICOLON': -92, '_NL': -92},  # 58
    {'AND': -84, 'AS': -84, 'COLON': -84, 'COMMA': -84, 'ELSE': -84, 'IF': -84, 'OR': -84, 'RPAR': -84, 'RSQB': -84, 'SEMICOLON': -84, '_NL': -84},  # 59
    {'AS': -81, 'COLON': -81, 'COMMA': -81, 'ELSE': -81, 'IF': -81, 'OR': 86, 'RPAR': -81, 'RSQB': -81, 'SEMICOLON': -81, '_NL': -81},  # 60
    {'ADD_OP': -96, 'AND': -96, 'AS': -96, 'COLON': -96, 'COMMA': -96, 'COMP_OP': -96, 'DOT': 87, 'ELSE': -96, 'IF': -96, 'LPAR': 88, 'LSQB': 89, 'MUL_OP': -96, 'OR': -96, 'RPAR': -96, 'RSQB': -96, 'SEMICOLON': -96, '_NL': -96, '_POW': 90},  # 61
    {'ADD_OP': -95, 'AND': -95, 'AS': -95, 'COLON': -95, 'COMMA': -95, 'COMP_OP': -95, 'ELSE': -95, 'IF': -95, 'MUL_OP': -95, 'OR': -95, 'RPAR': -95, 'RSQB': -95, 'SEMICOLON': -95, '_NL': -95},  # 62
    {'ADD_OP': -90, 'AND': -90, 'AS': -90, 'COLON': -90, 'COMMA': -90, 'COMP_OP': -90, 'ELSE': -90, 'IF': -90, 'MUL_OP': 91, 'OR': -90, 'RPAR': -90, 'RSQB': -90, 'SEMICOLON': -90, '_NL': -90},  # 63
    {'COLON': -79, 'COMMA': -79, 'IF': 92, 'RPAR': -79, 'RSQB': -79, 'SEMICOLON': -79, '_NL': -79},  # 64
    {'$END': -14, 'BLOCK': -14, 'DEF': -14, 'IMPORT': -14, 'LET': -14, 'NET': -14},  # 65
    {'_NL': 35, 'body': 93},  # 66
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '__body_plus_2': 100, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 115},  # 67
    {'NAME': 116},  # 68
    {'AS': -52, 'DOT': 117, 'IF': -52, 'LPAR': -52, 'SEMICOLON': -52, 'STAR': -52, '_NL': -52},  # 69
    {'$END': -17, 'BLOCK': -17, 'DEF': -17, 'IMPORT': -17, 'LET': -17, 'NET': -17},  # 70
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 118, 'NOT': 50, 'NUMBER': 51, 'RPAR': 119, 'STAR': 120, 'STRING': 52, 'and_test': 53, 'arg': 121, 'args': 122, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 123, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 71
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 124, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 72
    {'NAME': 40, 'RPAR': 125, 'param': 126},  # 73
    {'COLON': -22, 'EQUAL': -22},  # 74
    {'COMMA': 127, 'RPAR': 128},  # 75
    {'$END': -15, 'BLOCK': -15, 'DEF': -15, 'IMPORT': -15, 'LET': -15, 'NET': -15},  # 76
    {'_NL': 129},  # 77
    {'ADD_OP': -94, 'AND': -94, 'AS': -94, 'COLON': -94, 'COMMA': -94, 'COMP_OP': -94, 'ELSE': -94, 'IF': -94, 'MUL_OP': -94, 'OR': -94, 'RPAR': -94, 'RSQB': -94, 'SEMICOLON': -94, '_NL': -94},  # 78
    {'RPAR': 130},  # 79
    {'ADD_OP': -112, 'AND': -112, 'AS': -112, 'COLON': -112, 'COMMA': -112, 'COMP_OP': -112, 'DOT': -112, 'ELSE': -112, 'IF': -112, 'LPAR': -112, 'LSQB': -112, 'MUL_OP': -112, 'OR': -112, 'RPAR': -112, 'RSQB': -112, 'SEMICOLON': -112, '_NL': -112, '_POW': -112},  # 80
    {'COMMA': 131, 'RSQB': 132, '__atom_star_8': 133},  # 81
    {'AND': -86, 'AS': -86, 'COLON': -86, 'COMMA': -86, 'ELSE': -86, 'IF': -86, 'OR': -86, 'RPAR': -86, 'RSQB': -86, 'SEMICOLON': -86, '_NL': -86},  # 82
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 134, 'postfix': 61, 'power': 62, 'term': 63},  # 83
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'atom': 55, 'factor': 58, 'postfix': 61, 'power': 62, 'term': 135},  # 84
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'arith': 136, 'atom': 55, 'factor': 58, 'postfix': 61, 'power': 62, 'term': 63},  # 85
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 137, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 59, 'postfix': 61, 'power': 62, 'term': 63},  # 86
    {'NAME': 138},  # 87
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 118, 'NOT': 50, 'NUMBER': 51, 'RPAR': 139, 'STAR': 120, 'STRING': 52, 'and_test': 53, 'arg': 121, 'args': 140, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 123, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 88
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 141, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 89
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'atom': 55, 'factor': 142, 'postfix': 61, 'power': 62},  # 90
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'atom': 55, 'factor': 143, 'postfix': 61, 'power': 62},  # 91
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 144},  # 92
    {'$END': -13, 'BLOCK': -13, 'DEF': -13, 'IMPORT': -13, 'LET': -13, 'NET': -13},  # 93
    {'NAME': 145},  # 94
    {'NAME': 146},  # 95
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 147},  # 96
    {'AS': -53, 'COLON': 148, 'DOT': 68, 'EQUAL': 149, 'IF': -53, 'LPAR': -53, 'SEMICOLON': -53, 'STAR': -53, '_NL': -53, '__dotted_star_4': 69},  # 97
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 150, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 98
    {'COLON': 151, 'IF': 152, 'cond': 153},  # 99
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '_DEDENT': 154, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 155},  # 100
    {'SEMICOLON': -32, '_NL': -32},  # 101
    {'AS': 156, 'IF': 152, 'SEMICOLON': -42, 'STAR': 157, '_NL': -42, 'cond': 158, 'label': 159, 'repeat': 160},  # 102
    {'SEMICOLON': -31, '_NL': -31},  # 103
    {'FOR': -28, 'FROM': -28, 'IF': -28, 'LET': -28, 'NAME': -28, 'REPEAT': -28, 'RESIDUAL': -28, '_DEDENT': -28},  # 104
    {'FOR': -59, 'FROM': -59, 'IF': -59, 'LET': -59, 'NAME': -59, 'REPEAT': -59, 'RESIDUAL': -59, '_DEDENT': -59},  # 105
    {'SEMICOLON': -34, '_NL': -34},  # 106
    {'FOR': -57, 'FROM': -57, 'IF': -57, 'LET': -57, 'NAME': -57, 'REPEAT': -57, 'RESIDUAL': -57, '_DEDENT': -57},  # 107
    {'SEMICOLON': -33, '_NL': -33},  # 108
    {'FOR': -54, 'FROM': -54, 'IF': -54, 'LET': -54, 'NAME': -54, 'REPEAT': -54, 'RESIDUAL': -54, '_DEDENT': -54},  # 109
    {'FOR': -55, 'FROM': -55, 'IF': -55, 'LET': -55, 'NAME': -55, 'REPEAT': -55, 'RESIDUAL': -55, '_DEDENT': -55},  # 110
    {'FOR': -58, 'FROM': -58, 'IF': -58, 'LET': -58, 'NAME': -58, 'REPEAT': -58, 'RESIDUAL': -58, '_DEDENT': -58},  # 111
    {'FOR': -56, 'FROM': -56, 'IF': -56, 'LET': -56, 'NAME': -56, 'REPEAT': -56, 'RESIDUAL': -56, '_DEDENT': -56},  # 112
    {'SEMICOLON': 161, '_NL': 162, '__simple_line_star_3': 163},  # 113
    {'FOR': -27, 'FROM': -27, 'IF': -27, 'LET': -27, 'NAME': -27, 'REPEAT': -27, 'RESIDUAL': -27, '_DEDENT': -27},  # 114
    {'FOR': -124, 'FROM': -124, 'IF': -124, 'LET': -124, 'NAME': -124, 'REPEAT': -124, 'RESIDUAL': -124, '_DEDENT': -124},  # 115
    {'AS': -128, 'DOT': -128, 'IF': -128, 'LPAR': -128, 'SEMICOLON': -128, 'STAR': -128, '_NL': -128},  # 116
    {'NAME': 164},  # 117
    {'ADD_OP': -105, 'AND': -105, 'COMMA': -105, 'COMP_OP': -105, 'DOT': -105, 'EQUAL': 165, 'IF': -105, 'LPAR': -105, 'LSQB': -105, 'MUL_OP': -105, 'OR': -105, 'RPAR': -105, '_POW': -105},  # 118
    {'AS': -50, 'IF': -50, 'SEMICOLON': -50, 'STAR': -50, '_NL': -50},  # 119
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 166, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 120
    {'COMMA': 167, 'RPAR': -116, '__args_star_9': 168},  # 121
    {'RPAR': 169},  # 122
    {'COMMA': -117, 'RPAR': -117},  # 123
    {'COMMA': -24, 'RPAR': -24},  # 124
    {'COLON': -21, 'EQUAL': -21},  # 125
    {'COMMA': -122, 'RPAR': -122},  # 126
    {'NAME': 40, 'RPAR': 170, 'param': 171},  # 127
    {'COLON': -20, 'EQUAL': -20},  # 128
    {'$END': -18, 'BLOCK': -18, 'DEF': -18, 'IMPORT': -18, 'LET': -18, 'NET': -18},  # 129
    {'ADD_OP': -107, 'AND': -107, 'AS': -107, 'COLON': -107, 'COMMA': -107, 'COMP_OP': -107, 'DOT': -107, 'ELSE': -107, 'IF': -107, 'LPAR': -107, 'LSQB': -107, 'MUL_OP': -107, 'OR': -107, 'RPAR': -107, 'RSQB': -107, 'SEMICOLON': -107, '_NL': -107, '_POW': -107},  # 130
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'RSQB': 172, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 173, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 131
    {'ADD_OP': -111, 'AND': -111, 'AS': -111, 'COLON': -111, 'COMMA': -111, 'COMP_OP': -111, 'DOT': -111, 'ELSE': -111, 'IF': -111, 'LPAR': -111, 'LSQB': -111, 'MUL_OP': -111, 'OR': -111, 'RPAR': -111, 'RSQB': -111, 'SEMICOLON': -111, '_NL': -111, '_POW': -111},  # 132
    {'COMMA': 174, 'RSQB': 175},  # 133
    {'AND': -85, 'AS': -85, 'COLON': -85, 'COMMA': -85, 'ELSE': -85, 'IF': -85, 'OR': -85, 'RPAR': -85, 'RSQB': -85, 'SEMICOLON': -85, '_NL': -85},  # 134
    {'ADD_OP': -91, 'AND': -91, 'AS': -91, 'COLON': -91, 'COMMA': -91, 'COMP_OP': -91, 'ELSE': -91, 'IF': -91, 'MUL_OP': 91, 'OR': -91, 'RPAR': -91, 'RSQB': -91, 'SEMICOLON': -91, '_NL': -91},  # 135
    {'ADD_OP': 84, 'AND': -89, 'AS': -89, 'COLON': -89, 'COMMA': -89, 'COMP_OP': -89, 'ELSE': -89, 'IF': -89, 'OR': -89, 'RPAR': -89, 'RSQB': -89, 'SEMICOLON': -89, '_NL': -89},  # 136
    {'AND': 83, 'AS': -83, 'COLON': -83, 'COMMA': -83, 'ELSE': -83, 'IF': -83, 'OR': -83, 'RPAR': -83, 'RSQB': -83, 'SEMICOLON': -83, '_NL': -83},  # 137
    {'ADD_OP': -102, 'AND': -102, 'AS': -102, 'COLON': -102, 'COMMA': -102, 'COMP_OP': -102, 'DOT': -102, 'ELSE': -102, 'IF': -102, 'LPAR': -102, 'LSQB': -102, 'MUL_OP': -102, 'OR': -102, 'RPAR': -102, 'RSQB': -102, 'SEMICOLON': -102, '_NL': -102, '_POW': -102},  # 138
    {'ADD_OP': -100, 'AND': -100, 'AS': -100, 'COLON': -100, 'COMMA': -100, 'COMP_OP': -100, 'DOT': -100, 'ELSE': -100, 'IF': -100, 'LPAR': -100, 'LSQB': -100, 'MUL_OP': -100, 'OR': -100, 'RPAR': -100, 'RSQB': -100, 'SEMICOLON': -100, '_NL': -100, '_POW': -100},  # 139
    {'RPAR': 176},  # 140
    {'RSQB': 177},  # 141
    {'ADD_OP': -97, 'AND': -97, 'AS': -97, 'COLON': -97, 'COMMA': -97, 'COMP_OP': -97, 'ELSE': -97, 'IF': -97, 'MUL_OP': -97, 'OR': -97, 'RPAR': -97, 'RSQB': -97, 'SEMICOLON': -97, '_NL': -97},  # 142
    {'ADD_OP': -93, 'AND': -93, 'AS': -93, 'COLON': -93, 'COMMA': -93, 'COMP_OP': -93, 'ELSE': -93, 'IF': -93, 'MUL_OP': -93, 'OR': -93, 'RPAR': -93, 'RSQB': -93, 'SEMICOLON': -93, '_NL': -93},  # 143
    {'ELSE': 178},  # 144
    {'COMMA': 179, 'IN': 180, '__for_stmt_star_7': 181},  # 145
    {'SEMICOLON': -48, '_NL': -48},  # 146
    {'COLON': 182},  # 147
    {'_NL': 183},  # 148
    {'NAME': 184, 'call': 102, 'call_stmt': 185, 'dotted': 39, 'merge': 186},  # 149
    {'COLON': 187},  # 150
    {'_NL': 35, 'body': 188},  # 151
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 189},  # 152
    {'COLON': 190},  # 153
    {'$END': -26, 'BLOCK': -26, 'DEF': -26, 'ELIF': -26, 'ELSE': -26, 'FOR': -26, 'FROM': -26, 'IF': -26, 'IMPORT': -26, 'LET': -26, 'NAME': -26, 'NET': -26, 'REPEAT': -26, 'RESIDUAL': -26, '_DEDENT': -26},  # 154
    {'FOR': -125, 'FROM': -125, 'IF': -125, 'LET': -125, 'NAME': -125, 'REPEAT': -125, 'RESIDUAL': -125, '_DEDENT': -125},  # 155
    {'STRING': 191},  # 156
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NUMBER': 51, 'STRING': 52, 'atom': 55, 'factor': 192, 'postfix': 61, 'power': 62},  # 157
    {'AS': 156, 'SEMICOLON': -40, '_NL': -40, 'label': 193},  # 158
    {'SEMICOLON': -41, '_NL': -41},  # 159
    {'AS': 156, 'IF': 152, 'SEMICOLON': -38, '_NL': -38, 'cond': 194, 'label': 195},  # 160
    {'FROM': 95, 'LET': 4, 'NAME': 196, 'assign': 101, 'call': 102, 'call_stmt': 103, 'dotted': 39, 'from_stmt': 106, 'let_stmt': 108, 'simple': 197},  # 161
    {'FOR': -30, 'FROM': -30, 'IF': -30, 'LET': -30, 'NAME': -30, 'REPEAT': -30, 'RESIDUAL': -30, '_DEDENT': -30},  # 162
    {'SEMICOLON': 198, '_NL': 199},  # 163
    {'AS': -129, 'DOT': -129, 'IF': -129, 'LPAR': -129, 'SEMICOLON': -129, 'STAR': -129, '_NL': -129},  # 164
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 200, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 165
    {'COMMA': -119, 'RPAR': -119},  # 166
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 118, 'NOT': 50, 'NUMBER': 51, 'RPAR': -115, 'STAR': 120, 'STRING': 52, 'and_test': 53, 'arg': 201, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 123, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 167
    {'COMMA': 202, 'RPAR': -114},  # 168
    {'AS': -49, 'IF': -49, 'SEMICOLON': -49, 'STAR': -49, '_NL': -49},  # 169
    {'COLON': -19, 'EQUAL': -19},  # 170
    {'COMMA': -123, 'RPAR': -123},  # 171
    {'ADD_OP': -110, 'AND': -110, 'AS': -110, 'COLON': -110, 'COMMA': -110, 'COMP_OP': -110, 'DOT': -110, 'ELSE': -110, 'IF': -110, 'LPAR': -110, 'LSQB': -110, 'MUL_OP': -110, 'OR': -110, 'RPAR': -110, 'RSQB': -110, 'SEMICOLON': -110, '_NL': -110, '_POW': -110},  # 172
    {'COMMA': -136, 'RSQB': -136},  # 173
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'RSQB': 203, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 204, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 174
    {'ADD_OP': -109, 'AND': -109, 'AS': -109, 'COLON': -109, 'COMMA': -109, 'COMP_OP': -109, 'DOT': -109, 'ELSE': -109, 'IF': -109, 'LPAR': -109, 'LSQB': -109, 'MUL_OP': -109, 'OR': -109, 'RPAR': -109, 'RSQB': -109, 'SEMICOLON': -109, '_NL': -109, '_POW': -109},  # 175
    {'ADD_OP': -99, 'AND': -99, 'AS': -99, 'COLON': -99, 'COMMA': -99, 'COMP_OP': -99, 'DOT': -99, 'ELSE': -99, 'IF': -99, 'LPAR': -99, 'LSQB': -99, 'MUL_OP': -99, 'OR': -99, 'RPAR': -99, 'RSQB': -99, 'SEMICOLON': -99, '_NL': -99, '_POW': -99},  # 176
    {'ADD_OP': -101, 'AND': -101, 'AS': -101, 'COLON': -101, 'COMMA': -101, 'COMP_OP': -101, 'DOT': -101, 'ELSE': -101, 'IF': -101, 'LPAR': -101, 'LSQB': -101, 'MUL_OP': -101, 'OR': -101, 'RPAR': -101, 'RSQB': -101, 'SEMICOLON': -101, '_NL': -101, '_POW': -101},  # 177
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 205, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 178
    {'NAME': 206},  # 179
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 207, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 180
    {'COMMA': 208, 'IN': 209},  # 181
    {'_NL': 35, 'body': 210},  # 182
    {'_INDENT': 211},  # 183
    {'AS': -53, 'COLON': 148, 'DOT': 68, 'IF': -53, 'LPAR': -53, 'SEMICOLON': -53, 'STAR': -53, '_NL': -53, '__dotted_star_4': 69},  # 184
    {'SEMICOLON': -46, '_NL': -46},  # 185
    {'FOR': -61, 'FROM': -61, 'IF': -61, 'LET': -61, 'NAME': -61, 'REPEAT': -61, 'RESIDUAL': -61, '_DEDENT': -61},  # 186
    {'_NL': 35, 'body': 212},  # 187
    {'FOR': -69, 'FROM': -69, 'IF': -69, 'LET': -69, 'NAME': -69, 'REPEAT': -69, 'RESIDUAL': -69, '_DEDENT': -69},  # 188
    {'AS': -44, 'COLON': -44, 'SEMICOLON': -44, '_NL': -44},  # 189
    {'_NL': 35, 'body': 213},  # 190
    {'SEMICOLON': -45, '_NL': -45},  # 191
    {'AS': -43, 'IF': -43, 'SEMICOLON': -43, '_NL': -43},  # 192
    {'SEMICOLON': -39, '_NL': -39},  # 193
    {'AS': 156, 'SEMICOLON': -36, '_NL': -36, 'label': 214},  # 194
    {'SEMICOLON': -37, '_NL': -37},  # 195
    {'AS': -53, 'DOT': 68, 'EQUAL': 215, 'IF': -53, 'LPAR': -53, 'SEMICOLON': -53, 'STAR': -53, '_NL': -53, '__dotted_star_4': 69},  # 196
    {'SEMICOLON': -126, '_NL': -126},  # 197
    {'FROM': 95, 'LET': 4, 'NAME': 196, 'assign': 101, 'call': 102, 'call_stmt': 103, 'dotted': 39, 'from_stmt': 106, 'let_stmt': 108, 'simple': 216},  # 198
    {'FOR': -29, 'FROM': -29, 'IF': -29, 'LET': -29, 'NAME': -29, 'REPEAT': -29, 'RESIDUAL': -29, '_DEDENT': -29},  # 199
    {'COMMA': -118, 'RPAR': -118},  # 200
    {'COMMA': -138, 'RPAR': -138},  # 201
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 118, 'NOT': 50, 'NUMBER': 51, 'RPAR': -113, 'STAR': 120, 'STRING': 52, 'and_test': 53, 'arg': 217, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 123, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 202
    {'ADD_OP': -108, 'AND': -108, 'AS': -108, 'COLON': -108, 'COMMA': -108, 'COMP_OP': -108, 'DOT': -108, 'ELSE': -108, 'IF': -108, 'LPAR': -108, 'LSQB': -108, 'MUL_OP': -108, 'OR': -108, 'RPAR': -108, 'RSQB': -108, 'SEMICOLON': -108, '_NL': -108, '_POW': -108},  # 203
    {'COMMA': -137, 'RSQB': -137},  # 204
    {'COLON': -80, 'COMMA': -80, 'RPAR': -80, 'RSQB': -80, 'SEMICOLON': -80, '_NL': -80},  # 205
    {'COMMA': -134, 'IN': -134},  # 206
    {'COLON': 218},  # 207
    {'NAME': 219},  # 208
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'expr': 220, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 64},  # 209
    {'ELIF': 221, 'ELSE': 222, 'FOR': -73, 'FROM': -73, 'IF': -73, 'LET': -73, 'NAME': -73, 'REPEAT': -73, 'RESIDUAL': -73, '_DEDENT': -73, '__if_stmt_star_6': 223, 'elif_clause': 224, 'else_clause': 225},  # 210
    {'VBAR': 226, '__merge_plus_5': 227, 'branch': 228},  # 211
    {'FOR': -76, 'FROM': -76, 'IF': -76, 'LET': -76, 'NAME': -76, 'REPEAT': -76, 'RESIDUAL': -76, '_DEDENT': -76},  # 212
    {'FOR': -68, 'FROM': -68, 'IF': -68, 'LET': -68, 'NAME': -68, 'REPEAT': -68, 'RESIDUAL': -68, '_DEDENT': -68},  # 213
    {'SEMICOLON': -35, '_NL': -35},  # 214
    {'NAME': 37, 'call': 102, 'call_stmt': 185, 'dotted': 39},  # 215
    {'SEMICOLON': -127, '_NL': -127},  # 216
    {'COMMA': -139, 'RPAR': -139},  # 217
    {'_NL': 35, 'body': 229},  # 218
    {'COMMA': -135, 'IN': -135},  # 219
    {'COLON': 230},  # 220
    {'ADD_OP': 45, 'IN': 46, 'LPAR': 47, 'LSQB': 48, 'NAME': 49, 'NOT': 50, 'NUMBER': 51, 'STRING': 52, 'and_test': 53, 'arith': 54, 'atom': 55, 'comparison': 56, 'factor': 58, 'not_test': 59, 'or_test': 60, 'postfix': 61, 'power': 62, 'term': 63, 'test': 231},  # 221
    {'COLON': 232},  # 222
    {'ELIF': 221, 'ELSE': 222, 'FOR': -71, 'FROM': -71, 'IF': -71, 'LET': -71, 'NAME': -71, 'REPEAT': -71, 'RESIDUAL': -71, '_DEDENT': -71, 'elif_clause': 233, 'else_clause': 234},  # 223
    {'ELIF': -132, 'ELSE': -132, 'FOR': -132, 'FROM': -132, 'IF': -132, 'LET': -132, 'NAME': -132, 'REPEAT': -132, 'RESIDUAL': -132, '_DEDENT': -132},  # 224
    {'FOR': -72, 'FROM': -72, 'IF': -72, 'LET': -72, 'NAME': -72, 'REPEAT': -72, 'RESIDUAL': -72, '_DEDENT': -72},  # 225
    {'FROM': 95, 'LET': 4, 'NAME': 196, '_NL': 235, 'assign': 101, 'call': 102, 'call_stmt': 103, 'dotted': 39, 'from_stmt': 106, 'let_stmt': 108, 'simple': 236},  # 226
    {'VBAR': 226, '_DEDENT': 237, 'branch': 238},  # 227
    {'VBAR': -130, '_DEDENT': -130},  # 228
    {'FOR': -78, 'FROM': -78, 'IF': -78, 'LET': -78, 'NAME': -78, 'REPEAT': -78, 'RESIDUAL': -78, '_DEDENT': -78},  # 229
    {'_NL': 35, 'body': 239},  # 230
    {'COLON': 240},  # 231
    {'_NL': 35, 'body': 241},  # 232
    {'ELIF': -133, 'ELSE': -133, 'FOR': -133, 'FROM': -133, 'IF': -133, 'LET': -133, 'NAME': -133, 'REPEAT': -133, 'RESIDUAL': -133, '_DEDENT': -133},  # 233
    {'FOR': -70, 'FROM': -70, 'IF': -70, 'LET': -70, 'NAME': -70, 'REPEAT': -70, 'RESIDUAL': -70, '_DEDENT': -70},  # 234
    {'VBAR': -67, '_DEDENT': -67, '_INDENT': 242},  # 235
    {'SEMICOLON': 161, '_NL': 243, '__simple_line_star_3': 244},  # 236
    {'FOR': -60, 'FROM': -60, 'IF': -60, 'LET': -60, 'NAME': -60, 'REPEAT': -60, 'RESIDUAL': -60, '_DEDENT': -60},  # 237
    {'VBAR': -131, '_DEDENT': -131},  # 238
    {'FOR': -77, 'FROM': -77, 'IF': -77, 'LET': -77, 'NAME': -77, 'REPEAT': -77, 'RESIDUAL': -77, '_DEDENT': -77},  # 239
    {'_NL': 35, 'body': 245},  # 240
    {'FOR': -75, 'FROM': -75, 'IF': -75, 'LET': -75, 'NAME': -75, 'REPEAT': -75, 'RESIDUAL': -75, '_DEDENT': -75},  # 241
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '__body_plus_2': 246, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 115},  # 242
    {'VBAR': -65, '_DEDENT': -65, '_INDENT': 247},  # 243
    {'SEMICOLON': 198, '_NL': 248},  # 244
    {'ELIF': -74, 'ELSE': -74, 'FOR': -74, 'FROM': -74, 'IF': -74, 'LET': -74, 'NAME': -74, 'REPEAT': -74, 'RESIDUAL': -74, '_DEDENT': -74},  # 245
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '_DEDENT': 249, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 155},  # 246
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '__body_plus_2': 250, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 115},  # 247
    {'VBAR': -63, '_DEDENT': -63, '_INDENT': 251},  # 248
    {'VBAR': -66, '_DEDENT': -66},  # 249
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '_DEDENT': 252, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 155},  # 250
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '__body_plus_2': 253, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 115},  # 251
    {'VBAR': -64, '_DEDENT': -64},  # 252
    {'FOR': 94, 'FROM': 95, 'IF': 96, 'LET': 4, 'NAME': 97, 'REPEAT': 98, 'RESIDUAL': 99, '_DEDENT': 254, 'assign': 101, 'call': 102, 'call_stmt': 103, 'compound': 104, 'dotted': 39, 'for_stmt': 105, 'from_stmt': 106, 'if_stmt': 107, 'let_stmt': 108, 'merge': 109, 'named_merge': 110, 'repeat_stmt': 111, 'residual': 112, 'simple': 113, 'simple_line': 114, 'stmt': 155},  # 253
    {'VBAR': -62, '_DEDENT': -62},  # 254
)
RULES = (
    ('start', 2, 'call', 'start', (-2,)),  # 0
    ('start', 1, 'call', 'start', ()),  # 1
    ('start', 1, 'call', 'start', (-1,)),  # 2
    ('start', 0, 'call', 'start', ()),  # 3
    ('item', 1, 'unit', '', (0,)),  # 4
    ('item', 1, 'unit', '', (0,)),  # 5
    ('item', 1, 'unit', '', (0,)),  # 6
    ('item', 1, 'unit', '', (0,)),  # 7
    ('item', 1, 'unit', '', (0,)),  # 8
    ('item', 2, 'wrap', '', (0,)),  # 9
    ('import_stmt', 3, 'call', 'import_stmt', (1,)),  # 10
    ('import_stmt', 3, 'call', 'import_stmt', (1,)),  # 11
    ('net_def', 5, 'call', 'net_def', (1, 2, 4)),  # 12
    ('net_def', 4, 'call', 'net_def', (1, None, 3)),  # 13
    ('block_def', 5, 'call', 'block_def', (1, 2, 4)),  # 14
    ('block_def', 4, 'call', 'block_def', (1, None, 3)),  # 15
    ('block_alias', 5, 'call', 'block_alias', (1, 3)),  # 16
    ('func_def', 6, 'call', 'func_def', (1, 2, 4)),  # 17
    ('params', 5, 'call', 'params', (1, -3)),  # 18
    ('params', 4, 'call', 'params', (1, -3)),  # 19
    ('params', 4, 'call', 'params', (1,)),  # 20
    ('params', 3, 'call', 'params', (1,)),  # 21
    ('params', 2, 'call', 'params', (None,)),  # 22
    ('param', 3, 'call', 'param', (0, 2)),  # 23
    ('param', 1, 'call', 'param', (0, None)),  # 24
    ('body', 4, 'call', 'body', (-3,)),  # 25
    ('stmt', 1, 'unit', '', (0,)),  # 26
    ('stmt', 1, 'unit', '', (0,)),  # 27
    ('simple_line', 3, 'call', 'simple_line', (0, -2)),  # 28
    ('simple_line', 2, 'call', 'simple_line', (0,)),  # 29
    ('simple', 1, 'unit', '', (0,)),  # 30
    ('simple', 1, 'unit', '', (0,)),  # 31
    ('simple', 1, 'unit', '', (0,)),  # 32
    ('simple', 1, 'unit', '', (0,)),  # 33
    ('call_stmt', 4, 'call', 'call_stmt', (0, 1, 2, 3)),  # 34
    ('call_stmt', 3, 'call', 'call_stmt', (0, 1, 2, None)),  # 35
    ('call_stmt', 3, 'call', 'call_stmt', (0, 1, None, 2)),  # 36
    ('call_stmt', 2, 'call', 'call_stmt', (0, 1, None, None)),  # 37
    ('call_stmt', 3, 'call', 'call_stmt', (0, None, 1, 2)),  # 38
    ('call_stmt', 2, 'call', 'call_stmt', (0, None, 1, None)),  # 39
    ('call_stmt', 2, 'call', 'call_stmt', (0, None, None, 1)),  # 40
    ('call_stmt', 1, 'call', 'call_stmt', (0, None, None, None)),  # 41
    ('repeat', 2, 'call', 'repeat', (1,)),  # 42
    ('cond', 2, 'call', 'cond', (1,)),  # 43
    ('label', 2, 'call', 'label', (1,)),  # 44
    ('assign', 3, 'call', 'assign', (0, 2)),  # 45
    ('let_stmt', 4, 'call', 'let_stmt', (1, 3)),  # 46
    ('from_stmt', 2, 'call', 'from_stmt', (1,)),  # 47
    ('call', 4, 'call', 'call', (0, 2)),  # 48
    ('call', 3, 'call', 'call', (0, None)),  # 49
    ('call', 1, 'call', 'call', (0, None)),  # 50
    ('dotted', 2, 'call', 'dotted', (0, -2)),  # 51
    ('dotted', 1, 'call', 'dotted', (0,)),  # 52
    ('compound', 1, 'unit', '', (0,)),  # 53
    ('compound', 1, 'unit', '', (0,)),  # 54
    ('compound', 1, 'unit', '', (0,)),  # 55
    ('compound', 1, 'unit', '', (0,)),  # 56
    ('compound', 1, 'unit', '', (0,)),  # 57
    ('compound', 1, 'unit', '', (0,)),  # 58
    ('merge', 6, 'call', 'merge', (0, -5)),  # 59
    ('named_merge', 3, 'call', 'named_merge', (0, 2)),  # 60
    ('branch', 7, 'call', 'branch', (1, -3, -6)),  # 61
    ('branch', 4, 'call', 'branch', (1, -3)),  # 62
    ('branch', 6, 'call', 'branch', (1, -5)),  # 63
    ('branch', 3, 'call', 'branch', (1,)),  # 64
    ('branch', 5, 'call', 'branch', (None, -4)),  # 65
    ('branch', 2, 'call', 'branch', (None,)),  # 66
    ('residual', 4, 'call', 'residual', (1, 3)),  # 67
    ('residual', 3, 'call', 'residual', (None, 2)),  # 68
    ('if_stmt', 6, 'call', 'if_stmt', (1, 3, -5, 5)),  # 69
    ('if_stmt', 5, 'call', 'if_stmt', (1, 3, -5, None)),  # 70
    ('if_stmt', 5, 'call', 'if_stmt', (1, 3, 4)),  # 71
    ('if_stmt', 4, 'call', 'if_stmt', (1, 3, None)),  # 72
    ('elif_clause', 4, 'call', 'elif_clause', (1, 3)),  # 73
    ('else_clause', 3, 'call', 'else_clause', (2,)),  # 74
    ('repeat_stmt', 4, 'call', 'repeat_stmt', (1, 3)),  # 75
    ('for_stmt', 7, 'call', 'for_stmt', (1, -3, 4, 6)),  # 76
    ('for_stmt', 6, 'call', 'for_stmt', (1, 3, 5)),  # 77
    ('expr', 1, 'unit', '', (0,)),  # 78
    ('expr', 5, 'call', 'ifexp', (0, 2, 4)),  # 79
    ('test', 1, 'unit', '', (0,)),  # 80
    ('or_test', 1, 'unit', '', (0,)),  # 81
    ('or_test', 3, 'call', 'or_', (0, 2)),  # 82
    ('and_test', 1, 'unit', '', (0,)),  # 83
    ('and_test', 3, 'call', 'and_', (0, 2)),  # 84
    ('not_test', 2, 'call', 'not_', (1,)),  # 85
    ('not_test', 1, 'unit', '', (0,)),  # 86
    ('comparison', 1, 'unit', '', (0,)),  # 87
    ('comparison', 3, 'call', 'compare', (0, 1, 2)),  # 88
    ('arith', 1, 'unit', '', (0,)),  # 89
    ('arith', 3, 'call', 'binary', (0, 1, 2)),  # 90
    ('term', 1, 'unit', '', (0,)),  # 91
    ('term', 3, 'call', 'binary', (0, 1, 2)),  # 92
    ('factor', 2, 'call', 'unary', (0, 1)),  # 93
    ('factor', 1, 'unit', '', (0,)),  # 94
    ('power', 1, 'unit', '', (0,)),  # 95
    ('power', 3, 'call', 'power', (0, 2)),  # 96
    ('postfix', 1, 'unit', '', (0,)),  # 97
    ('postfix', 4, 'call', 'funcall', (0, 2)),  # 98
    ('postfix', 3, 'call', 'funcall', (0, None)),  # 99
    ('postfix', 4, 'call', 'index', (0, 2)),  # 100
    ('postfix', 3, 'call', 'attribute', (0, 2)),  # 101
    ('atom', 1, 'call', 'number', (0,)),  # 102
    ('atom', 1, 'call', 'string', (0,)),  # 103
    ('atom', 1, 'call', 'name', (0,)),  # 104
    ('atom', 1, 'call', 'input_ref', ()),  # 105
    ('atom', 3, 'wrap', '', (1,)),  # 106
    ('atom', 5, 'call', 'list', (1, -3)),  # 107
    ('atom', 4, 'call', 'list', (1, -3)),  # 108
    ('atom', 4, 'call', 'list', (1,)),  # 109
    ('atom', 3, 'call', 'list', (1,)),  # 110
    ('atom', 2, 'call', 'list', (None,)),  # 111
    ('args', 3, 'call', 'args', (0, -2)),  # 112
    ('args', 2, 'call', 'args', (0, -2)),  # 113
    ('args', 2, 'call', 'args', (0,)),  # 114
    ('args', 1, 'call', 'args', (0,)),  # 115
    ('arg', 1, 'unit', '', (0,)),  # 116
    ('arg', 3, 'call', 'kwarg', (0, 2)),  # 117
    ('arg', 2, 'call', 'splat', (1,)),  # 118
    ('__start_star_0', 1, 'first', '', (0,)),  # 119
    ('__start_star_0', 2, 'more', '', (1,)),  # 120
    ('__params_star_1', 2, 'first', '', (1,)),  # 121
    ('__params_star_1', 3, 'more', '', (2,)),  # 122
    ('__body_plus_2', 1, 'first', '', (0,)),  # 123
    ('__body_plus_2', 2, 'more', '', (1,)),  # 124
    ('__simple_line_star_3', 2, 'first', '', (1,)),  # 125
    ('__simple_line_star_3', 3, 'more', '', (2,)),  # 126
    ('__dotted_star_4', 2, 'first', '', (1,)),  # 127
    ('__dotted_star_4', 3, 'more', '', (2,)),  # 128
    ('__merge_plus_5', 1, 'first', '', (0,)),  # 129
    ('__merge_plus_5', 2, 'more', '', (1,)),  # 130
    ('__if_stmt_star_6', 1, 'first', '', (0,)),  # 131
    ('__if_stmt_star_6', 2, 'more', '', (1,)),  # 132
    ('__for_stmt_star_7', 2, 'first', '', (1,)),  # 133
    ('__for_stmt_star_7', 3, 'more', '', (2,)),  # 134
    ('__atom_star_8', 2, 'first', '', (1,)),  # 135
    ('__atom_star_8', 3, 'more', '', (2,)),  # 136
    ('__args_star_9', 2, 'first', '', (1,)),  # 137
    ('__args_star_9', 3, 'more', '', (2,)),  # 138
)
LEXERS = (
    (('_NL', 'LINE_CONT', 'WS', 'IMPORT', 'BLOCK', 'DEF', 'LET', 'NET'), {}, ('BLOCK', 'DEF', 'IMPORT', 'LET', 'NET', '_NL')),  # 0
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {}, ('NAME', '_NL')),  # 1
    (('_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS'), {}, ('NAME', 'STRING', '_NL')),  # 2
    (('_NL', 'LINE_CONT', 'WS', 'IMPORT', 'BLOCK', 'DEF', 'LET', 'NET'), {}, ('BLOCK', 'DEF', 'IMPORT', 'LET', 'NET', '_NL')),  # 3
    (('_NL', 'LINE_CONT', 'WS', 'IMPORT', 'BLOCK', 'DEF', 'LET', 'NET'), {}, ('BLOCK', 'DEF', 'IMPORT', 'LET', 'NET', '_NL')),  # 4
    (('_NL', 'LINE_CONT', 'WS', 'IMPORT', 'BLOCK', 'DEF', 'LET', 'NET'), {}, ('BLOCK', 'DEF', 'IMPORT', 'LET', 'NET', '_NL')),  # 5
    (('_NL', 'LINE_CONT', 'WS'), {}, ('_NL',)),  # 6
    (('_NL', 'LINE_CONT', 'WS'), {}, ('_NL',)),  # 7
    (('_NL', 'LINE_CONT', 'WS', 'COLON', 'EQUAL', 'LPAR'), {}, ('COLON', 'EQUAL', 'LPAR', '_NL')),  # 8
    (('_NL', 'LINE_CONT', 'WS', 'LPAR'), {}, ('LPAR', '_NL')),  # 9
    (('_NL', 'LINE_CONT', 'WS', 'EQUAL'), {}, ('EQUAL', '_NL')),  # 10
    (('_NL', 'LINE_CONT', 'WS', 'COLON', 'LPAR'), {}, ('COLON', 'LPAR', '_NL')),  # 11
    (('_NL', 'LINE_CONT', 'WS'), {}, ('_NL',)),  # 12
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {}, ('NAME', '_NL')),  # 13
    (('_NL', 'NAME', 'LINE_CONT', 'WS', 'RPAR'), {}, ('NAME', 'RPAR', '_NL')),  # 14
    (('_NL', 'LINE_CONT', 'WS', 'COLON'), {}, ('COLON', '_NL')),  # 15
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 16
    (('_NL', 'LINE_CONT', 'WS'), {}, ('_NL',)),  # 17
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'DOT', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'DOT', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 18
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 19
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'EQUAL', 'RPAR'), {}, ('COMMA', 'EQUAL', 'RPAR', '_NL')),  # 20
    (('_NL', 'LINE_CONT', 'WS', 'COLON', 'EQUAL'), {}, ('COLON', 'EQUAL', '_NL')),  # 21
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'RPAR'), {}, ('COMMA', 'RPAR', '_NL')),  # 22
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 23
    (('_POW', '_NL', 'LINE_CONT', 'WS', 'ELSE', 'AND', 'COMP_OP', 'MUL_OP', 'AS', 'IF', 'OR', 'ADD_OP', 'COLON', 'COMMA', 'DOT', 'LPAR', 'LSQB', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('ADD_OP', 'AND', 'AS', 'COLON', 'COMMA', 'COMP_OP', 'DOT', 'ELSE', 'IF', 'LPAR', 'LSQB', 'MUL_OP', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL', '_POW')),  # 24
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB', 'RSQB'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'RSQB', 'STRING', '_NL')),  # 25
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 26
    (('_NL', 'LINE_CONT', 'WS', 'ELSE', 'AND', 'AS', 'IF', 'OR', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('AND', 'AS', 'COLON', 'COMMA', 'ELSE', 'IF', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 27
    (('_NL', 'LINE_CONT', 'WS', 'ELSE', 'AND', 'COMP_OP', 'AS', 'IF', 'OR', 'ADD_OP', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('ADD_OP', 'AND', 'AS', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 28
    (('_NL', 'LINE_CONT', 'WS', 'ELSE', 'AND', 'COMP_OP', 'AS', 'IF', 'OR', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('AND', 'AS', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 29
    (('_NL', 'LINE_CONT', 'WS', 'SEMICOLON'), {}, ('SEMICOLON', '_NL')),  # 30
    (('_NL', 'LINE_CONT', 'WS', 'ELSE', 'AND', 'COMP_OP', 'MUL_OP', 'AS', 'IF', 'OR', 'ADD_OP', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('ADD_OP', 'AND', 'AS', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'MUL_OP', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 31
    (('_NL', 'LINE_CONT', 'WS', 'ELSE', 'AS', 'IF', 'OR', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('AS', 'COLON', 'COMMA', 'ELSE', 'IF', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 32
    (('_NL', 'LINE_CONT', 'WS', 'IF', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('COLON', 'COMMA', 'IF', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 33
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 34
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'DOT', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'DOT', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 35
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB', 'RPAR', 'STAR'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'RPAR', 'STAR', 'STRING', '_NL')),  # 36
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'RPAR'), {}, ('COMMA', 'RPAR', '_NL')),  # 37
    (('_NL', 'LINE_CONT', 'WS', 'RPAR'), {}, ('RPAR', '_NL')),  # 38
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'RSQB'), {}, ('COMMA', 'RSQB', '_NL')),  # 39
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 40
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 41
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 42
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', '_NL')),  # 43
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'COLON', 'DOT', 'EQUAL', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'COLON', 'DOT', 'EQUAL', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 44
    (('_NL', 'LINE_CONT', 'WS', 'IF', 'COLON'), {}, ('COLON', 'IF', '_NL')),  # 45
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 46
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'SEMICOLON', 'STAR'), {}, ('AS', 'IF', 'SEMICOLON', 'STAR', '_NL')),  # 47
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 48
    (('_NL', 'LINE_CONT', 'WS', 'SEMICOLON'), {}, ('SEMICOLON', '_NL')),  # 49
    (('_POW', '_NL', 'LINE_CONT', 'WS', 'AND', 'COMP_OP', 'MUL_OP', 'IF', 'OR', 'ADD_OP', 'COMMA', 'DOT', 'EQUAL', 'LPAR', 'LSQB', 'RPAR'), {}, ('ADD_OP', 'AND', 'COMMA', 'COMP_OP', 'DOT', 'EQUAL', 'IF', 'LPAR', 'LSQB', 'MUL_OP', 'OR', 'RPAR', '_NL', '_POW')),  # 50
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'SEMICOLON', 'STAR'), {}, ('AS', 'IF', 'SEMICOLON', 'STAR', '_NL')),  # 51
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'RPAR'), {}, ('COMMA', 'RPAR', '_NL')),  # 52
    (('_NL', 'LINE_CONT', 'WS', 'COMMA', 'RSQB'), {}, ('COMMA', 'RSQB', '_NL')),  # 53
    (('_NL', 'LINE_CONT', 'WS', 'RSQB'), {}, ('RSQB', '_NL')),  # 54
    (('_NL', 'LINE_CONT', 'WS', 'ELSE'), {}, ('ELSE', '_NL')),  # 55
    (('_NL', 'LINE_CONT', 'WS', 'IN', 'COMMA'), {}, ('COMMA', 'IN', '_NL')),  # 56
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {}, ('NAME', '_NL')),  # 57
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'import': 'IMPORT', 'repeat': 'REPEAT', 'block': 'BLOCK', 'elif': 'ELIF', 'else': 'ELSE', 'from': 'FROM', 'def': 'DEF', 'for': 'FOR', 'let': 'LET', 'net': 'NET', 'if': 'IF'}}, ('NAME', '_NL')),  # 58
    (('_NL', 'LINE_CONT', 'STRING', 'WS'), {}, ('STRING', '_NL')),  # 59
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'SEMICOLON'), {}, ('AS', 'SEMICOLON', '_NL')),  # 60
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'SEMICOLON'), {}, ('AS', 'IF', 'SEMICOLON', '_NL')),  # 61
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'from': 'FROM', 'let': 'LET'}}, ('NAME', '_NL')),  # 62
    (('NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'ADD_OP', 'LPAR', 'LSQB', 'RPAR', 'STAR'), {'NAME': {'not': 'NOT', 'in': 'IN'}}, ('ADD_OP', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'RPAR', 'STAR', 'STRING', '_NL')),  # 63
    (('_NL', 'LINE_CONT', 'WS', 'IN', 'COMMA'), {}, ('COMMA', 'IN', '_NL')),  # 64
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'COLON', 'DOT', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'COLON', 'DOT', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 65
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'COLON', 'SEMICOLON'), {}, ('AS', 'COLON', 'SEMICOLON', '_NL')),  # 66
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'SEMICOLON'), {}, ('AS', 'IF', 'SEMICOLON', '_NL')),  # 67
    (('_NL', 'LINE_CONT', 'WS', 'AS', 'IF', 'DOT', 'EQUAL', 'LPAR', 'SEMICOLON', 'STAR'), {}, ('AS', 'DOT', 'EQUAL', 'IF', 'LPAR', 'SEMICOLON', 'STAR', '_NL')),  # 68
    (('_NL', 'LINE_CONT', 'WS', 'COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON'), {}, ('COLON', 'COMMA', 'RPAR', 'RSQB', 'SEMICOLON', '_NL')),  # 69
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'elif': 'ELIF', 'else': 'ELSE', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 70
    (('_NL', 'LINE_CONT', 'WS', 'VBAR'), {}, ('VBAR', '_NL')),  # 71
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {}, ('NAME', '_NL')),  # 72
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'elif': 'ELIF', 'else': 'ELSE', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 73
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'residual': 'RESIDUAL', 'repeat': 'REPEAT', 'elif': 'ELIF', 'else': 'ELSE', 'from': 'FROM', 'for': 'FOR', 'let': 'LET', 'if': 'IF'}}, ('NAME', '_NL')),  # 74
    (('_NL', 'NAME', 'LINE_CONT', 'WS'), {'NAME': {'from': 'FROM', 'let': 'LET'}}, ('NAME', '_NL')),  # 75
    (('_NL', 'LINE_CONT', 'WS', 'VBAR'), {}, ('VBAR', '_NL')),  # 76
    (('_NL', 'LINE_CONT', 'WS', 'VBAR'), {}, ('VBAR', '_NL')),  # 77
    (('_NL', 'LINE_CONT', 'WS', 'VBAR'), {}, ('VBAR', '_NL')),  # 78
    (('_POW', 'NUMBER', '_NL', 'NAME', 'LINE_CONT', 'STRING', 'WS', 'COMP_OP', 'MUL_OP', 'ADD_OP', 'COLON', 'COMMA', 'DOT', 'EQUAL', 'LPAR', 'LSQB', 'RPAR', 'RSQB', 'SEMICOLON', 'VBAR'), {'MUL_OP': {'*': 'STAR'}, 'NAME': {'residual': 'RESIDUAL', 'import': 'IMPORT', 'repeat': 'REPEAT', 'block': 'BLOCK', 'elif': 'ELIF', 'else': 'ELSE', 'from': 'FROM', 'and': 'AND', 'def': 'DEF', 'for': 'FOR', 'let': 'LET', 'net': 'NET', 'not': 'NOT', 'as': 'AS', 'if': 'IF', 'in': 'IN', 'or': 'OR'}}, ('ADD_OP', 'COLON', 'COMMA', 'COMP_OP', 'DOT', 'EQUAL', 'LPAR', 'LSQB', 'MUL_OP', 'NAME', 'NUMBER', 'RPAR', 'RSQB', 'SEMICOLON', 'STRING', 'VBAR', '_NL', '_POW')),  # 79
)
STATE_LEXERS = (0, 1, 1, 2, 1, 1, 3, 4, 5, 5, 5, 5, 5, 6, 5, 7, 8, 9, 6, 6, 10, 11, 4, 5, 5, 12, 13, 14, 15, 10, 5, 5, 16, 12, 15, 17, 5, 18, 6, 19, 20, 21, 22, 12, 16, 23, 24, 16, 25, 24, 26, 24, 24, 27, 28, 24, 29, 30, 31, 27, 32, 24, 31, 31, 33, 5, 12, 34, 1, 35, 5, 36, 16, 14, 21, 37, 5, 6, 31, 38, 24, 39, 27, 26, 40, 41, 42, 1, 36, 16, 23, 23, 43, 5, 1, 1, 43, 44, 16, 45, 46, 30, 47, 30, 48, 48, 30, 48, 30, 48, 48, 48, 48, 49, 48, 48, 35, 1, 50, 51, 16, 52, 38, 37, 37, 21, 37, 14, 21, 5, 24, 25, 24, 53, 27, 31, 28, 27, 24, 24, 38, 54, 31, 31, 55, 56, 30, 15, 6, 57, 15, 12, 43, 15, 58, 48, 59, 23, 60, 30, 61, 62, 48, 30, 35, 16, 37, 63, 37, 51, 21, 37, 24, 53, 25, 24, 24, 24, 16, 1, 16, 64, 12, 17, 65, 30, 48, 12, 48, 66, 12, 30, 67, 30, 60, 30, 68, 30, 62, 48, 37, 37, 63, 24, 53, 69, 64, 15, 1, 16, 70, 71, 48, 48, 30, 72, 30, 37, 12, 64, 15, 43, 15, 73, 74, 48, 75, 76, 77, 48, 12, 15, 12, 74, 48, 78, 49, 48, 77, 48, 12, 48, 34, 78, 30, 74, 46, 34, 78, 77, 46, 34, 77, 46, 77)
ROOT_LEXER = 79
PATTERNS = {
    'ADD_OP': '(?:\\+|\\-)',
    'AND': 'and',
    'AS': 'as',
    'BLOCK': 'block',
    'COLON': ':',
    'COMMA': ',',
    'COMP_OP': '(?:==|!=|<=|>=|<|>)',
    'DEF': 'def',
    'DOT': '\\.',
    'ELIF': 'elif',
    'ELSE': 'else',
    'EQUAL': '=',
    'FOR': 'for',
    'FROM': 'from',
    'IF': 'if',
    'IMPORT': 'import',
    'IN': 'in',
    'LET': 'let',
    'LINE_CONT': '\\\\[\t \x0c]*\r?\n',
    'LPAR': '\\(',
    'LSQB': '\\[',
    'MUL_OP': '(?://|\\*|/|%)',
    'NAME': '[A-Za-z_][A-Za-z0-9_]*',
    'NET': 'net',
    'NOT': 'not',
    'NUMBER': '(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][+-]?\\d+)?',
    'OR': 'or',
    'REPEAT': 'repeat',
    'RESIDUAL': 'residual',
    'RPAR': '\\)',
    'RSQB': '\\]',
    'SEMICOLON': ';',
    'STAR': '\\*',
    'STRING': '"[^"\n]*"',
    'VBAR': '\\|',
    'WS': '[\t \x0c]+',
    '_NL': '(#[^\n]*)?(\r?\n[\t ]*(#[^\n]*)?)+',
    '_POW': '\\*\\*',
}
STRINGS = ('AND', 'AS', 'BLOCK', 'COLON', 'COMMA', 'DEF', 'DOT', 'ELIF', 'ELSE', 'EQUAL', 'FOR', 'FROM', 'IF', 'IMPORT', 'IN', 'LET', 'LPAR', 'LSQB', 'NET', 'NOT', 'OR', 'REPEAT', 'RESIDUAL', 'RPAR', 'RSQB', 'SEMICOLON', 'STAR', 'VBAR', '_POW')
FIRST_CHARS = {
    'ADD_OP': '+-',
    'AND': 'a',
    'AS': 'a',
    'BLOCK': 'b',
    'COLON': ':',
    'COMMA': ',',
    'COMP_OP': '!<=>',
    'DEF': 'd',
    'DOT': '.',
    'ELIF': 'e',
    'ELSE': 'e',
    'EQUAL': '=',
    'FOR': 'f',
    'FROM': 'f',
    'IF': 'i',
    'IMPORT': 'i',
    'IN': 'i',
    'LET': 'l',
    'LINE_CONT': '\\',
    'LPAR': '(',
    'LSQB': '[',
    'MUL_OP': '%*/',
    'NAME': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz',
    'NET': 'n',
    'NOT': 'n',
    'NUMBER': '.0123456789',
    'OR': 'o',
    'REPEAT': 'r',
    'RESIDUAL': 'r',
    'RPAR': ')',
    'RSQB': ']',
    'SEMICOLON': ';',
    'STAR': '*',
    'STRING': '"',
    'VBAR': '|',
    'WS': '\t\x0c ',
    '_NL': '\n\r#',
    '_POW': '*',
}
IGNORE = ('LINE_CONT', 'WS')
NEWLINE_TYPES = ('LINE_CONT', 'STRING', '_NL')
TERMINALS = {
    'ADD_OP': '(?:\\+|\\-)',
    'AND': 'and',
    'AS': 'as',
    'BLOCK': 'block',
    'COLON': ':',
    'COMMA': ',',
    'COMP_OP': '(?:==|!=|<=|>=|<|>)',
    'DEF': 'def',
    'DOT': '.',
    'ELIF': 'elif',
    'ELSE': 'else',
    'EQUAL': '=',
    'FOR': 'for',
    'FROM': 'from',
    'IF': 'if',
    'IMPORT': 'import',
    'IN': 'in',
    'LET': 'let',
    'LINE_CONT': '\\\\[\t \x0c]*\r?\n',
    'LPAR': '(',
    'LSQB': '[',
    'MUL_OP': '(?://|\\*|/|%)',
    'NAME': '[A-Za-z_][A-Za-z0-9_]*',
    'NET': 'net',
    'NOT': 'not',
    'NUMBER': '(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][+-]?\\d+)?',
    'OR': 'or',
    'REPEAT': 'repeat',
    'RESIDUAL': 'residual',
    'RPAR': ')',
    'RSQB': ']',
    'SEMICOLON': ';',
    'STAR': '*',
    'STRING': '"[^"\n]*"',
    'VBAR': '|',
    'WS': '[\t \x0c]+',
    '_NL': '(#[^\n]*)?(\r?\n[\t ]*(#[^\n]*)?)+',
    '_POW': '**',
}
SCAN_ORDER = ('_POW', 'NAME', 'LINE_CONT', 'STRING', 'ADD_OP', 'COLON', 'COMMA', 'LPAR', 'LSQB', 'RPAR', 'RSQB', 'SEMICOLON', 'VBAR', 'NUMBER', 'DOT', '_NL', 'WS', 'COMP_OP', 'EQUAL', 'MUL_OP')
SAFE = (
    ('BLOCK', 'DEF', 'IMPORT', 'LET', 'LINE_CONT', 'NET', 'WS', '_NL'),  # 0
    ('LINE_CONT', 'NAME', 'WS', '_NL'),  # 1
    ('LINE_CONT', 'NAME', 'STRING', 'WS', '_NL'),  # 2
    ('BLOCK', 'DEF', 'IMPORT', 'LET', 'LINE_CONT', 'NET', 'WS', '_NL'),  # 3
    ('BLOCK', 'DEF', 'IMPORT', 'LET', 'LINE_CONT', 'NET', 'WS', '_NL'),  # 4
    ('BLOCK', 'DEF', 'IMPORT', 'LET', 'LINE_CONT', 'NET', 'WS', '_NL'),  # 5
    ('LINE_CONT', 'WS', '_NL'),  # 6
    ('LINE_CONT', 'WS', '_NL'),  # 7
    ('COLON', 'EQUAL', 'LINE_CONT', 'LPAR', 'WS', '_NL'),  # 8
    ('LINE_CONT', 'LPAR', 'WS', '_NL'),  # 9
    ('EQUAL', 'LINE_CONT', 'WS', '_NL'),  # 10
    ('COLON', 'LINE_CONT', 'LPAR', 'WS', '_NL'),  # 11
    ('LINE_CONT', 'WS', '_NL'),  # 12
    ('LINE_CONT', 'NAME', 'WS', '_NL'),  # 13
    ('LINE_CONT', 'NAME', 'RPAR', 'WS', '_NL'),  # 14
    ('COLON', 'LINE_CONT', 'WS', '_NL'),  # 15
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'STRING', 'WS', '_NL'),  # 16
    ('LINE_CONT', 'WS', '_NL'),  # 17
    ('AS', 'DOT', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 18
    ('AS', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 19
    ('COMMA', 'EQUAL', 'LINE_CONT', 'RPAR', 'WS', '_NL'),  # 20
    ('COLON', 'EQUAL', 'LINE_CONT', 'WS', '_NL'),  # 21
    ('COMMA', 'LINE_CONT', 'RPAR', 'WS', '_NL'),  # 22
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', 'WS', '_NL'),  # 23
    ('ADD_OP', 'AND', 'COLON', 'COMMA', 'COMP_OP', 'DOT', 'ELSE', 'IF', 'LINE_CONT', 'LPAR', 'LSQB', 'MUL_OP', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL', '_POW'),  # 24
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'RSQB', 'STRING', 'WS', '_NL'),  # 25
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'STRING', 'WS', '_NL'),  # 26
    ('AND', 'COLON', 'COMMA', 'ELSE', 'IF', 'LINE_CONT', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 27
    ('ADD_OP', 'AND', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'LINE_CONT', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 28
    ('AND', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'LINE_CONT', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 29
    ('LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 30
    ('ADD_OP', 'AND', 'COLON', 'COMMA', 'COMP_OP', 'ELSE', 'IF', 'LINE_CONT', 'MUL_OP', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 31
    ('AS', 'COLON', 'COMMA', 'ELSE', 'IF', 'LINE_CONT', 'OR', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 32
    ('COLON', 'COMMA', 'IF', 'LINE_CONT', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 33
    ('FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 34
    ('AS', 'DOT', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 35
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'RPAR', 'STAR', 'STRING', 'WS', '_NL'),  # 36
    ('COMMA', 'LINE_CONT', 'RPAR', 'WS', '_NL'),  # 37
    ('LINE_CONT', 'RPAR', 'WS', '_NL'),  # 38
    ('COMMA', 'LINE_CONT', 'RSQB', 'WS', '_NL'),  # 39
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', 'WS', '_NL'),  # 40
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NUMBER', 'STRING', 'WS', '_NL'),  # 41
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'STRING', 'WS', '_NL'),  # 42
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'STRING', 'WS', '_NL'),  # 43
    ('AS', 'COLON', 'DOT', 'EQUAL', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 44
    ('COLON', 'IF', 'LINE_CONT', 'WS', '_NL'),  # 45
    ('FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 46
    ('AS', 'IF', 'LINE_CONT', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 47
    ('FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 48
    ('LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 49
    ('ADD_OP', 'AND', 'COMMA', 'COMP_OP', 'DOT', 'EQUAL', 'IF', 'LINE_CONT', 'LPAR', 'LSQB', 'MUL_OP', 'OR', 'RPAR', 'WS', '_NL', '_POW'),  # 50
    ('AS', 'IF', 'LINE_CONT', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 51
    ('COMMA', 'LINE_CONT', 'RPAR', 'WS', '_NL'),  # 52
    ('COMMA', 'LINE_CONT', 'RSQB', 'WS', '_NL'),  # 53
    ('LINE_CONT', 'RSQB', 'WS', '_NL'),  # 54
    ('ELSE', 'LINE_CONT', 'WS', '_NL'),  # 55
    ('COMMA', 'IN', 'LINE_CONT', 'WS', '_NL'),  # 56
    ('LINE_CONT', 'NAME', 'WS', '_NL'),  # 57
    ('BLOCK', 'DEF', 'ELIF', 'ELSE', 'FOR', 'FROM', 'IF', 'IMPORT', 'LET', 'LINE_CONT', 'NAME', 'NET', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 58
    ('LINE_CONT', 'STRING', 'WS', '_NL'),  # 59
    ('AS', 'LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 60
    ('AS', 'IF', 'LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 61
    ('FROM', 'LET', 'LINE_CONT', 'NAME', 'WS', '_NL'),  # 62
    ('ADD_OP', 'IN', 'LINE_CONT', 'LPAR', 'LSQB', 'NAME', 'NOT', 'NUMBER', 'RPAR', 'STAR', 'STRING', 'WS', '_NL'),  # 63
    ('COMMA', 'IN', 'LINE_CONT', 'WS', '_NL'),  # 64
    ('AS', 'COLON', 'DOT', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 65
    ('AS', 'COLON', 'LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 66
    ('AS', 'IF', 'LINE_CONT', 'SEMICOLON', 'WS', '_NL'),  # 67
    ('AS', 'DOT', 'EQUAL', 'IF', 'LINE_CONT', 'LPAR', 'SEMICOLON', 'STAR', 'WS', '_NL'),  # 68
    ('COLON', 'COMMA', 'LINE_CONT', 'RPAR', 'RSQB', 'SEMICOLON', 'WS', '_NL'),  # 69
    ('ELIF', 'ELSE', 'FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 70
    ('LINE_CONT', 'VBAR', 'WS', '_NL'),  # 71
    ('LINE_CONT', 'NAME', 'WS', '_NL'),  # 72
    ('ELIF', 'ELSE', 'FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 73
    ('ELIF', 'ELSE', 'FOR', 'FROM', 'IF', 'LET', 'LINE_CONT', 'NAME', 'REPEAT', 'RESIDUAL', 'WS', '_NL'),  # 74
    ('FROM', 'LET', 'LINE_CONT', 'NAME', 'WS', '_NL'),  # 75
    ('LINE_CONT', 'VBAR', 'WS', '_NL'),  # 76
    ('LINE_CONT', 'VBAR', 'WS', '_NL'),  # 77
    ('LINE_CONT', 'VBAR', 'WS', '_NL'),  # 78
    ('ADD_OP', 'AND', 'AS', 'BLOCK', 'COLON', 'COMMA', 'COMP_OP', 'DEF', 'DOT', 'ELIF', 'ELSE', 'EQUAL', 'FOR', 'FROM', 'IF', 'IMPORT', 'IN', 'LET', 'LINE_CONT', 'LPAR', 'LSQB', 'MUL_OP', 'NAME', 'NET', 'NOT', 'NUMBER', 'OR', 'REPEAT', 'RESIDUAL', 'RPAR', 'RSQB', 'SEMICOLON', 'STAR', 'STRING', 'VBAR', 'WS', '_NL', '_POW'),  # 79
)
BLANKS = ('WS',)
TRAIL = 'WS'
SEEDS = {
    '(': 'LPAR',
    ')': 'RPAR',
    '*': 'STAR',
    '**': '_POW',
    ',': 'COMMA',
    '.': 'DOT',
    ':': 'COLON',
    ';': 'SEMICOLON',
    '=': 'EQUAL',
    '[': 'LSQB',
    ']': 'RSQB',
    'and': 'AND',
    'as': 'AS',
    'block': 'BLOCK',
    'def': 'DEF',
    'elif': 'ELIF',
    'else': 'ELSE',
    'for': 'FOR',
    'from': 'FROM',
    'if': 'IF',
    'import': 'IMPORT',
    'in': 'IN',
    'let': 'LET',
    'net': 'NET',
    'not': 'NOT',
    'or': 'OR',
    'repeat': 'REPEAT',
    'residual': 'RESIDUAL',
    '|': 'VBAR',
}
