//! Tests of keystore encryption and decryption.

use alloy_primitives::{address, b256};
use serde_json::{Value, json};

use super::*;

const SPEC_PASSWORD: &str = "testpassword";
const SPEC_KEY: B256 = b256!("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");

/// The Web3 Secret Storage Definition's PBKDF2-SHA-256 test vector.
const SPEC_PBKDF2: &str = r#"{
    "crypto" : {
        "cipher" : "aes-128-ctr",
        "cipherparams" : { "iv" : "6087dab2f9fdbbfaddc31a909735c1e6" },
        "ciphertext" : "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
        "kdf" : "pbkdf2",
        "kdfparams" : {
            "c" : 262144,
            "dklen" : 32,
            "prf" : "hmac-sha256",
            "salt" : "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"
        },
        "mac" : "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"
    },
    "id" : "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version" : 3
}"#;

/// The Web3 Secret Storage Definition's scrypt test vector (n = 2^18 with r = 1, p = 8).
const SPEC_SCRYPT: &str = r#"{
    "crypto" : {
        "cipher" : "aes-128-ctr",
        "cipherparams" : { "iv" : "83dbcc02d8ccb40e466191a123791e0e" },
        "ciphertext" : "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        "kdf" : "scrypt",
        "kdfparams" : {
            "dklen" : 32,
            "n" : 262144,
            "p" : 8,
            "r" : 1,
            "salt" : "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"
        },
        "mac" : "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"
    },
    "id" : "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version" : 3
}"#;

/// Written by ethers v6.17.0 `Wallet.createRandom().encrypt(ETHERS_PASSWORD)` (note `Crypto`
/// and `x-ethers`).
const ETHERS_V6: &str = r#"{"address":"8028b3abf6864992e058be0fcebe1a1170245c0b","id":"417f317d-f87c-4f60-ac73-e64897b3de23","version":3,"Crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"f05a672a8220abf13cdf13d578223fa2"},"ciphertext":"86e3cbb61f256e01c859644d65eb73a794c93a5fa22b6fe5f5797fe18ad82228","kdf":"scrypt","kdfparams":{"salt":"91a5f5273576eb10bd7d430a0b8fa92a93be3d209fd9b676c745a91fc918218e","n":131072,"dklen":32,"p":1,"r":8},"mac":"73665f5eb5df415d686b3650e3659656e0caded62991a32d8264216fca036714"},"x-ethers":{"client":"ethers/6.17.0","gethFilename":"UTC--2026-11-21T22-44-31.0Z--8028b3abf6864992e058be0fcebe1a1170245c0b","path":"m/44'/60'/0'/0/0","locale":"en","mnemonicCounter":"c20bb9c66c6d68b3e708f4d8032070aa","mnemonicCiphertext":"082a768f6161e004e5294dd1034acfb8","version":"0.1"}}"#;
const ETHERS_PASSWORD: &str = "poco ethers v6 interop";
const ETHERS_ADDRESS: Address = address!("8028b3aBf6864992e058bE0fcEbE1a1170245C0b");
const ETHERS_KEY: B256 = b256!("f5f97b101e45ee9b2d12daa85272ba892c630b98ded75ece510b3e3385cd36f8");

const FAST: ScryptCost = ScryptCost::new(10);

fn fast_keystore(password: &str) -> (PrivateKeySigner, Keystore) {
    let signer = PrivateKeySigner::random();
    let keystore = encrypt_with(&signer, password, FAST).expect("encrypts");
    (signer, keystore)
}

/// The keystore's JSON, changed by `edit`, read back.
fn edited(keystore: &Keystore, edit: impl FnOnce(&mut Value)) -> Keystore {
    let mut value = serde_json::to_value(keystore).expect("serializes");
    edit(&mut value);
    Keystore::from_json(&value.to_string()).expect("still reads")
}

#[test]
fn spec_pbkdf2_vector() {
    let keystore = Keystore::from_json(SPEC_PBKDF2).expect("reads");
    assert_eq!(keystore.address, None);
    let signer = decrypt(&keystore, SPEC_PASSWORD).expect("decrypts");
    assert_eq!(signer.to_bytes(), SPEC_KEY);
}

