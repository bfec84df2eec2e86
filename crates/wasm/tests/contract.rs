#![cfg(not(target_arch = "wasm32"))]
//! The Rust↔JS contract (`crates/wasm/src/contract.rs`) and the loader's copy of it
//! (`pkg-template/contract.js`, generated): they must not disagree.
use std::path::Path;

use taapit_wasm::contract::{javascript, js_const, Call, Change, SourceCode, StorageCode, Text};

const GENERATED: &str = "pkg-template/contract.js";

fn root() -> &'static Path {
    // The repository's root: the loader's files are in pkg-template/ there.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
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
        "{GENERATED} differs from crates/wasm/src/contract.rs: run \
         `UPDATE_CONTRACT=1 cargo test -p taapit-wasm --test contract` and commit it.\n\
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

/// The loader has one reader for every text and one handler for every change the module can
/// ask for, in code order (the `/* TEXT_… */` and `/* CHANGE_… */` comments that name the
/// entries of `read` and `change` in `pkg-template/loader.js`), and makes every call.
#[test]
fn the_loader_handles_every_code() {
    let loader = std::fs::read_to_string(root().join("pkg-template/loader.js")).unwrap();
    let named = |prefix: &str| -> Vec<String> {
        loader
            .split("/* ")
            .skip(1)
            .filter_map(|rest| rest.split_once(" */").map(|(name, _)| name))
            .filter(|name| name.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    };
    let texts: Vec<String> = Text::ALL
        .iter()
        .map(|t| js_const("TEXT", t.js_name()))
        .collect();
    let changes: Vec<String> = Change::ALL
        .iter()
        .map(|c| js_const("CHANGE", c.js_name()))
        .collect();
    assert_eq!(named("TEXT_"), texts, "the loader's readers, in code order");
    assert_eq!(
        named("CHANGE_"),
        changes,
        "the loader's changes, in code order"
    );
    for c in Call::ALL {
        let name = js_const("CALL", c.js_name());
        assert!(
            loader.contains(&format!("call({name}")),
            "the loader makes {name}"
        );
    }
}
