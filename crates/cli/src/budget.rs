//! One memory budget for every command: what a command will hold is estimated before anything is
//! allocated, and a command that would not fit is refused with the figure and the limit, instead
//! of aborting halfway on a failed allocation.

use std::fmt;

use anyhow::{bail, Result};
use bytesize::ByteSize;

/// Of physical memory and of a cgroup's limit, the share a command may plan to hold: the rest is
/// the margin for the allocator, the runtime and the rest of the machine.
const RESIDENT_SHARE: f64 = 0.8;

/// Of the address-space limit (`ulimit -v`), the share a command may plan to hold: thread stacks
/// and allocator arenas take address space without holding memory.
const ADDRESS_SPACE_SHARE: f64 = 0.5;

/// How much memory a command may hold, and where the figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    bytes: u64,
    source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Flag,
    Physical,
    Cgroup,
    AddressSpace,
}

impl Budget {
    /// `--max-memory` when given; otherwise 80% of the smaller of physical memory and the cgroup
    /// limit, or half the address-space limit if that is smaller still.
    pub fn new(flag: Option<ByteSize>) -> Budget {
        if let Some(size) = flag {
            return Budget {
                bytes: size.as_u64(),
                source: Source::Flag,
            };
        }
        let mut system = sysinfo::System::new();
        system.refresh_memory();
        let share = |bytes: u64, f: f64| (bytes as f64 * f) as u64;
        let mut best = Budget {
            bytes: share(system.total_memory(), RESIDENT_SHARE),
            source: Source::Physical,
        };
        let mut consider = |bytes: u64, source: Source| {
            if bytes > 0 && bytes < best.bytes {
                best = Budget { bytes, source };
            }
        };
        if let Some(cgroup) = system.cgroup_limits() {
            consider(share(cgroup.total_memory, RESIDENT_SHARE), Source::Cgroup);
        }
        if let Ok((soft, _)) = rlimit::getrlimit(rlimit::Resource::AS) {
            if soft != rlimit::INFINITY {
                consider(share(soft, ADDRESS_SPACE_SHARE), Source::AddressSpace);
            }
        }
        if best.bytes == 0 {
            // Nothing could be read: plan as if on a small machine rather than refuse everything.
            best = Budget {
                bytes: 1 << 30,
                source: Source::Physical,
            };
        }
        best
    }

    /// The budget in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Refuses `what`, which would hold about `need` bytes, if that is more than the budget.
    pub fn check(&self, what: impl fmt::Display, need: u64) -> Result<()> {
        if need > self.bytes {
            bail!(
                "{what} would hold about {}, more than the memory budget of {} ({self}); \
                 ask for less, or raise --max-memory",
                ByteSize::b(need).display().iec(),
                ByteSize::b(self.bytes).display().iec(),
            );
        }
        Ok(())
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.source {
            Source::Flag => "--max-memory",
            Source::Physical => "80% of physical memory",
            Source::Cgroup => "80% of the cgroup's memory limit",
            Source::AddressSpace => "half the address-space limit, ulimit -v",
        })
    }
}

/// Parses `--max-memory`: bytes, or a size such as `512M`, `4G`, `4GiB` (K, M, G are powers of
/// 1000; Ki, Mi, Gi powers of 1024).
pub fn parse_size(text: &str) -> Result<ByteSize, String> {
    let size: ByteSize = text
        .trim()
        .parse()
        // bytesize's message names its unit parser's internals; the expected form says more.
        .map_err(|_| format!("{text:?} is not a size like 4G, 512MiB or a number of bytes below 2^64"))?;
    if size.as_u64() < 1 << 20 {
        return Err(format!("{text:?} is less than 1 MiB: nothing would fit"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("4G").map(|s| s.as_u64()), Ok(4_000_000_000));
        assert_eq!(parse_size("4GiB").map(|s| s.as_u64()), Ok(4 << 30));
        assert_eq!(parse_size("1048576").map(|s| s.as_u64()), Ok(1 << 20));
        assert!(parse_size("1K").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn the_flag_wins_and_the_default_is_positive() {
        let flag = Budget::new(Some(ByteSize::mib(64)));
        assert_eq!(flag.bytes(), 64 << 20);
        assert!(flag.check("a board", 64 << 20).is_ok());
        let err = flag.check("a board", (64 << 20) + 1).map_err(|e| e.to_string());
        assert!(
            err.as_ref()
                .is_err_and(|e| e.contains("64.0 MiB") && e.contains("--max-memory")),
            "{err:?}"
        );
        assert!(Budget::new(None).bytes() > 0);
    }
}
