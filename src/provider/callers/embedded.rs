//! Documents embedded in an attribute (workflow definitions, OpenAPI
//! documents) are read as text. Values known only after apply that
//! Terraform substitutes into them (`${google_cloud_run_v2_service.x.uri}`
//! through `templatefile`) must survive the reading: each reference is
//! replaced by a marker no document holds, and restored in what is found.
//!
//! The marked text is plain text: the evaluator's own decoders
//! (`yamldecode`, `jsondecode`), whose markers for references differ, read
//! each marker as part of a string.

use crate::eval::{Piece, Reference, Text, Unknown, Value, funcs};
use crate::syntax::Span;

const OPEN: char = '\u{E002}';
const CLOSE: char = '\u{E003}';

/// The document as plain text, each reference replaced by a marker.
pub fn with_placeholders(t: &Text) -> (String, Vec<Reference>) {
    let mut s = String::new();
    let mut refs = Vec::new();
    for p in t.pieces() {
        match p {
            Piece::Lit(l) => s.push_str(l),
            Piece::Ref(r) => {
                refs.push(r.clone());
                s.push_str(&format!("{OPEN}{}{CLOSE}", refs.len() - 1));
            }
        }
    }
    (s, refs)
}

/// A piece of that text with its markers turned back into references.
pub fn restore(s: &str, refs: &[Reference]) -> Text {
    let mut t = Text::default();
    let mut rest = s;
    while let Some(i) = rest.find(OPEN) {
        t.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8()..];
        let Some(j) = after.find(CLOSE) else { break };
        match after[..j].parse::<usize>().ok().and_then(|n| refs.get(n)) {
            Some(r) => t.push_ref(r.clone()),
            None => t.push_str(&after[..j]),
        }
        rest = &after[j + CLOSE.len_utf8()..];
    }
    t.push_str(rest);
    t
}

/// A YAML or JSON document decoded with its references kept as markers
/// (restore strings found in it with [`restore`]). `yamldecode` would not
/// know what an unquoted `url: ${...}` holds (a number? a bool?); in these
/// documents it is always text, so each reference is marked as text first.
pub fn decode(doc: &Text, span: Span) -> Result<(Value, Vec<Reference>), Unknown> {
    let (plain, refs) = with_placeholders(doc);
    let plain = Text::lit(plain);
    let value = if plain.literal_prefix().trim_start().starts_with('{') {
        Value::from_json_text(&plain, span).or_else(|_| funcs::yaml_decode_text(&plain, span))?
    } else {
        funcs::yaml_decode_text(&plain, span)?
    };
    Ok((value, refs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        let mut t = Text::lit("address: ");
        t.push_ref(Reference::new("google_cloud_run_v2_service.api", "uri"));
        t.push_str("/v1\n");
        let (s, refs) = with_placeholders(&t);
        assert!(!s.contains("${"));
        assert_eq!(restore(&s, &refs), t);
    }
}
