//! The RLE header line, `x = W, y = H, rule = R`.

use crate::pattern::{parse_error, parse_rule_with_grid, Grid};
use crate::{Result, Rule};

/// Golly's test: an `x` followed by a blank or `=` starts the header (a lone `x` could be cells).
pub(super) fn is_header(body: &str) -> bool {
    let mut chars = body.chars();
    chars.next() == Some('x') && chars.next().is_none_or(|c| c.is_whitespace() || c == '=')
}

/// What the header declares: the size (and where the width was written, for size errors) and
/// the rule with its grid, if any.
pub(super) struct Header {
    pub(super) width: u64,
    pub(super) height: u64,
    pub(super) width_column: usize,
    pub(super) rule: Option<(Rule, Option<Grid>)>,
}

/// Parses `x = W, y = H[, rule = R]` (spaces optional, a trailing comma allowed) from `body`, whose
/// first character sits at `column0` of line `line`.
pub(super) fn parse_header(body: &str, line: usize, column0: usize) -> Result<Header> {
    let chars: Vec<char> = body.chars().collect();
    let at = |i: usize| column0 + i;
    let err = |i: usize, message: String| parse_error(line, at(i), message);
    let skip_blanks = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    let (mut width, mut height, mut rule) = (None, None, None);
    let mut i = 0;
    loop {
        skip_blanks(&mut i);
        let key_start = i;
        while chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().collect::<String>().to_ascii_lowercase();
        if key.is_empty() {
            return Err(err(i, "expected a header field (x, y or rule)".into()));
        }
        skip_blanks(&mut i);
        if chars.get(i) != Some(&'=') {
            return Err(err(i, format!("expected '=' after header field `{key}`")));
        }
        i += 1;
        skip_blanks(&mut i);
        let value_start = i;
        match key.as_str() {
            "x" | "y" => {
                let slot = if key == "x" { &mut width } else { &mut height };
                if slot.is_some() {
                    return Err(err(key_start, format!("header field `{key}` given twice")));
                }
                let mut value: u64 = 0;
                while let Some(digit) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    value = value
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(digit)))
                        .ok_or_else(|| err(value_start, format!("`{key}` is too large")))?;
                    i += 1;
                }
                if i == value_start {
                    return Err(err(i, format!("expected a number after `{key} =`")));
                }
                if value == 0 {
                    let what = if key == "x" { "width" } else { "height" };
                    return Err(err(
                        value_start,
                        format!("pattern {what} `{key} = 0` must be at least 1"),
                    ));
                }
                *slot = Some((value, at(value_start)));
            }
            "rule" => {
                if rule.is_some() {
                    return Err(err(key_start, "header field `rule` given twice".into()));
                }
                while chars.get(i).is_some_and(|c| !c.is_whitespace()) {
                    i += 1;
                }
                // As in Golly, a comma ending the rule separates it from a next field.
                let mut end = i;
                if end > value_start && chars[end - 1] == ',' {
                    end -= 1;
                    i = end;
                }
                let text: String = chars[value_start..end].iter().collect();
                if text.is_empty() {
                    return Err(err(value_start, "expected a rule after `rule =`".into()));
                }
                let parsed = parse_rule_with_grid(&text).map_err(|e| err(value_start, e.to_string()))?;
                rule = Some(parsed);
            }
            _ => {
                return Err(err(
                    key_start,
                    format!("unknown header field `{key}` (expected x, y or rule)"),
                ))
            }
        }
        skip_blanks(&mut i);
        match chars.get(i) {
            None => break,
            Some(',') => {
                i += 1;
                skip_blanks(&mut i);
                if i == chars.len() {
                    break;
                }
            }
            Some(c) => return Err(err(i, format!("unexpected {c:?} in the header (expected ',')"))),
        }
    }
    let (Some((width, width_column)), Some((height, _))) = (width, height) else {
        let missing = if width.is_none() { "x = <width>" } else { "y = <height>" };
        return Err(err(chars.len(), format!("the header lacks `{missing}`")));
    };
    Ok(Header {
        width,
        height,
        width_column,
        rule,
    })
}
