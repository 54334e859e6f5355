//! Helpers shared by the end-to-end tests: run the binary from the repository root.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `testdata/` is).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tollgate ARGS` in the repository root.
pub fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(root())
        .env_remove("TOLLGATE_CACHE_DIR")
        .output()
        .expect("run tollgate")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (a signal is a test failure).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code, not a signal")
}

/// Writes `content` to `root/rel`, creating directories.
pub fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// Builds a DB in `dir/db` from `--source` arguments (`kind=testdata/...`); returns its path.
pub fn build_db_from(dir: &Path, sources: &[&str]) -> String {
    let db = dir.join("db");
    let mut args = vec!["db", "build", "--output", db.to_str().unwrap()];
    for s in sources {
        args.push("--source");
        args.push(s);
    }
    let o = tollgate(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    db.to_str().unwrap().to_string()
}