#[test]
fn spec_scrypt_vector() {
    let keystore = Keystore::from_json(SPEC_SCRYPT).expect("reads");
    assert_eq!(keystore.crypto.kdfparams.r, Some(1));
    assert_eq!(keystore.crypto.kdfparams.p, Some(8));
    let signer = decrypt(&keystore, SPEC_PASSWORD).expect("decrypts");
    assert_eq!(signer.to_bytes(), SPEC_KEY);
}

#[test]
fn ethers_v6_keystore_decrypts() {
    let signer = decrypt_json(ETHERS_V6, ETHERS_PASSWORD).expect("decrypts");
    assert_eq!(signer.address(), ETHERS_ADDRESS);
    assert_eq!(signer.to_bytes(), ETHERS_KEY);
    let keystore: Keystore = ETHERS_V6.parse().expect("reads");
    assert_eq!(keystore.address, Some(ETHERS_ADDRESS));
    assert_eq!(keystore.id, "417f317d-f87c-4f60-ac73-e64897b3de23");
}

#[test]
fn round_trip_writes_what_ethers_writes() {
    let (signer, keystore) = fast_keystore("correct horse");
    let decrypted = decrypt(&keystore, "correct horse").expect("decrypts");
    assert_eq!(decrypted.to_bytes(), signer.to_bytes());

    let json: Value = serde_json::from_str(&keystore.to_json()).expect("JSON");
    let lower_hex = |v: &Value, len: usize| {
        let s = v.as_str().expect("a string");
        assert_eq!(s.len(), 2 * len, "{s}");
        assert!(
            s.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{s}"
        );
    };
    assert_eq!(json["version"], 3);
    lower_hex(&json["address"], 20);
    assert_eq!(json["address"], hex::encode(signer.address()));
    let crypto = &json["crypto"];
    assert_eq!(crypto["cipher"], "aes-128-ctr");
    lower_hex(&crypto["cipherparams"]["iv"], 16);
    lower_hex(&crypto["ciphertext"], 32);
    lower_hex(&crypto["mac"], 32);
    assert_eq!(crypto["kdf"], "scrypt");
    let params = &crypto["kdfparams"];
    let mut keys: Vec<&String> = params.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["dklen", "n", "p", "r", "salt"]);
    assert_eq!(
        (&params["n"], &params["r"], &params["p"], &params["dklen"]),
        (&json!(1024), &json!(8), &json!(1), &json!(32))
    );
    lower_hex(&params["salt"], 32);

    let id = uuid::Uuid::parse_str(json["id"].as_str().expect("a string")).expect("a UUID");
    assert_eq!(id.get_version_num(), 4);
    assert_eq!(json["id"], id.hyphenated().to_string());

    assert_eq!(
        Keystore::from_json(&keystore.to_json()).expect("reads back"),
        keystore
    );

    // Fresh salt, IV and id each time.
    let again = encrypt_with(&signer, "correct horse", FAST).expect("encrypts");
    assert_ne!(again.crypto.kdfparams.salt, keystore.crypto.kdfparams.salt);
    assert_ne!(
        again.crypto.cipherparams.iv,
        keystore.crypto.cipherparams.iv
    );
    assert_ne!(again.id, keystore.id);
}

#[test]
fn default_cost_is_two_to_the_seventeen() {
    assert_eq!(ScryptCost::default().log_n, 17);
    let signer = PrivateKeySigner::random();
    let keystore = encrypt(&signer, "pw").expect("encrypts");
    let params = &keystore.crypto.kdfparams;
    assert_eq!(
        (params.n, params.r, params.p, params.dklen),
        (Some(131_072), Some(8), Some(1), 32)
    );
    assert_eq!(
        decrypt(&keystore, "pw").expect("decrypts").address(),
        signer.address()
    );
}

#[test]
fn wrong_password_names_the_wallet() {
    let (signer, keystore) = fast_keystore("right");
    let err = decrypt(&keystore, "wrong").expect_err("wrong password");
    assert!(
        matches!(err, ClientError::WrongPassword { address: Some(a) } if a == signer.address()),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("wrong password for wallet {}", signer.address())),
        "{message}"
    );

    let err = decrypt_json(SPEC_PBKDF2, "nope").expect_err("wrong password");
    assert!(
        matches!(err, ClientError::WrongPassword { address: None }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("wrong password for the wallet"),
        "{err}"
    );
}

