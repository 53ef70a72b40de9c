//! The parse layer: Terraform source (native HCL or JSON syntax) turned into
//! our own small syntax tree with byte spans. Nothing above this module sees
//! parser types, so the parsers can change without touching evaluation.

mod hcl;
mod json;
pub mod scan;

pub use json::{JsonKind, JsonNode, JsonProp, parse_json_document, values_body};

use std::path::{Path, PathBuf};

/// The strings of the tree: names, labels, literals. Most are short and
/// stored inline (up to 24 bytes), without an allocation of their own.
pub use compact_str::CompactString as Name;

/// Index of a file in the [`Sources`] table.
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: std::ops::Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    Str(Name),
    Template(Vec<TemplatePart>),
    Array(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    Variable(Name),
    Traversal(Box<Expr>, Vec<TraversalOp>),
    /// Boxed, like the other rare large variants, to keep every `Expr` small.
    Call(Box<Call>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    /// A value the input says is not known yet (a plan's `after_unknown`),
    /// with the reason.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub enum ObjectKey {
    /// A bare identifier key (`a = 1`): always the literal name.
    Ident(Name),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum TraversalOp {
    Attr(Name),
    Index(Box<Expr>),
    AttrSplat,
    FullSplat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone)]
pub struct ForExpr {
    pub key_var: Option<Name>,
    pub value_var: Name,
    pub collection: Expr,
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub name: Name,
    pub args: Vec<Expr>,
    pub expand_final: bool,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    Literal(Name),
    Interp(Expr),
    If(Box<TemplateIf>),
    For(Box<TemplateFor>),
}

#[derive(Debug, Clone)]
pub struct TemplateIf {
    pub cond: Expr,
    pub then: Vec<TemplatePart>,
    pub otherwise: Vec<TemplatePart>,
}

#[derive(Debug, Clone)]
pub struct TemplateFor {
    pub key_var: Option<Name>,
    pub value_var: Name,
    pub collection: Expr,
    pub body: Vec<TemplatePart>,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
    pub fn block(&self, kind: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.kind == kind)
    }
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: Name,
    pub expr: Expr,
    /// The whole `name = value` span.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: Name,
    pub labels: Vec<Name>,
    pub body: Body,
    pub span: Span,
}

/// One source file as read from disk, with its parse result.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path as shown to the user (relative to the current directory when under it).
    pub display: String,
    pub text: String,
    pub body: Body,
    /// Declarations left out of `body`, to parse when read ([`Lazy`]).
    pub deferred: Vec<scan::Deferred>,
    pub error: Option<ParseError>,
    /// Built on first use: most files never need a line number.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Native,
    Json,
}

impl Syntax {
    pub fn of(path: &Path) -> Syntax {
        if path.to_string_lossy().ends_with(".json") {
            Syntax::Json
        } else {
            Syntax::Native
        }
    }
}

/// A declaration parsed when first read: deferred by the skim
/// ([`scan::Deferred`]) or parsed with its file (`ready`). Reading one from
/// several threads parses it once.
#[derive(Debug)]
pub struct Lazy<T> {
    at: Option<(FileId, u32, u32)>,
    cell: std::sync::OnceLock<Box<T>>,
}

/// What a deferred declaration parses to.
pub trait FromPart: Sized {
    /// The one declaration in `body`, parsed from `text[start..end]`.
    fn from_part(body: Body) -> Option<Self>;
    /// What stands for it if that part does not parse (never, for a part
    /// of a file the skim proved; tests/fuzz.rs checks).
    fn unparsed(span: Span) -> Self;
}

impl FromPart for Block {
    fn from_part(body: Body) -> Option<Block> {
        body.blocks.into_iter().next()
    }
    fn unparsed(span: Span) -> Block {
        Block {
            kind: Name::default(),
            labels: Vec::new(),
            body: Body::default(),
            span,
        }
    }
}

