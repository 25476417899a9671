//! The `load` capability: YAML -> JSON value + positions, hostile-input guards, tree walking.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use baton::load::{
    DirTree, Limits, LoadError, Pos, Tree, load_paths, load_repo, namespace_of_path, parse_document,
};
use serde_json::json;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/load")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn parse_ok(text: &str) -> baton::load::Document {
    parse_document(text.as_bytes(), &Limits::default())
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn parse_err(bytes: &[u8], limits: &Limits) -> LoadError {
    match parse_document(bytes, limits) {
        Ok(doc) => panic!("expected an error, got {:?}", doc.value),
        Err(err) => err,
    }
}

fn at(line: u32, column: u32) -> Option<Pos> {
    Some(Pos::new(line, column))
}

#[test]
fn positions_of_nested_values_and_keys() {
    let doc = parse_document(&fixture("positions.yaml"), &Limits::default()).expect("parses");
    let p = &doc.positions;
    assert_eq!(p.value(""), at(1, 1));
    assert_eq!((p.key("/id"), p.value("/id")), (at(1, 1), at(1, 5)));
    assert_eq!((p.key("/tasks"), p.value("/tasks")), (at(3, 1), at(4, 3)));
    assert_eq!(p.value("/tasks/0"), at(4, 5));
    assert_eq!(p.key("/tasks/0"), None, "sequence items have no key");
    assert_eq!(
        (p.key("/tasks/0/id"), p.value("/tasks/0/id")),
        (at(4, 5), at(4, 9))
    );
    assert_eq!(
        (p.key("/tasks/1/id"), p.value("/tasks/1/id")),
        (at(9, 5), at(9, 9))
    );
    assert_eq!(
        doc.value["tasks"][0]["message"],
        json!("line one\nline two\n")
    );
    assert_eq!(doc.value["tasks"][1]["folded"], json!("folded text\n"));
}

#[test]
fn positions_of_block_scalars_point_at_their_content() {
    let doc = parse_document(&fixture("positions.yaml"), &Limits::default()).expect("parses");
    let p = &doc.positions;
    assert_eq!(
        (p.key("/tasks/0/message"), p.value("/tasks/0/message")),
        (at(6, 5), at(7, 7))
    );
    assert_eq!(
        (p.key("/tasks/1/folded"), p.value("/tasks/1/folded")),
        (at(11, 5), at(12, 7))
    );
}

#[test]
fn positions_inside_flow_collections_and_escaped_pointers() {
    let doc = parse_document(&fixture("positions.yaml"), &Limits::default()).expect("parses");
    let p = &doc.positions;
    assert_eq!(p.value("/tasks/1/tags"), at(10, 11));
    assert_eq!(p.value("/tasks/1/tags/0"), at(10, 12));
    assert_eq!(p.value("/tasks/1/tags/1"), at(10, 15));
    assert_eq!(p.value("/tasks/1/inline"), at(13, 13));
    assert_eq!(
        (p.key("/tasks/1/inline/x"), p.value("/tasks/1/inline/x")),
        (at(13, 14), at(13, 17))
    );
    assert_eq!(p.key("/tasks/1/inline/y~1z"), at(13, 20));
    assert_eq!(p.value("/tasks/1/inline/y~1z"), at(13, 27));
    assert_eq!(
        (p.key("/labels/a~0b"), p.value("/labels/a~0b")),
        (at(15, 3), at(15, 10))
    );
    assert_eq!(doc.value["tasks"][1]["inline"], json!({"x": 1, "y/z": 2}));
}

#[test]
fn locate_falls_back_to_the_nearest_ancestor() {
    let doc = parse_document(&fixture("positions.yaml"), &Limits::default()).expect("parses");
    let p = &doc.positions;
    assert_eq!(p.value("/tasks/1/retry"), None);
    assert_eq!(p.locate("/tasks/1/retry/maxAttempts"), Pos::new(9, 5));
    assert_eq!(p.locate("/nope"), Pos::new(1, 1));
    assert_eq!(p.locate_key("/tasks/0/type"), Pos::new(5, 5));
}

#[test]
fn plain_scalars_resolve_with_the_yaml_1_2_core_schema() {
    let doc = parse_ok(concat!(
        "a: ~\nb: null\nc:\nd: True\ne: FALSE\nf: yes\ng: 0x1A\nh: 0o17\ni: -42\n",
        "j: 1.5e3\nk: .inf\nl: -.Inf\nm: .nan\nn: '42'\no: \"true\"\np: |\n  7\n",
        "q: 2024-01-01\nr: 1_000\ns: 012\n"
    ));
    let expected = json!({
        "a": null, "b": null, "c": null, "d": true, "e": false, "f": "yes", "g": 26, "h": 15,
        "i": -42, "j": 1500.0, "k": ".inf", "l": "-.Inf", "m": ".nan", "n": "42", "o": "true",
        "p": "7\n", "q": "2024-01-01", "r": "1_000", "s": 12
    });
    assert_eq!(doc.value, expected);
}

