//! Native HCL syntax through `hcl-edit`, converted to our tree.
//!
//! hcl-edit rejects a few things Terraform accepts; we repair the text before
//! parsing (keeping a map back to original offsets) rather than fork the
//! parser:
//! - a UTF-8 byte-order mark;
//! - a newline before a binary or conditional operator inside brackets
//!   (`{ for k, v in m : k => v.x\n ? a : b }`), where HCL ignores newlines;
//! - a redefined key in an object constructor, where Terraform keeps the last.

use super::{
    Attribute, BinaryOp, Block, Body, Call, Expr, ExprKind, FileId, ForExpr, Name, ObjectKey,
    ParseError, Span, TemplateFor, TemplateIf, TemplatePart, TraversalOp, UnaryOp,
};
use hcl_edit::Span as _;
use hcl_edit::expr::{self as hx, Expression};
use hcl_edit::structure::{self as hs, Structure};
use hcl_edit::template::{self as ht, Element};

/// Text handed to the parser plus the insertions made into it.
struct Repaired {
    text: String,
    /// (offset in `text`, bytes inserted there), ascending.
    inserts: Vec<(usize, usize)>,
}

impl Repaired {
    fn to_original(&self, offset: usize) -> usize {
        let mut shift = 0;
        for &(at, len) in &self.inserts {
            if offset >= at + len {
                shift += len;
            } else if offset >= at {
                return at - shift;
            } else {
                break;
            }
        }
        offset - shift
    }

    fn insert(&mut self, original: usize, s: &str) {
        // Convert an original offset to the current text's offset.
        let mut at = original;
        for &(pos, len) in &self.inserts {
            if pos <= at {
                at += len;
            }
        }
        self.text.insert_str(at, s);
        let idx = self.inserts.partition_point(|&(p, _)| p <= at);
        for entry in &mut self.inserts[idx..] {
            entry.0 += s.len();
        }
        self.inserts.insert(idx, (at, s.len()));
    }
}

const MAX_REPAIRS: usize = 64;

pub fn parse(file: FileId, text: &str) -> Result<Body, ParseError> {
    let mut repaired = Repaired {
        text: text.to_string(),
        inserts: Vec::new(),
    };
    if repaired.text.starts_with('\u{feff}') {
        // Same byte length keeps every offset valid.
        repaired.text.replace_range(0..3, "   ");
    }
    let mut tried_newlines = false;
    for _ in 0..MAX_REPAIRS {
        match hcl_edit::parser::parse_body(&repaired.text) {
            Ok(body) => {
                let conv = Converter {
                    file,
                    base: 0,
                    repaired: &repaired,
                    fixed: None,
                };
                return Ok(conv.body(&body));
            }
            Err(err) => {
                let loc = err.location();
                let offset = loc.offset();
                let message = err.message().to_string();
                if message.contains("redefined object key")
                    && let Some((start, end)) = key_at(&repaired.text, offset)
                {
                    let (o_start, o_end) = (repaired.to_original(start), repaired.to_original(end));
                    let ident = !repaired.text[start..].starts_with('"');
                    if ident {
                        repaired.insert(o_end, "\")");
                        repaired.insert(o_start, "(\"");
                    } else {
                        repaired.insert(o_end, ")");
                        repaired.insert(o_start, "(");
                    }
                    continue;
                }
                if !tried_newlines {
                    tried_newlines = true;
                    if join_operator_lines(&mut repaired.text) {
                        continue;
                    }
                }
                let mut at = repaired.to_original(offset.min(repaired.text.len()));
                let rest = repaired.text.get(offset..).unwrap_or("");
                if rest.trim().is_empty() {
                    // Ran off the end: point at the block left open, as Terraform does.
                    if let Some(open) = first_unclosed(text) {
                        at = open;
                    }
                }
                return Err(ParseError {
                    message: clean_message(&message),
                    span: Span::new(file, at..at),
                });
            }
        }
    }
    Err(ParseError {
        message: "too many syntax repairs needed".into(),
        span: Span::new(file, 0..0),
    })
}

