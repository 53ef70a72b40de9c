//! The source text miette shows under a human-format finding: one shared
//! copy per file with its line starts, so a file with thousands of findings
//! is neither copied nor rescanned from its start for each of them.
//!
//! miette's own `SourceCode` for text walks from byte 0 to the span on every
//! call (quadratic over many findings in one large file). Ours finds the
//! line before the first one miette will show by binary search over the
//! line index and hands miette only the text from that line on, then moves the answer back
//! to file coordinates: the same bytes, lines and columns as miette's walk
//! over the whole text, at the cost of the lines shown.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::sync::Arc;

pub struct Snippet {
    name: String,
    text: String,
    /// Byte offset of the start of each line; line breaks as miette counts
    /// them (`\n`, `\r\n` and a lone `\r`).
    line_starts: Vec<usize>,
}

impl Snippet {
    pub fn new(name: String, text: String) -> Arc<Snippet> {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i + 2);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Arc::new(Snippet {
            name,
            text,
            line_starts,
        })
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.text.as_bytes();
        if span.offset() > bytes.len() {
            return Err(MietteError::OutOfBounds);
        }
        // The line holding the span's first byte, and the line before the
        // first one shown: miette's walk ends an empty span at the byte
        // before it, which may be on the line before.
        let line = self.line_starts.partition_point(|&s| s <= span.offset()) - 1;
        let first = line.saturating_sub(context_lines_before + 1);
        let base = self.line_starts[first];
        let window = &bytes[base..];
        let relative = SourceSpan::new((span.offset() - base).into(), span.len());
        let c = window.read_span(&relative, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            SourceSpan::new((c.span().offset() + base).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::Snippet;
    use miette::{SourceCode, SourceSpan};

    /// Every span of a few awkward texts reads exactly as miette's own walk
    /// over the whole text reads it.
    #[test]
    fn reads_what_miettes_walk_reads() {
        let texts = [
            "",
            "one line",
            "a\nbb\n\nccc\n",
            "x = 1\r\ny = 2\r\n\r\nz = 3",
            "lone\rcarriage\rreturns\n",
            "resource \"a\" \"b\" {\n  name = \"é\"\n}\n\n\n",
            "l0\nl1\nl2\r\nl3\nl4\n\nl6\nl7\nl8\nl9",
        ];
        for text in texts {
            let ours = Snippet::new("f.tf".into(), text.to_string());
            for start in 0..=text.len() {
                for len in 0..=(text.len() - start).min(7) {
                    for ctx in 0..4 {
                        let span = SourceSpan::new(start.into(), len);
                        let want = text.as_bytes().read_span(&span, ctx, ctx);
                        let got = ours.read_span(&span, ctx, ctx);
                        match (want, got) {
                            (Ok(w), Ok(g)) => {
                                let at = format!("{text:?} {start}+{len} ctx {ctx}");
                                assert_eq!(w.data(), g.data(), "{at}");
                                assert_eq!(w.span(), g.span(), "{at}");
                                assert_eq!(w.line(), g.line(), "{at}");
                                assert_eq!(w.column(), g.column(), "{at}");
                                assert_eq!(w.line_count(), g.line_count(), "{at}");
                                assert_eq!(g.name(), Some("f.tf"));
                            }
                            (Err(_), Err(_)) => {}
                            (w, g) => panic!(
                                "{text:?} {start}+{len}: miette {:?}, ours {:?}",
                                w.is_ok(),
                                g.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }
}
