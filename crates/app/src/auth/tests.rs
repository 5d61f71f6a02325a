use super::*;

#[test]
fn passwords_hash_with_argon2id_and_verify() {
    let h = hash_password("正确的密码 horse").unwrap();
    assert!(h.starts_with("$argon2id$"), "{h}");
    assert!(verify_password("正确的密码 horse", &h));
    assert!(!verify_password("错误的密码", &h));
    assert!(!verify_password("x", "not a phc string"));
    // A fresh salt each time.
    assert_ne!(h, hash_password("正确的密码 horse").unwrap());
}

#[test]
fn secrets_are_random_and_stored_as_sha256() {
    let a = new_secret();
    assert_eq!(a.len(), 64);
    assert_ne!(a, new_secret());
    assert_eq!(
        secret_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// Issue 18, defect 2: a password check leaves the thread that answers requests free. On a
/// one-thread runtime another task runs while the hash is computed (it could not if the hash
/// ran on that thread), and the answer is the same as the plain check's.
#[tokio::test(flavor = "current_thread")]
async fn password_checks_run_off_the_request_thread() {
    use std::sync::{Arc, Mutex};
    let h = hash_password("正确的密码 horse").unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let e = events.clone();
    let other = tokio::spawn(async move { e.lock().unwrap().push("other task ran") });
    let ok = verify_password_bounded("正确的密码 horse", &h).await;
    events.lock().unwrap().push("hash checked");
    other.await.unwrap();
    assert!(ok);
    assert!(!verify_password_bounded("错误的密码", &h).await);
    assert_eq!(
        *events.lock().unwrap(),
        ["other task ran", "hash checked"],
        "the hash blocked the runtime's only thread"
    );
}