fn clean_message(message: &str) -> String {
    let m = message.trim();
    if m.is_empty() {
        "invalid HCL syntax".to_string()
    } else {
        m.to_string()
    }
}

/// The object key (identifier or quoted string) that starts at `offset`.
fn key_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let rest = text.get(offset..)?;
    if let Some(stripped) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in stripped.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some((offset, offset + i + 2)),
                '\n' => return None,
                _ => escaped = false,
            }
        }
        None
    } else {
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        (len > 0).then_some((offset, offset + len))
    }
}

/// Replaces with a space each newline (outside strings and comments, inside
/// brackets) that is followed by a line starting with `?`, `:` or a binary
/// operator. Same byte length, so offsets are unchanged.
fn join_operator_lines(text: &mut String) -> bool {
    let bytes = text.as_bytes();
    let mut joins = Vec::new();
    scan_code(bytes, |i, b, stack| {
        if b != b'\n' || stack.is_empty() {
            return;
        }
        let mut j = i + 1;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t' || bytes[j] == b'\r') {
            j += 1;
        }
        let next = &bytes[j..];
        let op = next.first().is_some_and(|c| b"?:+*/%<>|&".contains(c))
            || next.starts_with(b"==")
            || next.starts_with(b"!=")
            || (next.first() == Some(&b'-') && !next.starts_with(b"->"));
        if op {
            joins.push(i);
            if i > 0 && bytes[i - 1] == b'\r' {
                joins.push(i - 1);
            }
        }
    });
    if joins.is_empty() {
        return false;
    }
    // Only ASCII bytes are replaced by ASCII, so the text stays UTF-8.
    let mut owned = std::mem::take(text).into_bytes();
    for j in joins {
        owned[j] = b' ';
    }
    *text = String::from_utf8(owned).unwrap_or_default();
    true
}

/// Offset of the outermost bracket left open at the end of `text`, which is
/// where Terraform reports an unclosed block.
fn first_unclosed(text: &str) -> Option<usize> {
    let stack = scan_code(text.as_bytes(), |_, _, _| {});
    stack.first().map(|&(_, at)| at)
}

/// Walks `bytes` outside strings, comments and heredocs, calling `visit` with
/// each byte and the open-bracket stack (kind, offset); returns the stack left
/// open at the end. Template interpolations inside strings count as code.
fn scan_code(bytes: &[u8], mut visit: impl FnMut(usize, u8, &[(u8, usize)])) -> Vec<(u8, usize)> {
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push((b'"', i));
                    i += 1;
                    in_string = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'{' => stack.push((b'{', i)),
            b'(' | b'[' => stack.push((b'(', i)),
            b'}' => {
                if stack.pop().map(|s| s.0) == Some(b'"') {
                    in_string = true;
                }
            }
            b')' | b']' => {
                stack.pop();
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                i = skip_heredoc(bytes, i);
                continue;
            }
            _ => visit(i, b, &stack),
        }
        i += 1;
    }
    stack
}

/// Offset just past a heredoc starting at `i` (`<<EOT` or `<<-EOT`), or past
/// the `<<` when it is not one.
fn skip_heredoc(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 2;
    if bytes.get(j) == Some(&b'-') {
        j += 1;
    }
    let start = j;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    if j == start {
        return i + 2;
    }
    let delim = &bytes[start..j];
    // Each following line: done when its trimmed content is the delimiter.
    while j < bytes.len() {
        let line_end = bytes[j..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| j + p);
        let line = &bytes[j..line_end];
        let trimmed = line.trim_ascii();
        if trimmed == delim {
            return line_end;
        }
        j = line_end + 1;
    }
    bytes.len()
}

pub(super) struct Converter<'a> {
    file: FileId,
    /// Offset of the parsed text in its file (a part, [`parse_part`]).
    base: usize,
    repaired: &'a Repaired,
    /// When set, every node gets this span (expressions embedded in JSON strings).
    fixed: Option<Span>,
}

