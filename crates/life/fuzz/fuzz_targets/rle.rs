//! Arbitrary bytes (as lossy UTF-8) into the RLE reader: it must never panic, and whatever it
//! accepts must survive write → read unchanged, through RLE and through plaintext.
#![no_main]

use colony_life::pattern;
use colony_life::Rule;
use libfuzzer_sys::fuzz_target;

/// A header may declare any size; keeping boards small lets libFuzzer's memory limit catch leaks
/// and blow-ups in the parser rather than honest allocations of the declared board.
const MAX_CELLS: u64 = 1 << 22;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(parsed) = pattern::parse_rle_with_limit(&text, MAX_CELLS) else {
        return;
    };
    let rule = parsed.rule.unwrap_or(Rule::CONWAY);
    let written = pattern::write_rle(&parsed.board, rule, parsed.grid, parsed.name.as_deref());
    let back = match pattern::parse_auto_with_limit(&written, MAX_CELLS) {
        Ok(back) => back,
        Err(e) => panic!("written RLE does not parse: {e}\n{written}"),
    };
    assert_eq!(back.board, parsed.board, "{written}");
    assert_eq!(back.rule, Some(rule));
    assert_eq!(back.grid, parsed.grid);
    assert_eq!(back.name, parsed.name);

    let plain = pattern::write_plaintext(&parsed.board, parsed.name.as_deref());
    let back = match pattern::parse_auto_with_limit(&plain, MAX_CELLS) {
        Ok(back) => back,
        Err(e) => panic!("written plaintext does not parse: {e}\n{plain}"),
    };
    assert_eq!(back.board, parsed.board);
    assert_eq!(back.name, parsed.name);
});
