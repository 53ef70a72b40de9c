//! Terraform's JSON configuration syntax (`*.tf.json`): objects nest block
//! types and labels; strings holding `${...}` or `%{...}` are templates.
//!
//! Without provider schemas we cannot tell a nested block from an object
//! attribute, so inside block bodies an object-valued property is recorded
//! both ways; the layers above ask for whichever they expect.

use super::{Attribute, Block, Body, Expr, ExprKind, FileId, ObjectKey, ParseError, Span, hcl};
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

pub fn parse(file: FileId, text: &str) -> Result<Body, ParseError> {
    let text_for_parse = text
        .strip_prefix('\u{feff}')
        .map(|t| (3, t))
        .unwrap_or((0, text));
    let options = ParseOptions {
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
    };
    let base = text_for_parse.0;
    let parsed = jsonc_parser::parse_to_ast(text_for_parse.1, &CollectOptions::default(), &options)
        .map_err(|e| ParseError {
            message: e.kind().to_string(),
            span: Span::new(file, base + e.range().start..base + e.range().start),
        })?;
    let conv = JsonConv { file, base };
    let Some(Value::Object(root)) = parsed.value else {
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

/// A `.tfvars.json` file: one object of plain values.
pub fn parse_values(file: FileId, text: &str) -> Result<Body, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let base = 0;
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
            .map_err(|e| ParseError {
                message: e.kind().to_string(),
                span: Span::new(file, e.range().start..e.range().start),
            })?;
    let conv = JsonConv { file, base };
    match parsed.value {
        Some(v @ Value::Object(_)) => conv.attributes_literal(&v),
        _ => Err(ParseError {
            message: "a .tfvars.json file must hold one JSON object".into(),
            span: Span::new(file, 0..0),
        }),
    }
}

fn prop_name(name: &ObjectPropName) -> String {
    match name {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
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
        labels: Vec<String>,
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
                    kind: kind.to_string(),
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
            Value::StringLit(s) => ExprKind::Str(s.value.to_string()),
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
                kind: ExprKind::Str(s.to_string()),
                span,
            })
        }
    }
}
