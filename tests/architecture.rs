//! The layering of `src/`: the top-level modules form no dependency cycle, leaf modules use
//! no module above them, and no source file grows past 600 lines of code without a reason
//! written at its top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that must not use any other module of the crate but these.
const LEAVES: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("clock", &[]),
    ("fhir", &["text"]),
    ("error", &["fhir", "text"]),
    ("secret", &["error"]),
    ("fsutil", &["error"]),
    ("ndjson", &["text"]),
    ("exit", &["error"]),
    ("mock", &["fhir", "text"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules each top-level module uses (test code left out), read from
/// `crate::name` paths and `use crate::{a, b}` lists in code (comments skipped).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "main" || top == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let uses = graph.entry(top.clone()).or_default();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                if let Some(list) = rest.strip_prefix('{') {
                    for item in list.split([',', '}']) {
                        let name = item.trim().split("::").next().unwrap_or_default();
                        if !name.is_empty() {
                            uses.insert(name.to_string());
                        }
                    }
                } else {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    uses.insert(name);
                }
            }
        }
        uses.remove(&top);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m| modules.contains(m));
    }
    graph
}

/// The cycles of the graph (strongly connected components of more than one module).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Two modules are in one cycle when each reaches the other.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    for m in graph.keys() {
        let component: Vec<String> = graph
            .keys()
            .filter(|n| reaches[m].contains(*n) && reaches[n].contains(m))
            .cloned()
            .collect();
        if component.len() > 1 && !found.contains(&component) {
            found.push(component);
        }
    }
    found
}

#[test]
fn the_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the graph was read: {graph:?}");
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "module cycles: {cycles:?}\n(move what several modules need into a leaf module)"
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
}

#[test]
fn leaf_modules_use_nothing_above_them() {
    let graph = module_graph();
    for (leaf, allowed) in LEAVES {
        let uses = graph.get(*leaf).cloned().unwrap_or_default();
        let above: Vec<&String> = uses
            .iter()
            .filter(|m| !allowed.contains(&m.as_str()))
            .collect();
        assert!(above.is_empty(), "{leaf} uses {above:?}");
    }
}

#[test]
fn no_source_file_is_over_600_lines_without_a_reason() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code_lines = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .count();
        let reason = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .any(|l| l.contains("longer than 600 lines"));
        assert!(
            code_lines <= 600 || reason,
            "{} has {code_lines} lines of code: split it by concern, or say at its top why \
             it is longer than 600 lines",
            file.display()
        );
        assert!(
            text.starts_with("//!"),
            "{} has no //! header saying what it owns",
            file.display()
        );
    }
}