/// Parses `text[start..end]`, a part of a file the skim proved well-formed
/// (a deferred declaration, or an attribute kept of an unread resource; see
/// scan.rs): no repairs are needed there, and
/// spans are the file's.
pub(super) fn parse_part(file: FileId, text: &str, start: usize, end: usize) -> Option<Body> {
    parse_at(file, text.get(start..end)?, start)
}

/// Parses `part`, a stretch of the file's text from byte `start` (or a copy
/// of the same length): spans are the file's. `None` if it does not parse
/// alone; no repairs are tried.
pub(super) fn parse_at(file: FileId, part: &str, start: usize) -> Option<Body> {
    let body = hcl_edit::parser::parse_body(part).ok()?;
    let repaired = Repaired {
        text: String::new(),
        inserts: Vec::new(),
    };
    let conv = Converter {
        file,
        base: start,
        repaired: &repaired,
        fixed: None,
    };
    Some(conv.body(&body))
}

/// Parses the expression or template held in a `.tf.json` string; every node
/// gets the string's span.
pub(super) fn embedded(text: &str, template: bool, span: Span) -> Result<Expr, String> {
    let repaired = Repaired {
        text: String::new(),
        inserts: Vec::new(),
    };
    let conv = Converter {
        file: span.file,
        base: 0,
        repaired: &repaired,
        fixed: Some(span),
    };
    if template {
        let t = hcl_edit::parser::parse_template(text).map_err(|e| e.message().to_string())?;
        Ok(Expr {
            kind: ExprKind::Template(conv.template(t.iter())),
            span,
        })
    } else {
        let e = hcl_edit::parser::parse_expr(text).map_err(|e| e.message().to_string())?;
        Ok(conv.expr(&e))
    }
}

