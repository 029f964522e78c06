//! Turning user-supplied names and files into engine values, with errors that name the file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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
        let text = read_pattern_file(path)?;
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
        return parsed.map_err(|e| in_file(path, e));
    }
    if spec.contains(['/', '.']) {
        anyhow::bail!("pattern file {spec} does not exist");
    }
    pattern::named(spec).map_err(Into::into)
}

/// A pattern file's error naming the file: `file:line:column: message` for a parse error (its
/// message starts with line:column), `file: message` for the rest.
fn in_file(path: &Path, error: colony_life::LifeError) -> anyhow::Error {
    match error {
        colony_life::LifeError::Parse { .. } => anyhow::anyhow!("{}:{error}", path.display()),
        other => anyhow::anyhow!("{}: {other}", path.display()),
    }
}

/// Largest pattern file read, in bytes (Golly's largest published patterns are a few tens of MB).
pub const MAX_PATTERN_FILE_BYTES: u64 = 256 << 20;

/// A pattern file's text: only regular files (`/dev/zero` never ends) of at most
/// [`MAX_PATTERN_FILE_BYTES`].
pub fn read_pattern_file(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read pattern file {}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("pattern file {} is not a regular file", path.display());
    }
    if meta.len() > MAX_PATTERN_FILE_BYTES {
        anyhow::bail!(
            "pattern file {} is {} bytes; the limit is {MAX_PATTERN_FILE_BYTES}",
            path.display(),
            meta.len()
        );
    }
    let mut text = String::new();
    // A file that grows while it is read still stops at the limit.
    std::io::Read::take(File::open(path)?, MAX_PATTERN_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read pattern file {}", path.display()))?;
    if text.len() as u64 > MAX_PATTERN_FILE_BYTES {
        anyhow::bail!(
            "pattern file {} grew past {MAX_PATTERN_FILE_BYTES} bytes while being read",
            path.display()
        );
    }
    Ok(text)
}

/// Live cells collected from a reader, at most `limit` of them: a 30-byte RLE can claim 10^10
/// cells with one run count.
struct CellList {
    cells: Vec<(i64, i64)>,
    limit: usize,
    board: Option<(usize, usize)>,
}

impl colony_life::CellSink for CellList {
    fn set_cell(&mut self, x: i64, y: i64, alive: bool) -> colony_life::Result<()> {
        if alive && self.cells.len() >= self.limit {
            return Err(colony_life::LifeError::TooManyCells {
                limit: self.limit as u64,
            });
        }
        self.cells.set_cell(x, y, alive)
    }

    fn declare(&mut self, width: u64, height: u64) -> colony_life::Result<()> {
        match self.board {
            Some((w, h)) if width > w as u64 || height > h as u64 => Err(colony_life::LifeError::DoesNotFit {
                pattern_width: usize::try_from(width).unwrap_or(usize::MAX),
                pattern_height: usize::try_from(height).unwrap_or(usize::MAX),
                board_width: w,
                board_height: h,
                x: 0,
                y: 0,
            }),
            _ => Ok(()),
        }
    }
}

/// A pattern's live cells (relative to its top-left cell) and what its file says about them, at
/// most `max_cells` of them; a pattern whose declared extent exceeds `board` (when the board is
/// known) is refused before its cells are read. RLE files are read straight into a list of cells,
/// so a declared extent is never allocated.
pub fn load_cells(spec: &str, max_cells: u64, board: Option<(usize, usize)>) -> Result<(PatternInfo, Vec<(i64, i64)>)> {
    let path = Path::new(spec);
    let is_rle = path.exists()
        && match path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_path_extension)
        {
            Some(format) => format == Format::Rle,
            None => read_pattern_file(path).is_ok_and(|t| Format::detect(&t) == Format::Rle),
        };
    if is_rle {
        let text = read_pattern_file(path)?;
        let mut list = CellList {
            cells: Vec::new(),
            limit: usize::try_from(max_cells).unwrap_or(usize::MAX),
            board,
        };
        let info = pattern::read_rle(&text, &mut list, 0, 0).map_err(|e| in_file(path, e))?;
        return Ok((info, list.cells));
    }
    let p = match board {
        Some((w, h)) => load_pattern_within(spec, w as u64 * h as u64)?,
        None => load_pattern(spec)?,
    };
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

/// A file a command writes when its work is done. It is opened before the work starts, as a
/// hidden temporary file in the target's folder, so a missing or read-only folder is refused up
/// front rather than after an hour of work; and it is renamed into place only once complete, so
/// an interrupted command never leaves a truncated file where the output belongs.
pub struct Output {
    flag: &'static str,
    path: PathBuf,
    file: tempfile::NamedTempFile,
}

impl Output {
    /// Opens the temporary file for `path`, given with `flag` (named in errors).
    pub fn create(flag: &'static str, path: &Path) -> Result<Output> {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if path.is_dir() {
            anyhow::bail!("{flag} {} is a folder", path.display());
        }
        if !folder.is_dir() {
            anyhow::bail!(
                "{flag} {}: the folder {} does not exist",
                path.display(),
                folder.display()
            );
        }
        let file = tempfile::Builder::new()
            .prefix(".colony-")
            .suffix(".partial")
            .tempfile_in(folder)
            .map_err(|e| {
                // tempfile's message names its random file; the folder is what the user chose.
                let cause = e
                    .raw_os_error()
                    .map_or_else(|| e.to_string(), |c| std::io::Error::from_raw_os_error(c).to_string());
                anyhow::anyhow!(
                    "{flag} {}: cannot write in {}: {cause}",
                    path.display(),
                    folder.display()
                )
            })?;
        Ok(Output {
            flag,
            path: path.to_path_buf(),
            file,
        })
    }

    /// Where the output goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file, to write into.
    pub fn file(&mut self) -> &mut File {
        self.file.as_file_mut()
    }

    /// Writes `text` and puts the file in place.
    pub fn write(mut self, text: &str) -> Result<()> {
        let (flag, path) = (self.flag, self.path.clone());
        self.file()
            .write_all(text.as_bytes())
            .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
        self.commit()
    }

    /// Puts what was written in place of the target.
    pub fn commit(self) -> Result<()> {
        let Output { flag, path, file } = self;
        file.as_file()
            .sync_all()
            .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
        file.persist(&path)
            .map_err(|e| anyhow::anyhow!("{flag} {}: cannot write: {}", path.display(), e.error))?;
        Ok(())
    }
}

/// A flag raised by Ctrl-C, for commands that stop a long computation cleanly and still report
/// where it got to. The first call installs the handler; from then on Ctrl-C only raises the flag,
/// so only a command that polls it may call this.
pub fn interrupted() -> &'static std::sync::atomic::AtomicBool {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if let Err(e) = ctrlc::set_handler(|| FLAG.store(true, Ordering::Relaxed)) {
            tracing::warn!("Ctrl-C cannot stop this run cleanly: {e}");
        }
    });
    &FLAG
}

/// Most compute workers a command starts.
pub const MAX_WORKERS: usize = 256;

/// Threads one board is stepped on (`--threads`): 1 to [`MAX_WORKERS`], by default one per core.
pub fn board_threads(threads: Option<usize>) -> Result<usize> {
    match threads {
        Some(n) if !(1..=MAX_WORKERS).contains(&n) => {
            anyhow::bail!("--threads must be between 1 and {MAX_WORKERS}, got {n}")
        }
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_WORKERS)),
    }
}

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
