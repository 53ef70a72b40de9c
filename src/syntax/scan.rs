//! A validating skim of native HCL, so that hcl-edit need not build a tree
//! for resource bodies the model never reads.
//!
//! [`plan`] walks the whole file with a small recursive recognizer of a
//! conservative subset of HCL. When it proves the file well-formed it
//! returns what to blank: the inside of every top-level `resource` block
//! whose type `reads` rejects is replaced by spaces (newlines kept, so every
//! offset, line and column stays the same), except that body's top-level
//! `count` and `for_each` attributes, which are all the loader keeps of such
//! a block. hcl-edit then parses the kept text ([`Plan::split`]). With
//! [`plan`]'s `defer`, the `variable`, `output` and `locals` declarations
//! and unread resources with two labels are blanked whole and listed, to be
//! parsed one by one when read ([`crate::syntax::Lazy`]) or rebuilt from
//! the skim ([`Shell`]).
//!
//! Soundness is the one requirement: whatever the skim accepts, hcl-edit
//! (after the repairs in hcl.rs) accepts too, so a syntax error can never
//! hide in a blanked body. Anything outside the subset, or that hcl-edit
//! treats in a way that is easy to get wrong, is a *doubt*: the file is then
//! parsed in full, exactly as without the skim, with the same diagnostics.
//! Doubts: CR, NUL, a BOM, non-ASCII outside strings and comments, `/* */`
//! comments with anything after them on their line, comments inside
//! expressions (but at the end of an object entry's line), template directives `%{`, `for`
//! expressions over more than one line or with `...` or a conditional in
//! their collection, splats `.*`, legacy `.0` indexes, `::` function names, `...`,
//! a newline before an operator, a raw newline in a quoted string, repeated
//! attribute or object keys, one-line blocks with content, heredocs that are
//! empty or end at the end of the file, deep nesting and long operator chains.
//! docs/ARCHITECTURE.md ("Parsing less") lists the hcl-edit behaviours behind
//! these rules; tests/fuzz.rs checks the guarantee differentially.

use super::Name;

/// Deepest nesting (blocks, brackets, templates) the skim follows.
const MAX_DEPTH: u32 = 40;
/// Most binary operators in one attribute value.
const MAX_OPERATORS: u32 = 100;

struct Doubt;

type Res<T = ()> = Result<T, Doubt>;

struct Skim<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
    operators: u32,
    /// Inside a `for` collection, where a conditional would swallow the
    /// `:` that follows: doubt on `?`.
    no_conditional: bool,
    /// Attribute names of the bodies being read, outermost first: each
    /// body's start in it is kept by [`Skim::body_inside`] (no list
    /// allocated per block).
    names: Vec<&'a [u8]>,
}

/// A multi-line block's inside and the `count` / `for_each` in it: what
/// to blank of an unread resource, and what to keep.
#[derive(Debug)]
struct Blank {
    start: usize,
    end: usize,
    keep: Vec<(usize, usize)>,
    /// A whole top-level declaration (deferred, or a resource shell), not
    /// the inside of a block that stays.
    whole: bool,
}

/// A top-level declaration of a proven file whose parse waits until the
/// evaluator reads it: a `variable` or `output` block (named by its one
/// label) or one attribute of a `locals` block, with its byte range. Most
/// are never read: a module's outputs nobody uses, the variables of
/// modules without a resource the model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    pub kind: DeferredKind,
    pub name: Name,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferredKind {
    Variable,
    Output,
    Local,
}

/// An unread `resource` block of a proven file, blanked whole: the loader
/// keeps only its labels, its range and its `count` / `for_each`
/// attributes (their ranges), so the block is built from those without
/// hcl-edit parsing the rest ([`crate::syntax::SourceFile::parse_reading`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    pub rtype: Name,
    pub name: Name,
    pub start: usize,
    pub end: usize,
    pub keep: Vec<(usize, usize)>,
}

/// What the skim found in a proven file: the ranges to blank, the deferred
/// declarations and the resource shells. Skimming needs no file id, so it
/// can run before the file has one ([`crate::syntax::Staged`]).
#[derive(Debug)]
pub struct Plan {
    blanks: Vec<Blank>,
    deferred: Vec<Deferred>,
    shells: Vec<Shell>,
}

