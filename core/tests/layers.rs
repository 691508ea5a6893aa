//! The crate's modules depend on each other one way only: names and
//! records at the bottom, then zones, http, providers, the sync engine on
//! top. A `use crate::…` that closes a loop between two top-level modules
//! fails here, naming the loop.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Top-level module => the top-level modules its (non-test) code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap();
            let top = relative
                .iter()
                .next()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let source = fs::read_to_string(&path).unwrap();
            let code = source
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            let deps = graph.entry(top.clone()).or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

/// A path from `from` back to `to`, if there is one.
fn path(
    graph: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![to.to_owned()]);
    }
    if !seen.insert(from.to_owned()) {
        return None;
    }
    for next in graph.get(from).into_iter().flatten() {
        if let Some(mut rest) = path(graph, next, to, seen) {
            rest.insert(0, from.to_owned());
            return Some(rest);
        }
    }
    None
}

#[test]
fn no_module_imports_its_way_back_to_itself() {
    let graph = imports();
    assert!(
        graph.contains_key("zone") && graph.contains_key("provider") && graph.contains_key("http")
    );
    let mut loops = Vec::new();
    for (module, deps) in &graph {
        for dep in deps {
            if let Some(back) = path(&graph, dep, module, &mut BTreeSet::new()) {
                loops.push(format!("{module} -> {}", back.join(" -> ")));
            }
        }
    }
    assert!(loops.is_empty(), "import cycles:\n{}", loops.join("\n"));
}

#[test]
fn records_are_below_zones_and_zones_below_providers_below_the_engine() {
    let graph = imports();
    let below =
        |module: &str, other: &str| path(&graph, module, other, &mut BTreeSet::new()).is_none();
    assert!(below("rr", "zone"), "rr must not reach zone");
    assert!(below("zone", "sync"), "zone must not reach sync");
    assert!(below("http", "zone"), "http must not reach zone");
    assert!(
        below("provider", "sync"),
        "providers must not reach the engine"
    );
    assert!(
        below("provider", "zone"),
        "providers see a zone only as their Target"
    );
}

#[test]
fn no_provider_folder_reaches_into_another() {
    let providers = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider");
    let folders: Vec<String> = fs::read_dir(&providers)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(folders.contains(&"rfc2136".to_owned()), "{folders:?}");
    let mut reaches = Vec::new();
    for folder in &folders {
        for entry in fs::read_dir(providers.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let source = fs::read_to_string(&path).unwrap();
            let code = source
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            for other in folders.iter().filter(|o| *o != folder) {
                if code.contains(&format!("crate::provider::{other}")) {
                    reaches.push(format!("{} -> {other}", path.display()));
                }
            }
        }
    }
    assert!(reaches.is_empty(), "{reaches:#?}");
}
