//! Passwords: argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, per OWASP) in PHC
//! strings, and the minimum policy. Hashing is CPU-heavy: callers run it on the blocking
//! pool ([`hash_blocking`], [`verify_blocking`]).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// Why a password is refused (shown to the user who chose it).
pub fn check_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(format!("must be at least {MIN_CHARS} characters long"));
    }
    if n > MAX_CHARS {
        return Err(format!("must be at most {MAX_CHARS} characters long"));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 2 {
        return Err(
            "must mix at least two kinds of characters (lower case, upper case, digits, others)"
                .into(),
        );
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Err("must not repeat one character".into());
    }
    Ok(())
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

/// Constant-time verification (inside argon2); a malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not exist.
pub fn dummy_hash() -> String {
    hash(&super::secret::random_token(""))
}

pub async fn hash_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing task")
}

pub async fn verify_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short1A").is_err());
        assert!(check_policy("alllowercaseletters").is_err());
        assert!(check_policy("111111111111111").is_err());
        assert!(check_policy("correct horse battery").is_ok());
        assert!(check_policy("Wohnsitzanmeldung2024").is_ok());
        assert!(check_policy(&"aA".repeat(200)).is_err());
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("Sicheres Passwort 1");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Sicheres Passwort 1", &h));
        assert!(!verify("Sicheres Passwort 2", &h));
        assert!(!verify("x", "not a hash"));
    }
}
