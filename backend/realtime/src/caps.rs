//! Caps on open websockets per account and per client address (per instance): one client
//! cannot hold the sockets (and their memory) that everyone else needs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(i64),
    Ip(String),
}

pub struct SocketCaps {
    per_account: u32,
    per_ip: u32,
    open: Mutex<HashMap<Key, u32>>,
    /// Admitted sockets that are still open.
    total: AtomicUsize,
}

/// Which cap an upgrade hit.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapReached {
    #[error("at most {0} open websockets per account")]
    Account(u32),
    #[error("at most {0} open websockets per client address")]
    Ip(u32),
}

/// One admitted socket; dropping it frees its place.
pub struct Permit {
    caps: Arc<SocketCaps>,
    keys: Vec<Key>,
}

impl SocketCaps {
    /// `0` turns a cap off.
    pub fn new(per_account: u32, per_ip: u32) -> Self {
        SocketCaps {
            per_account,
            per_ip,
            open: Mutex::new(HashMap::new()),
            total: AtomicUsize::new(0),
        }
    }

    /// Open sockets on this instance.
    pub fn open_total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Admits one more socket from `ip` (signed in as `user_id`), or says which cap it hit.
    pub fn admit(self: &Arc<Self>, ip: &str, user_id: Option<i64>) -> Result<Permit, CapReached> {
        let mut wanted = vec![(Key::Ip(ip.to_owned()), self.per_ip)];
        if let Some(u) = user_id {
            wanted.push((Key::Account(u), self.per_account));
        }
        let mut open = self.open.lock().expect("socket caps lock");
        for (key, cap) in &wanted {
            if *cap > 0 && open.get(key).copied().unwrap_or(0) >= *cap {
                return Err(match key {
                    Key::Account(_) => CapReached::Account(*cap),
                    Key::Ip(_) => CapReached::Ip(*cap),
                });
            }
        }
        for (key, _) in &wanted {
            *open.entry(key.clone()).or_insert(0) += 1;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        Ok(Permit {
            caps: self.clone(),
            keys: wanted.into_iter().map(|(k, _)| k).collect(),
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.caps.total.fetch_sub(1, Ordering::Relaxed);
        let mut open = self.caps.open.lock().expect("socket caps lock");
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_count_open_sockets_and_free_them_on_drop() {
        let caps = Arc::new(SocketCaps::new(2, 3));
        let a = caps.admit("10.0.0.1", Some(1)).unwrap();
        let _b = caps.admit("10.0.0.1", Some(1)).unwrap();
        assert_eq!(
            caps.admit("10.0.0.2", Some(1)).err(),
            Some(CapReached::Account(2))
        );
        let _c = caps.admit("10.0.0.1", None).unwrap();
        assert_eq!(
            caps.admit("10.0.0.1", Some(2)).err(),
            Some(CapReached::Ip(3))
        );
        drop(a);
        assert!(caps.admit("10.0.0.2", Some(1)).is_ok());
        let off = Arc::new(SocketCaps::new(0, 0));
        let held: Vec<_> = (0..50).map(|_| off.admit("x", Some(1)).unwrap()).collect();
        assert_eq!(held.len(), 50);
    }
}
