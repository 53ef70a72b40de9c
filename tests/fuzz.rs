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

fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in walk(&root) {
        let name = entry.to_string_lossy().to_string();
        if name.ends_with(".tf") || name.ends_with(".tf.json") || name.ends_with(".tfvars") {
            out.push((entry.clone(), std::fs::read(&entry).unwrap()));
        }
    }
    out.sort();
    out
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
fn mutated_fixture_files_never_panic_the_parser() {
    let seeds = seeds();
    assert!(!seeds.is_empty());
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let iters = iterations(3000);
    for i in 0..iters {
        let (path, bytes) = &seeds[rng.below(seeds.len())];
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
    for i in 0..iters {
        let dir = tempfile::tempdir().unwrap();
        // A module of two or three mutated seed files (some unmutated).
        for k in 0..2 + rng.below(2) {
            let (path, bytes) = &seeds[rng.below(seeds.len())];
            let data = if rng.below(3) == 0 {
                bytes.clone()
            } else {
                mutate(&mut rng, bytes)
            };
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            std::fs::write(dir.path().join(format!("f{k}_{name}")), &data).unwrap();
        }
        let opts = Options {
            paths: vec![dir.path().to_path_buf()],
            ..Options::default()
        };
        let r = std::panic::catch_unwind(|| check::run(&opts).map(|a| a.findings.len()));
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
}
