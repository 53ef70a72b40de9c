//! A finding's identity across runs, shared by baselines and SARIF
//! `partialFingerprints`: the rule, the root module, the resource address and
//! the key the rule gives (the member, the target service, the role), plus
//! the file for findings about a file rather than a resource. Never a line,
//! a column or the message: moving code, rewording a message, or a change
//! elsewhere that alters it ("(and 2 more)", a load balancer in front) keeps
//! the identity. Findings that share all of it are told apart by their order
//! (an occurrence index), so fixing one never hides another.

use crate::rules::Finding;
use crate::syntax::FileId;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Version of the recipe; SARIF's fingerprint key carries it (`runwarden/v2`).
pub const RECIPE: u32 = 2;

/// Sets `fingerprint` on every finding, in their (sorted) order.
pub fn assign<'a>(
    findings: &mut [Finding],
    root_display: impl Fn(usize) -> &'a str,
    file_display: impl Fn(FileId) -> &'a str,
) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let file = if f.resource.is_empty() {
            file_display(f.span.file)
        } else {
            ""
        };
        let identity = [f.rule.id, root_display(f.root), &f.resource, &f.key, file].join("\0");
        let n = seen.entry(identity.clone()).or_default();
        f.fingerprint = digest(&[&identity, &n.to_string()]);
        *n += 1;
    }
}

/// The first 128 bits of SHA-256 over NUL-terminated `parts`, in hex.
pub fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Span;

    fn finding(resource: &str, key: &str, message: &str, line_start: u32) -> Finding {
        let span = Span {
            file: 0,
            start: line_start,
            end: line_start + 1,
        };
        Finding::new(crate::rules::parse_error(), span, 0, resource, message).keyed(key)
    }

    fn fingerprints(mut v: Vec<Finding>) -> Vec<String> {
        assign(&mut v, |_| "envs/prod", |_| "main.tf");
        v.into_iter().map(|f| f.fingerprint).collect()
    }

    #[test]
    fn the_message_and_the_place_are_not_part_of_it() {
        let a = fingerprints(vec![finding("r.x", "allUsers", "allUsers can invoke", 10)]);
        let b = fingerprints(vec![finding(
            "r.x",
            "allUsers",
            "allUsers can invoke (and 2 more)",
            99,
        )]);
        assert_eq!(a, b);
    }

    #[test]
    fn the_key_resource_and_occurrence_are() {
        let fps = fingerprints(vec![
            finding("r.x", "allUsers", "m", 1),
            finding("r.x", "allAuthenticatedUsers", "m", 2),
            finding("r.y", "allUsers", "m", 3),
            finding("r.x", "allUsers", "m", 4),
        ]);
        let unique: std::collections::BTreeSet<&String> = fps.iter().collect();
        assert_eq!(unique.len(), 4, "{fps:?}");
        // The first of two equal findings keeps the fingerprint it has alone.
        assert_eq!(
            fps[0],
            fingerprints(vec![finding("r.x", "allUsers", "m", 1)])[0]
        );
    }
}