/// The skim of `text`, or `None` when it doubts the file or there is nothing
/// to blank (parse the original). With `defer`, the `variable`, `output` and
/// `locals` declarations are blanked too and listed in [`Split::deferred`],
/// and unread resources with two labels are blanked whole and listed in
/// [`Split::shells`].
pub fn plan(text: &str, reads: impl Fn(&str) -> bool, defer: bool) -> Option<Plan> {
    let (blanks, deferred, shells) = skim(text, &reads, defer).ok()?;
    if blanks.is_empty() {
        return None;
    }
    Some(Plan {
        blanks,
        deferred,
        shells,
    })
}

impl Plan {
    /// The stretches of `text` (the one skimmed) between the declarations
    /// blanked whole, each with the bodies of unread resources in it
    /// blanked: what hcl-edit parses, one stretch at a time. Blanks start
    /// and end at ASCII bytes and turn whole characters into spaces, so a
    /// blanked copy is still UTF-8. Stretches of only blanks are left out.
    pub fn split(self, text: &str) -> Option<Split<'_>> {
        let mut runs = Vec::new();
        let mut at = 0;
        let mut inner: Vec<&Blank> = Vec::new();
        let wholes = self.blanks.iter().filter(|b| b.whole);
        let ends = wholes
            .map(|b| (b.start, b.end))
            .chain([(text.len(), text.len())]);
        let mut partial = self.blanks.iter().filter(|b| !b.whole).peekable();
        for (start, end) in ends {
            inner.clear();
            while let Some(b) = partial.next_if(|b| b.start < start) {
                inner.push(b);
            }
            let part = &text[at..start];
            if !part.bytes().all(|c| c.is_ascii_whitespace()) {
                let part = if inner.is_empty() {
                    std::borrow::Cow::Borrowed(part)
                } else {
                    let mut out = part.as_bytes().to_vec();
                    for b in &inner {
                        blank(&mut out, text, at, b);
                    }
                    std::borrow::Cow::Owned(String::from_utf8(out).ok()?)
                };
                runs.push(Run {
                    start: at,
                    text: part,
                });
            }
            at = end;
        }
        Some(Split {
            runs,
            deferred: self.deferred,
            shells: self.shells,
        })
    }
}

/// Blanks `b` (ranges of `text`) in `out`, a copy of `text` from `base`:
/// spaces between the newlines, which stay.
fn blank(out: &mut [u8], text: &str, base: usize, b: &Blank) {
    let mut at = b.start;
    for &(ks, ke) in b.keep.iter().chain(std::iter::once(&(b.end, b.end))) {
        let range = &mut out[at - base..ks - base];
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &text.as_bytes()[at..ks]) {
            range[from..nl].fill(b' ');
            from = nl + 1;
        }
        range[from..].fill(b' ');
        at = ke;
    }
}

/// A proven file cut for parsing: its stretches of kept text
/// ([`Plan::split`]), its deferred declarations and its resource shells.
#[derive(Debug)]
pub struct Split<'a> {
    pub runs: Vec<Run<'a>>,
    pub deferred: Vec<Deferred>,
    pub shells: Vec<Shell>,
}

/// One stretch of kept text: where it starts in the file, and its text
/// (the file's own, or a copy with unread resource bodies blanked; the same
/// length either way, so offsets carry over).
#[derive(Debug)]
pub struct Run<'a> {
    pub start: usize,
    pub text: std::borrow::Cow<'a, str>,
}

/// Whether the skim proves `text` well-formed (for the differential test).
pub fn proves(text: &str) -> bool {
    skim(text, &|_: &str| true, false).is_ok()
}

/// Where the skim stopped doubting `text`, if it does (to see what the
/// subset lacks on a corpus: tests/fuzz.rs prints the commonest).
pub fn first_doubt(text: &str) -> Option<usize> {
    let mut at = 0;
    match skim_at(text, &|_: &str| true, false, &mut at) {
        Ok(_) => None,
        Err(Doubt) => Some(at),
    }
}