impl Converter<'_> {
    fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        if let Some(fixed) = self.fixed {
            return fixed;
        }
        match range {
            Some(r) => Span::new(
                self.file,
                self.base + self.repaired.to_original(r.start)
                    ..self.base + self.repaired.to_original(r.end),
            ),
            None => Span::new(self.file, 0..0),
        }
    }

    fn body(&self, body: &hs::Body) -> Body {
        // Exact capacities: the tree of every kept file stays in memory.
        let attributes = body.iter().filter(|s| s.is_attribute()).count();
        let mut out = Body {
            attributes: Vec::with_capacity(attributes),
            blocks: Vec::with_capacity(body.len() - attributes),
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => out.attributes.push(Attribute {
                    name: attr.key.as_str().into(),
                    expr: self.expr(&attr.value),
                    span: self.span(attr.span()),
                }),
                Structure::Block(block) => out.blocks.push(Block {
                    kind: block.ident.as_str().into(),
                    labels: block
                        .labels
                        .iter()
                        .map(|l| match l {
                            hs::BlockLabel::Ident(i) => i.as_str().into(),
                            hs::BlockLabel::String(s) => s.as_str().into(),
                        })
                        .collect(),
                    body: self.body(&block.body),
                    span: self.span(block.span()),
                }),
            }
        }
        out
    }

    fn expr(&self, e: &Expression) -> Expr {
        let span = self.span(e.span());
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => ExprKind::Number(n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(s) => ExprKind::Str(s.value().as_str().into()),
            Expression::Array(a) => ExprKind::Array(a.iter().map(|x| self.expr(x)).collect()),
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            hx::ObjectKey::Ident(i) => ObjectKey::Ident(i.as_str().into()),
                            hx::ObjectKey::Expression(e) => ObjectKey::Expr(self.expr(e)),
                        };
                        (key, self.expr(v.expr()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => ExprKind::Template(self.template(t.iter())),
            Expression::HeredocTemplate(h) => ExprKind::Template(self.template(h.template.iter())),
            Expression::Parenthesis(p) => return self.expr(p.inner()),
            Expression::Variable(v) => ExprKind::Variable(v.as_str().into()),
            Expression::Conditional(c) => ExprKind::Conditional(
                Box::new(self.expr(&c.cond_expr)),
                Box::new(self.expr(&c.true_expr)),
                Box::new(self.expr(&c.false_expr)),
            ),
            Expression::FuncCall(f) => {
                let mut name = Name::default();
                for ns in &f.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.as_str());
                ExprKind::Call(Box::new(Call {
                    name,
                    args: f.args.iter().map(|a| self.expr(a)).collect(),
                    expand_final: f.args.expand_final(),
                }))
            }
            Expression::Traversal(t) => ExprKind::Traversal(
                Box::new(self.expr(&t.expr)),
                t.operators
                    .iter()
                    .map(|op| match op.value() {
                        hx::TraversalOperator::AttrSplat(_) => TraversalOp::AttrSplat,
                        hx::TraversalOperator::FullSplat(_) => TraversalOp::FullSplat,
                        hx::TraversalOperator::GetAttr(i) => TraversalOp::Attr(i.as_str().into()),
                        hx::TraversalOperator::Index(e) => {
                            TraversalOp::Index(Box::new(self.expr(e)))
                        }
                        hx::TraversalOperator::LegacyIndex(n) => {
                            TraversalOp::Index(Box::new(Expr {
                                kind: ExprKind::Number(*n.value() as f64),
                                span,
                            }))
                        }
                    })
                    .collect(),
            ),
            Expression::UnaryOp(u) => ExprKind::Unary(
                match u.operator.value() {
                    hx::UnaryOperator::Neg => UnaryOp::Neg,
                    hx::UnaryOperator::Not => UnaryOp::Not,
                },
                Box::new(self.expr(&u.expr)),
            ),
            Expression::BinaryOp(b) => {
                use hx::BinaryOperator as B;
                let op = match b.operator.value() {
                    B::Eq => BinaryOp::Eq,
                    B::NotEq => BinaryOp::NotEq,
                    B::LessEq => BinaryOp::Le,
                    B::GreaterEq => BinaryOp::Ge,
                    B::Less => BinaryOp::Lt,
                    B::Greater => BinaryOp::Gt,
                    B::Mul => BinaryOp::Mul,
                    B::Div => BinaryOp::Div,
                    B::Mod => BinaryOp::Mod,
                    B::Plus => BinaryOp::Add,
                    B::Minus => BinaryOp::Sub,
                    B::And => BinaryOp::And,
                    B::Or => BinaryOp::Or,
                };
                ExprKind::Binary(
                    op,
                    Box::new(self.expr(&b.lhs_expr)),
                    Box::new(self.expr(&b.rhs_expr)),
                )
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().into()),
                value_var: f.intro.value_var.as_str().into(),
                collection: self.expr(&f.intro.collection_expr),
                key_expr: f.key_expr.as_ref().map(|k| self.expr(k)),
                value_expr: self.expr(&f.value_expr),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
                grouping: f.grouping,
            })),
        };
        Expr { kind, span }
    }

    fn template<'t>(&self, elements: impl Iterator<Item = &'t Element>) -> Vec<TemplatePart> {
        elements
            .map(|el| match el {
                Element::Literal(s) => TemplatePart::Literal(s.value().as_str().into()),
                Element::Interpolation(i) => TemplatePart::Interp(self.expr(&i.expr)),
                Element::Directive(d) => match d.as_ref() {
                    ht::Directive::If(d) => TemplatePart::If(Box::new(TemplateIf {
                        cond: self.expr(&d.if_expr.cond_expr),
                        then: self.template(d.if_expr.template.iter()),
                        otherwise: d
                            .else_expr
                            .as_ref()
                            .map(|e| self.template(e.template.iter()))
                            .unwrap_or_default(),
                    })),
                    ht::Directive::For(d) => TemplatePart::For(Box::new(TemplateFor {
                        key_var: d.for_expr.key_var.as_ref().map(|k| k.as_str().into()),
                        value_var: d.for_expr.value_var.as_str().into(),
                        collection: self.expr(&d.for_expr.collection_expr),
                        body: self.template(d.for_expr.template.iter()),
                    })),
                },
            })
            .collect()
    }
}
