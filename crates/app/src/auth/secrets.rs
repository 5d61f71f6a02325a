//! Passwords (argon2id PHC strings) and random secrets (session keys, CSRF and API tokens) with
//! their SHA-256 hashes, which are what the store keeps.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppError;

/// An argon2id hash (PHC string, random salt, the crate's recommended parameters).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::invalid(format!("无法计算密码散列：{e}")))
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// How many password hashes run at once: about half the cores, at least one. Argon2 takes tens
/// of milliseconds and 19 MiB each; unbounded, a burst of sign-ins would take every core and
/// stall the server's other requests.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.div_ceil(2).max(1))
    })
}

/// [`verify_password`] on tokio's blocking pool, at most [`hashing_slots`] at once, so that the
/// threads answering requests never hash.
pub async fn verify_password_bounded(password: &str, hash: &str) -> bool {
    let Ok(_slot) = hashing_slots().acquire().await else {
        return false;
    };
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// [`hash_password`] on the blocking pool, bounded as [`verify_password_bounded`].
pub async fn hash_password_bounded(password: &str) -> Result<String, AppError> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| AppError::invalid(format!("无法计算密码散列：{e}")))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::invalid(format!("无法计算密码散列：{e}")))?
}

/// 32 random bytes from the thread's cryptographically secure generator (ChaCha, seeded and
/// reseeded from the operating system), as 64 hex digits.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The SHA-256 of a secret, as 64 hex digits: what the store keeps instead of the secret.
pub fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The SHA-256 of any bytes (an imported file, a scheme's text), as 64 hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
