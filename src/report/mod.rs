//! Report formats. Every format reads the same resolved findings; none
//! re-derives facts.

pub mod compact;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
mod snippet;
pub mod statistics;
pub mod why;

use crate::check::Analysis;
use crate::rules::Finding;
use std::borrow::Cow;

/// A finding with its location resolved to file, lines and columns.
pub struct Located<'a> {
    pub finding: &'a Finding,
    pub file: &'a str,
    /// The file relative to the repository root (SARIF, GitHub annotations).
    pub source: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub root: &'a str,
}

pub fn locate<'a>(a: &'a Analysis, f: &'a Finding) -> Located<'a> {
    let file = &a.ws.files[f.span.file as usize];
    let (line, column) = file.line_col(f.span.start);
    let (end_line, end_column) = file.line_col(f.span.end.max(f.span.start));
    Located {
        finding: f,
        file: &file.display,
        source: a.ws.source_path(file),
        line,
        column,
        end_line,
        end_column,
        root: a.root_display(f.root),
    }
}

/// The findings a report shows.
pub fn visible(a: &Analysis, show_suppressed: bool) -> impl Iterator<Item = &Finding> {
    a.findings
        .iter()
        .filter(move |f| show_suppressed || f.suppressed.is_none())
}

/// Characters from the input that a terminal or a CI log would act on
/// rather than show: C0 controls but tab and newline, DEL, C1 controls, and
/// the bidirectional overrides that reorder what a reviewer reads.
fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` safe to print: each unprintable character replaced by `?` (a CR
/// before a newline, as in CRLF files, by a space). The replacement keeps
/// the byte length, so spans into the original still point at the same text.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unprintable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !unprintable(c) {
            out.push(c);
        } else if c == '\r' && chars.peek() == Some(&'\n') {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    Cow::Owned(out)
}

/// [`printable`] on one line: newlines too become `?` (a path or value
/// printed inside a line must not start a new one).
pub fn printable_line(s: &str) -> String {
    printable(s).replace('\n', "?")
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_replaced_byte_for_byte() {
        assert_eq!(
            printable("plain text\twith tab\n"),
            "plain text\twith tab\n"
        );
        let hostile = "a\u{0}b\u{1b}[2Jc\rd\r\ne\u{7f}\u{9b}\u{202e}f";
        let shown = printable(hostile);
        assert_eq!(shown, "a?b?[2Jc?d \ne??????f");
        assert_eq!(shown.len(), hostile.len());
    }
}
