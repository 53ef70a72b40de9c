//! Report formats. Every format reads the same resolved findings; none
//! re-derives facts.

pub mod compact;
pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;
pub mod why;

use crate::check::Analysis;
use crate::rules::Finding;

/// A finding with its location resolved to file, lines and columns.
pub struct Located<'a> {
    pub finding: &'a Finding,
    pub file: &'a str,
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
