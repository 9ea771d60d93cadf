//! The Python peer (`tests/peers/python-e5`): its venv (pinned wheels, installed on first
//! use by its `setup.sh`), the catalogue vectors it ranks, and its process.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use matchraum::matching::store::{self, ItemKind};
use matchraum_tests::{free_port, wait_healthy};
use sea_orm::DatabaseConnection;

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/python-e5")
}

/// Writes the solution vectors `model_id` stored in `db` for the peer: `vectors.f32`
/// (little-endian float32 rows) and `ids.txt` (the row's solution id per line).
pub async fn write_vectors(db: &DatabaseConnection, model_id: &str, dir: &Path) -> usize {
    let ids: Vec<i64> = matchraum::catalog::store::solutions::all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let stored = store::load(db, ItemKind::Solution, model_id, &ids)
        .await
        .unwrap();
    let mut floats = Vec::with_capacity(stored.len() * 384 * 4);
    let mut lines = String::new();
    for s in &stored {
        floats.extend(s.vector.iter().flat_map(|x| x.to_le_bytes()));
        lines.push_str(&format!("{}\n", s.item_id));
    }
    std::fs::write(dir.join("vectors.f32"), floats).unwrap();
    std::fs::write(dir.join("ids.txt"), lines).unwrap();
    stored.len()
}

/// The running peer, killed on drop.
pub struct Peer {
    child: Child,
    pub match_url: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the peer on `graph` of `model_dir` over the vectors [`write_vectors`] left in
/// `dir`, and waits until it answers.
pub async fn start(model_dir: &Path, graph: &str, dir: &Path) -> Peer {
    let setup = Command::new(peer_dir().join("setup.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run tests/peers/python-e5/setup.sh");
    assert!(setup.status.success(), "the python peer's setup failed");
    let python = String::from_utf8(setup.stdout).unwrap();
    let port = free_port();
    let mut child = Command::new(python.trim())
        .arg(peer_dir().join("server.py"))
        .arg("--model-dir")
        .arg(model_dir)
        .args(["--graph", graph])
        .arg("--vectors")
        .arg(dir.join("vectors.f32"))
        .arg("--ids")
        .arg(dir.join("ids.txt"))
        .args(["--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the python peer");
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&reqwest::Client::new(), &base, &mut child).await;
    Peer {
        child,
        match_url: format!("{base}/match"),
    }
}
