//! The layers of `src/`, kept one way.
//!
//! Every top-level module sits in one layer of [`LAYERS`] (the README's
//! Layout section says the same, bottom to top). A module may use what lies
//! in its own layer or below, never above; and no two files may depend on
//! each other, directly or around a loop. This test reads the source the
//! way the compiler resolves it: it follows `mod` declarations from the
//! crate root, parses each file with `syn`, and resolves every `use` and
//! every qualified path (`crate::…`, `super::…`, a child module, a local
//! alias) through re-exports to the file that defines the item. Test code
//! (`#[cfg(test)]` modules and items) is left out: tests may reach anywhere.
//!
//! A failure prints the file, the line, what it uses and the rule it breaks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The layers, bottom to top.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "leaf",
        &["files", "placement", "escape", "exit", "broken_pipe"],
    ),
    ("config", &["config"]),
    ("record", &["record"]),
    ("stats", &["stats"]),
    ("store", &["baseline", "provenance", "chain"]),
    ("load, app", &["load", "app"]),
    ("compare", &["compare"]),
    ("stopping", &["stopping"]),
    ("runs", &["runner", "ab", "merge"]),
    ("engines", &["calibrate", "capacity", "init", "bisect"]),
    ("report", &["report"]),
    ("github", &["github"]),
    ("commands", &["cli", "commands"]),
];

#[test]
fn src_imports_only_downward_and_has_no_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let crate_root = if root.join("lib.rs").exists() {
        root.join("lib.rs")
    } else {
        root.join("main.rs")
    };
    let problems = check(&crate_root, LAYERS);
    assert!(
        problems.is_empty(),
        "{} layering problem(s) in src/:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_readme_lists_the_same_layers_in_the_same_order() {
    let readme = fs_err::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md is readable");
    let start = readme
        .find("\nleaf ")
        .expect("the README's Layout section lists the layers, starting with `leaf`");
    let block = &readme[start + 1..];
    let block = &block[..block
        .find("```")
        .expect("the layer list ends its code block")];
    let rows: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    for (i, (name, modules)) in LAYERS.iter().enumerate() {
        let row = rows
            .get(i)
            .unwrap_or_else(|| panic!("the README lists no layer {i} ({name})"));
        assert!(
            row.starts_with(name),
            "README layer {i} is {row:?}, LAYERS says {name}"
        );
        for module in *modules {
            assert!(
                row.split([' ', '·', ',']).any(|word| word == *module),
                "README layer {name} does not name module {module}: {row:?}"
            );
        }
    }
}

#[test]
fn the_check_catches_an_upward_import_and_a_cycle() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let src = dir.path();
    let write = |name: &str, text: &str| {
        let path = src.join(name);
        fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs_err::write(path, text).expect("write");
    };
    write(
        "lib.rs",
        "mod files;\nmod report;\nmod config;\n#[cfg(test)]\nmod tests;\n",
    );
    write(
        "files.rs",
        "use crate::report::Report;\npub fn f(_: Report) {}\n",
    );
    write(
        "report/mod.rs",
        "mod model;\npub use model::Report;\nmod text;\n",
    );
    write(
        "report/model.rs",
        "pub struct Report;\npub fn g() { super::text::h() }\n",
    );
    write("report/text.rs", "pub fn h() { let _ = super::Report; }\n");
    write(
        "config.rs",
        "pub fn c() { crate::files::f(crate::report::Report) }\n",
    );
    write("tests.rs", "use crate::report::Report;\n");
    let layers: &[(&str, &[&str])] = &[
        ("leaf", &["files"]),
        ("config", &["config"]),
        ("report", &["report"]),
    ];
    let problems = check(&src.join("lib.rs"), layers);
    let text = problems.join("\n");
    assert!(
        text.contains("files.rs:1: uses report::model (layer report), above its own layer leaf"),
        "the upward import is not named:\n{text}"
    );
    assert!(
        text.contains("config.rs:1: uses report::model (layer report), above its own layer config"),
        "the upward path in an expression is not named:\n{text}"
    );
    assert!(
        text.contains("cycle between 2 files")
            && text.contains("report/model.rs:2: uses report::text"),
        "the cycle through a re-export is not named:\n{text}"
    );
    assert_eq!(problems.len(), 3, "only these three problems:\n{text}");
}

/// Most lines a function of `src/` may span, tests left out, unless its doc
/// says why in a line that starts with "Long because".
const MAX_FUNCTION_LINES: usize = 80;