impl FromPart for Attribute {
    fn from_part(body: Body) -> Option<Attribute> {
        body.attributes.into_iter().next()
    }
    fn unparsed(span: Span) -> Attribute {
        Attribute {
            name: Name::default(),
            expr: Expr {
                kind: ExprKind::Unknown("a declaration that could not be read".into()),
                span,
            },
            span,
        }
    }
}

impl<T: FromPart> Lazy<T> {
    pub fn ready(value: T) -> Lazy<T> {
        Lazy {
            at: None,
            cell: std::sync::OnceLock::from(Box::new(value)),
        }
    }

    pub fn deferred(file: FileId, part: &scan::Deferred) -> Lazy<T> {
        Lazy {
            at: Some((file, part.start as u32, part.end as u32)),
            cell: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self, files: &[SourceFile]) -> &T {
        self.cell.get_or_init(|| {
            let (file, start, end) = self.at.expect("a lazy declaration is ready or deferred");
            let (start, end) = (start as usize, end as usize);
            let text = &files[file as usize].text;
            let parsed = hcl::parse_part(file, text, start, end).and_then(T::from_part);
            debug_assert!(
                parsed.is_some(),
                "deferred part {start}..{end} does not parse"
            );
            Box::new(parsed.unwrap_or_else(|| T::unparsed(Span::new(file, start..end))))
        })
    }

    pub fn get_mut(&mut self, files: &[SourceFile]) -> &mut T {
        self.get(files);
        self.cell.get_mut().expect("just parsed")
    }
}

/// The body of a proven file from its stretches of kept text, each parsed
/// alone ([`scan::Plan::split`]): `None` if one does not parse alone (never,
/// for a proven file; tests/fuzz.rs checks), and the caller parses the
/// whole text.
fn parse_runs(id: FileId, runs: &[scan::Run<'_>]) -> Option<Body> {
    let mut body = Body::default();
    for run in runs {
        let part = hcl::parse_at(id, &run.text, run.start)?;
        body.attributes.extend(part.attributes);
        body.blocks.extend(part.blocks);
    }
    body.attributes.shrink_to_fit();
    body.blocks.shrink_to_fit();
    Some(body)
}

/// `body` with the unread resources the skim blanked whole built back in,
/// in source order: the labels, the span and the `count` / `for_each`
/// attributes, which is all the loader keeps of such a block. `None` if one
/// of those attributes does not parse alone (never, for a proven file;
/// tests/fuzz.rs checks): the caller then parses the whole text.
fn with_shells(id: FileId, text: &str, body: Body, shells: &[scan::Shell]) -> Option<Body> {
    if shells.is_empty() {
        return Some(body);
    }
    let mut built = Vec::with_capacity(shells.len());
    for shell in shells {
        let attributes = shell
            .keep
            .iter()
            .map(|&(start, end)| {
                hcl::parse_part(id, text, start, end).and_then(Attribute::from_part)
            })
            .collect::<Option<Vec<_>>>()?;
        built.push(Block {
            kind: "resource".into(),
            labels: vec![shell.rtype.clone(), shell.name.clone()],
            body: Body {
                attributes,
                blocks: Vec::new(),
            },
            span: Span::new(id, shell.start..shell.end),
        });
    }
    let mut blocks = Vec::with_capacity(body.blocks.len() + built.len());
    let mut parsed = body.blocks.into_iter().peekable();
    for shell in built {
        while let Some(b) = parsed.next_if(|b| b.span.start < shell.span.start) {
            blocks.push(b);
        }
        blocks.push(shell);
    }
    blocks.extend(parsed);
    Some(Body {
        attributes: body.attributes,
        blocks,
    })
}

/// 1-based line of a byte offset in `text` (for errors in files that are not
/// kept as [`SourceFile`]s).
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses a template read by `templatefile()`; every node gets `span` (the call).
pub fn parse_template(text: &str, span: Span) -> Option<Expr> {
    hcl::embedded(text, true, span).ok()
}

/// Parses a standalone HCL expression (a `--var` value); spans are empty.
pub fn parse_expression(text: &str) -> Option<Expr> {
    hcl::embedded(text, false, Span::default()).ok()
}

/// Deepest bracket nesting we hand to the recursive-descent parsers; deeper
/// input is reported instead of risking the stack.
pub const MAX_NESTING: usize = 256;

/// A file's text checked and skimmed before it has an id: the part of
/// [`SourceFile::parse_reading`] that can run while the tree is still being
/// walked. [`SourceFile::from_staged`] finishes it.
#[derive(Debug)]
pub struct Staged {
    text: String,
    /// Where the text stops being UTF-8, and why.
    invalid: Option<(usize, String)>,
    /// Where bracket nesting first exceeds [`MAX_NESTING`].
    too_deep: Option<usize>,
    /// The skim of a native file it proves.
    plan: Option<scan::Plan>,
}

impl Staged {
    pub fn new(path: &Path, bytes: Vec<u8>, reads: fn(&str) -> bool, defer: bool) -> Staged {
        let (text, invalid) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                let msg = if err.as_bytes().contains(&0) {
                    "binary file: not Terraform text".to_string()
                } else {
                    "invalid UTF-8: Terraform files must be UTF-8".to_string()
                };
                (text, Some((at, msg)))
            }
        };
        let too_deep = if invalid.is_none() {
            too_deep(&text)
        } else {
            None
        };
        let plan = match (&invalid, too_deep, Syntax::of(path)) {
            (None, None, Syntax::Native) => scan::plan(&text, reads, defer),
            _ => None,
        };
        Staged {
            text,
            invalid,
            too_deep,
            plan,
        }
    }
}

