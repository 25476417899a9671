//! The file store: task files stored under a temp root, read back by `kestra://` URI.

use baton::files::{FileError, FileKey, FileStore};
use tokio::io::AsyncReadExt;

fn key(execution_id: &str) -> FileKey {
    FileKey {
        namespace: "company.team".to_owned(),
        flow_id: "etl".to_owned(),
        execution_id: execution_id.to_owned(),
        task_id: "extract".to_owned(),
        task_run_id: "tr1".to_owned(),
    }
}

fn source_file(dir: &std::path::Path, content: &[u8]) -> std::path::PathBuf {
    let path = dir.join("source.bin");
    std::fs::write(&path, content).expect("write source");
    path
}

#[tokio::test]
async fn put_returns_a_kestra_uri_and_open_reads_it_back() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(temp.path().join("storage"));
    let source = source_file(temp.path(), b"hello file");
    let uri = store
        .put(&key("ex1"), "out/data.csv", &source)
        .await
        .expect("put");
    assert_eq!(
        uri,
        "kestra:///company/team/etl/executions/ex1/tasks/extract/tr1/out/data.csv"
    );
    let mut content = String::new();
    store
        .open(&uri)
        .await
        .expect("open")
        .read_to_string(&mut content)
        .await
        .expect("read");
    assert_eq!(content, "hello file");
    let path = store.path_of(&uri).await.expect("path");
    assert!(path.starts_with(temp.path().join("storage")));
    assert!(source.exists(), "the source stays where it was");
}

#[tokio::test]
async fn a_large_file_is_copied_whole() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(temp.path().join("storage"));
    let source = temp.path().join("big.bin");
    let file = std::fs::File::create(&source).expect("create");
    file.set_len(64 * 1024 * 1024).expect("grow");
    let uri = store
        .put(&key("ex1"), "big.bin", &source)
        .await
        .expect("put");
    let stored = store.path_of(&uri).await.expect("path");
    assert_eq!(
        std::fs::metadata(stored).expect("meta").len(),
        64 * 1024 * 1024
    );
}

#[tokio::test]
async fn uris_and_names_escaping_the_root_are_rejected() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(temp.path().join("storage"));
    for uri in [
        "kestra:///../secret",
        "kestra:///a/../../etc/passwd",
        "kestra:////etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
    ] {
        let error = store.path_of(uri).await.expect_err(uri);
        assert!(
            matches!(
                error,
                FileError::Escapes { .. } | FileError::NotAKestraUri { .. }
            ),
            "{uri}: {error}"
        );
    }
    let source = source_file(temp.path(), b"x");
    for name in ["../x", "/abs", "a/../../x", ""] {
        let error = store.put(&key("ex1"), name, &source).await.expect_err(name);
        assert!(
            matches!(error, FileError::Escapes { .. }),
            "{name}: {error}"
        );
    }
    let mut bad_key = key("ex1");
    bad_key.namespace = "company..team".to_owned();
    assert!(matches!(
        store.put(&bad_key, "x", &source).await,
        Err(FileError::Escapes { .. })
    ));
}

#[tokio::test]
async fn a_symlink_inside_the_root_is_not_followed() {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join("storage");
    let outside = temp.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("secret.txt"), "secret").expect("write");
    std::fs::create_dir_all(root.join("company")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, root.join("company/team")).expect("symlink");
    let store = FileStore::new(&root);
    let error = store
        .path_of("kestra:///company/team/secret.txt")
        .await
        .expect_err("symlink");
    assert!(matches!(error, FileError::Escapes { .. }), "{error}");
    let source = source_file(temp.path(), b"x");
    assert!(matches!(
        store.put(&key("ex1"), "y", &source).await,
        Err(FileError::Escapes { .. })
    ));
    assert!(
        !outside.join("etl").exists(),
        "nothing was written through the symlink"
    );
}

#[tokio::test]
async fn a_missing_file_is_not_found() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(temp.path());
    let error = store
        .path_of("kestra:///company/team/etl/nothing.txt")
        .await
        .expect_err("missing");
    assert!(matches!(error, FileError::NotFound { .. }), "{error}");
}

#[tokio::test]
async fn delete_execution_removes_only_that_execution() {
    let temp = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(temp.path().join("storage"));
    let source = source_file(temp.path(), b"x");
    let gone = store.put(&key("ex1"), "a.txt", &source).await.expect("put");
    let kept = store.put(&key("ex2"), "a.txt", &source).await.expect("put");
    store
        .delete_execution("company.team", "etl", "ex1")
        .await
        .expect("delete");
    assert!(matches!(
        store.path_of(&gone).await,
        Err(FileError::NotFound { .. })
    ));
    assert!(store.path_of(&kept).await.is_ok());
    store
        .delete_execution("company.team", "etl", "ex1")
        .await
        .expect("deleting twice is fine");
}
