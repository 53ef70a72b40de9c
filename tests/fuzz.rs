//! A bounded, deterministic mutation fuzzer on stable Rust: every fixture
//! file is mutated (bytes deleted, duplicated, swapped, replaced with HCL
//! tokens) and run through the parser, and a sample through the whole
//! pipeline. The property: no panic, no hang. Iterations scale with
//! RUNWARDEN_FUZZ_ITERS (default keeps `cargo test` fast).

use runwarden::check::{self, Options};
use runwarden::syntax::SourceFile;
use std::path::{Path, PathBuf};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "}",
    "<<EOT\n",
    "\nEOT\n",
    "\n",
    "=",
    "? ",
    " : ",
    "for ",
    " in ",
    "=>",
    "...",
    "*",
    ".",
    ",",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "\u{feff}",
    "\u{0}",
    "\u{ff}",
    "count = 1000000\n",
    "for_each = var.x\n",
    "local.a",
    "module.m.x",
    "each.value",
    "dynamic \"binding\" {",
    "content {",
    "\"allUsers\"",
    "jsonencode(",
    "try(",
    "null",
    "-1",
    "1e999",
    "\r\n",
];

/// A fixture file: its path, bytes, and whether it is valid (its case
/// expects no `parse-error` in it).
struct Seed {
    path: PathBuf,
    bytes: Vec<u8>,
    valid: bool,
}

fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in walk(&root) {
        let name = entry.to_string_lossy().to_string();
        if name.ends_with(".tf") || name.ends_with(".tf.json") || name.ends_with(".tfvars") {
            out.push(Seed {
                valid: !meant_broken(&root, &entry),
                bytes: std::fs::read(&entry).unwrap(),
                path: entry,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Broken files that their case never reads (its config excludes them), so
/// its expected.txt has no parse-error for them.
const UNREAD_BROKEN: &[&str] = &["suppression/config-exclude/legacy/outputs.tf"];

/// Whether the fixture case holding `file` (`fixtures/<rule>/<case>/...`)
/// expects a `parse-error` in it, or never reads it because it is broken.
fn meant_broken(root: &Path, file: &Path) -> bool {
    let rel = file.strip_prefix(root).unwrap();
    if UNREAD_BROKEN.iter().any(|u| rel == Path::new(u)) {
        return true;
    }
    let mut parts = rel.components();
    let case = root.join(parts.next().unwrap()).join(parts.next().unwrap());
    let in_case = parts.as_path().to_string_lossy().replace('\\', "/");
    std::fs::read_to_string(case.join("expected.txt"))
        .unwrap()
        .lines()
        .any(|l| l.starts_with(&format!("parse-error {in_case}:")))
}

/// An override file (`override.tf`, `*_override.tf`, and `.tf.json`): alone,
/// without the blocks it overrides, it is an error by design.
fn is_override(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf")
        .or_else(|| name.strip_suffix(".tf.json"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(walk(&p))
        } else {
            v.push(p)
        }
    }
    v
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(5) {
            0 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below((len - at).min(64) + 1);
                b.drain(at..at + n);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below((len - at).min(256) + 1);
                let chunk: Vec<u8> = b[at..at + n].to_vec();
                let to = rng.below(len + 1);
                b.splice(to..to, chunk);
            }
            2 if len > 1 => {
                let (x, y) = (rng.below(len), rng.below(len));
                b.swap(x, y);
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let to = rng.below(len + 1);
                b.splice(to..to, t.iter().copied());
            }
        }
    }
    b
}

fn iterations(default: usize) -> usize {
    std::env::var("RUNWARDEN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn fixture_files_parse_unless_their_case_expects_a_parse_error() {
    let seeds = seeds();
    let broken = seeds.iter().filter(|s| !s.valid).count();
    assert!(
        broken > 0 && broken < seeds.len(),
        "{broken} of {}",
        seeds.len()
    );
    for seed in &seeds {
        let name = seed.path.file_name().unwrap().to_string_lossy().to_string();
        let file = SourceFile::parse(0, seed.path.clone(), name, seed.bytes.clone());
        if UNREAD_BROKEN.iter().any(|u| seed.path.ends_with(u)) {
            // Or the list above is stale.
            assert!(file.error.is_some(), "{}: parses", seed.path.display());
        } else if seed.valid {
            assert!(
                file.error.is_none(),
                "{}: {:?}",
                seed.path.display(),
                file.error.map(|e| e.message)
            );
        }
    }
}

#[test]
fn mutated_fixture_files_never_panic_the_parser() {
    let seeds = seeds();
    assert!(!seeds.is_empty());
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let iters = iterations(3000);
    for i in 0..iters {
        let Seed { path, bytes, .. } = &seeds[rng.below(seeds.len())];
        let mutated = mutate(&mut rng, bytes);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let r = std::panic::catch_unwind(|| {
            SourceFile::parse(0, PathBuf::from(&name), name.clone(), mutated.clone())
        });
        if r.is_err() {
            let dump = std::env::temp_dir().join(format!("runwarden-fuzz-crash-{i}-{name}"));
            std::fs::write(&dump, &mutated).unwrap();
            panic!(
                "parser panicked on a mutation of {} (input saved to {})",
                path.display(),
                dump.display()
            );
        }
    }
}

#[test]
fn mutated_modules_never_panic_the_analysis() {
    let seeds = seeds();
    let mut rng = Rng(0x5EED_1234_ABCD_0002);
    let iters = iterations(3000) / 20;
    let mut checked = 0;
    for i in 0..iters {
        let dir = tempfile::tempdir().unwrap();
        // A module of two or three mutated seed files (some unmutated).
        let mut valid = Vec::new();
        for k in 0..2 + rng.below(2) {
            let seed = &seeds[rng.below(seeds.len())];
            let data = if rng.below(3) == 0 {
                seed.bytes.clone()
            } else {
                mutate(&mut rng, &seed.bytes)
            };
            let name = seed.path.file_name().unwrap().to_string_lossy().to_string();
            let written = format!("f{k}_{name}");
            if seed.valid && data == seed.bytes && !is_override(&written) {
                valid.push(written.clone());
            }
            std::fs::write(dir.path().join(written), &data).unwrap();
        }
        let opts = Options {
            paths: vec![dir.path().to_path_buf()],
            cwd: Some(dir.path().to_path_buf()),
            now: Some(0),
            ..Options::default()
        };
        // The files that did not parse.
        let r = std::panic::catch_unwind(|| {
            check::run(&opts).map(|a| {
                a.findings
                    .iter()
                    .filter(|f| f.rule.name == "parse-error")
                    .map(|f| a.ws.files[f.span.file as usize].display.clone())
                    .collect::<Vec<_>>()
            })
        });
        if let Ok(Ok(unparsed)) = &r {
            let wrong: Vec<_> = unparsed.iter().filter(|f| valid.contains(f)).collect();
            assert!(
                wrong.is_empty(),
                "valid seed files did not parse: {wrong:?}"
            );
            checked += valid.len();
        }
        if r.is_err() {
            let keep = std::env::temp_dir().join(format!("runwarden-fuzz-crash-module-{i}"));
            let _ = std::fs::remove_dir_all(&keep);
            std::fs::create_dir_all(&keep).unwrap();
            for e in std::fs::read_dir(dir.path()).unwrap().flatten() {
                std::fs::copy(e.path(), keep.join(e.file_name())).unwrap();
            }
            panic!("analysis panicked (inputs saved to {})", keep.display());
        }
    }
    assert!(
        iters == 0 || checked > 0,
        "no unmutated valid file was checked"
    );
}

/// The skim that lets hcl-edit skip unread resource bodies must never call
/// well-formed what hcl-edit rejects (the error would hide in a blanked
/// body): on every fixture file, on mutations of them, and on every `.tf`
/// under RUNWARDEN_SCAN_DIR when set (a real-world corpus).
#[test]
fn the_skim_never_proves_what_hcl_edit_rejects() {
    use runwarden::syntax::scan::{self, DeferredKind};
    use runwarden::syntax::{Attribute, Block, Lazy};
    let check = |path: &Path, bytes: &[u8]| -> bool {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        if !scan::proves(text) {
            return false;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let full = SourceFile::parse(0, PathBuf::from(&name), name.clone(), bytes.to_vec());
        assert!(
            full.error.is_none(),
            "the skim proves what hcl-edit rejects ({}: {:?}):\n{text}",
            path.display(),
            full.error.map(|e| e.message)
        );
        // With every resource body blanked and the declarations deferred,
        // the text still parses; and each deferred declaration, parsed
        // alone when read, is exactly (spans too) what the whole parse gave.
        let blanked = SourceFile::parse_reading(
            0,
            PathBuf::from(&name),
            name.clone(),
            bytes.to_vec(),
            |_| false,
            true,
        );
        assert!(blanked.error.is_none(), "{}: blanked text", path.display());
        let eager = |kind: DeferredKind| -> Vec<String> {
            let blocks = full.body.blocks.iter();
            match kind {
                DeferredKind::Variable | DeferredKind::Output => {
                    let k = if kind == DeferredKind::Variable {
                        "variable"
                    } else {
                        "output"
                    };
                    blocks
                        .filter(|b| b.kind == k && b.labels.len() == 1)
                        .map(|b| format!("{b:?}"))
                        .collect()
                }
                DeferredKind::Local => blocks
                    .filter(|b| b.kind == "locals" && b.labels.is_empty())
                    .flat_map(|b| b.body.attributes.iter())
                    .map(|a| format!("{a:?}"))
                    .collect(),
            }
        };
        // Unread resources come back as the loader keeps them: labels,
        // span, and only their `count` / `for_each` attributes.
        let slim = |b: &Block| {
            let mut b = b.clone();
            b.body.blocks.clear();
            b.body
                .attributes
                .retain(|a| a.name == "count" || a.name == "for_each");
            format!("{b:?}")
        };
        let resources = |body: &runwarden::syntax::Body| -> Vec<String> {
            let resources = body.blocks.iter().filter(|b| b.kind == "resource");
            resources.map(slim).collect()
        };
        assert_eq!(
            resources(&blanked.body),
            resources(&full.body),
            "{}: unread resources",
            path.display()
        );
        // Read and unread resources mixed: the body, parsed one stretch of
        // kept text at a time, is the whole parse's (spans too), with unread
        // resources slimmed and the deferred declarations left out.
        fn reads(t: &str) -> bool {
            t.len().is_multiple_of(2)
        }
        let mixed = SourceFile::parse_reading(
            0,
            PathBuf::from(&name),
            name.clone(),
            bytes.to_vec(),
            reads,
            true,
        );
        assert!(mixed.error.is_none(), "{}: mixed text", path.display());
        let deferred = |b: &Block| {
            (matches!(b.kind.as_str(), "variable" | "output") && b.labels.len() == 1)
                || (b.kind == "locals" && b.labels.is_empty())
        };
        let shown = |b: &Block| {
            if b.kind == "resource" && b.labels.first().is_some_and(|t| !reads(t)) {
                slim(b)
            } else {
                format!("{b:?}")
            }
        };
        let kept = |body: &runwarden::syntax::Body| -> Vec<String> {
            body.blocks
                .iter()
                .filter(|b| !deferred(b))
                .map(shown)
                .collect()
        };
        assert_eq!(
            kept(&mixed.body),
            kept(&full.body),
            "{}: kept blocks",
            path.display()
        );
        assert_eq!(
            format!("{:?}", mixed.body.attributes),
            format!("{:?}", full.body.attributes),
            "{}: top-level attributes",
            path.display()
        );
        let files = [blanked];
        for kind in [
            DeferredKind::Variable,
            DeferredKind::Output,
            DeferredKind::Local,
        ] {
            let lazy: Vec<String> = files[0]
                .deferred
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| match kind {
                    DeferredKind::Local => {
                        format!("{:?}", Lazy::<Attribute>::deferred(0, d).get(&files))
                    }
                    _ => format!("{:?}", Lazy::<Block>::deferred(0, d).get(&files)),
                })
                .collect();
            assert_eq!(lazy, eager(kind), "{}: deferred {kind:?}", path.display());
        }
        true
    };
    let seeds: Vec<Seed> = seeds()
        .into_iter()
        .filter(|s| s.path.extension().is_some_and(|e| e == "tf"))
        .collect();
    let valid = seeds.iter().filter(|s| s.valid).count();
    let proven = seeds.iter().filter(|s| check(&s.path, &s.bytes)).count();
    eprintln!("the skim proves {proven} of {valid} well-formed fixture files");
    assert!(
        proven * 2 > valid,
        "the skim proves only {proven} of {valid}"
    );
    let mut rng = Rng(0x5EED_5C41_0000_0007);
    let iters = iterations(3000);
    let mut proven_mutations = 0;
    for _ in 0..iters {
        let seed = &seeds[rng.below(seeds.len())];
        let mutated = mutate(&mut rng, &seed.bytes);
        if check(&seed.path, &mutated) {
            proven_mutations += 1;
        }
    }
    eprintln!("the skim proves {proven_mutations} of {iters} mutations, all parse");
    if let Ok(dir) = std::env::var("RUNWARDEN_SCAN_DIR") {
        let files: Vec<PathBuf> = walk(Path::new(&dir))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        let proven = files
            .iter()
            .filter(|p| check(p, &std::fs::read(p).unwrap()))
            .count();
        eprintln!(
            "the skim proves {proven} of {} files under {dir}",
            files.len()
        );
        // What stopped it most often: the line around each first doubt.
        let mut why: std::collections::BTreeMap<String, usize> = Default::default();
        for p in &files {
            let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
            if let Some(at) = scan::first_doubt(&text) {
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                let line = format!("{}<HERE>{}", &text[start..at], &text[at..end]);
                *why.entry(line.trim().to_string()).or_default() += 1;
            }
        }
        let mut why: Vec<_> = why.into_iter().collect();
        why.sort_by_key(|w| std::cmp::Reverse(w.1));
        for (line, n) in why.iter().take(12) {
            eprintln!("  {n:5}  {line}");
        }
    }
}
