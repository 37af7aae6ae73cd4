//! The row filter of a source (`[sources.<table>] filter`): conditions on the user's own
//! column names joined with `and`, parsed once from the config and evaluated per file.
//!
//! Grammar: `<col> (= | != | < | <= | > | >=) <literal>`, `<col> in (<lit>, …)`,
//! `<col> is null`, `<col> is not null`; literals `'text'` (`''` is a quote), numbers and
//! `true`/`false`; keywords in any case; a column name with other characters is written in
//! double quotes. A cell is compared as the literal's kind: text as text, a number as a
//! number, a boolean as a boolean. A null cell matches only `!=` and `is null`.

use super::super::parse;
use polars::prelude::*;
use std::cmp::Ordering;

/// A parsed row filter: every condition must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The conditions, in the order written.
    pub conditions: Vec<Condition>,
}

/// One condition on one of the user's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Their column name.
    pub column: String,
    /// What its value must satisfy.
    pub test: Test,
}

/// What a condition checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// A comparison with a literal.
    Compare(Op, Literal),
    /// Equal to one of the literals.
    In(Vec<Literal>),
    /// The cell is null (or empty text).
    IsNull,
    /// The cell is not null.
    IsNotNull,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A literal of the filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'`
    Text(String),
    /// `12`, `3.5`
    Number(f64),
    /// `true`, `false`
    Bool(bool),
}

/// A cell the filter cannot compare: a value that is not of its literal's kind.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    /// Their column.
    pub column: String,
    /// 0-based row in the frame.
    pub row: usize,
    /// The cell's text.
    pub value: String,
    /// What the literal needs.
    pub expected: &'static str,
}

impl Filter {
    /// Parses a filter; the error says what was expected where.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, pos: 0 };
        let mut conditions = vec![p.condition()?];
        while p.pos < p.tokens.len() {
            p.keyword("and")?;
            conditions.push(p.condition()?);
        }
        Ok(Self { conditions })
    }

    /// The columns it reads, in order of first use.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.conditions {
            if !out.contains(&c.column.as_str()) {
                out.push(&c.column);
            }
        }
        out
    }

    /// Which rows of `frame` pass; every column it reads must be in the frame.
    pub fn rows(&self, frame: &DataFrame) -> Result<Vec<bool>, FilterFailure> {
        let mut keep = vec![true; frame.height()];
        for c in &self.conditions {
            let text = frame.column(&c.column)?.cast(&DataType::String)?;
            for (row, v) in text.str()?.iter().enumerate() {
                if keep[row] && !c.holds(v).map_err(|expected| cell_error(c, row, v, expected))? {
                    keep[row] = false;
                }
            }
        }
        Ok(keep)
    }
}