#[test]
fn functions_fit_on_a_screen_or_say_why_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let crate_root = if root.join("lib.rs").exists() {
        root.join("lib.rs")
    } else {
        root.join("main.rs")
    };
    let mut modules = Modules::new();
    load(&mut modules, Vec::new(), &crate_root);
    let files: BTreeSet<PathBuf> = modules.values().map(|m| m.file.clone()).collect();
    let mut long = Vec::new();
    for file in files.iter().chain(
        [root.join("main.rs")]
            .iter()
            .filter(|_| crate_root.ends_with("lib.rs")),
    ) {
        let text = fs_err::read_to_string(file).expect("a source file is readable");
        let ast = syn::parse_file(&text).expect("parses");
        let mut lengths = Lengths::default();
        lengths.visit_file(&ast);
        for (name, line, lines) in lengths.over {
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(file)
                .display()
                .to_string();
            long.push(format!("{shown}:{line}: fn {name} spans {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "{} function(s) over {MAX_FUNCTION_LINES} lines: split them by step, or give the reason in a doc line that starts with \"Long because\":\n{}",
        long.len(),
        long.join("\n")
    );
}

/// Functions over [`MAX_FUNCTION_LINES`] without a reason, tests left out.
#[derive(Default)]
struct Lengths {
    over: Vec<(String, usize, usize)>,
}

impl Lengths {
    fn check(&mut self, attrs: &[syn::Attribute], name: &syn::Ident, block: &syn::Block) {
        let (start, end) = (
            name.span().start().line,
            block.brace_token.span.close().end().line,
        );
        let lines = end.saturating_sub(start) + 1;
        let excused = attrs.iter().any(|a| {
            let syn::Meta::NameValue(doc) = &a.meta else {
                return false;
            };
            a.path().is_ident("doc")
                && matches!(&doc.value, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value().trim_start().starts_with("Long because"))
        });
        if lines > MAX_FUNCTION_LINES && !excused {
            self.over.push((name.to_string(), start, lines));
        }
    }
}

impl<'ast> Visit<'ast> for Lengths {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) && !f.attrs.iter().any(|a| a.path().is_ident("test")) {
            self.check(&f.attrs, &f.sig.ident, &f.block);
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            self.check(&f.attrs, &f.sig.ident, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_test(&i.attrs) {
            syn::visit::visit_item_impl(self, i);
        }
    }
}

/// A module of the crate: where its items are written and what it names.
#[derive(Debug, Default)]
struct Module {
    /// The file its items are written in (an inline module shares its file).
    file: PathBuf,
    /// Items defined here (structs, functions, constants, …).
    items: BTreeSet<String>,
    /// Names brought in by `use`: alias → absolute path.
    aliases: BTreeMap<String, Vec<String>>,
    /// Modules glob-imported by `use …::*`.
    globs: Vec<Vec<String>>,
    /// Qualified paths named in the module's code, with their lines, as
    /// written (relative to this module).
    paths: Vec<(Vec<String>, usize)>,
}

type Modules = BTreeMap<Vec<String>, Module>;

/// Reads the crate from its root file and returns every problem found.
fn check(crate_root: &Path, layers: &[(&str, &[&str])]) -> Vec<String> {
    let mut modules = Modules::new();
    load(&mut modules, Vec::new(), crate_root);
    let base = crate_root.parent().expect("src/").to_path_buf();
    let edges = edges(&modules);
    let mut problems = Vec::new();
    let layer_of = |module: &[String]| -> Option<usize> {
        let top = module.first()?;
        layers
            .iter()
            .position(|(_, names)| names.contains(&top.as_str()))
    };
    let show = |file: &Path| {
        file.strip_prefix(&base)
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let mut unplaced = BTreeSet::new();
    for ((from, to), uses) in &edges {
        let (Some(from_top), Some(to_top)) = (from.first(), to.first()) else {
            continue;
        };
        for top in [from_top, to_top] {
            if layer_of(std::slice::from_ref(top)).is_none() && unplaced.insert(top.clone()) {
                problems.push(format!(
                    "module `{top}` is in no layer: add it to LAYERS in tests/layers.rs and to the README's Layout"
                ));
            }
        }
        if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
            if b > a {
                let (line, target) = &uses[0];
                problems.push(format!(
                    "{}:{line}: uses {} (layer {}), above its own layer {}: a module may use only its own layer and those below",
                    show(&modules[from].file),
                    target.join("::"),
                    layers[b].0,
                    layers[a].0,
                ));
            }
        }
    }
    for cycle in cycles(&modules, &edges) {
        let mut lines = vec![format!(
            "cycle between {} files (no two files may depend on each other, even around a loop):",
            cycle.len()
        )];
        for ((from, to), uses) in &edges {
            let (a, b) = (&modules[from].file, &modules[to].file);
            if cycle.contains(a) && cycle.contains(b) && a != b {
                lines.push(format!(
                    "    {}:{}: uses {}",
                    show(a),
                    uses[0].0,
                    to.join("::")
                ));
            }
        }
        problems.push(lines.join("\n"));
    }
    problems
}

/// Parses `file` as module `path` and, following its `mod` declarations,
/// every module below it.
fn load(modules: &mut Modules, path: Vec<String>, file: &Path) {
    let text = fs_err::read_to_string(file).expect("a source file is readable");
    let ast =
        syn::parse_file(&text).unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
    let own_dir = match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib" | "main") => file.parent().expect("a parent").to_path_buf(),
        _ => file.with_extension(""),
    };
    read_items(modules, path, file, &own_dir, &ast.items);
}

fn read_items(
    modules: &mut Modules,
    path: Vec<String>,
    file: &Path,
    dir: &Path,
    items: &[syn::Item],
) {
    modules.entry(path.clone()).or_default().file = file.to_path_buf();
    for item in items {
        if is_test(item_attrs(item)) {
            continue;
        }
        match item {
            syn::Item::Mod(m) => {
                let mut child = path.clone();
                child.push(m.ident.to_string());
                match &m.content {
                    Some((_, inner)) => {
                        read_items(modules, child, file, &dir.join(m.ident.to_string()), inner)
                    }
                    None => {
                        let name = m.ident.to_string();
                        let flat = dir.join(format!("{name}.rs"));
                        let nested = dir.join(&name).join("mod.rs");
                        let found = if flat.exists() { flat } else { nested };
                        load(modules, child, &found);
                    }
                }
            }
            syn::Item::Use(u) => {
                let mut leaves = Vec::new();
                use_tree(&u.tree, Vec::new(), &mut leaves);
                let line = u.use_token.span.start().line;
                let module = modules.entry(path.clone()).or_default();
                for (alias, target) in leaves {
                    let absolute = absolute(&path, &target, module);
                    module.paths.push((target.clone(), line));
                    match alias {
                        Some(alias) => {
                            if let Some(absolute) = absolute {
                                module.aliases.insert(alias, absolute);
                            }
                        }
                        None => {
                            if let Some(absolute) = absolute {
                                module.globs.push(absolute);
                            }
                        }
                    }
                }
            }
            other => {
                if let Some(name) = item_name(other) {
                    modules.entry(path.clone()).or_default().items.insert(name);
                }
                let mut collector = Paths::default();
                collector.visit_item(other);
                modules
                    .entry(path.clone())
                    .or_default()
                    .paths
                    .extend(collector.paths);
            }
        }
    }
}

/// The absolute path a path written in `module` (at `here`) starts from,
/// when its first segment says: `crate`, `super`, `self`. Others are
/// resolved later, once every module is known.
fn absolute(here: &[String], written: &[String], _module: &Module) -> Option<Vec<String>> {
    let mut base = here.to_vec();
    let mut rest = written;
    loop {
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("super") => {
                base.pop()?;
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            _ => break,
        }
    }
    if rest.len() == written.len() {
        // A child module or an external crate: decided when resolving.
        let mut path = here.to_vec();
        path.extend(written.iter().cloned());
        return Some(path);
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The leaves of a use tree: (the name it binds or None for a glob, path).
fn use_tree(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Option<String>, Vec<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            let mut next = prefix;
            next.push(p.ident.to_string());
            use_tree(&p.tree, next, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut path = prefix;
            if name == "self" {
                let bound = path.last().cloned();
                out.push((bound, path));
            } else {
                path.push(name.clone());
                out.push((Some(name), path));
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix;
            let name = r.ident.to_string();
            if name != "self" {
                path.push(name);
            }
            out.push((Some(r.rename.to_string()), path));
        }
        syn::UseTree::Glob(_) => out.push((None, prefix)),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_tree(tree, prefix.clone(), out);
            }
        }
    }
}

/// Collects the qualified paths (two segments or more) of an item's code,
/// leaving out test items inside it.
#[derive(Default)]
struct Paths {
    paths: Vec<(Vec<String>, usize)>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() && path.segments.len() >= 2 {
            let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let line = path.segments[0].ident.span().start().line;
            self.paths.push((segments, line));
        }
        syn::visit::visit_path(self, path);
    }
    /// A macro's arguments, where they parse as expressions (`format!`,
    /// `assert!`, `vec!`, …), are code like any other.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        match mac.parse_body_with(parser) {
            Ok(args) => args.iter().for_each(|arg| self.visit_expr(arg)),
            Err(_) => self.scan_tokens(mac.tokens.clone()),
        }
        syn::visit::visit_macro(self, mac);
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
}

