//! A full disk under the SQLite store (an 8 MiB tmpfs, `mount -t tmpfs`): writes fail with an
//! error naming the cause, everything stored before is still there, and writes work again as
//! soon as space returns (a failed COMMIT used to leave sqlx's writer connection stuck "in a
//! transaction", refusing every later write until the daemon restarted).
//!
//! Mounting needs root (CAP_SYS_ADMIN): where it is refused, the test says so and stops.

use std::path::{Path, PathBuf};
use std::process::Command;

use baton::store::model::{Execution, State};
use baton::store::{Transition, open_store};
use serde_json::json;

/// A tmpfs mounted for the test, unmounted on drop.
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mnt");
        std::fs::create_dir(&path).expect("mkdir");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .ok()?;
        status.success().then_some(Tmpfs { path, _dir: dir })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: the store's connections close on their own threads, maybe after this.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the file system at `dir` with a file of zeros; returns it.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    path
}

fn execution(i: usize) -> Execution {
    let mut e = Execution::new("faults", "disk", 1, chrono::Utc::now());
    // Bulky inputs so a few writes need new pages.
    e.inputs = json!({ "i": i, "pad": "x".repeat(2_000) });
    e
}

#[tokio::test]
async fn a_full_disk_fails_writes_keeps_stored_data_and_writes_resume_when_space_returns() {
    let Some(mnt) = Tmpfs::mount("8m") else {
        eprintln!("faults::disk_full: cannot mount a tmpfs here (not root?): not run");
        return;
    };
    let url = format!("sqlite://{}", mnt.path.join("baton.db").display());
    let store = open_store(&url).await.expect("store");
    let mut stored = Vec::new();
    for i in 0..10 {
        let e = execution(i);
        store
            .apply(&Transition::execution(e.clone()))
            .await
            .expect("write with space");
        stored.push(e.id);
    }
    let filler = fill(&mnt.path);
    let mut failures = Vec::new();
    for i in 10..60 {
        if let Err(e) = store.apply(&Transition::execution(execution(i))).await {
            failures.push(e.to_string());
        }
    }
    assert!(!failures.is_empty(), "a full disk refuses some writes");
    assert!(
        failures[0].contains("full"),
        "the first failure names the cause: {}",
        failures[0]
    );
    for id in &stored {
        let e = store.execution(id).await.expect("read while full");
        assert!(
            e.is_some_and(|e| e.state == State::Created),
            "{id} kept while full"
        );
    }
    std::fs::remove_file(filler).expect("free space");
    for i in 60..70 {
        store
            .apply(&Transition::execution(execution(i)))
            .await
            .expect("writes resume once space returns");
    }
    for id in &stored {
        assert!(
            store.execution(id).await.expect("read").is_some(),
            "{id} kept"
        );
    }
}