/// Why a filter could not be evaluated on a frame.
#[derive(Debug, thiserror::Error)]
pub enum FilterFailure {
    /// A cell is not of its literal's kind.
    #[error("value is not {}", .0.expected)]
    Cell(CellError),
    /// A polars operation failed.
    #[error(transparent)]
    Polars(#[from] PolarsError),
}

fn cell_error(c: &Condition, row: usize, v: Option<&str>, expected: &'static str) -> FilterFailure {
    FilterFailure::Cell(CellError {
        column: c.column.clone(),
        row,
        value: v.unwrap_or_default().to_string(),
        expected,
    })
}

impl Condition {
    /// Whether a cell passes; `Err(what the literal needs)` when it cannot be compared.
    fn holds(&self, v: Option<&str>) -> Result<bool, &'static str> {
        let v = v.filter(|s| !s.trim().is_empty());
        match (&self.test, v) {
            (Test::IsNull, v) => Ok(v.is_none()),
            (Test::IsNotNull, v) => Ok(v.is_some()),
            (Test::Compare(op, _), None) => Ok(*op == Op::Ne),
            (Test::In(_), None) => Ok(false),
            (Test::Compare(op, lit), Some(v)) => Ok(op.accepts(lit.compare(v)?)),
            (Test::In(lits), Some(v)) => {
                for lit in lits {
                    if lit.compare(v)? == Ordering::Equal {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

impl Op {
    fn accepts(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
        }
    }
}

impl Literal {
    /// How the cell `v` compares with this literal, as the literal's kind.
    fn compare(&self, v: &str) -> Result<Ordering, &'static str> {
        match self {
            Literal::Text(t) => Ok(v.trim().cmp(t.as_str())),
            Literal::Number(n) => {
                let x = parse::float(v).map_err(|_| "a number")?;
                Ok(x.partial_cmp(n).unwrap_or(Ordering::Equal))
            }
            Literal::Bool(b) => parse::boolean(v).map(|x| x.cmp(b)).map_err(|_| "a boolean"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Text(String),
    Number(f64),
    Sym(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let (s, next) = quoted(&chars, i)?;
            tokens.push(if c == '\'' {
                Token::Text(s)
            } else {
                Token::Quoted(s)
            });
            i = next;
        } else if let Some(sym) = ["<=", ">=", "!=", "<>", "=", "<", ">", "(", ")", ","]
            .into_iter()
            .find(|s| chars[i..].starts_with(&s.chars().collect::<Vec<_>>()))
        {
            tokens.push(Token::Sym(if sym == "<>" { "!=" } else { sym }));
            i += sym.len();
        } else if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n = s.parse::<f64>().ok().filter(|n| n.is_finite());
            tokens.push(Token::Number(n.ok_or_else(|| format!("`{s}` is not a number"))?));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.')) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            return Err(format!("unexpected `{c}` at character {}", i + 1));
        }
    }
    Ok(tokens)
}

/// A quoted string starting at `start` (its quote doubled inside is one quote) and the index
/// after it.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let q = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == q {
            if chars.get(i + 1) == Some(&q) {
                s.push(q);
                i += 2;
                continue;
            }
            return Ok((s, i + 1));
        }
        s.push(chars[i]);
        i += 1;
    }
    Err(format!(
        "unterminated {q}…{q} starting at character {}",
        start + 1
    ))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn next(&mut self, expected: &str) -> Result<Token, String> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or_else(|| format!("expected {expected} at the end"))?;
        self.pos += 1;
        Ok(t)
    }

    fn keyword(&mut self, word: &str) -> Result<(), String> {
        match self.next(&format!("`{word}`"))? {
            Token::Word(w) if w.eq_ignore_ascii_case(word) => Ok(()),
            other => Err(format!("expected `{word}`, found {}", show(&other))),
        }
    }

