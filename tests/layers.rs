//! Layers point down only. Each top-level module of `src/` may use the modules this table
//! allows and no other (ARCHITECTURE.md draws the same picture); a `crate::x` path to a module
//! not in its row fails this test, naming the file and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module and the modules below it that it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    // Pure leaves: the domain, human formats, secret redaction, the bad-usage error type.
    ("domain", &[]),
    ("human", &[]),
    ("redact", &[]),
    ("usage", &[]),
    // Storage, exchange, simulator, configuration: on the domain only (the client reads its
    // rate-limit and retry settings from `config`).
    ("config", &["domain", "redact"]),
    ("store", &["domain", "redact"]),
    ("sim", &["domain"]),
    ("exchange", &["domain", "config", "redact"]),
    // The engine and what runs beside it. `jobs` reaches the database only through its
    // `JobSink` port, which `backfill` implements with the store.
    ("jobs", &["domain", "exchange"]),
    ("health", &["domain", "config", "store"]),
    ("collector", &["domain", "exchange", "store", "jobs"]),
    ("plot", &["domain", "store"]),
    ("verify", &["domain", "store", "jobs", "human"]),
    ("report", &["domain", "store", "jobs", "verify", "human"]),
    (
        "backfill",
        &[
            "domain", "config", "exchange", "store", "jobs", "health", "plot", "usage",
        ],
    ),
    // The dashboard's state, UI-agnostic.
    (
        "app",
        &[
            "domain", "config", "exchange", "store", "jobs", "health", "backfill", "human",
        ],
    ),
    // Front ends.
    (
        "ui",
        &["app", "domain", "exchange", "health", "jobs", "human"],
    ),
    ("headless", &["domain", "jobs", "human"]),
    ("tui", &["app", "config", "jobs", "ui"]),
    // Process-wide plumbing: restoring the terminal on a signal or a panic.
    ("signals", &["tui"]),
    ("telemetry", &["tui"]),
    // The top: parses arguments and wires everything.
    (
        "cli",
        &[
            "domain",
            "human",
            "redact",
            "usage",
            "config",
            "store",
            "sim",
            "exchange",
            "jobs",
            "health",
            "collector",
            "plot",
            "verify",
            "report",
            "backfill",
            "app",
            "ui",
            "headless",
            "tui",
            "signals",
            "telemetry",
        ],
    ),
];

/// Upward edges that exist today and are scheduled to go (issue 13). Listed so that nothing
/// new creeps in; the test fails when one disappears too, so the list stays true.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/jobs/worker/mod.rs` → `jobs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Every `crate::name` in the code (comments included: a doc link upward is a smell too).
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + 7..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
            rest = tail;
        }
    }
    out
}

#[test]
fn modules_import_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut seen_exceptions = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(deps) = allowed.get(module.as_str()) else {
            unknown.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in crate_refs(&text) {
            if target == module || !allowed.contains_key(target.as_str()) {
                // Same module, or not a module (`crate::Result`, a macro path).
                continue;
            }
            if deps.contains(target.as_str()) {
                continue;
            }
            if KNOWN_EXCEPTIONS.contains(&(module.as_str(), target.as_str())) {
                seen_exceptions.insert((module.clone(), target.clone()));
                continue;
            }
            violations.push(format!(
                "{}:{line}: `{module}` uses `crate::{target}`, a layer it may not use",
                file.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(
        unknown.is_empty(),
        "top-level modules missing from the layer table in tests/layers.rs (and ARCHITECTURE.md): {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "upward imports:\n{}",
        violations.join("\n")
    );
    for (m, t) in KNOWN_EXCEPTIONS {
        assert!(
            seen_exceptions.contains(&(m.to_string(), t.to_string())),
            "`{m}` no longer uses `{t}`: remove the exception from KNOWN_EXCEPTIONS"
        );
    }
}

#[test]
fn the_layer_table_has_no_cycle() {
    // Depth-first search over the allowed edges: a cycle would make "below" meaningless.
    let graph: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    fn visit<'a>(
        n: &'a str,
        graph: &BTreeMap<&'a str, &'a [&'a str]>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(n) {
            return;
        }
        assert!(
            !stack.contains(&n),
            "cycle in the layer table: {stack:?} -> {n}"
        );
        stack.push(n);
        for d in graph.get(n).copied().unwrap_or(&[]) {
            assert!(graph.contains_key(d), "`{n}` allows unknown module `{d}`");
            visit(d, graph, stack, done);
        }
        stack.pop();
        done.insert(n);
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, &graph, &mut Vec::new(), &mut done);
    }
    assert_eq!(done.len(), ALLOWED.len());
}

#[test]
fn the_scanner_sees_an_upward_import() {
    // The scanner itself: a line with an upward path is found, with its line number.
    let refs = crate_refs("use std::fmt;\nuse crate::app::App; // and crate::ui::draw\n");
    assert_eq!(refs, vec![(2, "app".to_string()), (2, "ui".to_string())]);
}
