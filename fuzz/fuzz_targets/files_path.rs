//! Arbitrary URIs through `FileStore::path_of` over a real root holding a file, a directory
//! and a symlink pointing outside: a resolved path must stay under the root and be a file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use baton::files::FileStore;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    store: FileStore,
    root: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("baton-fuzz-files-{}", std::process::id()));
        let root = base.join("root");
        let inside = root.join("company/team/flow/executions/e1/tasks/t/r1");
        std::fs::create_dir_all(&inside).expect("create fixture dirs");
        std::fs::write(inside.join("out.txt"), b"ok").expect("write fixture file");
        std::fs::write(base.join("secret.txt"), b"outside").expect("write outside file");
        let _ = std::os::unix::fs::symlink(base.join("secret.txt"), inside.join("link.txt"));
        let _ = std::os::unix::fs::symlink(&base, root.join("company/escape"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let root = root.canonicalize().expect("canonical root");
        Fixture {
            runtime,
            store: FileStore::new(&root),
            root,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(uri) = std::str::from_utf8(data) else {
        return;
    };
    let fixture = fixture();
    if let Ok(path) = fixture.runtime.block_on(fixture.store.path_of(uri)) {
        let real = path.canonicalize().expect("resolved path exists");
        assert!(
            real.starts_with(&fixture.root),
            "{uri} resolved to {}",
            real.display()
        );
        assert!(real.is_file(), "{uri} resolved to a non-file");
    }
});
