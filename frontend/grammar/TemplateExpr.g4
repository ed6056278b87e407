// Grammar of the expressions inside `{{ ... }}` template placeholders.
// A Jinja-like subset: names, attribute and index access, literals, lists,
// filters with arguments, arithmetic, string concatenation (`~`),
// comparisons (chained as in Python), membership (`in`, `not in`) and
// boolean logic, with Jinja2's precedence.
grammar TemplateExpr;

expression : orExpr EOF ;

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

// Jinja applies filters to the signed operand: `-x | abs` is `(-x) | abs`.
unary : signedOperand (PIPE filter)* ;

signedOperand
  : MINUS signedOperand  # Negate
  | PLUS signedOperand   # UnaryPlus
  | postfix       # SignedPassThrough
  ;

filter : IDENT (LPAREN arguments? RPAREN)? ;

arguments : orExpr (COMMA orExpr)* COMMA? ;

postfix : primary suffix* ;

suffix
  : DOT IDENT                 # AttrSuffix
  | DOT INT                   # AttrIndexSuffix
  | LBRACK orExpr RBRACK      # IndexSuffix
  ;

primary
  : literal                                      # LiteralPrimary
  | IDENT                                        # NamePrimary
  | LPAREN orExpr RPAREN                         # ParenPrimary
  | LBRACK (orExpr (COMMA orExpr)* COMMA?)? RBRACK  # ListPrimary
  ;

literal : STRING | INT | FLOAT | KW_TRUE | KW_FALSE | KW_NULL ;

KW_AND : 'and' ;
KW_OR : 'or' ;
KW_NOT : 'not' ;
KW_IN : 'in' ;
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
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;

FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT : DIGITS ;
IDENT : [a-zA-Z_] [a-zA-Z0-9_]* ;
STRING
  : '"' ( ~["\\\r\n] | '\\' . )* '"'
  | '\'' ( ~['\\\r\n] | '\\' . )* '\''
  ;
WS : [ \t\r\n]+ -> skip ;

// Anything else is a single bad character; the parser reports it.
UNTERMINATED_STRING : '"' ( ~["\\\r\n] | '\\' . )* | '\'' ( ~['\\\r\n] | '\\' . )* ;
BAD_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