impl SourceFile {
    /// Parses `bytes` read from `path`. Never fails: problems are kept in `error`.
    pub fn parse(id: FileId, path: PathBuf, display: String, bytes: Vec<u8>) -> SourceFile {
        SourceFile::parse_reading(id, path, display, bytes, |_| true, false)
    }

    /// [`SourceFile::parse`] for a reader that keeps only the `count` and
    /// `for_each` of resources whose type `reads` rejects: in native files
    /// the skim of [`scan`] blanks those bodies before hcl-edit sees them,
    /// when it proves the file well-formed. The tree of everything else, the
    /// text, and every diagnostic are the same as [`SourceFile::parse`]'s.
    /// With `defer`, a proven file's `variable`, `output` and `locals`
    /// declarations go to [`SourceFile::deferred`] instead of the tree, and
    /// its unread resources are built from the skim ([`scan::Shell`]).
    pub fn parse_reading(
        id: FileId,
        path: PathBuf,
        display: String,
        bytes: Vec<u8>,
        reads: fn(&str) -> bool,
        defer: bool,
    ) -> SourceFile {
        let staged = Staged::new(&path, bytes, reads, defer);
        SourceFile::from_staged(id, path, display, staged)
    }

    /// The rest of [`SourceFile::parse_reading`] for a file staged before
    /// it had an id.
    pub fn from_staged(id: FileId, path: PathBuf, display: String, staged: Staged) -> SourceFile {
        let Staged {
            text,
            invalid,
            too_deep,
            plan,
        } = staged;
        let error = invalid.map(|(at, message)| ParseError {
            message,
            span: Span::new(id, at..at),
        });
        let mut file = SourceFile {
            path,
            display,
            text,
            body: Body::default(),
            deferred: Vec::new(),
            error,
            line_starts: Default::default(),
        };
        if file.error.is_none() {
            let syntax = Syntax::of(&file.path);
            let result = match too_deep {
                Some(at) => Err(ParseError {
                    message: format!("nesting deeper than {MAX_NESTING} levels"),
                    span: Span::new(id, at..at),
                }),
                None => match syntax {
                    // A stretch of kept text that hcl-edit refuses alone
                    // (an error in what was kept) has the whole text parsed
                    // again, so the diagnostic is the one of the original.
                    Syntax::Native => match plan.and_then(|p| p.split(&file.text)) {
                        Some(split) => match parse_runs(id, &split.runs)
                            .and_then(|body| with_shells(id, &file.text, body, &split.shells))
                        {
                            Some(body) => {
                                file.deferred = split.deferred;
                                Ok(body)
                            }
                            None => hcl::parse(id, &file.text),
                        },
                        None => hcl::parse(id, &file.text),
                    },
                    Syntax::Json if file.display.ends_with(".tfvars.json") => {
                        json::parse_values(id, &file.text)
                    }
                    Syntax::Json => json::parse(id, &file.text),
                },
            };
            match result {
                Ok(body) => file.body = body,
                Err(e) => file.error = Some(e),
            }
        }
        file
    }

