//! Browser tests: hostile ids.

use super::*;

/// Values, as typed in the URL, that are not valid ids.
const HOSTILE: [&str; 20] = [
    "bad%3Bid",
    "bad;id",
    "a%20b",
    "a+b",
    "a b",
    "a=b",
    "a%3Db",
    "",
    "%E2%82%AC",
    "%C3%A9t%C3%A9",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "a%00b",
    "%",
    "%zz",
    "a%0D%0ASet-Cookie:%20x=y",
    "ab,cd",
    "%22quoted%22",
    "slash%2Fid",
    "tab%09id",
    "a%2525",
];

/// One query holding every hostile value (and a 129-character id): the first valid value
/// would win, so nothing stored means every one was refused.
fn hostile_query() -> String {
    HOSTILE
        .iter()
        .map(|v| v.to_string())
        .chain([
            "a".repeat(129),
            // Reaches 128 characters only once decoded wrongly (`%41` is one character).
            format!("{}%41", "a".repeat(128)),
        ])
        .map(|v| format!("ta_tid={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[wasm_bindgen_test]
async fn hostile_ids_are_never_written() {
    let _page = fresh(4).await;
    let query = hostile_query();
    for url in [format!("/?{query}"), format!("/#/landing?{query}")] {
        let outcome = landing(&url);
        assert_eq!(outcome.tracking_id, None, "{}", self::url());
        assert_eq!(outcome.storage, None);
        assert_eq!(jar(), "", "nothing written");
        assert_eq!(mirror(), None);
        assert_eq!(tracking_id(), None);
    }
    // Cookies blocked: nothing reaches the mirror either.
    block_cookies("throw");
    let outcome = landing(&format!("/?x=1&{query}"));
    assert_eq!(outcome.tracking_id, None);
    assert_eq!(local_storage().length().unwrap(), 0);
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn hostile_ids_never_overwrite_a_stored_id() {
    let _page = fresh(5).await;
    let query = hostile_query();
    landing("/?ta_tid=keepMe");
    for url in [format!("/?{query}"), format!("/#/landing?{query}")] {
        let outcome = landing(&url);
        assert_eq!(outcome.tracking_id.as_deref(), Some("keepMe"));
        assert_eq!(outcome.source, Some(Source::Stored));
        assert_eq!(jar(), "ta_tid=keepMe");
        assert_eq!(tracking_id().as_deref(), Some("keepMe"));
    }
    // Nor a mirrored one.
    clear();
    block_cookies("throw");
    landing("/?ta_tid=keepMirror");
    let kept = mirror().expect("mirrored");
    landing(&format!("/?{query}"));
    assert_eq!(mirror(), Some(kept));
    assert_eq!(tracking_id().as_deref(), Some("keepMirror"));
}

#[wasm_bindgen_test]
async fn the_longest_valid_id_and_every_allowed_character_are_kept() {
    let _page = fresh(4).await;
    let longest = "a".repeat(128);
    assert_eq!(
        landing(&format!("/?ta_tid={longest}")).tracking_id,
        Some(longest.clone())
    );
    assert_eq!(cookie_values("ta_tid"), [longest]);
    let every = "AZaz09-_.~";
    landing(&format!("/?ta_tid={every}"));
    assert_eq!(cookie_values("ta_tid"), [every]);
    // Escaped allowed characters are decoded first.
    landing("/?ta_tid=%41b%2Dc");
    assert_eq!(cookie_values("ta_tid"), ["Ab-c"]);
    // A valid id after a hostile one is taken.
    assert_eq!(
        landing("/?ta_tid=bad%3B&ta_tid=goodAfter")
            .tracking_id
            .as_deref(),
        Some("goodAfter")
    );
    assert_eq!(jar(), "ta_tid=goodAfter");
}

#[wasm_bindgen_test]
async fn weird_urls_never_panic() {
    let long_query = (0..2000)
        .map(|i| format!("p{i}=v{i}"))
        .collect::<Vec<_>>()
        .join("&");
    let cases = [
        ("/?&&&=&==&=x&ta_tid&ta_tid=&ta_tid", None),
        (
            "/?ta_tid=%E0%A4%A&ta_tid=%FF%FE&%FF=x&ta_tid=okAfterJunk",
            Some("okAfterJunk"),
        ),
        ("/#", None),
        ("/#?", None),
        ("/#ta_tid=notAQuery", None),
        ("/#/a?b?ta_tid=x?y", None),
        ("/#/%E2%82%AC?ta_tid=unicodeRoute", Some("unicodeRoute")),
        ("/d%C3%A9j%C3%A0/?ta_tid=unicodePath", Some("unicodePath")),
        ("/?ta_tid=é", None),
        (
            &format!("/?{long_query}&ta_tid=afterLongQuery"),
            Some("afterLongQuery"),
        ),
        (&format!("/?ta_tid={}", "%".repeat(5000)), None),
    ];
    let _page = fresh(cases.len() as u32).await;
    for (url, expected) in cases {
        let outcome = landing(url);
        let short: String = url.chars().take(60).collect();
        assert_eq!(outcome.tracking_id.as_deref(), expected, "{short}");
        match expected {
            Some(id) => assert_eq!(cookie_values("ta_tid"), [id], "{short}"),
            None => assert_eq!(jar(), "", "{short}"),
        }
        assert_eq!(tracking_id().as_deref(), expected, "{short}");
        clear();
    }
}
