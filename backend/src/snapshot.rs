//! The real catalogue on first start: the snapshot committed in the repository
//! (`data-snapshot/catalogue.tar.xz`, made by `scripts/make_snapshot.py` from the public
//! source data) is imported into an empty database through the ordinary importer.

use std::path::{Path, PathBuf};

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::catalog::entity::{organisation, solution};
use crate::import::{self, ImportError, ImportOptions, ImportReport, NoProgress};

/// Unpacked bytes accepted from one snapshot (the committed one has ~6 MB): a damaged or
/// hostile archive must not fill the disk.
const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("snapshot {}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("snapshot import: {0}")]
    Import(#[from] ImportError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// A snapshot unpacked into a temporary folder (removed on drop), one subfolder per source.
pub struct Unpacked {
    dir: tempfile::TempDir,
}

impl Unpacked {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Unpacks `archive` (tar.xz; regular files only, no path outside the target).
/// Blocking: run it on the blocking pool.
pub fn unpack(archive: &Path) -> Result<Unpacked, SnapshotError> {
    unpack_within(archive, MAX_UNPACKED_BYTES)
}

fn unpack_within(archive: &Path, max_bytes: u64) -> Result<Unpacked, SnapshotError> {
    let read_err = |source| SnapshotError::Read {
        path: archive.to_path_buf(),
        source,
    };
    let invalid = |reason: String| SnapshotError::Invalid {
        path: archive.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(archive).map_err(read_err)?;
    let dir = tempfile::Builder::new()
        .prefix("matchraum-snapshot-")
        .tempdir()
        .map_err(read_err)?;
    let mut tar = tar::Archive::new(xz2::read::XzDecoder::new(std::io::BufReader::new(file)));
    let mut total = 0u64;
    for entry in tar.entries().map_err(read_err)? {
        let mut entry = entry.map_err(read_err)?;
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() {
            continue;
        }
        let name = entry.path().map_err(read_err)?.display().to_string();
        if !kind.is_file() {
            return Err(invalid(format!("{name}: only regular files are accepted")));
        }
        total += entry.size();
        if total > max_bytes {
            return Err(invalid(format!("unpacks to more than {max_bytes} bytes")));
        }
        if !entry.unpack_in(dir.path()).map_err(read_err)? {
            return Err(invalid(format!("{name}: path leaves the archive")));
        }
    }
    Ok(Unpacked { dir })
}

/// True when the database holds no catalogue yet (no solution, no organisation).
pub async fn catalogue_is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(solution::Entity::find().count(db).await? == 0
        && organisation::Entity::find().count(db).await? == 0)
}

/// Imports the snapshot at `archive` when the catalogue is empty; `None` when it was not.
/// Several instances starting at once on one empty database are harmless: the importer
/// upserts on (source, source id).
pub async fn import_if_empty(
    db: &DatabaseConnection,
    archive: &Path,
) -> Result<Option<ImportReport>, SnapshotError> {
    if !catalogue_is_empty(db).await? {
        return Ok(None);
    }
    let path = archive.to_path_buf();
    let unpacked = tokio::task::spawn_blocking(move || unpack(&path))
        .await
        .map_err(|e| SnapshotError::Invalid {
            path: archive.to_path_buf(),
            reason: format!("unpacking failed: {e}"),
        })??;
    let report = import::import_paths(
        db,
        &[unpacked.root().to_path_buf()],
        &ImportOptions::default(),
        &NoProgress,
    )
    .await?;
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Writes a tar.xz whose entries `add` appends, returns its path (inside `dir`).
    fn archive(dir: &tempfile::TempDir, add: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> PathBuf {
        let mut builder = tar::Builder::new(Vec::new());
        add(&mut builder);
        let tar = builder.into_inner().unwrap();
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&tar).unwrap();
        let path = dir.path().join("snapshot.tar.xz");
        std::fs::write(&path, xz.finish().unwrap()).unwrap();
        path
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    }

    #[test]
    fn unpacks_source_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(&dir, |b| {
            file(b, "berlin_opensource/projects.jsonl", b"{}\n");
            file(b, "publiccode/files/a.publiccode.yml", b"name: a\n");
        });
        let unpacked = unpack(&path).unwrap();
        let got = std::fs::read(unpacked.root().join("berlin_opensource/projects.jsonl"));
        assert_eq!(got.unwrap(), b"{}\n");
        assert!(unpacked
            .root()
            .join("publiccode/files/a.publiccode.yml")
            .is_file());
    }

    #[test]
    fn refuses_paths_outside_the_target_links_and_oversized_archives() {
        let dir = tempfile::tempdir().unwrap();
        let escaping = archive(&dir, |b| {
            let mut h = tar::Header::new_gnu();
            let name = b"../escaped.jsonl";
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
            h.set_size(2);
            h.set_mode(0o644);
            h.set_cksum();
            b.append(&h, &b"{}"[..]).unwrap();
        });
        let err = unpack(&escaping).err().unwrap().to_string();
        assert!(err.contains("leaves the archive"), "{err}");
        assert!(!dir.path().join("escaped.jsonl").exists());

        let link = archive(&dir, |b| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, "x/projects.jsonl", "/etc/passwd")
                .unwrap();
        });
        let err = unpack(&link).err().unwrap().to_string();
        assert!(err.contains("only regular files"), "{err}");

        let big = archive(&dir, |b| file(b, "x/big.jsonl", &[b' '; 4096]));
        let err = unpack_within(&big, 1024).err().unwrap().to_string();
        assert!(err.contains("more than 1024 bytes"), "{err}");

        let err = unpack(&dir.path().join("missing.tar.xz")).err().unwrap();
        assert!(matches!(err, SnapshotError::Read { .. }), "{err}");
    }
}