#[test]
fn tampered_ciphertext_fails_the_mac() {
    let (_, mut keystore) = fast_keystore("pw");
    keystore.crypto.ciphertext[0] ^= 1;
    assert!(matches!(
        decrypt(&keystore, "pw"),
        Err(ClientError::WrongPassword { .. })
    ));

    let (_, mut keystore) = fast_keystore("pw");
    keystore.crypto.mac[31] ^= 0x80;
    assert!(matches!(
        decrypt(&keystore, "pw"),
        Err(ClientError::WrongPassword { .. })
    ));
}

#[test]
fn address_mismatch_is_detected() {
    let (signer, keystore) = fast_keystore("pw");
    let other = PrivateKeySigner::random().address();
    let forged = edited(&keystore, |v| v["address"] = json!(hex::encode(other)));
    match decrypt(&forged, "pw") {
        Err(ClientError::KeystoreAddressMismatch { stated, actual }) => {
            assert_eq!(stated, other);
            assert_eq!(actual, signer.address());
        }
        other => panic!("expected KeystoreAddressMismatch, got {other:?}"),
    }
    // No address at all is fine.
    let anonymous = edited(&keystore, |v| {
        v.as_object_mut().expect("an object").remove("address");
    });
    assert_eq!(
        decrypt(&anonymous, "pw").expect("decrypts").address(),
        signer.address()
    );
}

#[test]
fn field_names_and_hex_are_read_leniently() {
    let (signer, keystore) = fast_keystore("pw");
    let mut json = keystore.to_json();
    for (from, to) in [
        ("\"crypto\"", "\"Crypto\""),
        ("\"cipherparams\"", "\"CipherParams\""),
        ("\"kdfparams\"", "\"KDFParams\""),
        ("\"mac\"", "\"MAC\""),
        ("\"version\"", "\"Version\""),
    ] {
        json = json.replace(from, to);
    }
    // A checksummed address with 0x, and a 0x-prefixed salt.
    json = json.replace(
        &hex::encode(signer.address()),
        &signer.address().to_string(),
    );
    let salt = hex::encode(&keystore.crypto.kdfparams.salt);
    json = json.replace(&salt, &format!("0x{salt}"));
    let read = Keystore::from_json(&json).expect("reads");
    assert_eq!(read, keystore);
    assert_eq!(
        decrypt(&read, "pw").expect("decrypts").address(),
        signer.address()
    );
}

