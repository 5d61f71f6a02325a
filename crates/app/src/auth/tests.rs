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
