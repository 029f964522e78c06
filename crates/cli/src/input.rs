//! Turning user-supplied names and files into engine values, with errors that name the file.

use std::path::Path;

use anyhow::{Context, Result};
use colony_actors::{Colony, ColonyConfig};
use colony_life::pattern::{self, Format, Pattern, PatternInfo};

/// A pattern from a file path (`.rle`, `.cells`, or sniffed) or, when no such file exists, from
/// the named library.
pub fn load_pattern(spec: &str) -> Result<Pattern> {
    load_pattern_within(spec, colony_life::MAX_CELLS)
}

/// [`load_pattern`], refusing a file whose declared size exceeds `max_cells` before anything is
/// allocated (a 24-byte RLE may declare 2^36 cells).
pub fn load_pattern_within(spec: &str, max_cells: u64) -> Result<Pattern> {
    let path = Path::new(spec);
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read pattern file {}", path.display()))?;
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_path_extension);
        let parsed = match format {
            Some(Format::Rle) => pattern::parse_rle_with_limit(&text, max_cells),
            Some(Format::Plaintext) => pattern::parse_plaintext_with_limit(&text, max_cells),
            None => pattern::parse_auto_with_limit(&text, max_cells),
        };
        // Parse errors carry line:column; prefix the file so the message reads file:line:column.
        return parsed.map_err(|e| anyhow::anyhow!("{}:{e}", path.display()));
    }
    if spec.contains(['/', '.']) {
        anyhow::bail!("pattern file {spec} does not exist");
    }
    pattern::named(spec).map_err(Into::into)
}

/// A pattern's live cells (relative to its top-left cell) and what its file says about them. RLE
/// files are read straight into a list of cells, so a declared extent is never allocated.
pub fn load_cells(spec: &str) -> Result<(PatternInfo, Vec<(i64, i64)>)> {
    let path = Path::new(spec);
    let is_rle = path.exists()
        && match path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_path_extension)
        {
            Some(format) => format == Format::Rle,
            None => std::fs::read_to_string(path).is_ok_and(|t| Format::detect(&t) == Format::Rle),
        };
    if is_rle {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read pattern file {}", path.display()))?;
        let mut cells = Vec::new();
        let info = pattern::read_rle(&text, &mut cells, 0, 0).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        return Ok((info, cells));
    }
    let p = load_pattern(spec)?;
    let cells = p.board.live_cells().map(|(x, y)| (x as i64, y as i64)).collect();
    let info = PatternInfo {
        width: p.board.width() as u64,
        height: p.board.height() as u64,
        rule: p.rule,
        grid: p.grid,
        name: p.name,
        comments: p.comments,
        position: p.position,
        generation: p.generation,
    };
    Ok((info, cells))
}

/// Writes `text` to `path`, naming the file on failure.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Most compute workers a command starts.
pub const MAX_WORKERS: usize = 256;

/// An async runtime and a colony on it with `workers` compute workers (default: one per core).
/// Small steps run inside actor tasks, so the runtime gets one thread per worker too.
pub fn start_colony(workers: Option<usize>) -> Result<(tokio::runtime::Runtime, Colony)> {
    // Each worker is two threads (async and compute); past a few hundred the OS may refuse them,
    // which the runtime's builder reports by panicking.
    if let Some(n) = workers.filter(|n| !(1..=MAX_WORKERS).contains(n)) {
        anyhow::bail!("--workers must be between 1 and {MAX_WORKERS}, got {n}");
    }
    let threads = workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("colony-async")
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let colony = runtime.block_on(Colony::init(ColonyConfig {
        workers,
        ..ColonyConfig::default()
    }))?;
    Ok((runtime, colony))
}

/// A generation count as users write it: `1000`, `1_000`, `10^9`, `2^30`, `1e9`, `2.5e6` (up to
/// `u64::MAX`; a power or exponent must come out whole).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let s: String = text.trim().chars().filter(|&c| c != '_').collect();
    let too_large = || format!("{text:?} is larger than {}", u64::MAX);
    let integer = |digits: &str| -> Result<u64, String> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("expected a count like 1000, 10^9, 2^30 or 1e9, got {text:?}"));
        }
        digits.parse::<u64>().map_err(|_| too_large())
    };
    if let Some((base, exponent)) = s.split_once('^') {
        let (base, exponent) = (integer(base)?, integer(exponent)?);
        let exponent = u32::try_from(exponent).map_err(|_| too_large())?;
        return base.checked_pow(exponent).ok_or_else(too_large);
    }
    if let Some((mantissa, exponent)) = s.split_once(['e', 'E']) {
        let exponent = integer(exponent.strip_prefix('+').unwrap_or(exponent))?;
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let fraction = fraction.trim_end_matches('0');
        let digits = integer(&format!("{whole}{fraction}"))?;
        let shift = exponent
            .checked_sub(fraction.len() as u64)
            .ok_or_else(|| format!("{text:?} is not a whole number"))?;
        let shift = u32::try_from(shift).map_err(|_| too_large())?;
        return 10u64
            .checked_pow(shift)
            .and_then(|p| digits.checked_mul(p))
            .ok_or_else(too_large);
    }
    integer(&s)
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts_in_every_notation() {
        for (text, value) in [
            ("1000", 1000u64),
            ("1_000", 1000),
            ("10^9", 1_000_000_000),
            ("2^30", 1 << 30),
            ("1e9", 1_000_000_000),
            ("1E9", 1_000_000_000),
            ("2.5e6", 2_500_000),
            ("1.50e2", 150),
            ("0", 0),
            ("2^64", 0),
            ("18446744073709551615", u64::MAX),
        ] {
            if text == "2^64" {
                assert!(parse_count(text).is_err());
                continue;
            }
            assert_eq!(parse_count(text), Ok(value), "{text}");
        }
        for bad in [
            "",
            "-1",
            "1.5",
            "1e-3",
            "1.55e1",
            "x",
            "10^",
            "^3",
            "2^99",
            "1e20",
            "1e99999999999",
        ] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }
}
