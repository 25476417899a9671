//! Whether the working directory is uploaded at all. Each archive call costs the engine a
//! mount of the container's filesystem and a tar process (~100 ms on a fuse-overlayfs engine, a
//! third of a whole `docker run`), and most tasks (`echo`, a script in `commands`) have nothing
//! in their working directory but the empty output directory. Then nothing is uploaded: the
//! engine creates the working directory (`WorkingDir`) and a shell line run before the task's
//! own command creates the output directory, stamped with a sentinel time so that after the
//! exit its time tells whether the run wrote to it.

use std::path::Path;

use bollard::Docker;
use chrono::{DateTime, Utc};

use crate::runner::error::RunnerError;
use crate::runner::spec::{CommandSpec, DockerOptions, PullPolicy};
use crate::runner::workdir::OUTPUT_DIR_NAME;

/// Modification time given to the output directory before the run: 1970-01-02T00:00:00Z,
/// exactly (`TZ=UTC0` below), so that a directory copied in with its own old time (`cp -a`,
/// `rsync -a`, epoch-stamped build outputs) is not taken for an untouched one.
pub(super) const UNTOUCHED_MTIME: i64 = 86_400;
/// Makes the output directory with the sentinel time, then execs the task's command (so the
/// task's interpreter is PID 1). The directory is `$1`, never spliced into the script text.
/// `touch -t` is POSIX (GNU and busybox both have it). When the working directory was uploaded
/// after all (the image's user is not root) the directory exists with the sentinel already, and
/// that user may not set its time: so a failing `touch` is ignored, a failing `mkdir` is not.
const SEED_COMMAND: &str = "mkdir -p \"$1\" && { TZ=UTC0 touch -t 197001020000 \"$1\" 2>/dev/null || :; } && shift && exec \"$@\"";

/// How the working directory gets into the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seeding {
    /// The container runs [`seeded_command`] first, so it needs no upload to get its output
    /// directory as long as it runs as root.
    pub seeded: bool,
    /// Uploaded through the archive API before the start.
    pub upload: bool,
    /// The output directory starts empty, so its modification time tells whether the run
    /// wrote to it (a file rewritten in place would not move it).
    pub outputs_empty: bool,
}

impl Seeding {
    /// Settles the upload once the image's user is known (looked up while the container is
    /// created): a seeded container run as root needs none.
    pub(super) fn with_root_user(self, root: bool) -> Seeding {
        Seeding {
            upload: !(self.seeded && root),
            ..self
        }
    }
}

/// True when `time` is the sentinel the output directory was given before the run.
pub(super) fn is_untouched(time: DateTime<Utc>) -> bool {
    time.timestamp() == UNTOUCHED_MTIME && time.timestamp_subsec_nanos() == 0
}

/// Seeded (no upload needed) when the working directory holds only the empty output
/// directory, the task's interpreter is a shell (so a shell exists to run the seeding line)
/// and no entry point or user is set; `upload` is provisional until [`Seeding::with_root_user`].
pub(super) async fn plan(
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
) -> Result<Seeding, RunnerError> {
    let outputs_empty = entry_names(&work_dir.join(OUTPUT_DIR_NAME))
        .await?
        .is_empty();
    let bare = outputs_empty && entry_names(work_dir).await? == [OUTPUT_DIR_NAME];
    let seeded = bare && plain(spec, options);
    Ok(Seeding {
        seeded,
        upload: !seeded,
        outputs_empty,
    })
}

/// What the spec and options alone say: a shell interpreter, no user, no entry point, and an
/// image that is not pulled first (`ALWAYS` could change its user after it is looked at).
fn plain(spec: &CommandSpec, options: &DockerOptions) -> bool {
    options.user.is_none()
        && options.entry_point.is_none()
        && options.pull_policy != PullPolicy::Always
        && spec.interpreter.first().is_some_and(|p| is_shell(p))
}

/// True when the engine has the image and its `USER` is root (unset, `root` or `0`, with or
/// without a root group): directories the engine makes are root's, so only root can make the
/// output directory in them. False when it cannot tell (a missing image is pulled at create).
pub(super) async fn image_runs_as_root(docker: &Docker, image: &str) -> bool {
    let Ok(inspected) = docker.inspect_image(image).await else {
        return false;
    };
    let user = inspected.config.and_then(|c| c.user).unwrap_or_default();
    is_root_user(&user)
}

fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default();
    matches!(name, "" | "root" | "0")
}

/// The container command when nothing is uploaded: `SHELL -c SEED_COMMAND sh OUTPUT_DIR COMMAND...`.
pub(super) fn seeded_command(shell: &str, output_dir: &str, command: Vec<String>) -> Vec<String> {
    let mut seeded = vec![
        shell.to_owned(),
        "-c".to_owned(),
        SEED_COMMAND.to_owned(),
        "sh".to_owned(),
        output_dir.to_owned(),
    ];
    seeded.extend(command);
    seeded
}

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh")
}

async fn entry_names(dir: &Path) -> Result<Vec<String>, RunnerError> {
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(RunnerError::io(dir))?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(RunnerError::io(dir))? {
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_known_by_their_file_name() {
        assert!(is_shell("/bin/sh"));
        assert!(is_shell("bash"));
        assert!(is_shell("/usr/local/bin/zsh"));
        assert!(!is_shell("python3"));
        assert!(!is_shell("/bin/shell-tool"));
    }

    #[test]
    fn only_a_root_user_skips_the_upload() {
        for root in ["", "root", "0", "0:0", "root:wheel"] {
            assert!(is_root_user(root), "{root}");
        }
        for other in ["1000", "nobody", "65534:65534", "app:root"] {
            assert!(!is_root_user(other), "{other}");
        }
    }

    #[test]
    fn a_user_an_entry_point_a_non_shell_or_pull_always_needs_the_upload() {
        let spec = CommandSpec::default();
        let options = DockerOptions::new("img");
        assert!(plain(&spec, &options));
        let with = |change: fn(&mut DockerOptions)| {
            let mut options = DockerOptions::new("img");
            change(&mut options);
            plain(&spec, &options)
        };
        assert!(!with(|o| o.user = Some("0".into())));
        assert!(!with(|o| o.entry_point = Some(vec!["/init".into()])));
        assert!(!with(|o| o.pull_policy = PullPolicy::Always));
        let python = CommandSpec {
            interpreter: vec!["python3".into(), "-c".into()],
            ..CommandSpec::default()
        };
        assert!(!plain(&python, &options));
    }

    #[test]
    fn only_the_exact_sentinel_is_untouched() {
        let at = |secs, nanos| DateTime::from_timestamp(secs, nanos).expect("time");
        assert!(is_untouched(at(UNTOUCHED_MTIME, 0)));
        assert!(
            !is_untouched(at(0, 0)),
            "epoch-stamped copies count as written"
        );
        assert!(!is_untouched(at(UNTOUCHED_MTIME, 1)));
        assert!(!is_untouched(Utc::now()));
    }

    #[test]
    fn the_seeded_command_makes_the_output_directory_then_execs_the_task_command() {
        let command = vec!["/bin/sh".to_owned(), "-c".to_owned(), "echo hi".to_owned()];
        let seeded = seeded_command("/bin/sh", "/baton/work/tr-1/outputs", command);
        assert_eq!(seeded[..2], ["/bin/sh", "-c"]);
        assert_eq!(
            seeded[3..],
            ["sh", "/baton/work/tr-1/outputs", "/bin/sh", "-c", "echo hi"]
        );
        assert!(seeded[2].ends_with("shift && exec \"$@\""));
    }
}
