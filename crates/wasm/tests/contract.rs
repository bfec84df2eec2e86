#![cfg(not(target_arch = "wasm32"))]
//! The Rust↔JS contract (`crates/wasm/src/contract.rs`) and the loader's copy of it
//! (`js/package/contract.js`, generated): they must not disagree.
use std::path::Path;

use taapit_wasm::contract::{javascript, js_const, Call, Change, SourceCode, StorageCode, Text};

const GENERATED: &str = "js/package/contract.js";

fn root() -> &'static Path {
    // The repository's root: the loader's files are in js/package/ there.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The committed `js/package/contract.js` is what the enums give. With
/// `UPDATE_CONTRACT=1`, the test writes it first (after a change to the enums).
#[test]
fn the_loaders_copy_of_the_codes_is_generated_from_the_rust_enums() {
    let path = root().join(GENERATED);
    let expected = javascript();
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &expected).expect("write js/package/contract.js");
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
/// entries of `read` and `change` in `js/package/loader.js`), and makes every call.
#[test]
fn the_loader_handles_every_code() {
    let loader = std::fs::read_to_string(root().join("js/package/loader.js")).unwrap();
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

// The options and the `taapit:change` event: every JavaScript and TypeScript mention of them
// against their declarations (`contract::OPTIONS`, `taapit_core::event`). Each check returns
// what it found wrong, so that the tests below can also show it catches a drifted copy.

use taapit_core::event::{detail, CALLS, CHANGE_EVENT, DETAIL_FIELDS};
use taapit_core::Options;
use taapit_wasm::contract::OPTIONS;

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// One field of a TypeScript interface: its name, its type, and the doc comment above it.
#[derive(Debug)]
struct Field {
    name: String,
    ts_type: String,
    doc: String,
}

/// The fields of `interface <name> { … }` in `source` (one field a line, as the `.d.ts` files
/// write them); `None` when there is no such interface.
fn interface(source: &str, name: &str) -> Option<Vec<Field>> {
    let start = source.find(&format!("interface {name} {{"))?;
    let body = &source[start..];
    let body = &body[body.find('\n')? + 1..];
    let mut fields = Vec::new();
    let mut doc = String::new();
    for line in body.lines() {
        let line = line.trim();
        if line == "}" {
            return Some(fields);
        }
        if line.starts_with("/**") || line.starts_with('*') {
            doc.push_str(line);
            doc.push(' ');
            continue;
        }
        let Some((name, ts_type)) = line
            .strip_suffix(';')
            .and_then(|field| field.split_once(": "))
        else {
            continue;
        };
        fields.push(Field {
            name: name.trim_end_matches('?').to_owned(),
            ts_type: ts_type.to_owned(),
            doc: std::mem::take(&mut doc),
        });
    }
    None
}

/// How the docs write a default: the JavaScript value in backquotes, `none` for no entry.
fn documented_default(default: &str) -> String {
    if default == "[]" {
        "none".to_owned()
    } else {
        format!("`{default}`")
    }
}

/// `index.d.ts`'s `CaptureOptions`: the declared options, in order, each with its declared
/// type (optional, `| undefined` allowed) and its default in its doc comment.
fn capture_options_problems(index_d_ts: &str) -> Vec<String> {
    let Some(fields) = interface(index_d_ts, "CaptureOptions") else {
        return vec!["index.d.ts has no CaptureOptions".into()];
    };
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let declared: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
    let mut problems = Vec::new();
    if names != declared {
        problems.push(format!(
            "CaptureOptions lists {names:?}, the contract {declared:?}"
        ));
    }
    for option in OPTIONS {
        let Some(field) = fields.iter().find(|f| f.name == option.name) else {
            continue;
        };
        let expected = format!("{} | undefined", option.ts_type);
        if field.ts_type != expected {
            problems.push(format!(
                "CaptureOptions.{}: `{}`, the contract `{expected}`",
                option.name, field.ts_type
            ));
        }
        let default = format!("Default {}", documented_default(option.default));
        if !field.doc.contains(&default) {
            problems.push(format!(
                "CaptureOptions.{}: its comment does not say `{default}`: {}",
                option.name, field.doc
            ));
        }
    }
    problems
}

/// The README's options table: one row per declared option, in order, with its Rust field and
/// its default.
fn readme_options_problems(readme: &str) -> Vec<String> {
    let Some(start) = readme.find("| option (JS) | Rust field | default |") else {
        return vec!["the README has no options table".into()];
    };
    let rows: Vec<Vec<&str>> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| line.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let mut problems = Vec::new();
    if rows.len() != OPTIONS.len() {
        problems.push(format!(
            "the README's options table has {} rows, the contract {} options",
            rows.len(),
            OPTIONS.len()
        ));
    }
    for (row, option) in rows.iter().zip(OPTIONS) {
        let expected = [
            format!("`{}`", option.name),
            format!("`{}`", option.field),
            documented_default(option.default),
        ];
        if row.len() < 3 || row[..3] != expected {
            problems.push(format!("README row {row:?}, the contract {expected:?}"));
        }
    }
    problems
}

/// Every `taapit:…` string in a source is the event's name, and each of `must_name` names it.
fn event_name_problems(file: &str, source: &str, must_name: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut named = false;
    for quote in ['\'', '"'] {
        for (i, _) in source.match_indices(&format!("{quote}taapit:")) {
            let rest = &source[i + 1..];
            let text = &rest[..rest.find(quote).unwrap_or(rest.len())];
            if text == CHANGE_EVENT {
                named = true;
            } else {
                problems.push(format!(
                    "{file}: event name {text:?}, the contract {CHANGE_EVENT:?}"
                ));
            }
        }
    }
    if must_name && !named {
        problems.push(format!("{file} does not name {CHANGE_EVENT:?}"));
    }
    problems
}

/// The fields of a capture's result: the event's detail without `call`.
fn result_fields() -> Vec<&'static str> {
    DETAIL_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != detail::CALL)
        .collect()
}

