//! Turning user-supplied names and files into engine values, with errors that name the file.

use std::path::Path;

use anyhow::{Context, Result};
use colony_life::pattern::{self, Format, Pattern};

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
