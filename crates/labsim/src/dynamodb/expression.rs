//! Update expressions (`SET a = :v, #n = :w REMOVE b ADD c :one DELETE s :x`)
//! and projection expressions (`id, #n, doc.items[0]`).
//!
//! Errors are DynamoDB's, including which one wins when several apply
//! (syntax first, then reserved words, unknown functions, repeated clauses,
//! undefined names, undefined values, overlapping paths, operand types), and
//! its syntax-error report `token: "x", near: "a x b"`, where `near` is the
//! source from the token before the offending one to the token after it.
//!
//! Semantics follow DynamoDB: every SET operand is evaluated against the item
//! as it was before the update, list elements removed by index refer to the
//! original positions, and SET past the end of a list appends.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::attribute::{set_difference, set_union, AttributeValue, Item};
use super::number::Decimal;
use super::reserved::is_reserved;

const MSG_INVALID_PATH: &str =
    "The document path provided in the update expression is invalid for update";
const MSG_MISSING_OPERAND: &str =
    "The provided expression refers to an attribute that does not exist in the item";
const MSG_OPERAND_TYPE: &str = "An operand in the update expression has an incorrect data type";
/// Expressions are at most 4 KB.
const MAX_EXPRESSION_BYTES: usize = 4096;
/// Document paths have at most 32 levels.
const MAX_PATH_DEPTH: usize = 32;

/// The checks every expression gets before parsing.
fn check_size(src: &str) -> Result<(), String> {
    if src.is_empty() {
        return Err("The expression can not be empty;".to_owned());
    }
    if src.len() > MAX_EXPRESSION_BYTES {
        return Err(format!(
            "Expression size has exceeded the maximum allowed size; expression size: {}",
            src.len()
        ));
    }
    Ok(())
}

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathElem {
    Name(String),
    Index(usize),
}

/// A document path; the first step is always a name.
pub(crate) type Path = Vec<PathElem>;