/// The keys of the first object literal after `marker` in `source` (`{ a: …, b: … }`, one
/// level: the values hold no braces or colons).
fn object_keys<'a>(source: &'a str, marker: &str) -> Option<Vec<&'a str>> {
    let after = &source[source.find(marker)?..];
    let body = &after[after.find('{')? + 1..];
    let body = &body[..body.find('}')?];
    Some(
        body.split(',')
            .filter_map(|entry| entry.split_once(':').map(|(key, _)| key.trim()))
            // What a value's own commas split off (`text(p, l)`) is no key.
            .filter(|key| !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric()))
            .collect(),
    )
}

/// The `.d.ts` files: `TaapitChangeDetail` and `CaptureResult` have the contract's fields,
/// `call` its calls, and both files declare the event on `WindowEventMap` by its name.
fn type_problems(index_d_ts: &str, taapit_d_ts: &str) -> Vec<String> {
    let mut problems = Vec::new();
    match interface(index_d_ts, "TaapitChangeDetail") {
        None => problems.push("index.d.ts has no TaapitChangeDetail".into()),
        Some(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            if names != DETAIL_FIELDS {
                problems.push(format!(
                    "TaapitChangeDetail has {names:?}, the contract {DETAIL_FIELDS:?}"
                ));
            }
            let calls: Vec<String> = CALLS.iter().map(|c| format!("\"{c}\"")).collect();
            let calls = calls.join(" | ");
            if !fields
                .iter()
                .any(|f| f.name == detail::CALL && f.ts_type == calls)
            {
                problems.push(format!("TaapitChangeDetail.call is not `{calls}`"));
            }
        }
    }
    match interface(index_d_ts, "CaptureResult") {
        None => problems.push("index.d.ts has no CaptureResult".into()),
        Some(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            if names != result_fields() {
                problems.push(format!(
                    "CaptureResult has {names:?}, the contract {:?}",
                    result_fields()
                ));
            }
        }
    }
    let declared = format!("'{CHANGE_EVENT}': CustomEvent<TaapitChangeDetail>;");
    for (file, source) in [("index.d.ts", index_d_ts), ("taapit.d.ts", taapit_d_ts)] {
        if !source.contains(&declared) {
            problems.push(format!("{file} does not declare `{declared}`"));
        }
        problems.extend(event_name_problems(file, source, true));
    }
    problems
}

