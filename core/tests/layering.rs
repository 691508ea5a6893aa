//! The layers of core/src import one way: no module reaches, through
//! `crate::` paths, back into a module that imports it. Each provider
//! folder counts as its own module, so a provider that imports another is
//! a cycle only if the other imports it back. Test code is left out: a
//! test may use whatever it checks against.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `zone`, `sync`, `provider/hestia`: the module a file belongs to.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(SRC).unwrap();
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    match parts.as_slice() {
        [provider, name, ..] if provider == "provider" && name != "mod" => {
            format!("provider/{name}")
        }
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// The module a `crate::a::b` path names, in the same terms.
fn module_named(first: &str, second: &str) -> String {
    let provider_module = Path::new(SRC).join("provider").join(second);
    if first == "provider"
        && !second.is_empty()
        && (provider_module.is_dir() || provider_module.with_extension("rs").is_file())
    {
        format!("provider/{second}")
    } else {
        first.to_owned()
    }
}

/// The source without its test module: by this crate's convention a
/// `#[cfg(test)]` module is the last item of its file, or a `tests.rs`.
fn library_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Every `crate::a::b` in the text, as (a, b); b is empty for `crate::a`.
fn crate_paths(text: &str) -> Vec<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    text.match_indices("crate::")
        .filter(|(at, _)| {
            // `puq_dns_core::` or `$crate::` are not this kind of path.
            !text[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(at, _)| {
            let rest = &text[at + "crate::".len()..];
            let first = ident(rest);
            let second = rest[first.len()..]
                .strip_prefix("::")
                .map(ident)
                .unwrap_or_default();
            (first, second)
        })
        .filter(|(first, _)| !first.is_empty())
        .collect()
}

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&file);
        for (first, second) in crate_paths(&library_code(&file)) {
            let to = module_named(&first, &second);
            if to != from && to != "lib" {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

fn find_cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    at: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == at) {
        let mut cycle = path[start..].to_vec();
        cycle.push(at.to_owned());
        return Some(cycle);
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.to_owned());
    for next in graph.get(at).into_iter().flatten() {
        if let Some(cycle) = find_cycle(graph, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(at.to_owned());
    None
}

#[test]
fn no_module_of_core_imports_one_that_imports_it() {
    let graph = imports();
    // The check sees the layers it is meant to see.
    assert!(graph["sync"].contains("provider"), "{graph:?}");
    assert!(graph["provider/rfc2136"].contains("retry"), "{graph:?}");
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = find_cycle(&graph, module, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn a_cycle_would_be_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph
        .entry("http".into())
        .or_default()
        .insert("provider".into());
    graph
        .entry("provider".into())
        .or_default()
        .insert("sync".into());
    graph
        .entry("sync".into())
        .or_default()
        .insert("http".into());
    let cycle = find_cycle(&graph, "http", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(
        cycle.map(|c| c.join(" -> ")).as_deref(),
        Some("http -> provider -> sync -> http")
    );
    assert_eq!(
        crate_paths("use crate::provider::rfc2136::wire; puq_dns_core::zone; $crate::x"),
        [("provider".to_owned(), "rfc2136".to_owned())]
    );
}