/// The path as DynamoDB prints it in messages: `[a, b, [0]]`.
fn path_text(path: &[PathElem]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|e| match e {
            PathElem::Name(n) => n.clone(),
            PathElem::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn compare_paths(a: &[PathElem], b: &[PathElem]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (x, y) {
            (PathElem::Name(x), PathElem::Name(y)) => x.cmp(y),
            (PathElem::Index(x), PathElem::Index(y)) => x.cmp(y),
            (PathElem::Name(_), PathElem::Index(_)) => Ordering::Less,
            (PathElem::Index(_), PathElem::Name(_)) => Ordering::Greater,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// The placeholders an expression may use, and which of them it did use
/// (DynamoDB refuses a request that supplies placeholders it never uses).
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub names: &'a BTreeMap<String, String>,
    pub values: &'a BTreeMap<String, AttributeValue>,
    pub used_names: BTreeSet<String>,
    pub used_values: BTreeSet<String>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        names: &'a BTreeMap<String, String>,
        values: &'a BTreeMap<String, AttributeValue>,
    ) -> Self {
        Context {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// DynamoDB's complaint about supplied but unused placeholders, if any.
    pub(crate) fn unused(&self) -> Option<String> {
        let unused = |all: Vec<&String>, used: &BTreeSet<String>| -> Vec<String> {
            all.into_iter()
                .filter(|k| !used.contains(*k))
                .cloned()
                .collect()
        };
        let names = unused(self.names.keys().collect(), &self.used_names);
        if !names.is_empty() {
            return Some(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            ));
        }
        let values = unused(self.values.keys().collect(), &self.used_values);
        if !values.is_empty() {
            return Some(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            ));
        }
        None
    }
}

// ---------------------------------------------------------------- lexer --

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident,
    /// `#name`
    Name,
    /// `:value`
    Value,
    Number,
    Punct(u8),
    /// A character the grammar has no use for.
    Unknown,
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

fn lex(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let word = |mut j: usize| {
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        let c = bytes[i];
        let (kind, end) = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' => (Tok::Ident, word(i + 1)),
            b'#' => (Tok::Name, word(i + 1)),
            b':' => (Tok::Value, word(i + 1)),
            b'0'..=b'9' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                (Tok::Number, j)
            }
            b'=' | b',' | b'(' | b')' | b'[' | b']' | b'.' | b'+' | b'-' => (Tok::Punct(c), i + 1),
            _ => {
                // One whole character, however many bytes it takes.
                let len = src[i..].chars().next().map_or(1, char::len_utf8);
                (Tok::Unknown, i + len)
            }
        };
        tokens.push(Token {
            kind,
            start: i,
            end,
        });
        i = end;
    }
    tokens.push(Token {
        kind: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    tokens
}

// --------------------------------------------------------------- parser --

/// An operand or computed value of a SET action.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Path(Path),
    Value(AttributeValue),
    /// A placeholder that was not defined (already reported).
    Undefined,
    IfNotExists(Path, Box<Expr>),
    ListAppend(Box<Expr>, Box<Expr>),
    Plus(Box<Expr>, Box<Expr>),
    Minus(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Action {
    Set(Path, Expr),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

/// A parsed update expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UpdateExpression {
    actions: Vec<Action>,
}

/// The first error of each kind, reported in DynamoDB's order of priority.
#[derive(Debug, Default)]
struct Problems {
    reserved: Option<String>,
    unknown_function: Option<String>,
    section: Option<String>,
    attr_name: Option<String>,
    attr_value: Option<String>,
    overlap: Option<String>,
    conflict: Option<String>,
    operand: Option<String>,
    function: Option<String>,
}

impl Problems {
    fn first(self) -> Option<String> {
        self.reserved
            .or(self.unknown_function)
            .or(self.section)
            .or(self.attr_name)
            .or(self.attr_value)
            .or(self.overlap)
            .or(self.conflict)
            .or(self.operand)
            .or(self.function)
    }
}

fn note(slot: &mut Option<String>, message: impl FnOnce() -> String) {
    if slot.is_none() {
        *slot = Some(message());
    }
}

struct Parser<'s, 'c, 'a> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    ctx: &'c mut Context<'a>,
    problems: Problems,
    targets: Vec<Path>,
}

const KEYWORDS: [&str; 4] = ["SET", "REMOVE", "ADD", "DELETE"];

impl<'s, 'c, 'a> Parser<'s, 'c, 'a> {
    fn new(src: &'s str, ctx: &'c mut Context<'a>) -> Self {
        Parser {
            src,
            tokens: lex(src),
            pos: 0,
            ctx,
            problems: Problems::default(),
            targets: Vec::new(),
        }
    }

    fn peek(&self) -> Token {
        self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, offset: usize) -> Token {
        self.tokens[(self.pos + offset).min(self.tokens.len() - 1)]
    }

    fn text(&self, t: Token) -> &'s str {
        &self.src[t.start..t.end]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn keyword(&self, t: Token) -> Option<&'static str> {
        if t.kind != Tok::Ident {
            return None;
        }
        let text = self.text(t);
        KEYWORDS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(text))
            .copied()
    }

    /// DynamoDB's syntax error at the current token.
    fn syntax_error(&self) -> String {
        let at = self.pos.min(self.tokens.len() - 1);
        let t = self.tokens[at];
        let prev = at.checked_sub(1).map(|i| self.tokens[i]);
        if t.kind == Tok::Eof {
            let near = prev.map_or("", |p| self.text(p));
            return format!("Syntax error; token: \"<EOF>\", near: \"{near}\"");
        }
        let next = self.tokens.get(at + 1).filter(|n| n.kind != Tok::Eof);
        let start = prev.map_or(t.start, |p| p.start);
        let end = next.map_or(t.end, |n| n.end);
        format!(
            "Syntax error; token: \"{}\", near: \"{}\"",
            self.text(t),
            &self.src[start..end]
        )
    }

    fn expect(&mut self, punct: u8) -> Result<(), String> {
        if self.peek().kind == Tok::Punct(punct) {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn is_punct(&self, punct: u8) -> bool {
        self.peek().kind == Tok::Punct(punct)
    }

    fn name_step(&mut self) -> Result<String, String> {
        let t = self.peek();
        match t.kind {
            Tok::Ident if self.keyword(t).is_none() => {
                self.advance();
                let name = self.text(t).to_owned();
                if is_reserved(&name) {
                    note(&mut self.problems.reserved, || {
                        format!("Attribute name is a reserved keyword; reserved keyword: {name}")
                    });
                }
                Ok(name)
            }
            Tok::Name => {
                self.advance();
                let placeholder = self.text(t).to_owned();
                match self.ctx.names.get(&placeholder) {
                    Some(real) => {
                        let real = real.clone();
                        self.ctx.used_names.insert(placeholder);
                        Ok(real)
                    }
                    None => {
                        note(&mut self.problems.attr_name, || {
                            format!("An expression attribute name used in the document path is not defined; attribute name: {placeholder}")
                        });
                        Ok(placeholder)
                    }
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    fn path(&mut self) -> Result<Path, String> {
        let mut path = vec![PathElem::Name(self.name_step()?)];
        loop {
            if self.is_punct(b'.') {
                self.advance();
                path.push(PathElem::Name(self.name_step()?));
            } else if self.is_punct(b'[') {
                self.advance();
                let t = self.peek();
                let index = (t.kind == Tok::Number)
                    .then(|| self.text(t).parse::<usize>().ok())
                    .flatten()
                    .ok_or_else(|| self.syntax_error())?;
                self.advance();
                self.expect(b']')?;
                path.push(PathElem::Index(index));
            } else if path.len() > MAX_PATH_DEPTH {
                return Err(format!(
                    "The document path has too many nesting levels; nesting levels: {}",
                    path.len()
                ));
            } else {
                return Ok(path);
            }
        }
    }

    /// Records a path an action writes, checking it against earlier ones.
    fn target(&mut self, path: &Path) {
        for earlier in &self.targets {
            let mut diverged = false;
            for (a, b) in earlier.iter().zip(path.iter()) {
                match (a, b) {
                    (PathElem::Name(x), PathElem::Name(y)) if x != y => diverged = true,
                    (PathElem::Index(x), PathElem::Index(y)) if x != y => diverged = true,
                    (PathElem::Name(_), PathElem::Index(_))
                    | (PathElem::Index(_), PathElem::Name(_)) => {
                        note(&mut self.problems.conflict, || {
                            format!("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}", path_text(earlier), path_text(path))
                        });
                        diverged = true;
                    }
                    _ => {}
                }
                if diverged {
                    break;
                }
            }
            if !diverged {
                note(&mut self.problems.overlap, || {
                    format!("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}", path_text(earlier), path_text(path))
                });
            }
        }
        self.targets.push(path.clone());
    }

    fn value(&mut self) -> Result<Option<AttributeValue>, String> {
        let t = self.peek();
        if t.kind != Tok::Value {
            return Err(self.syntax_error());
        }
        self.advance();
        let placeholder = self.text(t).to_owned();
        match self.ctx.values.get(&placeholder) {
            Some(v) => {
                let v = v.clone();
                self.ctx.used_values.insert(placeholder);
                Ok(Some(v))
            }
            None => {
                note(&mut self.problems.attr_value, || {
                    format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}")
                });
                Ok(None)
            }
        }
    }

    /// `term (('+' | '-') term)?`
    fn set_value(&mut self) -> Result<Expr, String> {
        let left = self.term()?;
        let op = match self.peek().kind {
            Tok::Punct(op @ (b'+' | b'-')) => op,
            _ => return Ok(left),
        };
        self.advance();
        let right = self.term()?;
        let symbol = if op == b'+' { "+" } else { "-" };
        for operand in [&left, &right] {
            if let Expr::Value(v) = operand {
                if !matches!(v, AttributeValue::N(_)) {
                    note(&mut self.problems.function, || {
                        format!("Incorrect operand type for operator or function; operator or function: {symbol}, operand type: {}", v.type_name())
                    });
                }
            }
        }
        let (l, r) = (Box::new(left), Box::new(right));
        Ok(if op == b'+' {
            Expr::Plus(l, r)
        } else {
            Expr::Minus(l, r)
        })
    }

    fn term(&mut self) -> Result<Expr, String> {
        if self.is_punct(b'(') {
            self.advance();
            let inner = self.set_value()?;
            self.expect(b')')?;
            return Ok(inner);
        }
        let t = self.peek();
        match t.kind {
            Tok::Value => Ok(self.value()?.map_or(Expr::Undefined, Expr::Value)),
            Tok::Ident if self.peek_at(1).kind == Tok::Punct(b'(') => self.function(),
            Tok::Ident | Tok::Name => Ok(Expr::Path(self.path()?)),
            _ => Err(self.syntax_error()),
        }
    }

    fn function(&mut self) -> Result<Expr, String> {
        let t = self.advance();
        let name = self.text(t).to_owned();
        self.expect(b'(')?;
        let mut args = vec![self.set_value()?];
        while self.is_punct(b',') {
            self.advance();
            args.push(self.set_value()?);
        }
        self.expect(b')')?;
        let arity_problem = |args: &[Expr]| {
            (args.len() != 2).then(|| {
                format!("Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}", args.len())
            })
        };
        match name.as_str() {
            "if_not_exists" => {
                if let Some(p) = arity_problem(&args) {
                    note(&mut self.problems.function, || p);
                    return Ok(Expr::Undefined);
                }
                let mut args = args.into_iter();
                let (first, second) = (args.next(), args.next());
                match (first, second) {
                    (Some(Expr::Path(path)), Some(fallback)) => {
                        Ok(Expr::IfNotExists(path, Box::new(fallback)))
                    }
                    _ => {
                        note(&mut self.problems.function, || {
                            format!("Operator or function requires a document path; operator or function: {name}")
                        });
                        Ok(Expr::Undefined)
                    }
                }
            }
            "list_append" => {
                if let Some(p) = arity_problem(&args) {
                    note(&mut self.problems.function, || p);
                    return Ok(Expr::Undefined);
                }
                for arg in &args {
                    if let Expr::Value(v) = arg {
                        if !matches!(v, AttributeValue::L(_)) {
                            note(&mut self.problems.function, || {
                                format!("Incorrect operand type for operator or function; operator or function: {name}, operand type: {}", v.type_name())
                            });
                        }
                    }
                }
                let mut args = args.into_iter();
                match (args.next(), args.next()) {
                    (Some(a), Some(b)) => Ok(Expr::ListAppend(Box::new(a), Box::new(b))),
                    _ => Ok(Expr::Undefined),
                }
            }
            _ => {
                note(&mut self.problems.unknown_function, || {
                    format!("Invalid function name; function: {name}")
                });
                Ok(Expr::Undefined)
            }
        }
    }

    fn operand_type(&mut self, operator: &str, value: &AttributeValue) {
        let allowed = match operator {
            "ADD" => matches!(
                value,
                AttributeValue::N(_)
                    | AttributeValue::Ss(_)
                    | AttributeValue::Ns(_)
                    | AttributeValue::Bs(_)
            ),
            _ => matches!(
                value,
                AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
            ),
        };
        if !allowed {
            let type_name = match value {
                AttributeValue::S(_) => "STRING",
                AttributeValue::N(_) => "NUMBER",
                AttributeValue::B(_) => "BINARY",
                AttributeValue::Null => "NULL",
                AttributeValue::Bool(_) => "BOOLEAN",
                AttributeValue::L(_) => "LIST",
                _ => "MAP",
            };
            note(&mut self.problems.operand, || {
                format!("Incorrect operand type for operator or function; operator: {operator}, operand type: {type_name}")
            });
        }
    }

    fn action(&mut self, keyword: &str) -> Result<Option<Action>, String> {
        let path = self.path()?;
        let action = match keyword {
            "SET" => {
                self.expect(b'=')?;
                let value = self.set_value()?;
                Some(Action::Set(path.clone(), value))
            }
            "REMOVE" => Some(Action::Remove(path.clone())),
            _ => {
                let value = self.value()?;
                value.map(|v| {
                    self.operand_type(keyword, &v);
                    if keyword == "ADD" {
                        Action::Add(path.clone(), v)
                    } else {
                        Action::Delete(path.clone(), v)
                    }
                })
            }
        };
        self.target(&path);
        Ok(action)
    }

    fn update(mut self) -> Result<UpdateExpression, String> {
        let mut actions = Vec::new();
        let mut sections = BTreeSet::new();
        loop {
            let t = self.peek();
            if t.kind == Tok::Eof && !sections.is_empty() {
                break;
            }
            let Some(keyword) = self.keyword(t) else {
                return Err(self.syntax_error());
            };
            self.advance();
            if !sections.insert(keyword) {
                note(&mut self.problems.section, || {
                    format!(
                        "The \"{keyword}\" section can only be used once in an update expression;"
                    )
                });
            }
            loop {
                actions.extend(self.action(keyword)?);
                if !self.is_punct(b',') {
                    break;
                }
                self.advance();
            }
        }
        match self.problems.first() {
            Some(problem) => Err(problem),
            None => Ok(UpdateExpression { actions }),
        }
    }

    fn projection(mut self) -> Result<Vec<Path>, String> {
        let mut paths = Vec::new();
        loop {
            let path = self.path()?;
            self.target(&path);
            paths.push(path);
            if !self.is_punct(b',') {
                break;
            }
            self.advance();
        }
        if self.peek().kind != Tok::Eof {
            return Err(self.syntax_error());
        }
        match self.problems.first() {
            Some(problem) => Err(problem),
            None => Ok(paths),
        }
    }
}

/// Parses an update expression; `Err` is the message after
/// `Invalid UpdateExpression: `.
pub(crate) fn parse_update(src: &str, ctx: &mut Context<'_>) -> Result<UpdateExpression, String> {
    check_size(src)?;
    Parser::new(src, ctx).update()
}

/// Parses a projection expression; `Err` is the message after
/// `Invalid ProjectionExpression: `.
pub(crate) fn parse_projection(src: &str, ctx: &mut Context<'_>) -> Result<Vec<Path>, String> {
    check_size(src)?;
    Parser::new(src, ctx).projection()
}

// ------------------------------------------------------------ evaluation --

/// The value at `path`, if there is one.
pub(crate) fn get_path<'i>(item: &'i Item, path: &[PathElem]) -> Option<&'i AttributeValue> {
    let (PathElem::Name(first), rest) = path.split_first()? else {
        return None;
    };
    let mut current = item.get(first)?;
    for step in rest {
        current = match (step, current) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The container holding the last step of `path` (which has at least two).
fn parent_mut<'i>(item: &'i mut Item, path: &[PathElem]) -> Option<&'i mut AttributeValue> {
    let (PathElem::Name(first), rest) = path.split_first()? else {
        return None;
    };
    let mut current = item.get_mut(first)?;
    for step in &rest[..rest.len().saturating_sub(1)] {
        current = match (step, current) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn set_path(item: &mut Item, path: &[PathElem], value: AttributeValue) -> Result<(), String> {
    if let [PathElem::Name(name)] = path {
        item.insert(name.clone(), value);
        return Ok(());
    }
    let parent = parent_mut(item, path).ok_or(MSG_INVALID_PATH)?;
    match (parent, path.last()) {
        (AttributeValue::M(m), Some(PathElem::Name(n))) => {
            m.insert(n.clone(), value);
        }
        (AttributeValue::L(l), Some(PathElem::Index(i))) => {
            if let Some(slot) = l.get_mut(*i) {
                *slot = value;
            } else {
                l.push(value);
            }
        }
        _ => return Err(MSG_INVALID_PATH.to_owned()),
    }
    Ok(())
}

fn remove_path(item: &mut Item, path: &[PathElem]) -> Result<(), String> {
    if let [PathElem::Name(name)] = path {
        item.remove(name);
        return Ok(());
    }
    let parent = parent_mut(item, path).ok_or(MSG_INVALID_PATH)?;
    match (parent, path.last()) {
        (AttributeValue::M(m), Some(PathElem::Name(n))) => {
            m.remove(n);
        }
        (AttributeValue::L(l), Some(PathElem::Index(i))) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        _ => return Err(MSG_INVALID_PATH.to_owned()),
    }
    Ok(())
}

/// Whether the container of `path` exists (so that the path can be written).
fn parent_exists(item: &Item, path: &[PathElem]) -> bool {
    match path.len() {
        0 => false,
        1 => true,
        n => matches!(
            (get_path(item, &path[..n - 1]), &path[n - 1]),
            (Some(AttributeValue::M(_)), PathElem::Name(_))
                | (Some(AttributeValue::L(_)), PathElem::Index(_))
        ),
    }
}

fn number(value: &AttributeValue) -> Result<Decimal, String> {
    match value {
        AttributeValue::N(n) => Decimal::parse(n).ok_or_else(|| MSG_OPERAND_TYPE.to_owned()),
        _ => Err(MSG_OPERAND_TYPE.to_owned()),
    }
}

fn checked(result: Decimal) -> Result<AttributeValue, String> {
    result.check().map_err(str::to_owned)?;
    Ok(AttributeValue::N(result.to_plain()))
}

fn evaluate(expr: &Expr, item: &Item) -> Result<AttributeValue, String> {
    match expr {
        Expr::Path(path) => get_path(item, path)
            .cloned()
            .ok_or_else(|| MSG_MISSING_OPERAND.to_owned()),
        Expr::Value(v) => Ok(v.clone()),
        // Parsing reports undefined placeholders before evaluation runs.
        Expr::Undefined => Err(MSG_MISSING_OPERAND.to_owned()),
        Expr::IfNotExists(path, fallback) => match get_path(item, path) {
            Some(v) => Ok(v.clone()),
            None => evaluate(fallback, item),
        },
        Expr::ListAppend(a, b) => match (evaluate(a, item)?, evaluate(b, item)?) {
            (AttributeValue::L(mut x), AttributeValue::L(y)) => {
                x.extend(y);
                Ok(AttributeValue::L(x))
            }
            _ => Err(MSG_OPERAND_TYPE.to_owned()),
        },
        Expr::Plus(a, b) => {
            let (x, y) = (number(&evaluate(a, item)?)?, number(&evaluate(b, item)?)?);
            checked(x.add(&y))
        }
        Expr::Minus(a, b) => {
            let (x, y) = (number(&evaluate(a, item)?)?, number(&evaluate(b, item)?)?);
            checked(x.add(&y.negated()))
        }
    }
}

impl UpdateExpression {
    /// Every path the expression writes or removes.
    pub(crate) fn targets(&self) -> Vec<&Path> {
        self.actions
            .iter()
            .map(|a| match a {
                Action::Set(p, _)
                | Action::Remove(p)
                | Action::Add(p, _)
                | Action::Delete(p, _) => p,
            })
            .collect()
    }

    /// The item after the update; `Err` is DynamoDB's message.
    pub(crate) fn apply(&self, original: &Item) -> Result<Item, String> {
        // SET operands see the item as it was before this update.
        let mut resolved = Vec::new();
        for action in &self.actions {
            if let Action::Set(_, expr) = action {
                resolved.push(evaluate(expr, original)?);
            }
        }
        let mut resolved = resolved.into_iter();
        let mut item = original.clone();
        let mut removals: Vec<&Path> = Vec::new();
        for action in &self.actions {
            match action {
                Action::Set(path, _) => {
                    let value = resolved.next().ok_or(MSG_MISSING_OPERAND)?;
                    set_path(&mut item, path, value)?;
                }
                Action::Remove(path) => removals.push(path),
                Action::Add(path, value) => {
                    let updated = match get_path(&item, path) {
                        None if !parent_exists(&item, path) => {
                            return Err(MSG_INVALID_PATH.to_owned())
                        }
                        None => value.clone(),
                        Some(current @ AttributeValue::N(_)) => {
                            checked(number(current)?.add(&number(value)?))?
                        }
                        Some(current) => set_union(current, value).ok_or(MSG_OPERAND_TYPE)?,
                    };
                    set_path(&mut item, path, updated)?;
                }
                Action::Delete(path, value) => match get_path(&item, path) {
                    None if !parent_exists(&item, path) => return Err(MSG_INVALID_PATH.to_owned()),
                    None => {}
                    Some(current) => match set_difference(current, value) {
                        None => return Err(MSG_OPERAND_TYPE.to_owned()),
                        Some(Some(left)) => set_path(&mut item, path, left)?,
                        Some(None) => remove_path(&mut item, path)?,
                    },
                },
            }
        }
        // Higher list indices first, so each index still means the element
        // it meant in the original list.
        removals.sort_by(|a, b| compare_paths(b, a));
        for path in removals {
            remove_path(&mut item, path)?;
        }
        Ok(item)
    }
}

/// What a projection (or `UPDATED_OLD`/`UPDATED_NEW`) returns of `item`:
/// only the values at `paths`, nested as in the item, lists compacted.
pub(crate) fn project<'p>(item: &Item, paths: impl IntoIterator<Item = &'p Path>) -> Item {
    enum Node {
        Leaf(AttributeValue),
        Map(BTreeMap<String, Node>),
        List(BTreeMap<usize, Node>),
    }
    fn insert(node: &mut Node, steps: &[PathElem], value: AttributeValue) {
        let Some((step, rest)) = steps.split_first() else {
            *node = Node::Leaf(value);
            return;
        };
        let child = match step {
            PathElem::Name(n) => {
                if !matches!(node, Node::Map(_)) {
                    *node = Node::Map(BTreeMap::new());
                }
                let Node::Map(m) = node else { return };
                m.entry(n.clone()).or_insert(Node::Map(BTreeMap::new()))
            }
            PathElem::Index(i) => {
                if !matches!(node, Node::List(_)) {
                    *node = Node::List(BTreeMap::new());
                }
                let Node::List(l) = node else { return };
                l.entry(*i).or_insert(Node::Map(BTreeMap::new()))
            }
        };
        insert(child, rest, value);
    }
    fn build(node: Node) -> AttributeValue {
        match node {
            Node::Leaf(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, n)| (k, build(n))).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(build).collect()),
        }
    }
    let mut root = Node::Map(BTreeMap::new());
    for path in paths {
        if let Some(value) = get_path(item, path) {
            insert(&mut root, path, value.clone());
        }
    }
    match build(root) {
        AttributeValue::M(m) => m,
        _ => Item::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamodb::attribute::item_from_json;
    use serde_json::json;

    fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn values(json: serde_json::Value) -> BTreeMap<String, AttributeValue> {
        item_from_json(&json).unwrap()
    }

    fn update(
        src: &str,
        n: &[(&str, &str)],
        v: serde_json::Value,
        item: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let (n, v) = (names(n), values(v));
        let mut ctx = Context::new(&n, &v);
        let expr = parse_update(src, &mut ctx)?;
        if let Some(unused) = ctx.unused() {
            return Err(unused);
        }
        let out = expr.apply(&item_from_json(&item).unwrap())?;
        Ok(crate::dynamodb::attribute::item_to_json(&out))
    }

    fn parse_err(src: &str, n: &[(&str, &str)], v: serde_json::Value) -> String {
        let (n, v) = (names(n), values(v));
        parse_update(src, &mut Context::new(&n, &v)).unwrap_err()
    }

    #[test]
    fn set_and_remove_with_names_and_values() {
        let out = update(
            "SET #n = :n, #t = :t REMOVE stale, #c",
            &[("#n", "name"), ("#t", "type"), ("#c", "createdAt")],
            json!({":n": {"S": "Ana"}, ":t": {"S": "cat"}}),
            json!({"id": {"S": "1"}, "name": {"S": "Bo"}, "stale": {"N": "1"}, "createdAt": {"S": "5"}}),
        );
        assert_eq!(
            out.unwrap(),
            json!({"id": {"S": "1"}, "name": {"S": "Ana"}, "type": {"S": "cat"}})
        );
    }

    #[test]
    fn clauses_are_case_insensitive_in_any_order() {
        let out = update(
            "remove a set b = :v",
            &[],
            json!({":v": {"BOOL": false}}),
            json!({"a": {"S": "x"}}),
        );
        assert_eq!(out.unwrap(), json!({"b": {"BOOL": false}}));
    }

    #[test]
    fn arithmetic_functions_add_and_delete() {
        let out = update(
            "SET c = if_not_exists(c, :zero) + :one, l = list_append(l, :more), m.k = :one, l2[5] = :one ADD n :one, s :s DELETE t :t",
            &[],
            json!({
                ":zero": {"N": "0"}, ":one": {"N": "1"}, ":more": {"L": [{"S": "b"}]},
                ":s": {"SS": ["y", "x"]}, ":t": {"SS": ["gone"]},
            }),
            json!({"l": {"L": [{"S": "a"}]}, "m": {"M": {}}, "l2": {"L": []}, "n": {"N": "41"}, "t": {"SS": ["gone"]}}),
        );
        assert_eq!(
            out.unwrap(),
            json!({
                "c": {"N": "1"},
                "l": {"L": [{"S": "a"}, {"S": "b"}]},
                "l2": {"L": [{"N": "1"}]},
                "m": {"M": {"k": {"N": "1"}}},
                "n": {"N": "42"},
                "s": {"SS": ["x", "y"]},
            })
        );
    }

    #[test]
    fn operands_see_the_item_before_the_update() {
        let out = update(
            "SET a = b, b = a",
            &[],
            json!({}),
            json!({"a": {"N": "1"}, "b": {"N": "2"}}),
        );
        assert_eq!(out.unwrap(), json!({"a": {"N": "2"}, "b": {"N": "1"}}));
        let out = update(
            "REMOVE l[0], l[2]",
            &[],
            json!({}),
            json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}),
        );
        assert_eq!(out.unwrap(), json!({"l": {"L": [{"N": "1"}, {"N": "3"}]}}));
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let v = json!({":v": {"S": "x"}});
        assert_eq!(
            parse_err("SET a = :v,", &[], v.clone()),
            "Syntax error; token: \"<EOF>\", near: \",\""
        );
        assert_eq!(
            parse_err("INVALID SYNTAX", &[], json!({})),
            "Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""
        );
        assert_eq!(
            parse_err("ADD  SET #createdAt", &[], json!({})),
            "Syntax error; token: \"SET\", near: \"ADD  SET #createdAt\""
        );
        assert_eq!(
            parse_err("SET _123 = :v", &[], v.clone()),
            "Syntax error; token: \"_\", near: \"SET _123\""
        );
        assert_eq!(
            parse_err("SET a = b / c", &[], json!({})),
            "Syntax error; token: \"/\", near: \"b / c\""
        );
        assert_eq!(
            parse_err("", &[], json!({})),
            "The expression can not be empty;"
        );
    }

    #[test]
    fn semantic_errors_in_dynamodbs_order() {
        let v = json!({":v": {"S": "x"}});
        assert_eq!(
            parse_err("SET name = :v", &[], v.clone()),
            "Attribute name is a reserved keyword; reserved keyword: name"
        );
        // A reserved word wins over an undefined name that comes first.
        assert_eq!(
            parse_err("SET #x = :v, doc.Type = :v", &[], v.clone()),
            "Attribute name is a reserved keyword; reserved keyword: Type"
        );
        assert_eq!(
            parse_err("SET #x = :v", &[], v.clone()),
            "An expression attribute name used in the document path is not defined; attribute name: #x"
        );
        assert_eq!(
            parse_err("SET a = :w", &[], v.clone()),
            "An expression attribute value used in expression is not defined; attribute value: :w"
        );
        assert_eq!(
            parse_err("SET a = :v SET b = :v", &[], v.clone()),
            "The \"SET\" section can only be used once in an update expression;"
        );
        assert_eq!(
            parse_err("SET a = :v REMOVE a", &[], v.clone()),
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"
        );
        assert_eq!(
            parse_err("SET a.b = :v REMOVE a[0]", &[], v.clone()),
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"
        );
        assert_eq!(
            parse_err("ADD a :v", &[], v.clone()),
            "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"
        );
        assert_eq!(
            parse_err("SET a = b + :v", &[], v.clone()),
            "Incorrect operand type for operator or function; operator or function: +, operand type: S"
        );
        assert_eq!(
            parse_err("SET a = nope(b)", &[], json!({})),
            "Invalid function name; function: nope"
        );
        assert_eq!(
            parse_err("SET a = if_not_exists(:v, b)", &[], v.clone()),
            "Operator or function requires a document path; operator or function: if_not_exists"
        );
    }

    #[test]
    fn expressions_and_paths_are_bounded() {
        let long = format!("SET a = :v{}", " ".repeat(4096));
        assert_eq!(
            parse_err(&long, &[], json!({":v": {"S": "x"}})),
            "Expression size has exceeded the maximum allowed size; expression size: 4106"
        );
        let deep = format!("REMOVE a{}", ".b".repeat(32));
        assert_eq!(
            parse_err(&deep, &[], json!({})),
            "The document path has too many nesting levels; nesting levels: 33"
        );
        let ok = format!("REMOVE a{}", ".b".repeat(31));
        let (n, v) = (names(&[]), values(json!({})));
        assert!(parse_update(&ok, &mut Context::new(&n, &v)).is_ok());
    }

    #[test]
    fn unused_placeholders_are_reported() {
        let (n, v) = (
            names(&[("#a", "a"), ("#z", "z")]),
            values(json!({":v": {"S": "x"}})),
        );
        let mut ctx = Context::new(&n, &v);
        parse_update("SET #a = :v", &mut ctx).unwrap();
        assert_eq!(
            ctx.unused().as_deref(),
            Some("Value provided in ExpressionAttributeNames unused in expressions: keys: {#z}")
        );
    }

    #[test]
    fn evaluation_errors() {
        let e = update("SET a = absent", &[], json!({}), json!({}));
        assert_eq!(e.unwrap_err(), MSG_MISSING_OPERAND);
        let e = update(
            "SET a = b + :one",
            &[],
            json!({":one": {"N": "1"}}),
            json!({"b": {"S": "x"}}),
        );
        assert_eq!(e.unwrap_err(), MSG_OPERAND_TYPE);
        let e = update(
            "SET a.b = :one",
            &[],
            json!({":one": {"N": "1"}}),
            json!({}),
        );
        assert_eq!(e.unwrap_err(), MSG_INVALID_PATH);
        let e = update(
            "ADD s :one",
            &[],
            json!({":one": {"N": "1"}}),
            json!({"s": {"SS": ["x"]}}),
        );
        assert_eq!(e.unwrap_err(), MSG_OPERAND_TYPE);
    }

    #[test]
    fn projection_keeps_only_the_paths() {
        let item = item_from_json(&json!({
            "id": {"S": "1"}, "name": {"S": "n"},
            "doc": {"M": {"a": {"N": "1"}, "b": {"N": "2"}, "l": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]}}},
        }))
        .unwrap();
        let n = names(&[("#n", "name")]);
        let v = BTreeMap::new();
        let mut ctx = Context::new(&n, &v);
        let paths = parse_projection("id, #n, doc.a, doc.l[2], absent", &mut ctx).unwrap();
        assert_eq!(
            crate::dynamodb::attribute::item_to_json(&project(&item, &paths)),
            json!({"id": {"S": "1"}, "name": {"S": "n"}, "doc": {"M": {"a": {"N": "1"}, "l": {"L": [{"S": "z"}]}}}})
        );
        let mut ctx = Context::new(&n, &v);
        assert_eq!(
            parse_projection("id,", &mut ctx).unwrap_err(),
            "Syntax error; token: \"<EOF>\", near: \",\""
        );
    }
}
