//! Terraform's JSON configuration syntax (`*.tf.json`): objects nest block
//! types and labels; strings holding `${...}` or `%{...}` are templates.
//!
//! Without provider schemas we cannot tell a nested block from an object
//! attribute, so inside block bodies an object-valued property is recorded
//! both ways; the layers above ask for whichever they expect.

use super::{
    Attribute, Block, Body, Expr, ExprKind, FileId, Name, ObjectKey, ParseError, Span, hcl,
};
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

/// Block types and how many labels each has in Terraform's JSON syntax.
fn label_count(kind: &str) -> Option<usize> {
    Some(match kind {
        "resource" | "data" => 2,
        "variable" | "module" | "output" | "provider" | "check" => 1,
        "locals" | "terraform" | "moved" | "import" | "removed" => 0,
        _ => return None,
    })
}

/// Plain JSON, as Terraform, plans and gcloud write it: no JSONC extensions.
fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Strips a UTF-8 byte-order mark: the text to parse and its offset in the file.
fn without_bom(text: &str) -> (usize, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(t) => ('\u{feff}'.len_utf8(), t),
        None => (0, text),
    }
}

/// Parses strict JSON; error positions are offsets in the file.
fn parse_strict(
    file: FileId,
    text: &str,
) -> Result<(usize, jsonc_parser::ast::Value<'_>), ParseError> {
    let (base, text) = without_bom(text);
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict()).map_err(|e| {
            ParseError {
                message: e.kind().to_string(),
                span: Span::new(file, base + e.range().start..base + e.range().start),
            }
        })?;
    parsed.value.map(|v| (base, v)).ok_or_else(|| ParseError {
        message: "the file holds no JSON value".into(),
        span: Span::new(file, base..base),
    })
}

pub fn parse(file: FileId, text: &str) -> Result<Body, ParseError> {
    let (base, value) = parse_strict(file, text)?;
    let conv = JsonConv { file, base };
    let Value::Object(root) = value else {
        return Err(ParseError {
            message: "a .tf.json file must hold one JSON object".into(),
            span: Span::new(file, base..base),
        });
    };
    let mut body = Body::default();
    for prop in root.properties {
        let kind = prop_name(&prop.name);
        if kind == "//" {
            continue;
        }
        let Some(labels) = label_count(&kind) else {
            return Err(ParseError {
                message: format!("unsupported block type {kind:?} in JSON configuration"),
                span: conv.span(prop.range.start..prop.range.end),
            });
        };
        conv.blocks(&kind, labels, &prop.value, Vec::new(), &mut body.blocks)?;
    }
    Ok(body)
}

/// A `.tfvars.json` file: one object of plain values, strict JSON as
/// Terraform reads it.
pub fn parse_values(file: FileId, text: &str) -> Result<Body, ParseError> {
    let (base, value) = parse_strict(file, text)?;
    let conv = JsonConv { file, base };
    match value {
        v @ Value::Object(_) => conv.attributes_literal(&v),
        _ => Err(ParseError {
            message: "a .tfvars.json file must hold one JSON object".into(),
            span: Span::new(file, base..base),
        }),
    }
}

fn prop_name(name: &ObjectPropName) -> Name {
    match name {
        ObjectPropName::String(s) => Name::from(s.value.as_ref()),
        ObjectPropName::Word(w) => Name::from(w.value),
    }
}

struct JsonConv {
    file: FileId,
    base: usize,
}

