//! What several test files of the code generator share.

use std::path::Path;
use std::time::SystemTime;

/// Sets a file's modification time, as a build or an edit at `when` would.
pub fn set_modified(path: &Path, when: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(when)
        .expect("set mtime");
}