#[test]
fn non_keystores_are_refused() {
    for (json, needle) in [
        ("not json", "not JSON"),
        ("[1, 2]", "not an object"),
        (r#"{"version": 3}"#, "crypto"),
        (
            &SPEC_PBKDF2.replace("\"version\" : 3", "\"version\" : 1"),
            "version 1",
        ),
        (&SPEC_PBKDF2.replace("517ead92", "zz7ead92"), "invalid hex"),
        (&SPEC_PBKDF2.replace("\"mac\" :", "\"nomac\" :"), "mac"),
    ] {
        match Keystore::from_json(json) {
            Err(err @ ClientError::InvalidKeystore { path: None, .. }) => {
                let message = err.to_string();
                assert!(message.contains(needle), "{message}");
                assert!(
                    message.starts_with("the keystore is not a usable V3 keystore"),
                    "{message}"
                );
            }
            other => panic!("expected InvalidKeystore for {json}, got {other:?}"),
        }
    }
}

#[test]
fn malformed_lengths_are_refused_before_deriving() {
    let (_, keystore) = fast_keystore("pw");
    let cases: [fn(&mut Keystore); 3] = [
        |k| k.crypto.cipherparams.iv.truncate(8),
        |k| k.crypto.ciphertext.push(0),
        |k| k.crypto.mac.truncate(20),
    ];
    for edit in cases {
        let mut k = keystore.clone();
        edit(&mut k);
        assert!(matches!(
            decrypt(&k, "pw"),
            Err(ClientError::InvalidKeystore { .. })
        ));
    }
}

#[test]
fn absurd_kdf_params_are_refused_quickly() {
    let (_, keystore) = fast_keystore("pw");
    let pbkdf2 = Keystore::from_json(SPEC_PBKDF2).expect("reads");
    let started = std::time::Instant::now();
    let scrypt_cases: [(&str, Value); 9] = [
        ("n", json!(3)),
        ("n", json!(0)),
        ("n", json!(1)),
        ("n", json!(1u64 << 21)),
        ("n", json!(1u64 << 63)),
        ("r", json!(0)),
        ("r", json!(1 << 14)),
        ("p", json!(0)),
        ("p", json!(1000)),
    ];
    for (field, value) in scrypt_cases {
        let k = edited(&keystore, |v| {
            v["crypto"]["kdfparams"][field] = value.clone()
        });
        match decrypt(&k, "pw") {
            Err(err @ ClientError::KeystoreKdfParams { .. }) => {
                assert!(
                    err.to_string().contains(&format!("scrypt {field}")),
                    "{err}"
                );
            }
            other => panic!("expected KeystoreKdfParams for {field} = {value}, got {other:?}"),
        }
    }
    for dklen in [0, 16, 31, 65, 1 << 20] {
        let k = edited(&keystore, |v| {
            v["crypto"]["kdfparams"]["dklen"] = json!(dklen)
        });
        assert!(
            matches!(
                decrypt(&k, "pw"),
                Err(ClientError::KeystoreKdfParams { .. })
            ),
            "{dklen}"
        );
    }
    for c in [0, MAX_PBKDF2_ROUNDS + 1, u32::MAX] {
        let k = edited(&pbkdf2, |v| v["crypto"]["kdfparams"]["c"] = json!(c));
        assert!(
            matches!(
                decrypt(&k, "pw"),
                Err(ClientError::KeystoreKdfParams { .. })
            ),
            "{c}"
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Missing parameters, unknown functions.
    let k = edited(&keystore, |v| {
        v["crypto"]["kdfparams"]
            .as_object_mut()
            .expect("an object")
            .remove("n");
    });
    assert!(matches!(
        decrypt(&k, "pw"),
        Err(ClientError::InvalidKeystore { .. })
    ));
    let k = edited(&keystore, |v| v["crypto"]["kdf"] = json!("argon2"));
    assert!(matches!(
        decrypt(&k, "pw"),
        Err(ClientError::UnsupportedKeystore { .. })
    ));
    let k = edited(&keystore, |v| v["crypto"]["cipher"] = json!("aes-128-cbc"));
    assert!(matches!(
        decrypt(&k, "pw"),
        Err(ClientError::UnsupportedKeystore { .. })
    ));
    let k = edited(&pbkdf2, |v| {
        v["crypto"]["kdfparams"]["prf"] = json!("hmac-sha512")
    });
    assert!(matches!(
        decrypt(&k, "pw"),
        Err(ClientError::UnsupportedKeystore { .. })
    ));
}

#[test]
fn encrypt_refuses_absurd_costs() {
    let signer = PrivateKeySigner::random();
    for log_n in [0, MAX_SCRYPT_LOG_N + 1, 64, u8::MAX] {
        assert!(
            matches!(
                encrypt_with(&signer, "pw", ScryptCost::new(log_n)),
                Err(ClientError::KeystoreKdfParams { .. })
            ),
            "{log_n}"
        );
    }
}

#[test]
fn a_right_mac_over_an_invalid_key_is_refused() {
    // A keystore whose MAC is right but whose plaintext is the zero scalar.
    let (_, mut keystore) = fast_keystore("pw");
    let params = &keystore.crypto.kdfparams;
    let derived = Kdf::Scrypt {
        log_n: 10,
        r: 8,
        p: 1,
    }
    .derive(b"pw", &params.salt, params.dklen)
    .expect("derives");
    let mut ciphertext = vec![0u8; 32];
    aes_128_ctr(&derived, &keystore.crypto.cipherparams.iv, &mut ciphertext);
    keystore.crypto.mac = mac(&derived, &ciphertext).to_vec();
    keystore.crypto.ciphertext = ciphertext;
    let err = decrypt(&keystore, "pw").expect_err("the zero key");
    assert!(
        matches!(err, ClientError::InvalidKeystore { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("not a valid secp256k1 private key"),
        "{err}"
    );
}
