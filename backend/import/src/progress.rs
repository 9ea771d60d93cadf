//! Progress of an import run: a bar on a terminal, plain lines otherwise, nothing in
//! library use.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

/// What a run tells its observer. All methods have empty defaults.
pub trait Progress: Send + Sync {
    /// Once, before the first file: the number of files and their total size.
    fn begin(&self, _files: usize, _bytes: u64) {}
    /// A file is started.
    fn file(&self, _path: &Path) {}
    /// `bytes` more of the current file have been read.
    fn advance(&self, _bytes: u64) {}
    /// A file is done: its records read and skipped.
    fn file_done(&self, _path: &Path, _read: u64, _skipped: u64) {}
    /// The run is over.
    fn finish(&self) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

/// A bar when stderr is a terminal, else one plain line per file on stderr.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar(Mutex::new(None)))
    } else {
        Box::new(Lines)
    }
}

struct Bar(Mutex<Option<indicatif::ProgressBar>>);

impl Progress for Bar {
    fn begin(&self, _files: usize, bytes: u64) {
        let bar = indicatif::ProgressBar::new(bytes);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        ) {
            bar.set_style(style);
        }
        *self.0.lock().expect("progress lock") = Some(bar);
    }
    fn file(&self, path: &Path) {
        if let Some(bar) = &*self.0.lock().expect("progress lock") {
            bar.set_message(path.display().to_string());
        }
    }
    fn advance(&self, bytes: u64) {
        if let Some(bar) = &*self.0.lock().expect("progress lock") {
            bar.inc(bytes);
        }
    }
    fn finish(&self) {
        if let Some(bar) = self.0.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

struct Lines;

impl Progress for Lines {
    fn begin(&self, files: usize, bytes: u64) {
        eprintln!("import: {files} files, {bytes} bytes");
    }
    fn file_done(&self, path: &Path, read: u64, skipped: u64) {
        eprintln!(
            "import: {}: {read} records read, {skipped} skipped",
            path.display()
        );
    }
}