impl JsonConv {
    fn span(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.file, self.base + r.start..self.base + r.end)
    }

    fn range_of(&self, v: &Value) -> Span {
        let r = match v {
            Value::StringLit(s) => s.range,
            Value::NumberLit(n) => n.range,
            Value::BooleanLit(b) => b.range,
            Value::Object(o) => o.range,
            Value::Array(a) => a.range,
            Value::NullKeyword(n) => n.range,
        };
        self.span(r.start..r.end)
    }

    /// Collects the blocks of `kind`, peeling `labels_left` levels of label
    /// objects; arrays at any level mean several blocks.
    fn blocks(
        &self,
        kind: &str,
        labels_left: usize,
        value: &Value,
        labels: Vec<Name>,
        out: &mut Vec<Block>,
    ) -> Result<(), ParseError> {
        match value {
            Value::Array(a) => {
                for el in &a.elements {
                    self.blocks(kind, labels_left, el, labels.clone(), out)?;
                }
                Ok(())
            }
            Value::Object(o) if labels_left > 0 => {
                for prop in &o.properties {
                    let mut l = labels.clone();
                    l.push(prop_name(&prop.name));
                    self.blocks(kind, labels_left - 1, &prop.value, l, out)?;
                }
                Ok(())
            }
            Value::Object(_) => {
                let body = if kind == "locals" {
                    self.attributes_only(value)?
                } else {
                    self.body(value, kind == "variable")?
                };
                out.push(Block {
                    kind: kind.into(),
                    labels,
                    body,
                    span: self.range_of(value),
                });
                Ok(())
            }
            other => Err(ParseError {
                message: format!("a {kind} block must be a JSON object"),
                span: self.range_of(other),
            }),
        }
    }

    fn attributes_literal(&self, value: &Value) -> Result<Body, ParseError> {
        let mut body = Body::default();
        if let Value::Object(o) = value {
            for prop in &o.properties {
                body.attributes.push(Attribute {
                    name: prop_name(&prop.name),
                    expr: self.literal(&prop.value),
                    span: self.span(prop.range.start..prop.range.end),
                });
            }
        }
        Ok(body)
    }

    fn attributes_only(&self, value: &Value) -> Result<Body, ParseError> {
        let mut body = Body::default();
        if let Value::Object(o) = value {
            for prop in &o.properties {
                body.attributes.push(Attribute {
                    name: prop_name(&prop.name),
                    expr: self.expr(&prop.value)?,
                    span: self.span(prop.range.start..prop.range.end),
                });
            }
        }
        Ok(body)
    }

    fn body(&self, value: &Value, is_variable: bool) -> Result<Body, ParseError> {
        let mut body = Body::default();
        let Value::Object(o) = value else {
            return Ok(body);
        };
        for prop in &o.properties {
            let name = prop_name(&prop.name);
            let span = self.span(prop.range.start..prop.range.end);
            if name == "//" {
                continue;
            }
            if is_variable
                && name == "type"
                && let Value::StringLit(s) = &prop.value
            {
                let expr = hcl::embedded(&s.value, false, self.range_of(&prop.value))
                    .map_err(|m| ParseError { message: m, span })?;
                body.attributes.push(Attribute { name, expr, span });
                continue;
            }
            if is_variable && name == "default" {
                // Literal value: no template interpretation.
                body.attributes.push(Attribute {
                    name,
                    expr: self.literal(&prop.value),
                    span,
                });
                continue;
            }
            if name == "dynamic" {
                self.blocks("dynamic", 1, &prop.value, Vec::new(), &mut body.blocks)?;
                continue;
            }
            if matches!(&prop.value, Value::Object(_))
                || matches!(&prop.value, Value::Array(a) if !a.elements.is_empty() && a.elements.iter().all(|e| matches!(e, Value::Object(_))))
            {
                self.blocks(&name, 0, &prop.value, Vec::new(), &mut body.blocks)?;
            }
            body.attributes.push(Attribute {
                name,
                expr: self.expr(&prop.value)?,
                span,
            });
        }
        Ok(body)
    }

    fn literal(&self, v: &Value) -> Expr {
        let span = self.range_of(v);
        let kind = match v {
            Value::StringLit(s) => ExprKind::Str(s.value.as_ref().into()),
            Value::NumberLit(n) => ExprKind::Number(n.value.parse().unwrap_or(f64::NAN)),
            Value::BooleanLit(b) => ExprKind::Bool(b.value),
            Value::NullKeyword(_) => ExprKind::Null,
            Value::Array(a) => {
                ExprKind::Array(a.elements.iter().map(|e| self.literal(e)).collect())
            }
            Value::Object(o) => ExprKind::Object(
                o.properties
                    .iter()
                    .map(|p| (ObjectKey::Ident(prop_name(&p.name)), self.literal(&p.value)))
                    .collect(),
            ),
        };
        Expr { kind, span }
    }

    fn expr(&self, v: &Value) -> Result<Expr, ParseError> {
        let span = self.range_of(v);
        let kind = match v {
            Value::StringLit(s) => return self.string(&s.value, span),
            Value::Array(a) => ExprKind::Array(
                a.elements
                    .iter()
                    .map(|e| self.expr(e))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => {
                let mut items = Vec::new();
                for p in &o.properties {
                    let name = prop_name(&p.name);
                    let key = if name.contains("${") {
                        ObjectKey::Expr(self.string(&name, span)?)
                    } else {
                        ObjectKey::Ident(name)
                    };
                    items.push((key, self.expr(&p.value)?));
                }
                ExprKind::Object(items)
            }
            other => return Ok(self.literal(other)),
        };
        Ok(Expr { kind, span })
    }

    fn string(&self, s: &str, span: Span) -> Result<Expr, ParseError> {
        if s.contains("${") || s.contains("%{") {
            hcl::embedded(s, true, span).map_err(|m| ParseError {
                message: format!("invalid template in JSON string: {m}"),
                span,
            })
        } else {
            Ok(Expr {
                kind: ExprKind::Str(s.into()),
                span,
            })
        }
    }
}