impl Paths {
    /// The `crate::…` and `super::…` paths in tokens that are not
    /// expressions (`tokio::select!`'s arms, say).
    fn scan_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        use proc_macro2::TokenTree;
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(group) => self.scan_tokens(group.stream()),
                TokenTree::Ident(ident) if ident == "crate" || ident == "super" => {
                    let line = ident.span().start().line;
                    let mut path = vec![ident.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() >= 2 {
                        self.paths.push((path, line));
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|meta| meta.path().is_ident("test"))
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The module that defines what `path` (absolute) names, following
/// re-exports and globs; None for what lies outside the crate.
fn resolve(modules: &Modules, path: &[String], depth: usize) -> Option<Vec<String>> {
    if depth > 16 {
        return None;
    }
    let mut module: Vec<String> = Vec::new();
    for (i, segment) in path.iter().enumerate() {
        let mut child = module.clone();
        child.push(segment.clone());
        if modules.contains_key(&child) {
            module = child;
            continue;
        }
        let here = modules.get(&module)?;
        if here.items.contains(segment) {
            return Some(module);
        }
        if let Some(target) = here.aliases.get(segment) {
            let mut full = target.clone();
            full.extend(path[i + 1..].iter().cloned());
            return resolve(modules, &full, depth + 1);
        }
        return here.globs.iter().find_map(|glob| {
            let mut full = glob.clone();
            full.extend(path[i..].iter().cloned());
            resolve(modules, &full, depth + 1)
        });
    }
    Some(module)
}

/// File-to-file dependencies: (from module, to module) → (line, what).
type Edges = BTreeMap<(Vec<String>, Vec<String>), Vec<(usize, Vec<String>)>>;

fn edges(modules: &Modules) -> Edges {
    let mut edges = Edges::new();
    for (here, module) in modules {
        for (written, line) in &module.paths {
            let Some(start) = start_of(modules, here, module, written) else {
                continue;
            };
            let Some(target) = resolve(modules, &start, 0) else {
                continue;
            };
            // A path that names a module itself (`use crate::files;`) is
            // counted where its items are used.
            if start.len() == target.len() && modules.contains_key(&start) {
                continue;
            }
            if modules[&target].file == module.file {
                continue;
            }
            edges
                .entry((here.clone(), target.clone()))
                .or_default()
                .push((*line, target));
        }
    }
    edges
}

/// Where a path written in module `here` starts, as an absolute path; None
/// for a path into another crate, a local type (`Self::`, `Vec::new`) or a
/// variable.
fn start_of(
    modules: &Modules,
    here: &[String],
    module: &Module,
    written: &[String],
) -> Option<Vec<String>> {
    let first = written.first()?.as_str();
    match first {
        "crate" | "super" | "self" => absolute(here, written, module),
        _ => {
            let mut child = here.to_vec();
            child.push(first.to_string());
            if modules.contains_key(&child) {
                child.extend(written[1..].iter().cloned());
                return Some(child);
            }
            let target = module.aliases.get(first)?;
            let mut full = target.clone();
            full.extend(written[1..].iter().cloned());
            Some(full)
        }
    }
}

/// Groups of files that depend on each other (Tarjan's strongly connected
/// components over files).
fn cycles(modules: &Modules, edges: &Edges) -> Vec<BTreeSet<PathBuf>> {
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        let (a, b) = (modules[from].file.clone(), modules[to].file.clone());
        if a != b {
            graph.entry(a).or_default().insert(b);
        }
    }
    let nodes: Vec<PathBuf> = modules
        .values()
        .map(|m| m.file.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index_of: BTreeMap<&PathBuf, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let next: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            graph
                .get(n)
                .map(|s| s.iter().map(|t| index_of[t]).collect())
                .unwrap_or_default()
        })
        .collect();
    let mut state = Tarjan {
        next: &next,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        stack: Vec::new(),
        on_stack: vec![false; nodes.len()],
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..nodes.len() {
        if state.index[v].is_none() {
            state.visit(v);
        }
    }
    state
        .found
        .into_iter()
        .map(|group| group.into_iter().map(|i| nodes[i].clone()).collect())
        .collect()
}

struct Tarjan<'a> {
    next: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    stack: Vec<usize>,
    on_stack: Vec<bool>,
    counter: usize,
    found: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.next[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut group = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                self.found.push(group);
            }
        }
    }
}