/// `wrapper.js` fires the event by its name, after the contract's calls, with the detail's
/// fields: the result's (its empty result `nothing`, and the loader's result object, whose
/// fields the detail copies), then `trackingId` and `call`.
fn wrapper_problems(wrapper: &str, loader: &str) -> Vec<String> {
    let mut problems = event_name_problems("wrapper.js", wrapper, true);
    let results = [
        (
            "wrapper.js's `nothing`",
            object_keys(wrapper, "var nothing ="),
        ),
        ("loader.js's capture result", object_keys(loader, "done({")),
    ];
    for (what, keys) in results {
        if keys.as_deref() != Some(&result_fields()[..]) {
            problems.push(format!(
                "{what} has {keys:?}, the contract {:?}",
                result_fields()
            ));
        }
    }
    for field in [detail::TRACKING_ID, detail::CALL] {
        if !wrapper.contains(&format!("detail.{field} = ")) {
            problems.push(format!("wrapper.js does not set detail.{field}"));
        }
    }
    let fired: Vec<&str> = wrapper
        .split("changed('")
        .skip(1)
        .filter_map(|rest| rest.split_once('\'').map(|(call, _)| call))
        .collect();
    if fired != CALLS {
        problems.push(format!(
            "wrapper.js fires after {fired:?}, the contract {CALLS:?}"
        ));
    }
    problems
}

/// The options: their names are the core's, each declared default reads as the core's
/// default without a refusal, and each string its TypeScript type allows is accepted.
#[test]
fn the_declared_options_are_the_cores() {
    let mut core: Vec<&str> = taapit_core::options::names().collect();
    let mut declared: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
    core.sort_unstable();
    declared.sort_unstable();
    assert_eq!(
        declared, core,
        "contract::OPTIONS against Options::read's names"
    );

    // The option list's text of a JavaScript value, as loader.js's optionList writes it.
    let text = |value: &str| -> String {
        let value = value.trim_start_matches('[').trim_end_matches(']');
        value
            .split(',')
            .map(|v| v.trim().trim_matches('"'))
            .collect::<Vec<_>>()
            .join(",")
    };
    // What reading `name\x01value` says with `debug` on (nothing: accepted).
    let refusals = |name: &str, value: &str| {
        let mut said = Vec::new();
        let list = format!("{name}\u{1}{value}\0debug\u{1}true");
        Options::read(&list, |parts| said.push(parts.concat()));
        said
    };
    let options_rs = read("crates/core/src/options.rs");
    for option in OPTIONS {
        assert!(
            options_rs.contains(&format!("    pub {}: ", option.field)),
            "{}: Options has no field {}",
            option.name,
            option.field
        );
        let value = text(option.default);
        let read = Options::read(&format!("{}\u{1}{value}", option.name), |_| {});
        assert_eq!(
            read,
            Options::default(),
            "{}: default {}",
            option.name,
            option.default
        );
        if option.default == "[]" {
            continue; // an empty list is no entry at all: the default by definition
        }
        assert_eq!(
            refusals(option.name, &value),
            Vec::<String>::new(),
            "{}",
            option.name
        );
        for allowed in option.ts_type.split(" | ") {
            if let Some(literal) = allowed.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
                assert_eq!(
                    refusals(option.name, literal),
                    Vec::<String>::new(),
                    "{}: the type allows {allowed}",
                    option.name
                );
            }
        }
    }
}

#[test]
fn index_d_ts_and_the_readme_list_the_declared_options() {
    assert_eq!(
        capture_options_problems(&read("js/package/index.d.ts")),
        Vec::<String>::new()
    );
    assert_eq!(
        readme_options_problems(&read("README.md")),
        Vec::<String>::new()
    );
}

#[test]
fn every_surface_names_the_event_and_its_detail_as_declared() {
    let index_d_ts = read("js/package/index.d.ts");
    let wrapper = read("js/package/wrapper.js");
    let loader = read("js/package/loader.js");
    let mut problems = type_problems(&index_d_ts, &read("js/package/taapit.d.ts"));
    problems.extend(wrapper_problems(&wrapper, &loader));
    for (file, must_name) in [
        ("js/package/react.js", true),
        ("js/package/react.d.ts", false),
        ("js/package/index.js", false),
        ("js/package/loader.js", false),
        ("js/tag/taapit.js", false),
    ] {
        problems.extend(event_name_problems(file, &read(file), must_name));
    }
    let react = read("js/package/react.js");
    for listens in ["addEventListener", "removeEventListener"] {
        if !react.contains(&format!("{listens}('{CHANGE_EVENT}'")) {
            problems.push(format!("react.js does not {listens} {CHANGE_EVENT:?}"));
        }
    }
    assert_eq!(problems, Vec::<String>::new());
}

