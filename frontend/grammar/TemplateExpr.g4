// Grammar of the expressions inside `{{ ... }}` template placeholders.
// Jinja2's expressions: names, attribute and index access, slices, literals
// (lists, tuples, dicts), filters with positional and keyword arguments,
// tests (`is defined`), arithmetic, string concatenation (`~`), comparisons
// (chained as in Python), membership (`in`, `not in`), boolean logic and
// the inline `if`, with Jinja2's precedence.
grammar TemplateExpr;

expression : condExpr EOF ;

// The heads of the statements that bind names, before their expression
// (parsed as an `expression`): `{% for x in ... %}`, `{% for k, v in ... %}`
// and `{% set x = ... %}`. The statement's keyword is read before.
forHead : IDENT (COMMA IDENT)* COMMA? KW_IN ;

setHead : IDENT ASSIGN ;

// Jinja's inline `if`: `a if cond else b`; without `else` it is undefined.
condExpr : orExpr (KW_IF orExpr (KW_ELSE condExpr)?)? ;

orExpr : andExpr (KW_OR andExpr)* ;

andExpr : notExpr (KW_AND notExpr)* ;

notExpr
  : KW_NOT notExpr  # LogicalNot
  | comparison      # NotPassThrough
  ;

comparison : additive (compOp additive)* ;

compOp : EQ | NE | LT | LE | GT | GE | KW_IN | KW_NOT KW_IN ;

// Jinja's precedence: `~` binds tighter than `+` and `-`, looser than `*`.
additive : concat (addOp concat)* ;

addOp : PLUS | MINUS ;

concat : multiplicative (TILDE multiplicative)* ;

multiplicative : unary (mulOp unary)* ;

mulOp : STAR | SLASH | PERCENT ;

// Jinja applies filters and tests to the signed operand: `-x | abs` is
// `(-x) | abs`, `-x is number` is `(-x) is number`. A test may not follow
// another test directly (Jinja2: "You cannot chain multiple tests with
// is"); a filter between them, or parentheses, allow it.
unary : signedOperand (PIPE filter)* (testOp (PIPE filter)+)* testOp? ;

testOp : KW_IS KW_NOT? test ;

signedOperand
  : MINUS signedOperand  # Negate
  | PLUS signedOperand   # UnaryPlus
  | postfix       # SignedPassThrough
  ;

filter : IDENT (LPAREN arguments? RPAREN)? ;

// `none`, `true` and `false` are test names too.
test : testName (LPAREN arguments? RPAREN)? ;

testName : IDENT | KW_NULL | KW_TRUE | KW_FALSE | KW_IN ;

arguments : argument (COMMA argument)* COMMA? ;

argument : (IDENT ASSIGN)? condExpr ;

postfix : primary suffix* ;

suffix
  : DOT IDENT                 # AttrSuffix
  | DOT INT                   # AttrIndexSuffix
  // A Python method call (`s.split(',')`): the method table (ir/Methods.h).
  | DOT IDENT LPAREN arguments? RPAREN   # MethodSuffix
  | LBRACK condExpr RBRACK    # IndexSuffix
  | LBRACK lo=condExpr? COLON hi=condExpr? (COLON st=condExpr?)? RBRACK  # SliceSuffix
  ;

primary
  : literal                                      # LiteralPrimary
  // A global function (`range(3)`): the function table (ir/Functions.h).
  | IDENT LPAREN arguments? RPAREN               # CallPrimary
  | IDENT                                        # NamePrimary
  | LPAREN condExpr RPAREN                       # ParenPrimary
  | LPAREN (condExpr COMMA (condExpr (COMMA condExpr)* COMMA?)?)? RPAREN  # TuplePrimary
  | LBRACK (condExpr (COMMA condExpr)* COMMA?)? RBRACK  # ListPrimary
  | LBRACE (pair (COMMA pair)* COMMA?)? RBRACE   # DictPrimary
  ;

pair : condExpr COLON condExpr ;

literal : STRING | INT | FLOAT | KW_TRUE | KW_FALSE | KW_NULL ;

KW_AND : 'and' ;
KW_OR : 'or' ;
KW_NOT : 'not' ;
KW_IN : 'in' ;
KW_IS : 'is' ;
KW_IF : 'if' ;
KW_ELSE : 'else' ;
KW_TRUE : 'true' | 'True' ;
KW_FALSE : 'false' | 'False' ;
KW_NULL : 'null' | 'none' | 'None' ;

EQ : '==' ;
NE : '!=' ;
LE : '<=' ;
GE : '>=' ;
LT : '<' ;
GT : '>' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
PERCENT : '%' ;
TILDE : '~' ;
PIPE : '|' ;
DOT : '.' ;
COMMA : ',' ;
COLON : ':' ;
ASSIGN : '=' ;
LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;

FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT : DIGITS ;
IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;
// As Jinja2's lexer (its string pattern is matched with re.S), a literal
// may span lines: YAML's "{{ x | join('\n') }}" holds a real line break.
STRING
  : '"' ( ~["\\] | '\\' . )* '"'
  | '\'' ( ~['\\] | '\\' . )* '\''
  ;
WS : [ \t\r\n]+ -> skip ;

// Anything else is a single bad character; the parser reports it.
UNTERMINATED_STRING : '"' ( ~["\\] | '\\' . )* | '\'' ( ~['\\] | '\\' . )* ;
BAD_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
