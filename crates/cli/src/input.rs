//! Turning user-supplied names and files into engine values, with errors that name the file.

use std::path::Path;

use anyhow::{Context, Result};
use colony_actors::{Colony, ColonyConfig};
use colony_life::pattern::{self, Format, Pattern};
use colony_life::Board;

/// A pattern from a file path (`.rle`, `.cells`, or sniffed) or, when no such file exists, from
/// the named library.
pub fn load_pattern(spec: &str) -> Result<Pattern> {
    let path = Path::new(spec);
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read pattern file {}", path.display()))?;
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_path_extension);
        let parsed = match format {
            Some(Format::Rle) => pattern::parse_rle(&text),
            Some(Format::Plaintext) => pattern::parse_plaintext(&text),
            None => pattern::parse_auto(&text),
        };
        // Parse errors carry line:column; prefix the file so the message reads file:line:column.
        return parsed.map_err(|e| anyhow::anyhow!("{}:{e}", path.display()));
    }
    if spec.contains(['/', '.']) {
        anyhow::bail!("pattern file {spec} does not exist");
    }
    pattern::named(spec).map_err(Into::into)
}

/// Writes `text` to `path`, naming the file on failure.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A `width`×`height` board with `pattern` (named `name` in errors) pasted in its centre.
pub fn centred(pattern: &Board, name: &str, width: usize, height: usize) -> Result<Board> {
    let mut board = Board::new(width, height)?;
    let x = (width as i64 - pattern.width() as i64) / 2;
    let y = (height as i64 - pattern.height() as i64) / 2;
    board.paste(pattern, x, y).with_context(|| format!("pattern {name}"))?;
    Ok(board)
}

/// An async runtime and a colony on it with `workers` compute workers (default: one per core).
/// Small steps run inside actor tasks, so the runtime gets one thread per worker too.
pub fn start_colony(workers: Option<usize>) -> Result<(tokio::runtime::Runtime, Colony)> {
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