type Skimmed = (Vec<Blank>, Vec<Deferred>, Vec<Shell>);

fn skim(text: &str, reads: &dyn Fn(&str) -> bool, defer: bool) -> Res<Skimmed> {
    skim_at(text, reads, defer, &mut 0)
}

fn skim_at(text: &str, reads: &dyn Fn(&str) -> bool, defer: bool, at: &mut usize) -> Res<Skimmed> {
    let b = text.as_bytes();
    if memchr::memchr2(b'\r', 0, b).is_some() || text.starts_with('\u{feff}') {
        return Err(Doubt);
    }
    let mut s = Skim {
        b,
        i: 0,
        depth: 0,
        operators: 0,
        no_conditional: false,
        names: Vec::new(),
    };
    let r = skim_body(&mut s, reads, defer);
    *at = s.i;
    r
}

fn skim_body(s: &mut Skim<'_>, reads: &dyn Fn(&str) -> bool, defer: bool) -> Res<Skimmed> {
    let b = s.b;
    let mut blanks = Vec::new();
    let mut deferred = Vec::new();
    let mut shells = Vec::new();
    loop {
        s.blank_lines()?;
        if s.i >= b.len() {
            return Ok((blanks, deferred, shells));
        }
        // A top-level attribute (tfvars style) is rejected by Terraform in a
        // .tf file, not by hcl-edit; either way there is nothing to blank.
        let Item::Block {
            name,
            first,
            second,
            labels,
            range,
            inside,
        } = s.item(0, true)?
        else {
            continue;
        };
        let whole = Blank {
            start: range.0,
            end: range.1,
            keep: Vec::new(),
            whole: true,
        };
        // All the loader keeps of an unread resource.
        let kept = |inside: &Inside<'_>| -> Vec<(usize, usize)> {
            let attributes = inside.attributes.iter();
            attributes
                .filter(|(n, _)| matches!(*n, b"count" | b"for_each"))
                .map(|(_, r)| *r)
                .collect()
        };
        match (name, first, labels, inside) {
            (b"resource", Some(t), 2, inside) if defer && !reads(t) => {
                shells.push(Shell {
                    rtype: t.into(),
                    name: second.unwrap_or_default().into(),
                    start: range.0,
                    end: range.1,
                    keep: inside.as_ref().map(kept).unwrap_or_default(),
                });
                blanks.push(whole);
            }
            (b"resource", Some(t), _, Some(inside)) if !reads(t) => blanks.push(Blank {
                start: inside.start,
                end: inside.end,
                keep: kept(&inside),
                whole: false,
            }),
            (b"variable" | b"output", Some(label), 1, _) if defer => {
                let kind = if name == b"variable" {
                    DeferredKind::Variable
                } else {
                    DeferredKind::Output
                };
                deferred.push(Deferred {
                    kind,
                    name: label.into(),
                    start: range.0,
                    end: range.1,
                });
                blanks.push(whole);
            }
            (b"locals", _, 0, Some(inside)) if defer => {
                for (n, r) in inside.attributes {
                    deferred.push(Deferred {
                        kind: DeferredKind::Local,
                        name: String::from_utf8_lossy(n).as_ref().into(),
                        start: r.0,
                        end: r.1,
                    });
                }
                blanks.push(whole);
            }
            _ => {}
        }
    }
}

/// What [`Skim::item`] read.
enum Item<'a> {
    /// An attribute and the byte range from its name to its value's end.
    Attribute {
        name: &'a [u8],
        range: (usize, usize),
    },
    /// A block: its type, first label and number of labels, its range
    /// from its type to its `}`, and for a multi-line block its inside.
    Block {
        name: &'a [u8],
        first: Option<&'a str>,
        second: Option<&'a str>,
        labels: usize,
        range: (usize, usize),
        inside: Option<Inside<'a>>,
    },
}

/// The inside of a multi-line block (from after its `{` to its `}`) and
/// the names and ranges of the attributes directly in it.
struct Inside<'a> {
    start: usize,
    end: usize,
    attributes: Vec<(&'a [u8], (usize, usize))>,
}

