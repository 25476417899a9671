//! The Git source with real repositories made in temp dirs: commit info, trees at older commits,
//! diffs (including after a force-push to an unrelated history), fetching from a bare "remote"
//! over file URLs, refusals (symlinks, oversized blobs), URL sanitizing, push webhooks, the
//! working-tree watcher and directory snapshots.

use std::path::Path;
use std::time::Duration;

use baton::source::snapshot::diff as snapshot_diff;
use baton::source::watch::watch_worktree;
use baton::source::webhook::{PushEvent, WebhookError, parse_push, verify_github, verify_gitlab};
use baton::source::{
    Change, ChangeKind, Credentials, DirSnapshot, Repo, Secret, SourceError, SourceSpec, Tree,
    TreeError, sanitize_url,
};
use git2::{Index, IndexEntry, IndexTime, Oid, Repository, Signature, Time};
use tempfile::TempDir;

const FILE: u32 = 0o100644;
const SYMLINK: u32 = 0o120000;

/// Commits exactly `files` (path, mode, content) as the whole tree of `branch`, on top of its
/// current head unless `root` (a new, unrelated history, as after a force-push).
fn commit_tree(
    repo: &Repository,
    branch: &str,
    files: &[(&str, u32, &[u8])],
    message: &str,
    root: bool,
) -> Oid {
    let mut index = Index::new().expect("in-memory index");
    for (path, mode, data) in files {
        let id = repo.blob(data).expect("write blob");
        index
            .add(&index_entry(path, *mode, id, data.len()))
            .expect("add entry");
    }
    let tree = repo
        .find_tree(index.write_tree_to(repo).expect("write tree"))
        .expect("tree");
    let refname = format!("refs/heads/{branch}");
    let parent = if root {
        None
    } else {
        repo.find_reference(&refname)
            .ok()
            .and_then(|r| r.peel_to_commit().ok())
    };
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    // Distinct, increasing times keep commit info deterministic.
    let seconds = 1_700_000_000
        + parent
            .as_ref()
            .map_or(0, |p| p.time().seconds() - 1_699_999_999);
    let sig = Signature::new("Ada Lovelace", "ada@example.com", &Time::new(seconds, 0))
        .expect("signature");
    let oid = repo
        .commit(None, &sig, &sig, message, &tree, &parents)
        .expect("commit");
    repo.reference(&refname, oid, true, "test commit")
        .expect("move branch");
    oid
}

fn index_entry(path: &str, mode: u32, id: Oid, len: usize) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode,
        uid: 0,
        gid: 0,
        file_size: len as u32,
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// A repository with a work tree whose HEAD is `main`.
fn work_repo() -> (TempDir, Repository) {
    let dir = TempDir::new().expect("temp dir");
    let repo = Repository::init(dir.path()).expect("init");
    repo.set_head("refs/heads/main").expect("head to main");
    (dir, repo)
}

fn bare_repo() -> (TempDir, Repository) {
    let dir = TempDir::new().expect("temp dir");
    let repo = Repository::init_bare(dir.path()).expect("init bare");
    repo.set_head("refs/heads/main").expect("head to main");
    (dir, repo)
}

fn local(dir: &Path) -> Repo {
    let data = dir.join("unused-data-dir");
    Repo::open(
        SourceSpec::Local {
            path: dir.to_path_buf(),
        },
        "main",
        &data,
    )
    .expect("open local")
}

