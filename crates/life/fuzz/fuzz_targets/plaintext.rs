//! Arbitrary bytes (as lossy UTF-8) into the plaintext reader: it must never panic, and whatever
//! it accepts must survive write → read unchanged, through plaintext and through RLE.
#![no_main]

use colony_life::pattern;
use colony_life::Rule;
use libfuzzer_sys::fuzz_target;

/// Plaintext boards grow with the text (a long line times many lines), so cap them as in `rle`.
const MAX_CELLS: u64 = 1 << 22;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(parsed) = pattern::parse_plaintext_with_limit(&text, MAX_CELLS) else {
        return;
    };
    assert_eq!(parsed.rule, None);
    let plain = pattern::write_plaintext(&parsed.board, parsed.name.as_deref());
    let back = match pattern::parse_auto_with_limit(&plain, MAX_CELLS) {
        Ok(back) => back,
        Err(e) => panic!("written plaintext does not parse: {e}\n{plain}"),
    };
    assert_eq!(back.board, parsed.board, "{plain}");
    assert_eq!(back.name, parsed.name);

    let written = pattern::write_rle(&parsed.board, Rule::CONWAY, None, parsed.name.as_deref());
    let back = match pattern::parse_auto_with_limit(&written, MAX_CELLS) {
        Ok(back) => back,
        Err(e) => panic!("written RLE does not parse: {e}\n{written}"),
    };
    assert_eq!(back.board, parsed.board, "{written}");
    assert_eq!(back.name, parsed.name);
});