impl<'a> Skim<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.i + n).copied()
    }

    fn deeper(&mut self) -> Res {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Doubt);
        }
        Ok(())
    }

    /// Spaces and tabs.
    fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// A `#` or `//` comment up to (not including) the newline.
    fn line_comment(&mut self) -> Res<bool> {
        match (self.peek(), self.peek_at(1)) {
            (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => {}
            (Some(b'/'), _) => return Err(Doubt),
            _ => return Ok(false),
        }
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.i += 1;
        }
        Ok(true)
    }

    /// Blank lines and whole-line comments, up to the next token. A
    /// `/* */` comment counts when nothing but blanks follows it on its
    /// last line.
    fn blank_lines(&mut self) -> Res {
        loop {
            self.spaces();
            if self.b[self.i..].starts_with(b"/*") {
                let Some(len) = find(&self.b[self.i + 2..], b"*/") else {
                    return Err(Doubt);
                };
                self.i += 2 + len + 2;
                self.spaces();
                if !matches!(self.peek(), Some(b'\n') | None) {
                    return Err(Doubt);
                }
                continue;
            }
            self.line_comment()?;
            match self.peek() {
                Some(b'\n') => self.i += 1,
                _ => return Ok(()),
            }
        }
    }

    /// The end of an attribute or a block: blanks, an optional line
    /// comment, then a newline (consumed) or the end of the file.
    fn line_end(&mut self) -> Res {
        self.spaces();
        self.line_comment()?;
        match self.peek() {
            None => Ok(()),
            Some(b'\n') => {
                self.i += 1;
                Ok(())
            }
            Some(_) => Err(Doubt),
        }
    }

    fn ident(&mut self) -> Res<&'a [u8]> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.i += 1,
            _ => return Err(Doubt),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
                self.i += 1;
            } else if c >= 0x80 {
                return Err(Doubt);
            } else {
                break;
            }
        }
        Ok(&self.b[start..self.i])
    }

    /// A quoted string without escapes or templates (a label, an object
    /// key); its text.
    fn plain_string(&mut self) -> Res<&'a [u8]> {
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\' | b'\n' | b'$' | b'%') | None => return Err(Doubt),
                Some(_) => self.i += 1,
            }
        }
        let text = &self.b[start..self.i];
        self.i += 1;
        Ok(text)
    }

    /// Block labels (plain strings or identifiers); the first two's text
    /// and how many there are.
    fn labels(&mut self) -> Res<([Option<&'a str>; 2], usize)> {
        let mut texts = [None, None];
        let mut n = 0;
        loop {
            let label: &[u8] = match self.peek() {
                Some(b'"') => self.plain_string()?,
                Some(b'{') => break,
                _ => self.ident()?,
            };
            if n < 2 {
                texts[n] = std::str::from_utf8(label).ok();
            }
            n += 1;
            let before = self.i;
            self.spaces();
            if self.i == before && self.peek() != Some(b'{') {
                return Err(Doubt);
            }
        }
        Ok((texts, n))
    }

    /// `{` of a block: `{}` / `{ }` (returns `None`: nothing inside), or a
    /// multi-line block whose `{` ends its line (returns where the inside
    /// starts, right after the `{`).
    fn block_open(&mut self) -> Res<Option<usize>> {
        if self.peek() != Some(b'{') {
            return Err(Doubt);
        }
        self.i += 1;
        let inside = self.i;
        self.spaces();
        if self.peek() == Some(b'}') {
            return Ok(None);
        }
        self.line_comment()?;
        if self.peek() != Some(b'\n') {
            return Err(Doubt); // a one-line block with content
        }
        self.i += 1;
        Ok(Some(inside))
    }

    /// The attributes and blocks of a multi-line body, up to (not
    /// including) its closing `}`; the names and ranges of its attributes.
    /// `None` for a `{}` block (already at its `}`).
    /// Only a top-level block's attributes are listed (`collect`); nested
    /// blocks get an empty list.
    #[allow(clippy::type_complexity)]
    fn body_inside(&mut self, collect: bool) -> Res<Option<Vec<(&'a [u8], (usize, usize))>>> {
        if self.peek() == Some(b'}') {
            return Ok(None);
        }
        self.deeper()?;
        let mut attributes = Vec::new();
        let frame = self.names.len();
        loop {
            self.blank_lines()?;
            match self.peek() {
                Some(b'}') => break,
                None => return Err(Doubt),
                _ => {}
            }
            if let Item::Attribute { name, range } = self.item(frame, false)?
                && collect
            {
                attributes.push((name, range));
            }
        }
        self.names.truncate(frame);
        self.depth -= 1;
        Ok(Some(attributes))
    }

    /// One attribute (its name not already among the body's attribute
    /// names so far, `self.names[frame..]`) or one block, with the end of
    /// its line. `top`: a top-level item, whose block lists its attributes.
    fn item(&mut self, frame: usize, top: bool) -> Res<Item<'a>> {
        let start = self.i;
        let name = self.ident()?;
        self.spaces();
        if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
            if self.names[frame..].contains(&name) {
                return Err(Doubt);
            }
            self.names.push(name);
            self.i += 1;
            self.attribute_value()?;
            let range = (start, self.i);
            self.line_end()?;
            return Ok(Item::Attribute { name, range });
        }
        let ([first, second], labels) = self.labels()?;
        let open = self.block_open()?;
        let attributes = self.body_inside(top)?;
        let end = self.i;
        self.block_close_brace()?;
        let range = (start, self.i);
        self.line_end()?;
        Ok(Item::Block {
            name,
            first,
            second,
            labels,
            range,
            inside: open.zip(attributes).map(|(start, attributes)| Inside {
                start,
                end,
                attributes,
            }),
        })
    }

    /// The `}` closing a block (the end of its line follows).
    fn block_close_brace(&mut self) -> Res {
        if self.peek() != Some(b'}') {
            return Err(Doubt);
        }
        self.i += 1;
        Ok(())
    }

    fn attribute_value(&mut self) -> Res {
        self.operators = 0;
        self.spaces();
        self.expr(false)
    }

    /// Blanks inside brackets: spaces, tabs and newlines (no comments).
    fn gaps(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n')) {
            self.i += 1;
        }
    }

    /// An expression. `multiline`: inside `(...)`, `[...]`, call arguments
    /// or `${...}`, where newlines may surround it (never before an
    /// operator: that is a doubt).
    fn expr(&mut self, multiline: bool) -> Res {
        self.deeper()?;
        loop {
            self.operand()?;
            self.spaces();
            if multiline {
                let at = self.i;
                self.gaps();
                let operator = self.binary_operator_len();
                if self.i != at && (operator > 0 || self.peek() == Some(b'?')) {
                    return Err(Doubt);
                }
                if self.i != at {
                    // Newlines end it: what follows must close or separate.
                    self.i = at;
                    break;
                }
            }
            let len = self.binary_operator_len();
            if len == 0 {
                break;
            }
            self.operators += 1;
            if self.operators > MAX_OPERATORS {
                return Err(Doubt);
            }
            self.i += len;
            self.spaces();
        }
        self.spaces();
        if self.peek() == Some(b'?') {
            if self.no_conditional {
                return Err(Doubt);
            }
            self.i += 1;
            self.spaces();
            self.expr(multiline)?;
            self.spaces();
            if self.peek() != Some(b':') {
                return Err(Doubt);
            }
            self.i += 1;
            self.spaces();
            self.expr(multiline)?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn binary_operator_len(&self) -> usize {
        match (self.peek(), self.peek_at(1)) {
            (Some(b'=' | b'!' | b'<' | b'>'), Some(b'=')) => 2,
            (Some(b'&'), Some(b'&')) | (Some(b'|'), Some(b'|')) => 2,
            (Some(b'<' | b'>' | b'+' | b'*' | b'%'), _) => 1,
            // `-` and `/` also start other things (`->`, comments).
            (Some(b'-'), Some(c)) if c != b'>' => 1,
            (Some(b'/'), Some(c)) if c != b'/' && c != b'*' => 1,
            _ => 0,
        }
    }

    /// Unary operators, a term and its traversals.
    fn operand(&mut self) -> Res {
        while matches!(self.peek(), Some(b'!' | b'-')) {
            self.i += 1;
            self.spaces();
        }
        self.term()?;
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                            self.ident()?;
                        }
                        _ => return Err(Doubt), // `.*`, `.0`, `..`
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    self.gaps();
                    if self.peek() == Some(b'*') {
                        return Err(Doubt);
                    }
                    self.enclosed(b']')?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// An expression that may span lines, then `close` (consumed).
    fn enclosed(&mut self, close: u8) -> Res {
        self.deeper()?;
        self.expr(true)?;
        self.depth -= 1;
        self.gaps();
        if self.peek() != Some(close) {
            return Err(Doubt);
        }
        self.i += 1;
        Ok(())
    }

    fn term(&mut self) -> Res {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'<') if self.peek_at(1) == Some(b'<') => self.heredoc(),
            Some(c) if c.is_ascii_digit() => self.number(),
            Some(b'[') => self.tuple(),
            Some(b'{') => self.object(),
            Some(b'(') => {
                self.i += 1;
                self.gaps();
                self.enclosed(b')')
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let name = self.ident()?;
                if matches!(name, b"for" | b"in" | b"if") {
                    return Err(Doubt);
                }
                if self.peek() == Some(b'(') {
                    self.call_args()?;
                } else if self.peek() == Some(b':') && self.peek_at(1) == Some(b':') {
                    return Err(Doubt);
                }
                Ok(())
            }
            _ => Err(Doubt),
        }
    }

    fn number(&mut self) -> Res {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(Doubt);
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        // Exponents, `1.2.3`, `1x`, `1e`: doubt.
        match self.peek() {
            Some(c) if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c >= 0x80 => {
                Err(Doubt)
            }
            _ => Ok(()),
        }
    }

    /// `( args )` of a function call.
    fn call_args(&mut self) -> Res {
        self.i += 1;
        self.deeper()?;
        self.list_items(b')')?;
        self.depth -= 1;
        Ok(())
    }

    fn tuple(&mut self) -> Res {
        self.i += 1;
        self.deeper()?;
        if self.keyword(b"for") {
            // `[for ...]` on one line only.
            self.for_rest(b']')?;
        } else {
            self.gaps();
            if self.at_word(b"for") {
                return Err(Doubt);
            }
            self.list_items(b']')?;
        }
        self.depth -= 1;
        Ok(())
    }

    /// `word` followed by a space or a tab (consumed with the blanks).
    fn keyword(&mut self, word: &[u8]) -> bool {
        let rest = &self.b[self.i..];
        if rest.starts_with(word) && matches!(rest.get(word.len()), Some(b' ' | b'\t')) {
            self.i += word.len();
            self.spaces();
            true
        } else {
            false
        }
    }

    /// Whether the next token is the word `word` (not a longer identifier
    /// such as `format`), whatever follows it.
    fn at_word(&self, word: &[u8]) -> bool {
        self.b[self.i..].starts_with(word)
            && !self
                .b
                .get(self.i + word.len())
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    }

    /// A loop variable: an identifier that is not a keyword.
    fn loop_variable(&mut self) -> Res {
        let name = self.ident()?;
        if matches!(name, b"for" | b"in" | b"if") {
            return Err(Doubt);
        }
        Ok(())
    }

    /// After `for `: `k, v in coll : value [if cond]]`, or for an object
    /// (`close` is `}`) `k, v in coll : key => value [if cond]}`; all on one
    /// line, `close` consumed.
    fn for_rest(&mut self, close: u8) -> Res {
        let object = close == b'}';
        self.loop_variable()?;
        let mut end = self.i;
        self.spaces();
        if self.peek() == Some(b',') {
            self.i += 1;
            self.spaces();
            self.loop_variable()?;
            end = self.i;
            self.spaces();
        }
        if self.i == end || !self.keyword(b"in") {
            return Err(Doubt);
        }
        let outer = std::mem::replace(&mut self.no_conditional, true);
        let coll = self.expr(false);
        self.no_conditional = outer;
        coll?;
        self.spaces();
        if self.peek() != Some(b':') || self.peek_at(1) == Some(b':') {
            return Err(Doubt);
        }
        self.i += 1;
        self.spaces();
        self.expr(false)?;
        if object {
            self.spaces();
            if !self.b[self.i..].starts_with(b"=>") {
                return Err(Doubt);
            }
            self.i += 2;
            self.spaces();
            self.expr(false)?;
            if self.b[self.i..].starts_with(b"...") {
                return Err(Doubt);
            }
        }
        self.spaces();
        if self.keyword(b"if") {
            self.expr(false)?;
            self.spaces();
        }
        if self.peek() != Some(close) {
            return Err(Doubt);
        }
        self.i += 1;
        Ok(())
    }

    /// Comma-separated expressions up to `close` (consumed); newlines
    /// around items and a trailing comma allowed.
    fn list_items(&mut self, close: u8) -> Res {
        loop {
            self.gaps();
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok(());
            }
            if self.b[self.i..].starts_with(b"...") {
                return Err(Doubt);
            }
            self.expr(true)?;
            self.gaps();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Doubt),
            }
        }
    }

    /// `{ key = value ... }`: keys are identifiers or plain strings, each
    /// entry on one line, entries separated by newlines or commas.
    fn object(&mut self) -> Res {
        self.i += 1;
        self.deeper()?;
        self.spaces();
        if self.keyword(b"for") {
            self.for_rest(b'}')?;
            self.depth -= 1;
            return Ok(());
        }
        if self.at_word(b"for") {
            return Err(Doubt);
        }
        let mut keys: Vec<&[u8]> = Vec::new();
        loop {
            self.gaps();
            if self.peek() == Some(b'}') {
                self.i += 1;
                break;
            }
            let key: &[u8] = match self.peek() {
                Some(b'"') => self.plain_string()?,
                _ => {
                    let k = self.ident()?;
                    if matches!(k, b"for" | b"in" | b"if") {
                        return Err(Doubt);
                    }
                    k
                }
            };
            if keys.contains(&key) {
                return Err(Doubt);
            }
            keys.push(key);
            self.spaces();
            match self.peek() {
                Some(b'=') if self.peek_at(1) != Some(b'=') => self.i += 1,
                Some(b':') if self.peek_at(1) != Some(b':') => self.i += 1,
                _ => return Err(Doubt),
            }
            self.spaces();
            self.expr(false)?;
            self.spaces();
            let comma = self.peek() == Some(b',');
            if comma {
                self.i += 1;
                self.spaces();
            }
            // A line comment may end an entry's line.
            let commented = self.line_comment()?;
            match self.peek() {
                Some(b'\n' | b'}') => {}
                Some(_) if comma && !commented => {} // the next entry
                _ => return Err(Doubt),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A quoted template: escapes, `${ expr }`, `$${` / `%%{` literals.
    fn quoted(&mut self) -> Res {
        self.i += 1;
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(Doubt),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'n' | b'r' | b't' | b'\\' | b'"') => self.i += 1,
                        _ => return Err(Doubt), // \u, \U and anything else
                    }
                }
                _ => self.template_piece()?,
            }
        }
    }

    /// One step of template text outside escapes: `${`, `$${`, `%{`,
    /// `%%{` or one byte.
    fn template_piece(&mut self) -> Res {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"$${") || rest.starts_with(b"%%{") {
            self.i += 3;
        } else if rest.starts_with(b"%{") {
            return Err(Doubt);
        } else if rest.starts_with(b"${") {
            self.i += 2;
            self.deeper()?;
            self.gaps();
            if self.peek() == Some(b'~') {
                return Err(Doubt);
            }
            self.enclosed(b'}')?;
            self.depth -= 1;
        } else {
            self.i += 1;
        }
        Ok(())
    }

    /// `<<ID` or `<<-ID`, a newline, lines of template, then a line of
    /// blanks and `ID` ended by a newline.
    fn heredoc(&mut self) -> Res {
        self.i += 2;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let id = self.ident()?;
        if self.peek() != Some(b'\n') {
            return Err(Doubt);
        }
        self.i += 1;
        let mut first = true;
        loop {
            // At the start of a line: is it the delimiter?
            let line = self.i;
            self.spaces();
            if self.b[self.i..].starts_with(id) {
                match self.peek_at(id.len()) {
                    Some(b'\n') if first => return Err(Doubt), // an empty heredoc
                    Some(b'\n') => {
                        self.i += id.len();
                        return Ok(());
                    }
                    // A longer word: a line of text.
                    Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {}
                    // The delimiter followed by something, or the end of
                    // the file: doubt.
                    _ => return Err(Doubt),
                }
            }
            self.i = line;
            first = false;
            loop {
                match self.peek() {
                    None => return Err(Doubt),
                    Some(b'\n') => {
                        self.i += 1;
                        break;
                    }
                    _ => self.template_piece()?,
                }
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::{plan, proves};

    #[test]
    fn blanks_unread_bodies_keeping_count_and_offsets() {
        let text = "resource \"google_compute_network\" \"n\" {\n  count = var.on ? 1 : 0\n  name  = \"net-${var.x}\"\n  labels = {\n    a = \"b\"\n  }\n}\n\nresource \"google_cloud_run_v2_service\" \"s\" {\n  name = \"svc\"\n}\n";
        // Nothing is blanked whole without `defer`: one stretch, the file.
        let split = plan(text, |t| t.starts_with("google_cloud_run"), false)
            .unwrap()
            .split(text)
            .unwrap();
        assert_eq!(split.runs.len(), 1);
        assert_eq!(split.runs[0].start, 0);
        let out = &split.runs[0].text;
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("  count = var.on ? 1 : 0\n"));
        assert!(!out.contains("net-"));
        assert!(out.contains("name = \"svc\""));
    }

    #[test]
    fn doubts_what_it_does_not_know() {
        for bad in [
            "a = 1\na = 2\n",
            "resource \"x\" \"y\" { a = 1 }\n",
            "resource \"x\" \"y\" {\n  a = b == \n}\n",
            "resource \"x\" \"y\" {\n  a = \"unterminated\n}\n",
            "resource \"x\" \"y\" {\n  a = [for x in y ? a : b : x]\n}\n",
            "resource \"x\" \"y\" {\n  a = [for x in [for y in z : y] ? a : b : x]\n}\n",
            "resource \"x\" \"y\" {\n  a = [\n    for x in y : x\n  ]\n}\n",
            "resource \"x\" \"y\" {\n  a = {for k, v in m : k => v...}\n}\n",
            "resource \"x\" \"y\" {\n  a = [for x inlist : x]\n}\n",
            "resource \"x\" \"y\" {\n  a = [\n    1\n    + 2\n  ]\n}\n",
            "resource \"x\" \"y\" {\n  a = 1e5\n}\n",
            "resource \"x\" \"y\" {\n  a = <<EOF\nEOF\n}\n",
            "resource \"x\" \"y\" {\r\n}\r\n",
            "resource \"x\" \"y\" {\n  a = x.*.y\n}\n",
            "resource \"x\" \"y\" {\n  a = {\n    k = 1\n    k = 2\n  }\n}\n",
        ] {
            assert!(!proves(bad), "{bad:?}");
        }
    }

    #[test]
    fn proves_common_shapes() {
        let good = "variable \"v\" {\n  type    = list(string)\n  default = []\n}\n\nresource \"google_compute_subnetwork\" \"s\" {\n  count         = length(var.v)\n  name          = \"sub-${count.index}\"\n  ip_cidr_range = cidrsubnet(\"10.0.0.0/8\", 8, count.index)\n  network       = google_compute_network.n.id # the VPC\n  tags          = [\"a\", \"b\",]\n  enabled       = !var.off && (var.x > 2 || var.y == \"z\")\n  script = <<-EOT\n    echo ${var.x} $${literal}\n  EOT\n  log_config {}\n  ranges = [for n in range(4) : cidrsubnet(\"10.0.0.0/16\", 8, n) if n > 0]\n  by_name = {for k, v in var.m : k => v.name}\n  flat = { a = 1, b = \"x\" }\n  names = [format(\"%s\", var.x)]\n  commented = {\n    a = 1 # why\n    b = 2, // and why\n  }\n  /* a block\n     comment */\n  secondary {\n    range = var.ranges[count.index]\n  }\n}\n";
        assert!(proves(good));
    }
}
