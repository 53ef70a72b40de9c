//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding (`::error file=...,line=...::message`), so findings show on the
//! pull request's diff without uploading anything.

use super::{locate, printable, visible};
use crate::check::Analysis;
use crate::rules::Severity;
use sha2::{Digest, Sha256};

pub struct GithubOptions {
    pub show_suppressed: bool,
    /// No summary line after the annotations.
    pub quiet: bool,
    /// List what could not be resolved (in a collapsed group of the log).
    pub explain_unknown: bool,
}

pub fn render(a: &Analysis, opts: &GithubOptions) -> String {
    let mut out = String::new();
    for f in visible(a, opts.show_suppressed) {
        let l = locate(a, f);
        let command = match (&f.suppressed, f.severity) {
            (Some(_), _) | (None, Severity::Note) => "notice",
            (None, Severity::Warning) => "warning",
            (None, Severity::Error) => "error",
        };
        let mut title = format!("{} ({})", f.rule.name, f.rule.id);
        let mut message = f.message.clone();
        if let Some(reason) = &f.suppressed {
            title = format!("suppressed: {title}");
            message.push_str(&format!("\nsuppressed: {reason}"));
        }
        if !f.resource.is_empty() {
            message.push_str(&format!("\nresource: {}", f.resource));
        }
        if !f.related.is_empty() {
            message.push_str(&format!("\nrelated: {}", f.related.join(", ")));
        }
        if a.model.roots.len() > 1 {
            message.push_str(&format!("\nroot: {}", l.root));
        }
        if let Some(h) = &f.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            escape_property(&printable(&l.source)),
            l.line,
            l.end_line,
            l.column,
            l.end_column,
            escape_property(&printable(&title)),
            escape_data(&printable(&message)),
        ));
    }
    if !opts.quiet {
        out.push_str(&super::human::summary(a));
    }
    let footer = super::human::unknowns_footer(a, opts.explain_unknown, opts.quiet);
    if opts.explain_unknown && !a.model.unknowns.is_empty() {
        out.push_str(&format!(
            "::group::runwarden: {} values could not be resolved\n",
            a.model.unknowns.len()
        ));
        out.push_str(&inert(&footer));
        out.push_str("::endgroup::\n");
    } else {
        out.push_str(&footer);
    }
    out
}

/// Log lines that quote the input, with workflow commands switched off
/// around them (`::stop-commands::`), so that no value in a Terraform file
/// can print an annotation or change the job. The token is derived from the
/// text, which therefore cannot contain it, and keeps the output
/// deterministic.
fn inert(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let digest = Sha256::digest(text.as_bytes());
    let token: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("::stop-commands::runwarden-{token}\n{text}::runwarden-{token}::\n")
}

/// Escaping for a workflow command's message (after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a workflow command's property values (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_newlines() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first, so an escape sequence is never escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
