#![cfg(not(target_arch = "wasm32"))]
//! The Rust↔JS contract (`src/standalone/contract.rs`) and the loader's copy of it
//! (`pkg-template/contract.js`, generated): they must not disagree.
use std::path::Path;

use taapit_capture::internal::contract::{javascript, Call, Change, SourceCode, StorageCode, Text};

const GENERATED: &str = "pkg-template/contract.js";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed `pkg-template/contract.js` is what the enums give. With
/// `UPDATE_CONTRACT=1`, the test writes it first (after a change to the enums).
#[test]
fn the_loaders_copy_of_the_codes_is_generated_from_the_rust_enums() {
    let path = root().join(GENERATED);
    let expected = javascript();
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &expected).expect("write pkg-template/contract.js");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{GENERATED} differs from src/standalone/contract.rs: run \
         `UPDATE_CONTRACT=1 cargo test --test contract` and commit it.\n\
         expected:\n{expected}\ncommitted:\n{committed}"
    );
}

/// Each code is its position in `ALL`, which is what the generated lists index by.
#[test]
fn codes_are_positions() {
    for (i, c) in Call::ALL.iter().enumerate() {
        assert_eq!(*c as usize, i);
        assert_eq!(Call::from_code(i as u32), Some(*c));
    }
    assert_eq!(Call::from_code(Call::ALL.len() as u32), None);
    assert_eq!(Call::from_code(u32::MAX), None);
    for (i, t) in Text::ALL.iter().enumerate() {
        assert_eq!(*t as usize, i);
    }
    for (i, c) in Change::ALL.iter().enumerate() {
        assert_eq!(*c as usize, i);
    }
    for (i, s) in SourceCode::ALL.iter().enumerate() {
        assert_eq!(*s as usize, i);
    }
    for (i, s) in StorageCode::ALL.iter().enumerate() {
        assert_eq!(*s as usize, i);
    }
}

/// The loader has a reader for every text and a handler for every change the module can ask
/// for (an object key of that name in `pkg-template/loader.js`), and no other.
#[test]
fn the_loader_handles_every_text_and_change() {
    let loader = std::fs::read_to_string(root().join("pkg-template/loader.js")).unwrap();
    let keys_of = |object: &str| -> Vec<String> {
        let start = loader
            .find(&format!("var {object} = {{"))
            .unwrap_or_else(|| panic!("loader.js has no `var {object} = {{`"));
        let body = &loader[start..];
        let body = &body[..body.find("\n  };").expect("the object's end")];
        body.lines()
            .skip(1)
            .filter_map(|line| {
                let line = line.trim_start();
                let name = line.split(':').next()?;
                (!line.starts_with("//") && name.chars().all(|c| c.is_ascii_alphanumeric()))
                    .then(|| name.to_owned())
            })
            .filter(|name| !name.is_empty())
            .collect()
    };
    let texts: Vec<String> = Text::ALL.iter().map(|t| t.js_name().to_owned()).collect();
    let changes: Vec<String> = Change::ALL.iter().map(|c| c.js_name().to_owned()).collect();
    assert_eq!(keys_of("readers"), texts, "the loader's readers");
    assert_eq!(keys_of("changes"), changes, "the loader's changes");
}