    fn peek_keyword(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn condition(&mut self) -> Result<Condition, String> {
        let column = match self.next("a column name")? {
            Token::Word(w) | Token::Quoted(w) => w,
            other => return Err(format!("expected a column name, found {}", show(&other))),
        };
        let test = if self.peek_keyword("is") {
            self.pos += 1;
            let not = self.peek_keyword("not");
            if not {
                self.pos += 1;
            }
            self.keyword("null")?;
            if not { Test::IsNotNull } else { Test::IsNull }
        } else if self.peek_keyword("in") {
            self.pos += 1;
            Test::In(self.list()?)
        } else {
            let op = match self.next("an operator")? {
                Token::Sym("=") => Op::Eq,
                Token::Sym("!=") => Op::Ne,
                Token::Sym("<") => Op::Lt,
                Token::Sym("<=") => Op::Le,
                Token::Sym(">") => Op::Gt,
                Token::Sym(">=") => Op::Ge,
                other => {
                    return Err(format!(
                        "expected an operator (=, !=, <, <=, >, >=, in, is) after `{column}`, found {}",
                        show(&other)
                    ));
                }
            };
            Test::Compare(op, self.literal()?)
        };
        Ok(Condition { column, test })
    }

    fn list(&mut self) -> Result<Vec<Literal>, String> {
        match self.next("`(`")? {
            Token::Sym("(") => {}
            other => return Err(format!("expected `(` after `in`, found {}", show(&other))),
        }
        let mut out = vec![self.literal()?];
        loop {
            match self.next("`)`")? {
                Token::Sym(")") => return Ok(out),
                Token::Sym(",") => out.push(self.literal()?),
                other => return Err(format!("expected `,` or `)`, found {}", show(&other))),
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next("a literal")? {
            Token::Text(s) => Ok(Literal::Text(s)),
            Token::Number(n) => Ok(Literal::Number(n)),
            Token::Word(w) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Token::Word(w) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            other => Err(format!(
                "expected a literal ('text', a number, true or false), found {}",
                show(&other)
            )),
        }
    }
}

fn show(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("`{w}`"),
        Token::Quoted(w) => format!("\"{w}\""),
        Token::Text(_) => "a text literal".into(),
        Token::Number(n) => format!("`{n}`"),
        Token::Sym(s) => format!("`{s}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        df!(
            "is_test" => ["false", "true", "no", "false"],
            "status" => [Some("open"), Some("deleted"), None, Some("open")],
            "amount" => [Some(5i64), Some(20), Some(12), None],
        )
        .expect("frame")
    }

    #[test]
    fn parses_the_documented_forms() -> Result<(), String> {
        let f = Filter::parse(
            "is_test = false and status != 'it''s' AND amount >= -2.5 and \"my col\" in ('a', 'b') and x is not null and y IS NULL",
        )?;
        assert_eq!(f.conditions.len(), 6);
        assert_eq!(
            f.conditions[1].test,
            Test::Compare(Op::Ne, Literal::Text("it's".into()))
        );
        assert_eq!(f.conditions[2].test, Test::Compare(Op::Ge, Literal::Number(-2.5)));
        assert_eq!(f.conditions[3].column, "my col");
        assert_eq!(f.conditions[4].test, Test::IsNotNull);
        assert_eq!(f.columns(), ["is_test", "status", "amount", "my col", "x", "y"]);
        Ok(())
    }

    #[test]
    fn rejects_what_does_not_parse() {
        for (text, needle) in [
            ("", "column name"),
            ("status", "operator"),
            ("status = deleted", "literal"),
            ("status = 'open' or x = 1", "`and`"),
            ("status in ('a'", "`)`"),
            ("status = 'open", "unterminated"),
            ("a ~ 1", "unexpected `~`"),
            ("a is 1", "`null`"),
        ] {
            let err = Filter::parse(text).expect_err(text);
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn keeps_the_rows_that_pass_with_nulls_matching_only_not_equal() -> Result<(), String> {
        let f = Filter::parse("is_test = false and status != 'deleted'").map_err(|e| e.to_string())?;
        assert_eq!(
            f.rows(&frame()).map_err(|e| e.to_string())?,
            [true, false, true, true]
        );
        let f = Filter::parse("amount > 10").map_err(|e| e.to_string())?;
        assert_eq!(
            f.rows(&frame()).map_err(|e| e.to_string())?,
            [false, true, true, false]
        );
        let f = Filter::parse("status in ('open') and amount is not null").map_err(|e| e.to_string())?;
        assert_eq!(
            f.rows(&frame()).map_err(|e| e.to_string())?,
            [true, false, false, false]
        );
        Ok(())
    }

    #[test]
    fn a_cell_not_of_the_literals_kind_is_an_error_naming_it() -> Result<(), String> {
        let f = Filter::parse("status > 3").map_err(|e| e.to_string())?;
        match f.rows(&frame()) {
            Err(FilterFailure::Cell(c)) => {
                assert_eq!(
                    (c.column.as_str(), c.row, c.value.as_str(), c.expected),
                    ("status", 0, "open", "a number")
                );
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    }
}