fn remote(url: String, data_dir: &Path) -> Repo {
    let spec = SourceSpec::Remote {
        url,
        credentials: Credentials::default(),
    };
    Repo::open(spec, "main", data_dir).expect("open remote")
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn change(path: &str, kind: ChangeKind) -> Change {
    Change {
        path: path.to_string(),
        kind,
    }
}

fn read_string(tree: &dyn Tree, path: &str) -> String {
    String::from_utf8(tree.read(path).expect("read")).expect("utf-8")
}

#[test]
fn head_reports_sha_first_line_author_and_time() {
    let (dir, git) = work_repo();
    let oid = commit_tree(
        &git,
        "main",
        &[("flows/a.yaml", FILE, b"id: a")],
        "Add flow a\n\nLonger body.",
        false,
    );
    let repo = local(dir.path());
    let head = repo.head("main").expect("head");
    assert_eq!(head.sha, oid.to_string());
    assert_eq!(head.message, "Add flow a");
    assert_eq!(head.author, "Ada Lovelace");
    assert_eq!(head.email, "ada@example.com");
    assert_eq!(head.time.timestamp(), 1_700_000_000);
    assert_eq!(repo.fetch().expect("local fetch"), Some(head));
}

#[test]
fn local_fetch_of_a_missing_branch_names_the_branch() {
    let (dir, git) = work_repo();
    commit_tree(
        &git,
        "trunk",
        &[("flows/a.yaml", FILE, b"id: a")],
        "init",
        false,
    );
    let err = local(dir.path()).fetch().expect_err("main does not exist");
    assert!(
        matches!(&err, SourceError::BranchNotFound { branch, .. } if branch == "main"),
        "{err}"
    );
}

#[test]
fn tree_at_reads_an_older_commit_after_later_changes() {
    let (dir, git) = work_repo();
    let first = commit_tree(
        &git,
        "main",
        &[
            ("flows/a.yaml", FILE, b"v1"),
            ("namespaces/ns/namespace.yaml", FILE, b"ns"),
        ],
        "first",
        false,
    );
    commit_tree(
        &git,
        "main",
        &[("flows/a.yaml", FILE, b"v2"), ("flows/b.yaml", FILE, b"b")],
        "second",
        false,
    );
    let repo = local(dir.path());
    let old = repo.tree_at(&first.to_string()).expect("tree at first");
    let mut paths = old.list().expect("list");
    paths.sort();
    assert_eq!(paths, ["flows/a.yaml", "namespaces/ns/namespace.yaml"]);
    assert_eq!(read_string(&old, "flows/a.yaml"), "v1");
    assert!(matches!(
        old.read("flows/b.yaml"),
        Err(TreeError::NotFound { .. })
    ));
    assert!(matches!(old.read("flows"), Err(TreeError::NotAFile { .. })));
    let new = repo.tree_at("main").expect("tree at main");
    assert_eq!(read_string(&new, "flows/a.yaml"), "v2");
}

#[test]
fn changed_paths_reports_add_modify_delete_and_rename_as_delete_plus_add() {
    let (dir, git) = work_repo();
    let before = commit_tree(
        &git,
        "main",
        &[
            ("flows/keep.yaml", FILE, b"same"),
            ("flows/edit.yaml", FILE, b"old"),
            ("flows/gone.yaml", FILE, b"bye"),
            ("flows/old-name.yaml", FILE, b"renamed content"),
        ],
        "before",
        false,
    );
    let after = commit_tree(
        &git,
        "main",
        &[
            ("flows/keep.yaml", FILE, b"same"),
            ("flows/edit.yaml", FILE, b"new"),
            ("flows/new.yaml", FILE, b"hi"),
            ("flows/new-name.yaml", FILE, b"renamed content"),
        ],
        "after",
        false,
    );
    let set = local(dir.path())
        .changed_paths(Some(&before.to_string()), &after.to_string())
        .expect("diff");
    assert!(!set.full_reread);
    assert_eq!(
        set.changes,
        [
            change("flows/edit.yaml", ChangeKind::Modified),
            change("flows/gone.yaml", ChangeKind::Deleted),
            change("flows/new-name.yaml", ChangeKind::Added),
            change("flows/new.yaml", ChangeKind::Added),
            change("flows/old-name.yaml", ChangeKind::Deleted),
        ]
    );
}

#[test]
fn changed_paths_from_nothing_lists_every_file_as_added() {
    let (dir, git) = work_repo();
    let head = commit_tree(
        &git,
        "main",
        &[("flows/a.yaml", FILE, b"a"), ("flows/x/b.yaml", FILE, b"b")],
        "one",
        false,
    );
    let set = local(dir.path())
        .changed_paths(None, &head.to_string())
        .expect("diff");
    assert!(!set.full_reread);
    assert_eq!(
        set.changes,
        [
            change("flows/a.yaml", ChangeKind::Added),
            change("flows/x/b.yaml", ChangeKind::Added)
        ]
    );
}

#[test]
fn changed_paths_from_a_commit_not_in_the_repo_flags_a_full_reread() {
    let (dir, git) = work_repo();
    let head = commit_tree(&git, "main", &[("flows/a.yaml", FILE, b"a")], "one", false);
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let set = local(dir.path())
        .changed_paths(Some(missing), &head.to_string())
        .expect("diff");
    assert!(set.full_reread);
    assert_eq!(set.changes, [change("flows/a.yaml", ChangeKind::Added)]);
}

#[test]
fn changed_paths_to_a_missing_commit_is_an_error() {
    let (dir, git) = work_repo();
    commit_tree(&git, "main", &[("flows/a.yaml", FILE, b"a")], "one", false);
    let err = local(dir.path())
        .changed_paths(None, "0123456789abcdef0123456789abcdef01234567")
        .expect_err("missing target");
    assert!(matches!(err, SourceError::CommitNotFound { .. }), "{err}");
}

#[test]
fn remote_over_file_url_is_cloned_then_fetches_new_commits() {
    let (origin_dir, origin) = bare_repo();
    let first = commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"v1")],
        "first",
        false,
    );
    let data = TempDir::new().expect("data dir");
    let repo = remote(file_url(origin_dir.path()), data.path());
    assert!(repo.git_dir().starts_with(data.path().join("repos")));
    let head = repo.fetch().expect("first fetch").expect("branch exists");
    assert_eq!(head.sha, first.to_string());
    assert_eq!(
        read_string(&repo.tree_at(&head.sha).expect("tree"), "flows/a.yaml"),
        "v1"
    );

    let second = commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"v2")],
        "second",
        false,
    );
    assert_eq!(
        repo.head("main").expect("stale head").sha,
        first.to_string(),
        "no fetch yet"
    );
    let head = repo.fetch().expect("second fetch").expect("branch exists");
    assert_eq!(head.sha, second.to_string());
    assert_eq!(head.message, "second");
    let set = repo
        .changed_paths(Some(&first.to_string()), &head.sha)
        .expect("diff");
    assert_eq!(set.changes, [change("flows/a.yaml", ChangeKind::Modified)]);

    // A second Repo on the same data dir reuses the existing mirror.
    let again = remote(file_url(origin_dir.path()), data.path());
    assert_eq!(
        again.head("main").expect("head from mirror").sha,
        second.to_string()
    );
}

