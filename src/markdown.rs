//! Renders a rule's Markdown documentation for a terminal (`runwarden
//! explain`) and as plain text (SARIF `help.text`).
//!
//! The rule docs use a small subset of Markdown: `#`/`##` headings, one-line
//! paragraphs, `-` lists (nested by two spaces), fenced code blocks,
//! blockquotes, tables, and inline code, bold, italic and links. Anything else
//! passes through as written, so a new construct degrades to its source text.

use crate::color::{Style, paint};

pub struct RenderOptions {
    /// ANSI styles (headings bold, code coloured) instead of Markdown markers.
    pub color: bool,
    /// Wrap paragraphs and list items at this many columns; code blocks and
    /// tables are never wrapped (they are meant to be copied).
    pub width: Option<usize>,
}

/// Plain text: no Markdown markers except inline code's backticks, headings
/// underlined, code blocks indented, links as `text (url)`; not wrapped.
pub fn plain(doc: &str) -> String {
    render(
        doc,
        &RenderOptions {
            color: false,
            width: None,
        },
    )
}

pub fn render(doc: &str, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in doc.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            let text = format!("    {line}");
            out.push_str(&paint(opts.color, Style::Green, &text));
            out.push('\n');
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            let title = inline(title, opts.color);
            if opts.color {
                out.push_str(&paint(true, Style::BoldUnderline, &title));
                out.push('\n');
            } else {
                out.push_str(&format!("{title}\n{}\n", "=".repeat(width_of(&title))));
            }
            continue;
        }
        if let Some(heading) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            let heading = inline(heading, opts.color);
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            if opts.color {
                out.push_str(&paint(true, Style::Bold, &heading));
                out.push('\n');
            } else {
                out.push_str(&format!("{heading}\n{}\n", "-".repeat(width_of(&heading))));
            }
            continue;
        }
        if trimmed.starts_with('|') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - trimmed.len();
        let (first, rest, body) = if let Some(item) = trimmed.strip_prefix("- ") {
            let bullet = if opts.color { "•" } else { "-" };
            let pad = " ".repeat(indent);
            (format!("{pad}{bullet} "), format!("{pad}  "), item)
        } else if let Some((n, item)) = numbered(trimmed) {
            let pad = " ".repeat(indent);
            let marker = format!("{pad}{n}. ");
            let rest = " ".repeat(marker.chars().count());
            (marker, rest, item)
        } else if let Some(quoted) = trimmed.strip_prefix('>') {
            let bar = if opts.color { "  │ " } else { "  > " };
            (bar.to_string(), bar.to_string(), quoted.trim_start())
        } else {
            let pad = " ".repeat(indent);
            (pad.clone(), pad, trimmed)
        };
        let text = inline(body, opts.color);
        match opts.width {
            Some(w) if !text.is_empty() => {
                let wrap = textwrap::Options::new(w.max(20))
                    .initial_indent(&first)
                    .subsequent_indent(&rest)
                    .break_words(false);
                for l in textwrap::wrap(&text, wrap) {
                    out.push_str(l.trim_end());
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(format!("{first}{text}").trim_end());
                out.push('\n');
            }
        }
    }
    out
}

fn numbered(line: &str) -> Option<(&str, &str)> {
    let (n, rest) = line.split_once(". ")?;
    (!n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit())).then_some((n, rest))
}

fn width_of(text: &str) -> usize {
    textwrap::core::display_width(text)
}

/// Inline code, bold, italic and links of one line.
fn inline(text: &str, color: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`'
            && let Some(end) = rest[1..].find('`')
        {
            let code = &rest[1..1 + end];
            if color {
                out.push_str(&paint(true, Style::Cyan, code));
            } else {
                out.push('`');
                out.push_str(code);
                out.push('`');
            }
            rest = &rest[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            let inner = inline(&after[..end], color);
            out.push_str(&paint(color, Style::Bold, &inner));
            rest = &after[end + 2..];
            continue;
        }
        if c == '*'
            && let Some(after) = rest.strip_prefix('*')
            && after.starts_with(|n: char| !n.is_whitespace() && n != '*')
            && let Some(end) = after.find('*')
            && !after[..end].ends_with(char::is_whitespace)
        {
            out.push_str(&inline(&after[..end], color));
            rest = &after[end + 1..];
            continue;
        }
        if c == '['
            && let Some(close) = rest.find("](")
            && let Some(paren) = rest[close + 2..].find(')')
        {
            let label = inline(&rest[1..close], color);
            let url = &rest[close + 2..close + 2 + paren];
            if label == url {
                out.push_str(url);
            } else {
                out.push_str(&format!("{label} ({url})"));
            }
            rest = &rest[close + 3 + paren..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# public-invoker (RW101)\n\n**Severity:** error\n\nA *public* principal can call `api` ([docs](https://example.com/run)).\n\n## Fix\n- first `roles/run.*` item\n  - nested\n1. one\n> quoted\n```hcl\nmember = \"allUsers\"\n```\n| a | b |\n";

    #[test]
    fn plain_text_drops_markers_but_keeps_code() {
        let text = plain(DOC);
        assert_eq!(
            text,
            "public-invoker (RW101)\n======================\n\nSeverity: error\n\n\
             A public principal can call `api` (docs (https://example.com/run)).\n\n\
             Fix\n---\n- first `roles/run.*` item\n  - nested\n1. one\n  > quoted\n    \
             member = \"allUsers\"\n| a | b |\n"
        );
    }

    #[test]
    fn colour_styles_headings_and_code() {
        let text = render(
            DOC,
            &RenderOptions {
                color: true,
                width: Some(80),
            },
        );
        assert!(text.starts_with("\x1b[1;4mpublic-invoker (RW101)\x1b[0m\n"));
        assert!(text.contains("\x1b[36mapi\x1b[0m"));
        assert!(text.contains("• first"));
        assert!(text.contains("\x1b[32m    member = \"allUsers\"\x1b[0m"));
        assert!(!text.contains("**"));
    }

    #[test]
    fn paragraphs_wrap_but_code_does_not() {
        let long = format!("{}\n```\n{}\n```\n", "word ".repeat(40), "x".repeat(120));
        let text = render(
            &long,
            &RenderOptions {
                color: false,
                width: Some(40),
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[..lines.len() - 1].iter().all(|l| l.len() <= 40));
        assert_eq!(lines.last().map(|l| l.len()), Some(124));
    }

    #[test]
    fn unmatched_markers_stay_literal() {
        assert_eq!(inline("a * b `c", false), "a * b `c");
        assert_eq!(
            inline("`*_iam_member`", true),
            "\x1b[36m*_iam_member\x1b[0m"
        );
    }
}