#[test]
fn non_string_keys_keep_their_text() {
    let doc = parse_ok("1: one\ntrue: yes\n0x10: hex\n~: nothing\n");
    assert_eq!(
        doc.value,
        json!({"1": "one", "true": "yes", "0x10": "hex", "~": "nothing"})
    );
}

#[test]
fn core_tags_are_honoured() {
    let doc = parse_ok(
        "a: !!str 12\nb: !!int \"7\"\nc: !!float 3\nd: !!bool 'true'\ne: !!null ''\nf: ! 12\n",
    );
    assert_eq!(
        doc.value,
        json!({"a": "12", "b": 7, "c": 3.0, "d": true, "e": null, "f": "12"})
    );
    let err = parse_err(b"id: x\nn: !!int twelve\n", &Limits::default());
    assert_eq!(
        (err.code(), err.position()),
        ("invalid-tagged-value", at(2, 4))
    );
}

#[test]
fn unsupported_tag_is_named() {
    let err = parse_err(&fixture("include-tag.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("unsupported-tag", at(2, 8)));
    assert!(err.to_string().contains("`!include`"), "{err}");
    let err = parse_err(b"data: !!binary aGVsbG8=\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("unsupported-tag", at(1, 7)));
    assert!(err.to_string().contains("`!!binary`"), "{err}");
}

#[test]
fn tag_on_a_block_collection_is_located_at_the_tag() {
    let err = parse_err(b"id: x\ntasks: !tasks\n  - id: a\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("unsupported-tag", at(2, 8)));
    let err = parse_err(b"id: x\nlabels: !!seq\n  a: b\n", &Limits::default());
    assert_eq!(
        (err.code(), err.position()),
        ("invalid-tagged-value", at(2, 9))
    );
}

#[test]
fn merge_keys_merge_with_explicit_keys_winning() {
    let doc = parse_document(&fixture("merge.yaml"), &Limits::default()).expect("parses");
    assert_eq!(
        doc.value["task"],
        json!({"retry": 3, "timeout": "PT5M", "color": "red", "name": "x"})
    );
    assert_eq!(
        doc.value["single"],
        json!({"name": "y", "retry": 4, "timeout": "PT1M"})
    );
    let p = &doc.positions;
    // Merged keys point at their definition; explicit keys at themselves.
    assert_eq!(
        (p.key("/task/retry"), p.value("/task/retry")),
        (at(2, 3), at(2, 10))
    );
    assert_eq!(p.value("/task/color"), at(5, 10));
    assert_eq!(
        (p.key("/task/timeout"), p.value("/task/timeout")),
        (at(9, 3), at(9, 12))
    );
    assert_eq!(p.value("/single/retry"), at(14, 10));
    assert_eq!(p.value("/single/timeout"), at(3, 12));
    assert_eq!(p.value("/task/<<"), None);
}

#[test]
fn inline_merge_sources_are_merged_in_order() {
    let doc = parse_ok("t:\n  <<: [{a: 1, b: 2}, {b: 3, c: 4}]\n  c: 5\n");
    assert_eq!(doc.value, json!({"t": {"a": 1, "b": 2, "c": 5}}));
    let p = &doc.positions;
    assert_eq!((p.key("/t/a"), p.value("/t/a")), (at(2, 9), at(2, 12)));
    assert_eq!(p.value("/t/b"), at(2, 18));
    assert_eq!(p.value("/t/c"), at(3, 6));
    assert_eq!(p.value("/t/<<"), None);
    assert_eq!(p.value("/t/<</1/c"), None);
}

#[test]
fn quoted_merge_key_is_an_ordinary_key() {
    let doc = parse_ok("t:\n  '<<': 1\n");
    assert_eq!(doc.value, json!({"t": {"<<": 1}}));
}

#[test]
fn merge_of_a_scalar_is_refused() {
    let err = parse_err(b"a: &x 1\nb:\n  <<: *x\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("bad-merge", at(3, 3)));
}

#[test]
fn duplicate_key_names_the_key_and_both_lines() {
    let err = parse_err(&fixture("duplicate.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("duplicate-key", at(3, 1)));
    assert_eq!(err.to_string(), "duplicate key `id` (first at line 1)");
}

#[test]
fn aliases_expand_with_positions_of_their_anchor() {
    let doc = parse_ok("base: &b\n  type: Log\n  level: INFO\nuse: *b\n");
    assert_eq!(doc.value["use"], json!({"type": "Log", "level": "INFO"}));
    assert_eq!(doc.positions.value("/use"), at(4, 6));
    assert_eq!(doc.positions.value("/use/level"), at(3, 10));
}

#[test]
fn billion_laughs_is_rejected_quickly() {
    let started = Instant::now();
    let err = parse_err(&fixture("billion-laughs.yaml"), &Limits::default());
    assert_eq!(err.code(), "alias-bomb");
    assert_eq!(err.position().map(|p| p.line), Some(6));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn deep_flow_nesting_is_rejected_without_stack_overflow() {
    let text = "[".repeat(100);
    let err = parse_err(text.as_bytes(), &Limits::default());
    assert_eq!((err.code(), err.position()), ("too-deep", at(1, 65)));
    // The scanner reads flow collections ahead and stops at 255 levels itself.
    let text = "[".repeat(10_000);
    let err = parse_err(text.as_bytes(), &Limits::default());
    assert_eq!((err.code(), err.position()), ("too-deep", at(1, 256)));
}

#[test]
fn deep_block_nesting_is_rejected() {
    let text: String = (0..200)
        .map(|depth| format!("{}a:\n", "  ".repeat(depth)))
        .collect();
    let err = parse_err(text.as_bytes(), &Limits::default());
    assert_eq!((err.code(), err.position()), ("too-deep", at(65, 129)));
    let limits = Limits {
        max_depth: 300,
        ..Limits::default()
    };
    assert!(parse_document(text.as_bytes(), &limits).is_ok());
}

#[test]
fn aliases_cannot_nest_deeper_than_the_limit() {
    // Each alias re-nests a 40-level anchor: fine once, too deep the second time.
    let deep = |name: &str, inner: &str| {
        format!(
            "{name}: &{name} {}{inner}{}\n",
            "[".repeat(40),
            "]".repeat(40)
        )
    };
    let text = format!("{}{}", deep("a", "1"), deep("b", "*a"));
    let err = parse_err(text.as_bytes(), &Limits::default());
    assert_eq!((err.code(), err.position()), ("too-deep", at(2, 47)));
    assert!(parse_document(deep("a", "1").as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn oversized_file_is_rejected_before_parsing() {
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let text = format!("id: {}\n", "x".repeat(100));
    let err = parse_err(text.as_bytes(), &limits);
    assert_eq!((err.code(), err.position()), ("too-large", None));
    assert_eq!(
        err,
        LoadError::TooLarge {
            size: 105,
            max: 100
        }
    );
}

#[test]
fn non_utf8_names_the_offset_and_line() {
    let err = parse_err(&fixture("latin1.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("not-utf8", at(2, 10)));
    assert!(
        matches!(err, LoadError::NotUtf8 { offset: 16, .. }),
        "{err:?}"
    );
}

#[test]
fn nul_byte_means_binary() {
    let err = parse_err(&fixture("nul.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("binary", at(2, 4)));
    assert!(
        matches!(err, LoadError::Binary { offset: 9, .. }),
        "{err:?}"
    );
}

#[test]
fn second_document_is_refused_but_a_leading_marker_is_fine() {
    let err = parse_err(&fixture("two-documents.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("multi-document", at(2, 1)));
    assert_eq!(parse_ok("---\nid: a\n").value, json!({"id": "a"}));
    assert_eq!(
        parse_ok("%YAML 1.2\n---\nid: a\n...\n").value,
        json!({"id": "a"})
    );
}

#[test]
fn empty_and_comment_only_files_are_empty() {
    for text in ["", "\n\n", "---\n# nothing\n"] {
        assert_eq!(
            parse_err(text.as_bytes(), &Limits::default()),
            LoadError::Empty,
            "{text:?}"
        );
    }
    let err = parse_err(&fixture("only-comments.yaml"), &Limits::default());
    assert_eq!((err.code(), err.position()), ("empty", None));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let err = parse_err(b"id: a\ntasks: [1, 2\n", &Limits::default());
    assert_eq!(err.code(), "yaml-syntax");
    assert_eq!(err.position().map(|p| p.line), Some(3));
    let err = parse_err(b"id: a\n  bad: indent\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("yaml-syntax", at(2, 6)));
}

#[test]
fn collection_keys_are_refused() {
    let err = parse_err(b"? [a, b]\n: 1\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("complex-key", at(1, 3)));
}

#[test]
fn alias_inside_its_own_anchor_is_refused() {
    let err = parse_err(b"a: &x [1, *x]\n", &Limits::default());
    assert_eq!((err.code(), err.position()), ("recursive-alias", at(1, 11)));
}

#[test]
fn namespace_comes_from_folders_under_flows() {
    assert_eq!(
        namespace_of_path("flows/company/team/etl.yaml").as_deref(),
        Some("company.team")
    );
    assert_eq!(
        namespace_of_path("flows/company/etl.yml").as_deref(),
        Some("company")
    );
    assert_eq!(namespace_of_path("flows/etl.yaml"), None);
    assert_eq!(namespace_of_path("other/company/etl.yaml"), None);
}

/// Writes `files` (path, content) under `root`, creating folders.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }
}

fn sample_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_tree(
        dir.path(),
        &[
            (
                "flows/company/team/etl.yaml",
                "id: etl\nnamespace: company.team\n",
            ),
            ("flows/top.yml", "id: top\nnamespace: company\n"),
            ("flows/broken.yaml", "id: [unclosed\n"),
            ("flows/README.md", "# not a flow\n"),
            (
                "namespaces/company.team/namespace.yaml",
                "variables:\n  env: prod\n",
            ),
            (
                "namespaces/company.team/files/scripts/run.py",
                "print('hi')\n",
            ),
            (".git/config", "[core]\n"),
            ("target/flows/stale.yaml", "id: stale\n"),
        ],
    );
    dir
}

#[test]
fn dir_tree_lists_repo_files_and_skips_git_and_target() {
    let dir = sample_repo();
    let tree = DirTree::new(dir.path()).expect("tree");
    let listed = tree.list().expect("list");
    assert_eq!(
        listed,
        vec![
            "flows/README.md",
            "flows/broken.yaml",
            "flows/company/team/etl.yaml",
            "flows/top.yml",
            "namespaces/company.team/files/scripts/run.py",
            "namespaces/company.team/namespace.yaml",
        ]
    );
    assert_eq!(
        tree.read("flows/top.yml").expect("read"),
        b"id: top\nnamespace: company\n"
    );
}

#[test]
fn load_repo_keeps_going_past_bad_files() {
    let dir = sample_repo();
    let tree = DirTree::new(dir.path()).expect("tree");
    let repo = load_repo(&tree, &Limits::default());
    let paths: Vec<&str> = repo.flows.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "flows/broken.yaml",
            "flows/company/team/etl.yaml",
            "flows/top.yml"
        ]
    );
    let broken = &repo.flows[0];
    let err = broken.doc.as_ref().expect_err("broken flow");
    assert_eq!(err.code(), "yaml-syntax");
    assert_eq!(broken.text, "id: [unclosed\n");
    let etl = &repo.flows[1];
    assert_eq!(etl.folder_namespace.as_deref(), Some("company.team"));
    assert_eq!(
        etl.doc.as_ref().expect("etl parses").value["id"],
        json!("etl")
    );
    assert_eq!(repo.flows[2].folder_namespace, None);
    assert_eq!(repo.namespaces.len(), 1);
    assert_eq!(repo.namespaces[0].namespace, "company.team");
    let ns_doc = repo.namespaces[0].doc.as_ref().expect("namespace parses");
    assert_eq!(ns_doc.value, json!({"variables": {"env": "prod"}}));
    assert_eq!(repo.assets.len(), 1);
    assert_eq!(repo.assets[0].name, "scripts/run.py");
    assert!(repo.errors.is_empty());
}

#[test]
fn load_repo_parses_many_files_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<(String, String)> = (0..300)
        .map(|i| {
            (
                format!("flows/ns{}/f{i:03}.yaml", i % 7),
                format!("id: f{i:03}\nnamespace: n\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    write_tree(dir.path(), &refs);
    let tree = DirTree::new(dir.path()).expect("tree");
    let repo = load_repo(&tree, &Limits::default());
    assert_eq!(repo.flows.len(), 300);
    for flow in &repo.flows {
        let doc = flow.doc.as_ref().expect("parses");
        let id = doc.value["id"].as_str().expect("id");
        assert!(
            flow.path.ends_with(&format!("/{id}.yaml")),
            "{} vs {id}",
            flow.path
        );
    }
}

#[cfg(unix)]
#[test]
fn symlink_escaping_the_root_is_an_error_for_that_path() {
    let outside = tempfile::tempdir().expect("tempdir");
    write_tree(
        outside.path(),
        &[("secret.yaml", "id: secret\nnamespace: x\n")],
    );
    let dir = sample_repo();
    let link = dir.path().join("flows/evil.yaml");
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), &link).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("flows/elsewhere"))
        .expect("symlink");
    let inside = dir.path().join("flows/alias.yaml");
    std::os::unix::fs::symlink(dir.path().join("flows/top.yml"), inside).expect("symlink");

    let tree = DirTree::new(dir.path()).expect("tree");
    let err = tree.read("flows/evil.yaml").expect_err("outside");
    assert_eq!(err.code(), "outside-root");
    assert_eq!(
        tree.read("../secret.yaml").expect_err("dotdot").code(),
        "outside-root"
    );
    assert_eq!(
        tree.read("/etc/passwd").expect_err("absolute").code(),
        "outside-root"
    );
    assert_eq!(
        tree.read("flows/elsewhere/secret.yaml")
            .expect_err("via dir")
            .code(),
        "outside-root"
    );

    let repo = load_repo(&tree, &Limits::default());
    let evil = repo
        .flows
        .iter()
        .find(|f| f.path == "flows/evil.yaml")
        .expect("listed");
    assert_eq!(
        evil.doc.as_ref().expect_err("refused").code(),
        "outside-root"
    );
    assert!(evil.text.is_empty(), "nothing read from outside the root");
    let alias = repo
        .flows
        .iter()
        .find(|f| f.path == "flows/alias.yaml")
        .expect("listed");
    assert_eq!(
        alias.doc.as_ref().expect("inside link is followed").value["id"],
        json!("top")
    );
    assert!(repo.flows.iter().all(|f| !f.path.contains("elsewhere")));
}

#[test]
fn load_paths_accepts_repo_roots_folders_and_single_files() {
    let dir = sample_repo();
    let root = dir.path().to_path_buf();
    let limits = Limits::default();

    let repo = load_paths(std::slice::from_ref(&root), &limits);
    assert_eq!(repo.flows.len(), 3);
    assert_eq!(repo.namespaces.len(), 1);
    let shown = root.join("flows/top.yml").to_string_lossy().into_owned();
    assert!(
        repo.flows.iter().any(|f| f.path == shown),
        "paths are shown from where the user is"
    );

    let single = load_paths(&[root.join("flows/company/team/etl.yaml")], &limits);
    assert_eq!(single.flows.len(), 1);
    assert_eq!(
        single.flows[0].folder_namespace.as_deref(),
        Some("company.team")
    );
    assert!(single.flows[0].doc.is_ok());

    let folder = load_paths(&[root.join("flows/company")], &limits);
    assert_eq!(folder.flows.len(), 1);
    assert_eq!(
        folder.flows[0].folder_namespace.as_deref(),
        Some("company.team")
    );

    let both = load_paths(&[root.clone(), root.join("flows/top.yml")], &limits);
    assert_eq!(both.flows.len(), 3, "a file given twice is loaded once");

    let missing = load_paths(&[PathBuf::from("/nonexistent/baton/flow.yaml")], &limits);
    assert_eq!(missing.errors.len(), 1);
    assert_eq!(missing.errors[0].error.code(), "io");
}

#[test]
fn load_paths_refuses_oversized_files_without_reading_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = format!("id: big\ndescription: {}\n", "x".repeat(2000));
    write_tree(dir.path(), &[("big.yaml", &big)]);
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    let files = load_paths(&[dir.path().join("big.yaml")], &limits);
    let err = files.flows[0].doc.as_ref().expect_err("too large");
    assert_eq!((err.code(), err.position()), ("too-large", None));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Whatever the bytes, loading returns a value or an error: it never panics.
    #[test]
    fn arbitrary_yaml_like_text_never_panics(text in "[-a-z0-9:\\[\\]{}&*!<>|'\" ,#?~.\\n]{0,80}") {
        let limits = Limits { max_nodes: 50, max_depth: 8, ..Limits::default() };
        if let Ok(doc) = parse_document(text.as_bytes(), &limits) {
            proptest::prop_assert_eq!(doc.positions.value("").is_some(), true);
        }
    }

    /// Same for raw bytes, which exercises the UTF-8 and NUL guards.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
        match parse_document(&bytes, &Limits::default()) {
            Ok(_) => proptest::prop_assert!(!bytes.contains(&0), "a NUL byte was accepted"),
            Err(err) if bytes.contains(&0) => {
                // Binary is detected before UTF-8 and syntax.
                proptest::prop_assert_eq!(err.code(), "binary");
            }
            Err(_) => {}
        }
    }
}