#[test]
fn remote_given_as_a_plain_path_to_a_bare_repo_is_fetched() {
    let (origin_dir, origin) = bare_repo();
    let oid = commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"a")],
        "first",
        false,
    );
    let data = TempDir::new().expect("data dir");
    let repo = remote(origin_dir.path().display().to_string(), data.path());
    assert_eq!(
        repo.fetch().expect("fetch").map(|c| c.sha),
        Some(oid.to_string())
    );
}

#[test]
fn force_push_to_an_unrelated_history_is_fetched_and_diffed() {
    let (origin_dir, origin) = bare_repo();
    let old = commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"a"), ("flows/b.yaml", FILE, b"b")],
        "old history",
        false,
    );
    let data = TempDir::new().expect("data dir");
    let repo = remote(file_url(origin_dir.path()), data.path());
    repo.fetch().expect("first fetch");

    let new = commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"a2"), ("flows/c.yaml", FILE, b"c")],
        "new root",
        true,
    );
    let head = repo.fetch().expect("forced fetch").expect("branch exists");
    assert_eq!(head.sha, new.to_string());
    let set = repo
        .changed_paths(Some(&old.to_string()), &head.sha)
        .expect("diff");
    assert!(!set.full_reread, "the old commit is still in the mirror");
    assert_eq!(
        set.changes,
        [
            change("flows/a.yaml", ChangeKind::Modified),
            change("flows/b.yaml", ChangeKind::Deleted),
            change("flows/c.yaml", ChangeKind::Added),
        ]
    );

    // A fresh mirror never saw the old history: the caller is told to re-read everything.
    let fresh_data = TempDir::new().expect("data dir");
    let fresh = remote(file_url(origin_dir.path()), fresh_data.path());
    fresh.fetch().expect("fetch");
    let set = fresh
        .changed_paths(Some(&old.to_string()), &head.sha)
        .expect("diff");
    assert!(set.full_reread);
    assert_eq!(
        set.changes,
        [
            change("flows/a.yaml", ChangeKind::Added),
            change("flows/c.yaml", ChangeKind::Added)
        ]
    );
}