/// An owned JSON value with the byte range it came from: plan, state and
/// live-policy files are read through this so findings can point into them.
#[derive(Debug, Clone)]
pub struct JsonNode {
    pub start: usize,
    pub end: usize,
    pub kind: JsonKind,
}

#[derive(Debug, Clone)]
pub enum JsonKind {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<JsonNode>),
    Object(Vec<JsonProp>),
}

#[derive(Debug, Clone)]
pub struct JsonProp {
    pub name: String,
    /// Range of the whole `"name": value` property.
    pub start: usize,
    pub end: usize,
    pub value: JsonNode,
}

impl JsonNode {
    pub fn get(&self, name: &str) -> Option<&JsonNode> {
        self.prop(name).map(|p| &p.value)
    }
    pub fn prop(&self, name: &str) -> Option<&JsonProp> {
        match &self.kind {
            JsonKind::Object(props) => props.iter().find(|p| p.name == name),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[JsonNode]> {
        match &self.kind {
            JsonKind::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn is_object(&self) -> bool {
        matches!(self.kind, JsonKind::Object(_))
    }
    pub fn is_true(&self) -> bool {
        matches!(self.kind, JsonKind::Bool(true))
    }
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            JsonKind::Null => J::Null,
            JsonKind::Bool(b) => J::Bool(*b),
            JsonKind::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            JsonKind::Str(s) => J::String(s.clone()),
            JsonKind::Array(a) => J::Array(a.iter().map(JsonNode::to_serde).collect()),
            JsonKind::Object(props) => J::Object(
                props
                    .iter()
                    .map(|p| (p.name.clone(), p.value.to_serde()))
                    .collect(),
            ),
        }
    }
}

/// Parses one strict JSON document; offsets are shifted by `base` (the
/// position of `text` in its file). The error carries its offset.
pub fn parse_json_document(text: &str, base: usize) -> Result<Option<JsonNode>, (String, usize)> {
    let options = strict();
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options)
        .map_err(|e| (e.kind().to_string(), base + e.range().start))?;
    Ok(parsed.value.as_ref().map(|v| owned(v, base)))
}

fn owned(v: &Value, base: usize) -> JsonNode {
    let (range, kind) = match v {
        Value::StringLit(s) => (s.range, JsonKind::Str(s.value.to_string())),
        Value::NumberLit(n) => (
            n.range,
            JsonKind::Number(n.value.parse().unwrap_or(f64::NAN)),
        ),
        Value::BooleanLit(b) => (b.range, JsonKind::Bool(b.value)),
        Value::NullKeyword(n) => (n.range, JsonKind::Null),
        Value::Array(a) => (
            a.range,
            JsonKind::Array(a.elements.iter().map(|e| owned(e, base)).collect()),
        ),
        Value::Object(o) => (
            o.range,
            JsonKind::Object(
                o.properties
                    .iter()
                    .map(|p| JsonProp {
                        name: prop_name(&p.name).to_string(),
                        start: base + p.range.start,
                        end: base + p.range.end,
                        value: owned(&p.value, base),
                    })
                    .collect(),
            ),
        ),
    };
    JsonNode {
        start: base + range.start,
        end: base + range.end,
        kind,
    }
}

/// The body of a resource instance from a plan or state `values` object:
/// every property becomes an attribute with a literal value; a list of
/// objects is also a list of nested blocks (plans write every nested block,
/// even a single one, as a list). Parts that `unknown` (the parallel
/// `after_unknown` structure) marks `true` become unknown values.
pub fn values_body(file: FileId, values: &JsonNode, unknown: Option<&JsonNode>) -> Body {
    let mut body = Body::default();
    let span = |s: usize, e: usize| Span::new(file, s..e);
    let mut seen: Vec<&str> = Vec::new();
    if let JsonKind::Object(props) = &values.kind {
        for p in props {
            seen.push(&p.name);
            let u = unknown.and_then(|u| u.get(&p.name));
            let expr = literal_with_unknown(file, &p.value, u);
            if let JsonKind::Array(items) = &p.value.kind
                && !items.is_empty()
                && items.iter().all(JsonNode::is_object)
            {
                for (i, item) in items.iter().enumerate() {
                    let ui = u.and_then(|u| u.as_array()).and_then(|a| a.get(i));
                    body.blocks.push(Block {
                        kind: p.name.as_str().into(),
                        labels: Vec::new(),
                        body: values_body(file, item, ui),
                        span: span(item.start, item.end),
                    });
                }
            }
            body.attributes.push(Attribute {
                name: p.name.as_str().into(),
                expr,
                span: span(p.start, p.end),
            });
        }
    }
    // Attributes absent from the values but unknown after apply.
    if let Some(JsonKind::Object(props)) = unknown.map(|u| &u.kind) {
        for p in props {
            if p.value.is_true() && !seen.contains(&p.name.as_str()) {
                body.attributes.push(Attribute {
                    name: p.name.as_str().into(),
                    expr: Expr {
                        kind: ExprKind::Unknown(UNKNOWN_AFTER_APPLY.into()),
                        span: span(values.start, values.start),
                    },
                    span: span(values.start, values.start),
                });
            }
        }
    }
    body
}

const UNKNOWN_AFTER_APPLY: &str = "known only after apply (the plan's after_unknown)";

fn literal_with_unknown(file: FileId, v: &JsonNode, unknown: Option<&JsonNode>) -> Expr {
    let span = Span::new(file, v.start..v.end);
    if unknown.is_some_and(JsonNode::is_true) {
        return Expr {
            kind: ExprKind::Unknown(UNKNOWN_AFTER_APPLY.into()),
            span,
        };
    }
    let kind = match &v.kind {
        JsonKind::Null => ExprKind::Null,
        JsonKind::Bool(b) => ExprKind::Bool(*b),
        JsonKind::Number(n) => ExprKind::Number(*n),
        JsonKind::Str(s) => ExprKind::Str(s.as_str().into()),
        JsonKind::Array(items) => ExprKind::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let u = unknown.and_then(|u| u.as_array()).and_then(|a| a.get(i));
                    literal_with_unknown(file, e, u)
                })
                .collect(),
        ),
        JsonKind::Object(props) => ExprKind::Object(
            props
                .iter()
                .map(|p| {
                    let u = unknown.and_then(|u| u.get(&p.name));
                    (
                        ObjectKey::Ident(p.name.as_str().into()),
                        literal_with_unknown(file, &p.value, u),
                    )
                })
                .collect(),
        ),
    };
    Expr { kind, span }
}