    /// A file whose syntax tree was built by the caller (a plan's values,
    /// a live policy export): spans index into `text`.
    pub fn synthetic(path: PathBuf, display: String, text: String, body: Body) -> SourceFile {
        SourceFile {
            path,
            display,
            text,
            body,
            deferred: Vec::new(),
            error: None,
            line_starts: Default::default(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line + 1, col + 1)
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.line_starts().get(line.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    let mut v = vec![0];
    v.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i as u32 + 1),
    );
    v
}

/// Offset where bracket nesting first exceeds [`MAX_NESTING`], ignoring
/// brackets in strings only roughly (deep nesting is what matters here).
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // No more openers than the limit cannot nest deeper than it. Counting
    // is vectorised; most files stop here.
    let opens = bytes
        .iter()
        .filter(|&&c| (c == b'{') | (c == b'[') | (c == b'('))
        .count();
    if opens <= MAX_NESTING {
        return None;
    }
    let mut depth = 0usize;
    for (i, &c) in bytes.iter().enumerate() {
        let open = usize::from((c == b'{') | (c == b'[') | (c == b'('));
        let close = usize::from((c == b'}') | (c == b']') | (c == b')'));
        depth = (depth + open).saturating_sub(close);
        if depth > MAX_NESTING {
            return Some(i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> SourceFile {
        SourceFile::parse(
            0,
            PathBuf::from(name),
            name.into(),
            text.as_bytes().to_vec(),
        )
    }

    /// The depth guard as first written: one branch per bracket.
    fn too_deep_reference(text: &str) -> Option<usize> {
        let mut depth = 0usize;
        for (i, b) in text.bytes().enumerate() {
            match b {
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(i);
                    }
                }
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        None
    }

    #[test]
    fn the_depth_guard_agrees_with_its_reference() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"{[(}])a \n\"";
        for _ in 0..2000 {
            let len = (next() % 1200) as usize;
            // Mostly openers in some texts, balanced in others.
            let bias = next() % 4;
            let text: String = (0..len)
                .map(|_| {
                    let r = next();
                    if bias == 0 && r % 3 == 0 {
                        '{'
                    } else {
                        alphabet[(r % alphabet.len() as u64) as usize] as char
                    }
                })
                .collect();
            assert_eq!(too_deep(&text), too_deep_reference(&text), "{text:?}");
        }
        let deep = format!("{}{}", "}".repeat(10), "[".repeat(MAX_NESTING + 1));
        assert_eq!(too_deep(&deep), Some(10 + MAX_NESTING));
        assert_eq!(too_deep(&"(".repeat(MAX_NESTING)), None);
    }

    #[test]
    fn bom_is_not_an_error() {
        let f = parse("a.tf", "\u{feff}locals {\n  a = 1\n}\n");
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(f.body.blocks[0].body.attributes[0].name, "a");
    }

    #[test]
    fn tfvars_json_offsets_after_a_bom_and_strict_json() {
        let text = "\u{feff}{\n  \"members\": [\"allUsers\"]\n}\n";
        let f = parse("terraform.tfvars.json", text);
        assert!(f.error.is_none(), "{:?}", f.error);
        let a = &f.body.attributes[0];
        assert_eq!(a.name, "members");
        assert_eq!(f.line_col(a.span.start), (2, 3));
        assert_eq!(
            &f.text[a.span.start as usize..a.span.start as usize + 9],
            "\"members\""
        );
        // Terraform reads plain JSON: comments and trailing commas are errors.
        for bad in ["{\"a\": 1, }", "{\"a\": 1 // c\n}", "{'a': 1}"] {
            let f = parse("x.auto.tfvars.json", bad);
            assert!(f.error.is_some(), "{bad}");
        }
        let f = parse("x.tfvars.json", "\u{feff}{\"a\": }");
        let e = f.error.expect("error");
        assert_eq!(e.span.start as usize, "\u{feff}{\"a\": ".len());
    }

    #[test]
    fn object_for_with_leading_operator_lines() {
        let text = "locals {\n  m = { for k, v in var.x : k => v.enabled\n    ? v.a\n    : v.b }\n  n = [for s in var.l : s\n    if s != \"\"]\n}\n";
        let f = parse("a.tf", text);
        assert!(f.error.is_none(), "{:?}", f.error);
        let a = &f.body.blocks[0].body.attributes[0];
        assert_eq!(f.line_col(a.span.start), (2, 3));
    }

    #[test]
    fn duplicate_object_keys_keep_spans() {
        let text = "locals {\n  m = {\n    a = 1\n    a = 2\n    \"b\" = 3\n    \"b\" = 4\n  }\n  z = 1\n}\n";
        let f = parse("a.tf", text);
        assert!(f.error.is_none(), "{:?}", f.error);
        let z = &f.body.blocks[0].body.attributes[1];
        assert_eq!(z.name, "z");
        assert_eq!(f.line_col(z.span.start), (8, 3));
    }

    #[test]
    fn heredoc_with_dash_lines_survives_repair() {
        let text = "locals {\n  y = <<-EOT\n  - a\n  - b\n  EOT\n  m = { for k, v in var.x : k => v\n    ? 1 : 2 }\n}\n";
        let f = parse("a.tf", text);
        assert!(f.error.is_none(), "{:?}", f.error);
    }

    #[test]
    fn broken_file_reports_line() {
        let f = parse("a.tf", "locals {\n  a = = 1\n}\n");
        let e = f.error.clone().expect("error");
        assert_eq!(f.line_col(e.span.start).0, 2);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!(
            "locals {{\n a = {}{}\n}}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let f = parse("a.tf", &text);
        assert!(f.error.unwrap().message.contains("nesting"));
        // hcl-edit itself allows 64 levels; just under that parses on a 2 MiB stack.
        let depth = 60;
        let text = format!(
            "locals {{\n a = {}{}\n}}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let f = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || format!("{:?}", parse("a.tf", &text).error))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(f, "None");
    }

    #[test]
    fn json_syntax() {
        let text = r#"{"resource": {"google_cloud_run_v2_service_iam_member": {"p": {"name": "${google_cloud_run_v2_service.a.name}", "member": "allUsers", "condition": {"title": "t"}}}}}"#;
        let f = parse("a.tf.json", text);
        assert!(f.error.is_none(), "{:?}", f.error);
        let b = &f.body.blocks[0];
        assert_eq!(b.labels, ["google_cloud_run_v2_service_iam_member", "p"]);
        assert!(b.body.block("condition").is_some());
        assert!(matches!(
            b.body.attr("name").unwrap().expr.kind,
            ExprKind::Template(_)
        ));
    }

    #[test]
    fn binary_and_invalid_utf8() {
        let f = SourceFile::parse(0, "a.tf".into(), "a.tf".into(), vec![0, 159, 146, 150]);
        assert!(f.error.unwrap().message.contains("binary"));
    }
}