#[test]
fn fetch_of_an_empty_remote_returns_none_and_a_missing_branch_is_an_error() {
    let (origin_dir, origin) = bare_repo();
    let data = TempDir::new().expect("data dir");
    let repo = remote(file_url(origin_dir.path()), data.path());
    assert_eq!(repo.fetch().expect("empty remote"), None);

    commit_tree(
        &origin,
        "trunk",
        &[("flows/a.yaml", FILE, b"a")],
        "on trunk",
        false,
    );
    origin
        .set_head("refs/heads/trunk")
        .expect("default branch trunk");
    let err = repo.fetch().expect_err("main missing on the remote");
    assert!(
        matches!(&err, SourceError::BranchNotFound { branch, .. } if branch == "main"),
        "{err}"
    );
}

#[test]
fn branch_deleted_on_the_remote_is_not_served_from_the_stale_mirror() {
    let (origin_dir, origin) = bare_repo();
    commit_tree(
        &origin,
        "main",
        &[("flows/a.yaml", FILE, b"a")],
        "first",
        false,
    );
    commit_tree(
        &origin,
        "trunk",
        &[("flows/a.yaml", FILE, b"a")],
        "trunk",
        false,
    );
    let data = TempDir::new().expect("data dir");
    let repo = remote(file_url(origin_dir.path()), data.path());
    assert!(repo.fetch().expect("fetch").is_some());

    origin
        .set_head("refs/heads/trunk")
        .expect("default branch trunk");
    origin
        .find_reference("refs/heads/main")
        .and_then(|mut r| r.delete())
        .expect("delete main on the remote");
    let err = repo.fetch().expect_err("main was deleted");
    assert!(matches!(err, SourceError::BranchNotFound { .. }), "{err}");
}

#[test]
fn fetch_errors_never_show_credentials() {
    let data = TempDir::new().expect("data dir");
    let spec = SourceSpec::Remote {
        // Nothing listens on port 1: the fetch fails fast, and its message must stay clean.
        url: "https://bob:s3cr3t-in-url@127.0.0.1:1/org/flows.git".to_string(),
        credentials: Credentials {
            username: Some("bob".to_string()),
            token: Some(Secret::new("s3cr3t-token")),
            ssh_key_path: None,
        },
    };
    let repo = Repo::open(spec, "main", data.path()).expect("open");
    let err = repo.fetch().expect_err("nothing listens");
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("https://127.0.0.1:1/org/flows.git"),
        "{shown}"
    );
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(!repo.git_dir().to_string_lossy().contains("s3cr3t"));
}