/// The checks above catch a drifted copy: a renamed field, option, type, default, call or
/// event name in any one surface.
#[test]
fn a_drifted_mention_is_caught() {
    let index_d_ts = read("js/package/index.d.ts");
    let taapit_d_ts = read("js/package/taapit.d.ts");
    let wrapper = read("js/package/wrapper.js");
    let loader = read("js/package/loader.js");
    let readme = read("README.md");
    let drift = |source: &str, from: &str, to: &str| {
        assert!(source.contains(from), "{from:?} is in the file to drift");
        source.replacen(from, to, 1)
    };
    let renamed = drift(
        &index_d_ts,
        "  expiresAt?: number | null;",
        "  expiresOn?: number | null;",
    );
    assert!(!type_problems(&renamed, &taapit_d_ts).is_empty());
    let call = drift(
        &index_d_ts,
        "\"grant\" | \"revoke\"",
        "\"grant\" | \"revoked\"",
    );
    assert!(!type_problems(&call, &taapit_d_ts).is_empty());
    let event = drift(&taapit_d_ts, "'taapit:change'", "'taapit:changed'");
    assert!(!type_problems(&index_d_ts, &event).is_empty());
    let result = drift(&loader, "expiresAt: expiresAt", "expiry: expiresAt");
    assert!(!wrapper_problems(&wrapper, &result).is_empty());
    let fired = drift(&wrapper, "changed('grant'", "changed('granted'");
    assert!(!wrapper_problems(&fired, &loader).is_empty());
    let option = drift(&index_d_ts, "  stripParam?:", "  stripParams?:");
    assert!(!capture_options_problems(&option).is_empty());
    let default = drift(&index_d_ts, "Default `90`", "Default `30`");
    assert!(!capture_options_problems(&default).is_empty());
    let types = drift(
        &index_d_ts,
        "\"lax\" | \"strict\" | \"none\" | undefined",
        "string | undefined",
    );
    assert!(!capture_options_problems(&types).is_empty());
    let row = drift(
        &readme,
        "| `debug` | `debug` | `false` |",
        "| `debug` | `debug` | `true` |",
    );
    assert!(!readme_options_problems(&row).is_empty());
}

/// The README's "What `debug` says" rows that disagree with the notes' codes and words
/// (`taapit_core::note::Note`): the plain script tag prints the code, so the table is how a
/// reader finds the words. A row is `| <code> | \`<words>\` | …`, the details written `<…>`;
/// one row may give two notes as `8 / 9` and `` `a` / `b` ``.
fn readme_notes_problems(readme: &str) -> Vec<String> {
    use taapit_core::note::Note;
    let Some(section) = readme.split("### What `debug` says").nth(1) else {
        return vec!["README.md has no \"What `debug` says\" section".into()];
    };
    let section = section.split("\n#").next().unwrap_or_default();
    let mut listed = vec![false; Note::ALL.len()];
    let mut problems = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let codes: Vec<usize> = match cells[0]
            .trim_start_matches("| ")
            .split(" / ")
            .map(|code| code.trim().parse())
            .collect()
        {
            Ok(codes) => codes,
            Err(_) => continue, // the header
        };
        let words: Vec<String> = cells
            .get(1)
            .unwrap_or(&"")
            .split(" / ")
            .map(|quoted| {
                // `<name>`, `<value>`, …: the note's `%`.
                let mut out = String::new();
                let mut inside = false;
                for c in quoted.trim().trim_matches('`').chars() {
                    match c {
                        '<' => {
                            inside = true;
                            out.push('%');
                        }
                        '>' if inside => inside = false,
                        _ if inside => {}
                        _ => out.push(c),
                    }
                }
                out
            })
            .collect();
        if codes.len() != words.len() {
            problems.push(format!("{row}: as many codes as messages"));
            continue;
        }
        for (code, words) in codes.into_iter().zip(words) {
            match Note::ALL.get(code) {
                Some(note) if note.text() == words => listed[code] = true,
                Some(note) => problems.push(format!(
                    "README note {code}: {words:?}, the core says {:?}",
                    note.text()
                )),
                None => problems.push(format!("README note {code}: no such note")),
            }
        }
    }
    for (code, listed) in listed.into_iter().enumerate() {
        if !listed {
            problems.push(format!("README lists no note {code}"));
        }
    }
    problems
}

#[test]
fn the_readme_gives_each_debug_note_its_code_and_words() {
    assert_eq!(
        readme_notes_problems(&read("README.md")),
        Vec::<String>::new()
    );
    let drifted =
        read("README.md").replace("| 6 | `refused the cookie", "| 7 | `refused the cookie");
    assert!(!readme_notes_problems(&drifted).is_empty());
}