#[test]
fn symlink_in_the_tree_is_listed_and_an_error_for_that_path_only() {
    let (dir, git) = work_repo();
    let head = commit_tree(
        &git,
        "main",
        &[
            ("flows/a.yaml", FILE, b"id: a"),
            ("flows/link.yaml", SYMLINK, b"/etc/passwd"),
        ],
        "with link",
        false,
    );
    let tree = local(dir.path()).tree_at(&head.to_string()).expect("tree");
    let mut paths = tree.list().expect("list");
    paths.sort();
    assert_eq!(paths, ["flows/a.yaml", "flows/link.yaml"]);
    let err = tree.read("flows/link.yaml").expect_err("symlink refused");
    assert!(
        matches!(&err, TreeError::Symlink { path } if path == "flows/link.yaml"),
        "{err}"
    );
    assert_eq!(read_string(&tree, "flows/a.yaml"), "id: a");
}

#[test]
fn oversized_blob_is_refused_with_its_size_and_the_limit() {
    let (dir, git) = work_repo();
    let big = vec![b'x'; 2 * 1024 * 1024];
    let head = commit_tree(
        &git,
        "main",
        &[
            ("flows/big.yaml", FILE, &big),
            ("flows/small.yaml", FILE, b"ok"),
        ],
        "big",
        false,
    );
    let repo = local(dir.path());
    let tree = repo.tree_at(&head.to_string()).expect("tree");
    let err = tree.read("flows/big.yaml").expect_err("over 1 MiB");
    assert!(
        matches!(
            err,
            TreeError::TooLarge {
                size: 2_097_152,
                limit: 1_048_576,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(read_string(&tree, "flows/small.yaml"), "ok");
    let lenient = repo
        .tree_at(&head.to_string())
        .expect("tree")
        .with_max_file_size(4 * 1024 * 1024);
    assert_eq!(
        lenient
            .read("flows/big.yaml")
            .expect("under raised cap")
            .len(),
        big.len()
    );
}

#[test]
fn sanitize_url_strips_userinfo_and_query_tokens() {
    assert_eq!(
        sanitize_url("https://user:tok@host/x.git"),
        "https://host/x.git"
    );
    assert_eq!(
        sanitize_url("https://tok@host:8443/org/x.git"),
        "https://host:8443/org/x.git"
    );
    assert_eq!(
        sanitize_url("https://host/x.git?private_token=abc"),
        "https://host/x.git"
    );
    assert_eq!(
        sanitize_url("ssh://git:pw@host:2222/org/x.git"),
        "ssh://host:2222/org/x.git"
    );
    assert_eq!(
        sanitize_url("ssh://git@host/org/x.git"),
        "ssh://host/org/x.git"
    );
    assert_eq!(
        sanitize_url("git@github.com:org/x.git"),
        "git@github.com:org/x.git"
    );
    assert_eq!(sanitize_url("/srv/git/flows.git"), "/srv/git/flows.git");
    assert_eq!(
        sanitize_url("file:///srv/git/flows.git"),
        "file:///srv/git/flows.git"
    );
}

fn github_signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("hmac key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[test]
fn github_signature_valid_invalid_malformed_and_missing() {
    let body = br#"{"ref":"refs/heads/main","after":"abc"}"#;
    let good = github_signature(b"topsecret", body);
    assert_eq!(verify_github(b"topsecret", body, Some(&good)), Ok(()));
    let wrong_key = github_signature(b"other", body);
    assert_eq!(
        verify_github(b"topsecret", body, Some(&wrong_key)),
        Err(WebhookError::InvalidSignature)
    );
    assert_eq!(
        verify_github(b"topsecret", b"tampered", Some(&good)),
        Err(WebhookError::InvalidSignature)
    );
    assert_eq!(
        verify_github(b"topsecret", body, None),
        Err(WebhookError::MissingSignature)
    );
    assert_eq!(
        verify_github(b"topsecret", body, Some("sha1=00")),
        Err(WebhookError::MalformedSignature)
    );
    assert_eq!(
        verify_github(b"topsecret", body, Some("sha256=zz")),
        Err(WebhookError::MalformedSignature)
    );
}

#[test]
fn gitlab_token_valid_invalid_and_missing() {
    assert_eq!(verify_gitlab(b"tok", Some("tok")), Ok(()));
    assert_eq!(
        verify_gitlab(b"tok", Some("tok2")),
        Err(WebhookError::InvalidToken)
    );
    assert_eq!(
        verify_gitlab(b"tok", Some("")),
        Err(WebhookError::InvalidToken)
    );
    assert_eq!(verify_gitlab(b"tok", None), Err(WebhookError::MissingToken));
}

#[test]
fn parse_push_reads_branch_and_after_from_github_and_gitlab() {
    let github = br#"{"ref":"refs/heads/main","before":"000","after":"1111111111111111111111111111111111111111","repository":{"full_name":"o/r"}}"#;
    assert_eq!(
        parse_push(github),
        Some(PushEvent {
            branch: "main".into(),
            after_sha: "1111111111111111111111111111111111111111".into()
        })
    );
    let gitlab = br#"{"object_kind":"push","ref":"refs/heads/feature/x","after":"2222","checkout_sha":"2222"}"#;
    assert_eq!(
        parse_push(gitlab),
        Some(PushEvent {
            branch: "feature/x".into(),
            after_sha: "2222".into()
        })
    );
    assert_eq!(
        parse_push(br#"{"ref":"refs/tags/v1","after":"3333"}"#),
        None
    );
    assert_eq!(
        parse_push(br#"{"zen":"Design for failure.","hook_id":1}"#),
        None
    );
    assert_eq!(parse_push(b"not json"), None);
}

async fn next_signal(rx: &mut tokio::sync::mpsc::Receiver<()>, within: Duration) -> bool {
    matches!(tokio::time::timeout(within, rx.recv()).await, Ok(Some(())))
}

#[tokio::test]
async fn worktree_watch_fires_once_per_burst_and_ignores_git_dir() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::create_dir_all(dir.path().join(".git/refs")).expect("git dir");
    std::fs::create_dir_all(dir.path().join("flows")).expect("flows dir");
    let (_guard, mut rx) = watch_worktree(dir.path(), Duration::from_millis(50)).expect("watch");

    std::fs::write(dir.path().join(".git/index"), b"x").expect("write in .git");
    std::fs::write(dir.path().join(".git/refs/main"), b"y").expect("write in .git");
    std::fs::write(dir.path().join("flows/.a.yaml.swp"), b"swap").expect("swap file");
    assert!(
        !next_signal(&mut rx, Duration::from_millis(400)).await,
        ".git and swap files ignored"
    );

    for i in 0..5 {
        std::fs::write(dir.path().join("flows/a.yaml"), format!("id: a{i}")).expect("write flow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        next_signal(&mut rx, Duration::from_secs(2)).await,
        "a flow write wakes the caller"
    );
    assert!(
        !next_signal(&mut rx, Duration::from_millis(300)).await,
        "one burst, one wake-up"
    );

    std::fs::remove_file(dir.path().join("flows/a.yaml")).expect("delete flow");
    assert!(
        next_signal(&mut rx, Duration::from_secs(2)).await,
        "a delete wakes the caller"
    );
}

#[test]
fn dir_snapshot_reads_flow_dirs_and_diffs_two_snapshots() {
    let dir = TempDir::new().expect("temp dir");
    let root = dir.path();
    let write = |path: &str, content: &str| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    };
    write("flows/a.yaml", "id: a");
    write("flows/team/b.yaml", "id: b");
    write("namespaces/team/namespace.yaml", "variables: {}");
    write("README.md", "not a flow dir");
    write("flows/.b.yaml.swp", "editor temp");
    let before = DirSnapshot::read(root).expect("snapshot");
    assert_eq!(
        before.list().expect("list"),
        [
            "flows/a.yaml",
            "flows/team/b.yaml",
            "namespaces/team/namespace.yaml"
        ]
    );
    assert_eq!(read_string(&before, "flows/team/b.yaml"), "id: b");
    assert!(before.revision().starts_with("worktree:"));
    assert_eq!(
        before.revision(),
        DirSnapshot::read(root).expect("again").revision()
    );

    write("flows/a.yaml", "id: a2");
    write("flows/c.yaml", "id: c");
    std::fs::remove_file(root.join("flows/team/b.yaml")).expect("rm");
    let after = DirSnapshot::read(root).expect("snapshot");
    assert_ne!(before.revision(), after.revision());
    assert_eq!(
        read_string(&before, "flows/a.yaml"),
        "id: a",
        "a snapshot keeps its content"
    );
    assert_eq!(
        snapshot_diff(&before, &after),
        [
            change("flows/a.yaml", ChangeKind::Modified),
            change("flows/c.yaml", ChangeKind::Added),
            change("flows/team/b.yaml", ChangeKind::Deleted),
        ]
    );
    assert!(snapshot_diff(&after, &after).is_empty());
}

#[test]
fn dir_snapshot_refuses_symlinks_and_oversized_files() {
    let dir = TempDir::new().expect("temp dir");
    let flows = dir.path().join("flows");
    std::fs::create_dir_all(&flows).expect("mkdir");
    std::fs::write(flows.join("real.yaml"), "id: real").expect("write");
    std::os::unix::fs::symlink(flows.join("real.yaml"), flows.join("link.yaml")).expect("symlink");
    std::fs::write(flows.join("big.yaml"), vec![b'x'; 100]).expect("write");
    let snap = DirSnapshot::read_with_limit(dir.path(), 50).expect("snapshot");
    assert_eq!(
        snap.list().expect("list"),
        ["flows/big.yaml", "flows/link.yaml", "flows/real.yaml"]
    );
    assert!(matches!(
        snap.read_file("flows/link.yaml"),
        Err(TreeError::Symlink { .. })
    ));
    assert!(matches!(
        snap.read_file("flows/big.yaml"),
        Err(TreeError::TooLarge {
            size: 100,
            limit: 50,
            ..
        })
    ));
    assert_eq!(read_string(&snap, "flows/real.yaml"), "id: real");
}

/// A real HTTP server on 127.0.0.1 that always answers 401 and records each Authorization
/// header it receives, to see what the credential callback sends.
fn unauthorized_http_server() -> (String, std::sync::mpsc::Receiver<Option<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut auth = None;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(value) = line.strip_prefix("Authorization: ") {
                    auth = Some(value.trim().to_string());
                }
                line.clear();
            }
            let _ = tx.send(auth);
            let _ = (&stream).write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (format!("http://{addr}/org/flows.git"), rx)
}

#[test]
fn https_token_is_sent_as_basic_auth_and_a_rejected_token_fails_without_looping() {
    use base64::Engine;
    let (url, requests) = unauthorized_http_server();
    let data = TempDir::new().expect("data dir");
    let spec = SourceSpec::Remote {
        url,
        credentials: Credentials {
            username: Some("bob".to_string()),
            token: Some(Secret::new("tok-123")),
            ssh_key_path: None,
        },
    };
    let repo = Repo::open(spec, "main", data.path()).expect("open");
    let err = repo.fetch().expect_err("the server rejects every token");
    assert!(!format!("{err} {err:?}").contains("tok-123"), "{err}");
    let headers: Vec<Option<String>> = requests.try_iter().collect();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:tok-123")
    );
    assert!(headers.contains(&Some(expected)), "{headers:?}");
    assert!(headers.len() <= 5, "bounded retries, got {}", headers.len());
}

#[test]
fn repo_and_trees_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Repo>();
    shareable::<baton::source::GitTree>();
    shareable::<DirSnapshot>();
}
